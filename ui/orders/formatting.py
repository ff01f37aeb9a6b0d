"""How orders read on screen: money in minor units, local times, status words, money parsing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from app.money import format_money
from ui.formatting import local_time as local_time  # re-exported
from ui.formatting import plural as plural

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


def local_day_start(day: date) -> datetime:
    """Midnight at the start of `day` in local time, as aware UTC (for placed-from filters)."""
    return datetime.combine(day, time()).astimezone().astimezone(UTC)


def local_day_end(day: date) -> datetime:
    """Midnight after `day` in local time, as aware UTC (an exclusive placed-to bound)."""
    return local_day_start(day + timedelta(days=1))


def status_text(status: str, on_hold: bool = False) -> str:
    label = STATUS_LABELS.get(status, status.replace("_", " ").capitalize())
    return f"{label} · on hold" if on_hold else label
