"""sales_order.first_shipped_at follows its shipments: shipped or delivered ones only.

`exercise_first_shipment` is also run on PostgreSQL (tests/db/test_postgres.py).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, select, update

from app.uow import unit_of_work
from db.first_shipment import first_shipment_problems
from db.models import SalesOrder, Shipment

T1 = datetime(2026, 4, 1, 9, tzinfo=UTC)
T2 = datetime(2026, 4, 2, 9, tzinfo=UTC)


def exercise_first_shipment(factory) -> None:
    with unit_of_work(factory) as s:
        a = SalesOrder(number="F-1", status="open", placed_at=T1)
        b = SalesOrder(number="F-2", status="open", placed_at=T1)
        s.add_all([a, b])
        s.flush()
        ids = (a.id, b.id)

    def check(change, expected: tuple) -> None:
        with unit_of_work(factory) as s:
            change(s)
        with unit_of_work(factory, write=False) as s:
            got = tuple(
                s.scalar(select(SalesOrder.first_shipped_at).where(SalesOrder.id == i)) for i in ids
            )
            assert got == expected
            assert first_shipment_problems(s.connection()) == []

    def ship(number, order, at, status="shipped"):
        return Shipment(number=number, order_id=order, status=status, shipped_at=at)

    check(lambda s: s.add(ship("F-S1", ids[0], None, status="packed")), (None, None))
    check(  # the packed parcel leaves on day 2, a second one already left on day 1
        lambda s: (
            s.execute(
                update(Shipment)
                .where(Shipment.number == "F-S1")
                .values(status="shipped", shipped_at=T2)
            ),
            s.add(ship("F-S2", ids[0], T1)),
        ),
        (T1, None),
    )
    check(
        lambda s: s.execute(
            update(Shipment).where(Shipment.number == "F-S2").values(status="voided")
        ),
        (T2, None),
    )
    check(  # a parcel moved to the other order (a data fix) takes its date along
        lambda s: s.execute(
            update(Shipment).where(Shipment.number == "F-S1").values(order_id=ids[1])
        ),
        (None, T2),
    )
    check(lambda s: s.execute(delete(Shipment).where(Shipment.number == "F-S1")), (None, None))


def test_first_shipped_at_follows_shipments(session_factory):
    exercise_first_shipment(session_factory)
