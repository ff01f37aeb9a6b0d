"""How orders read on screen: money in minor units, local times, status words, money parsing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from app.documents.formatting import currency_exponent, format_money

STATUS_LABELS = {
    "draft": "Draft",
    "open": "Open",
    "picking": "Picking",
    "packed": "Packed",
    "partially_shipped": "Partially shipped",
    "shipped": "Shipped",
    "delivered": "Delivered",
    "cancelled": "Cancelled",
}
PAYMENT_LABELS = {
    "pending": "Pending",
    "paid": "Paid",
    "partially_refunded": "Partly refunded",
    "refunded": "Refunded",
}
DELIVERY_LABELS = {"ship": "Ship", "pickup": "Pick up in store"}


def money(minor: int | None, currency: str) -> str:
    """'$1,234.50', '¥1,200', '12.99 CHF'; empty for None."""
    return "" if minor is None else format_money(int(minor), currency)


def plain_amount(minor: int, currency: str) -> str:
    """The amount without symbol or grouping, as typed into a field: '12.50', '1200' (JPY)."""
    exponent = currency_exponent(currency)
    if not exponent:
        return str(minor)
    sign = "-" if minor < 0 else ""
    whole, fraction = divmod(abs(minor), 10**exponent)
    return f"{sign}{whole}.{fraction:0{exponent}d}"


def parse_amount(text: str, currency: str) -> int:
    """Minor units from typed text ('12.5' → 1250 for USD, '1,200' → 1200 for JPY).

    Empty text is 0. Raises ValueError for text that is not an amount, is negative or has more
    decimals than the currency uses.
    """
    cleaned = text.strip().replace(",", "").replace(" ", "")
    for symbol in ("$", "€", "£", "¥", currency.upper()):
        cleaned = cleaned.replace(symbol, "")
    if not cleaned:
        return 0
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"{text.strip()!r} is not an amount") from None
    if not value.is_finite():
        raise ValueError(f"{text.strip()!r} is not an amount")
    if value < 0:
        raise ValueError("amounts must not be negative")
    exponent = currency_exponent(currency)
    scaled = value.scaleb(exponent)
    if scaled != scaled.to_integral_value():
        places = f"{exponent} decimal places" if exponent else "no decimals"
        raise ValueError(f"{currency.upper()} amounts have {places}")
    return int(scaled)


def local_time(moment: datetime | None, *, seconds: bool = False) -> str:
    """An aware UTC timestamp in the computer's time zone: '2025-03-14 09:05'."""
    if moment is None:
        return ""
    if moment.tzinfo is None:  # stored values are aware; be lenient with test data
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def local_day_start(day: date) -> datetime:
    """Midnight at the start of `day` in local time, as aware UTC (for placed-from filters)."""
    return datetime.combine(day, time()).astimezone().astimezone(UTC)


def local_day_end(day: date) -> datetime:
    """Midnight after `day` in local time, as aware UTC (an exclusive placed-to bound)."""
    return local_day_start(day + timedelta(days=1))


def status_text(status: str, on_hold: bool = False) -> str:
    label = STATUS_LABELS.get(status, status.replace("_", " ").capitalize())
    return f"{label} · on hold" if on_hold else label


def plural(number: int, noun: str) -> str:
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {noun}s"
