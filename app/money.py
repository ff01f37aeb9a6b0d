"""Money as integer minor units plus an ISO 4217 code: exponents, display text, typed input."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

# ISO 4217 minor-unit exponents that differ from the usual 2.
EXPONENTS = {
    **dict.fromkeys(
        "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split(), 0
    ),
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),
}
# Currencies shown with a symbol in front; every other one as "12.99 CHF".
SYMBOLS = {
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "CAD": "CA$",
    "AUD": "A$",
    "NZD": "NZ$",
}


def currency_exponent(currency: str) -> int:
    """Digits after the decimal point for the currency (JPY 0, USD 2, KWD 3)."""
    return EXPONENTS.get((currency or "").upper(), 2)  # unknown or missing: 2


def format_money(minor: int, currency: str) -> str:
    """'$1,234.50', '€12.99', '¥1,200', '12.99 CHF' for an amount in minor units."""
    code = currency.upper()
    exponent = currency_exponent(code)
    sign = "-" if minor < 0 else ""
    whole, fraction = divmod(abs(minor), 10**exponent)
    amount = f"{whole:,}" + (f".{fraction:0{exponent}d}" if exponent else "")
    symbol = SYMBOLS.get(code)
    return f"{sign}{symbol}{amount}" if symbol else f"{sign}{amount} {code}"


def plain_amount(minor: int, currency: str) -> str:
    """The amount as typed into a field, without symbol or grouping: '12.50', '1200' (JPY)."""
    return decimal_text(minor, currency_exponent(currency))


def decimal_text(minor: int, exponent: int = 2) -> str:
    """Minor units as a plain decimal with `exponent` places: 1299 → '12.99', -5 → '-0.05'."""
    sign = "-" if minor < 0 else ""
    whole, fraction = divmod(abs(minor), 10**exponent)
    return f"{sign}{whole}" + (f".{fraction:0{exponent}d}" if exponent else "")


def parse_amount(text: str, currency: str) -> int:
    """Minor units from typed text ('12.5' → 1250 for USD, '12,50', '$1,200.00'). Empty is 0.

    Raises ValueError for text that is not an amount, is negative or has more decimals than
    the currency uses.
    """
    cleaned = (text or "").strip().replace(" ", "")
    for symbol in (*SYMBOLS.values(), currency.upper()):
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
