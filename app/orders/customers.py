"""Customer lookup for order entry: find by email, name or phone as the clerk types."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from db.models import Customer


@dataclass(frozen=True, slots=True)
class CustomerMatch:
    id: int
    name: str
    email: str | None
    phone: str | None
    company: str | None
    address1: str | None
    address2: str | None
    city: str | None
    region: str | None
    postal_code: str | None
    country: str | None

    @property
    def label(self) -> str:
        where = ", ".join(p for p in (self.city, self.country) if p)
        return " · ".join(p for p in (self.name, self.email, where) if p)


def find_customers(session: Session, text: str, *, limit: int = 10) -> list[CustomerMatch]:
    """Customers whose email, name or phone starts with `text` (any case), newest first.

    Email prefixes use the email index; names also match from any word ("luk" finds
    "Zoë Łukasiewicz"). Fewer than two characters find nothing.
    """
    text = text.strip()
    if len(text) < 2:
        return []
    text = text.replace("%", "").replace("_", "")
    # SQLite's lower() and LIKE fold ASCII only, so non-ASCII capitals ("Łukas") are also
    # matched as typed and capitalised.
    forms = {text.lower(), text, text[:1].upper() + text[1:]}
    names = [
        condition
        for form in forms
        for condition in (
            func.lower(Customer.name).like(f"{form}%"),
            Customer.name.like(f"{form}%"),
            Customer.name.like(f"% {form}%"),
        )
    ]
    query = (
        select(Customer)
        .where(
            or_(Customer.email.like(f"{text.lower()}%"), Customer.phone.like(f"{text}%"), *names)
        )
        .order_by(Customer.id.desc())
        .limit(limit)
    )
    return [
        CustomerMatch(
            c.id,
            c.name,
            c.email,
            c.phone,
            c.company,
            c.address1,
            c.address2,
            c.city,
            c.region,
            c.postal_code,
            c.country,
        )
        for c in session.scalars(query)
    ]
