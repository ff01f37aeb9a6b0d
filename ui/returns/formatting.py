"""How returns read on screen: words for statuses, reasons and dispositions, money, times."""

from __future__ import annotations

from collections.abc import Mapping

from app.money import format_money
from ui.formatting import local_time as local_time  # re-exported
from ui.formatting import plural as plural

# The database's values (db/enums.py) as people read them; ui/ must not import db/.
STATUS_LABELS = {
    "requested": "Requested",
    "authorized": "Authorized",
    "received": "Received",
    "closed": "Closed",
    "rejected": "Rejected",
}
RESOLUTION_LABELS = {"refund": "Refund", "exchange": "Exchange", "store_credit": "Store credit"}
REASON_LABELS = {
    "damaged": "Damaged",
    "wrong_item": "Wrong item",
    "not_as_described": "Not as described",
    "no_longer_needed": "No longer needed",
    "other": "Other",
}
CONDITION_LABELS = {"new": "New", "opened": "Opened", "damaged": "Damaged"}
DISPOSITION_LABELS = {
    "restock": "Restock",
    "quarantine": "Quarantine",
    "scrap": "Scrap",
    "return_to_vendor": "Return to vendor",
}
ORDER_STATUS_LABELS = {
    "partially_shipped": "Partially shipped",
    "shipped": "Shipped",
    "delivered": "Delivered",
}
OTHER_REASON = "other"
RESTOCK = "restock"
QUARANTINE_KIND = "quarantine"
RETURNABLE_ORDER_STATUSES = ("partially_shipped", "shipped", "delivered")
RESOLVABLE = ("authorized", "received")


def label(mapping: Mapping[str, str], value: str | None) -> str:
    """The word for a stored value; unknown values read as 'Some value'; None as ''."""
    if not value:
        return ""
    return mapping.get(value, value.replace("_", " ").capitalize())


def money(minor: int | None, currency: str) -> str:
    """'$1,234.50', '¥1,200', '12.99 CHF'; empty for None."""
    return "" if minor is None else format_money(int(minor), currency)


def sentence(text: str) -> str:
    """A service message as a sentence: capital first letter, full stop at the end."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?…" else text + "."
