"""Customer lookup by email, name or phone prefix."""

from __future__ import annotations

from app.orders.customers import find_customers
from app.uow import unit_of_work
from db.models import Customer


def test_find_by_email_name_and_phone(session_factory):
    with unit_of_work(session_factory) as s:
        s.add_all(
            [
                Customer(
                    name="Zoë Łukasiewicz",
                    email="zoe@example.com",
                    phone="+48 600 100",
                    city="Kraków",
                    country="PL",
                ),
                Customer(name="Søren Kierkegaard", email="soren@example.dk", country="DK"),
            ]
        )
    with unit_of_work(session_factory, write=False) as s:
        assert [c.name for c in find_customers(s, "ZOE@")] == ["Zoë Łukasiewicz"]
        assert [c.name for c in find_customers(s, "Łukas")] == ["Zoë Łukasiewicz"]
        assert [c.email for c in find_customers(s, "+48")] == ["zoe@example.com"]
        assert [c.name for c in find_customers(s, "sø")] == ["Søren Kierkegaard"]
        assert find_customers(s, "z") == []
        assert find_customers(s, "zoe")[0].label == "Zoë Łukasiewicz · zoe@example.com · Kraków, PL"
