"""Inventory display helpers: money in the shop currency, kinds, row colours, local times."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from PySide6.QtGui import QColor

from app.documents.formatting import currency_exponent, format_money
from app.errors import ValidationError
from ui.formatting import plural as plural  # re-exported

# The value sets app/ stores (db.enums); ui/ may not import db, so they are spelled out here.
LOCATION_KINDS = ("warehouse", "store")
BIN_KINDS = ("storage", "receiving", "quarantine")

# Readable on the light theme; the foreground is set too so a dark palette stays legible.
LOW_STOCK_BACKGROUND = QColor("#ffedc2")
LOW_STOCK_FOREGROUND = QColor("#4d3200")
ARCHIVED_FOREGROUND = QColor("#8a949e")
ERROR_COLOUR = QColor("#b71c1c")
OK_COLOUR = QColor("#2e7d32")

_AMOUNT = re.compile(r"\d+(\.\d*)?|\.\d+")


def money_text(minor: int, currency: str) -> str:
    """'$12.50' for 1250 USD."""
    return format_money(minor, currency)


def decimal_text(minor: int, currency: str) -> str:
    """The amount as a person types it, without symbol: '12.50' (USD), '1200' (JPY)."""
    exponent = currency_exponent(currency)
    if exponent == 0:
        return str(minor)
    sign = "-" if minor < 0 else ""
    whole, fraction = divmod(abs(minor), 10**exponent)
    return f"{sign}{whole}.{fraction:0{exponent}d}"


def parse_money(text: str, currency: str, *, field: str) -> int:
    """'12.5' → 1250 minor units (USD); empty → 0. ValidationError names `field` otherwise."""
    cleaned = "".join(text.split())
    if not cleaned:
        return 0
    if "," in cleaned and "." not in cleaned and cleaned.count(",") == 1:
        cleaned = cleaned.replace(",", ".")  # a decimal comma, as typed in much of Europe
    exponent = currency_exponent(currency)
    example = "12" if exponent == 0 else "12." + "5" * exponent
    if not _AMOUNT.fullmatch(cleaned):
        raise ValidationError(f"enter an amount such as {example}", field=field)
    try:
        minor = Decimal(cleaned).scaleb(exponent)
    except InvalidOperation:
        raise ValidationError(f"enter an amount such as {example}", field=field) from None
    if minor != minor.to_integral_value():
        raise ValidationError(
            f"{currency} amounts have {exponent} decimal places at most", field=field
        )
    if minor > 2**53:
        raise ValidationError("that amount is too large", field=field)
    return int(minor)
