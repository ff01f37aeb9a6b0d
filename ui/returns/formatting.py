"""How returns read on screen: words for statuses, reasons and dispositions, money, times."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from app.documents.formatting import currency_exponent, format_money

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


def plain_amount(minor: int, currency: str) -> str:
    """The amount as typed into a field: '12.50', '1200' (JPY)."""
    exponent = currency_exponent(currency)
    if not exponent:
        return str(minor)
    sign = "-" if minor < 0 else ""
    whole, fraction = divmod(abs(minor), 10**exponent)
    return f"{sign}{whole}.{fraction:0{exponent}d}"


def parse_amount(text: str, currency: str) -> int:
    """Minor units from typed text ('12.5' → 1250 for USD). Empty text is 0.

    Raises ValueError for text that is not an amount, is negative or has more decimals than
    the currency uses.
    """
    cleaned = text.strip().replace(" ", "")
    for symbol in ("$", "€", "£", "¥", currency.upper()):
        cleaned = cleaned.replace(symbol, "")
    if "," in cleaned and "." not in cleaned and len(cleaned.rpartition(",")[2]) != 3:
        cleaned = cleaned.replace(",", ".")  # a decimal comma: '12,50'
    cleaned = cleaned.replace(",", "")
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


def local_time(moment: datetime | None) -> str:
    """An aware UTC timestamp in the computer's time zone: '2025-03-14 09:05'."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def plural(number: int, noun: str) -> str:
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {noun}s"


def sentence(text: str) -> str:
    """A service message as a sentence: capital first letter, full stop at the end."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?…" else text + "."
