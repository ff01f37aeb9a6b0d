"""Report values and their text: money cells, date-range presets, numbers for tables and CSV."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from app.documents.formatting import currency_exponent, format_money
from ui.formatting import plural as plural  # re-exported

# (key, label) in the order the range menu offers them.
PRESETS = (
    ("today", "Today"),
    ("last_7_days", "Last 7 days"),
    ("last_30_days", "Last 30 days"),
    ("this_month", "This month"),
    ("last_month", "Last month"),
    ("custom", "Custom range"),
)


def preset_range(preset: str, today: date) -> tuple[date, date]:
    """The inclusive (first, last) days of a preset ending `today`; KeyError for unknown keys."""
    if preset == "today":
        return today, today
    if preset == "last_7_days":
        return today - timedelta(days=6), today
    if preset == "last_30_days":
        return today - timedelta(days=29), today
    if preset == "this_month":
        return today.replace(day=1), today
    if preset == "last_month":
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    raise KeyError(preset)


@dataclass(frozen=True, slots=True, order=True)
class Money:
    """A table cell holding an amount in minor units of its currency."""

    minor: int
    currency: str

    def text(self) -> str:
        """'$1,234.50' for people."""
        return format_money(self.minor, self.currency)

    def decimal(self) -> str:
        """'1234.50' for spreadsheets: no symbol, no thousands separator, '.' decimal point."""
        return decimal_text(self.minor, self.currency)

    def major(self) -> float:
        """The amount in major units, for chart axes only (never for sums)."""
        return self.minor / 10 ** currency_exponent(self.currency)


def decimal_text(minor: int, currency: str) -> str:
    exponent = currency_exponent(currency)
    if exponent == 0:
        return str(minor)
    sign = "-" if minor < 0 else ""
    whole, fraction = divmod(abs(minor), 10**exponent)
    return f"{sign}{whole}.{fraction:0{exponent}d}"


def major(minor: int, currency: str) -> float:
    return minor / 10 ** currency_exponent(currency)


def product_label(sku: str, name: str, width: int = 34) -> str:
    """'SKU Name' cut to `width` characters with an ellipsis, for chart axes."""
    text = f"{sku} {name}"
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def range_text(first: date | None, last: date | None) -> str:
    """'2 Mar 2026 – 31 Mar 2026', or one day alone."""
    if first is None or last is None:
        return "all time"
    if first == last:
        return f"{first:%a %d %b %Y}"
    return f"{first:%d %b %Y} – {last:%d %b %Y}"
