"""GTIN (EAN-13, UPC-A, EAN-8, GTIN-14) check digits: typo'd codes are refused, naming the
expected digit."""

from __future__ import annotations

from app.errors import ValidationError

GTIN_LENGTHS = {8: "EAN-8", 12: "UPC-A", 13: "EAN-13", 14: "GTIN-14"}


def gs1_check_digit(data: str) -> int:
    """GS1 mod 10: weights 3,1,3,… from the right-most data digit."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(data)))
    return (10 - total % 10) % 10


def normalize_gtin(code: str, *, field: str = "gtin") -> str:
    """Return the code without spaces or dashes if it is a valid GTIN, else ValidationError.

    The message names the symbology and the check digit the code should have, so a clerk who
    mistyped one digit sees what is wrong.
    """
    compact = "".join(code.split()).replace("-", "")
    if not compact.isdigit():
        raise ValidationError(f"GTIN {code!r} must contain digits only", field=field)
    kind = GTIN_LENGTHS.get(len(compact))
    if kind is None:
        raise ValidationError(
            f"GTIN {code!r} has {len(compact)} digits; EAN-8, UPC-A, EAN-13 and GTIN-14 have "
            "8, 12, 13 or 14",
            field=field,
        )
    expected = gs1_check_digit(compact[:-1])
    if int(compact[-1]) != expected:
        raise ValidationError(
            f"{kind} {compact} has a wrong check digit: {compact[-1]}, expected {expected} "
            f"({compact[:-1]}{expected})",
            field=field,
        )
    return compact


def gtin_kind(code: str) -> str | None:
    """'EAN-13', 'UPC-A', ... for a valid GTIN, else None."""
    try:
        return GTIN_LENGTHS[len(normalize_gtin(code))]
    except ValidationError:
        return None


def gtin_variants(code: str) -> list[str]:
    """Forms a scanner may send for the same item: a UPC-A also reads as EAN-13 with a 0."""
    variants = [code]
    if len(code) == 12:
        variants.append("0" + code)
    elif len(code) == 13 and code.startswith("0"):
        variants.append(code[1:])
    return variants
