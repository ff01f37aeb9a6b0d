"""The order_day summary (orders, units, totals per day, channel, currency) follows every kind
of change to orders and lines, exactly; bulk intake sums its new orders at the end.

`exercise_order_summary` is also run on PostgreSQL (tests/db/test_postgres.py).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import delete, insert, select, update

from app.uow import unit_of_work
from db.models import Channel, OrderDay, OrderLine, SalesOrder
from db.order_summary import order_summary_problems
from db.summaries import new_orders_summed_after

D1, D2 = date(2026, 5, 10), date(2026, 5, 11)  # days no other test of the module uses
T1 = datetime(2026, 5, 10, 23, 0, tzinfo=UTC)
T2 = datetime(2026, 5, 11, 1, 0, tzinfo=UTC)


def exercise_order_summary(factory) -> None:
    with unit_of_work(factory) as s:
        web = Channel(kind="woocommerce", name="O-Web")
        s.add(web)
        s.flush()
        web_id = web.id
        a = SalesOrder(number="O-1", status="draft", placed_at=T1, total_minor=5000)
        s.add(a)
        s.flush()
        a_id = a.id
        s.add_all(
            [
                OrderLine(order_id=a_id, line_no=1, sku="O-A", name="A", quantity=2),
                OrderLine(order_id=a_id, line_no=2, sku="O-B", name="B", quantity=1),
            ]
        )
    ids: dict[str, int] = {"a": a_id}

    def step(change, expected: set[tuple]) -> None:
        with unit_of_work(factory) as s:
            change(s)
        with unit_of_work(factory, write=False) as s:
            rows = set(
                s.execute(
                    select(
                        OrderDay.day,
                        OrderDay.channel_key,
                        OrderDay.currency,
                        OrderDay.orders,
                        OrderDay.units,
                        OrderDay.revenue_minor,
                    ).where(OrderDay.day.in_((D1, D2)))
                ).all()
            )
            assert rows == expected
            assert order_summary_problems(s.connection()) == []

    def order(key, **values):
        return lambda s: s.execute(
            update(SalesOrder).where(SalesOrder.id == ids[key]).values(**values)
        )

    step(lambda s: None, set())  # a draft is not a sale
    step(order("a", status="open"), {(D1, 0, "USD", 1, 3, 5000)})

    def add_web_order(s):
        b = SalesOrder(
            number="O-2", status="open", placed_at=T1, channel_id=web_id, currency="EUR",
            total_minor=1000,
        )  # fmt: skip
        s.add(b)
        s.flush()
        ids["b"] = b.id
        s.add(OrderLine(order_id=b.id, line_no=1, sku="O-A", name="A", quantity=4))

    step(add_web_order, {(D1, 0, "USD", 1, 3, 5000), (D1, web_id, "EUR", 1, 4, 1000)})
    step(
        order("a", status="picking"), {(D1, 0, "USD", 1, 3, 5000), (D1, web_id, "EUR", 1, 4, 1000)}
    )

    def edit_a(s):  # an order edit: total and a quantity change
        s.execute(update(SalesOrder).where(SalesOrder.id == a_id).values(total_minor=5500))
        s.execute(
            update(OrderLine)
            .where(OrderLine.order_id == a_id, OrderLine.line_no == 1)
            .values(quantity=3)
        )

    step(edit_a, {(D1, 0, "USD", 1, 4, 5500), (D1, web_id, "EUR", 1, 4, 1000)})
    step(  # placed 23:00 → 01:00 the next UTC day, and moved to the web channel
        order("a", placed_at=T2, channel_id=web_id),
        {(D2, web_id, "USD", 1, 4, 5500), (D1, web_id, "EUR", 1, 4, 1000)},
    )
    step(
        lambda s: s.execute(
            delete(OrderLine).where(OrderLine.order_id == a_id, OrderLine.line_no == 2)
        ),
        {(D2, web_id, "USD", 1, 3, 5500), (D1, web_id, "EUR", 1, 4, 1000)},
    )
    step(order("a", status="cancelled"), {(D1, web_id, "EUR", 1, 4, 1000)})
    step(lambda s: s.execute(delete(SalesOrder).where(SalesOrder.id == ids["b"])), set())

    def bulk(s):
        with new_orders_summed_after(s.connection()) as new_ids:
            for number, qty in (("O-3", 2), ("O-4", 5)):
                oid = s.execute(
                    insert(SalesOrder).returning(SalesOrder.id),
                    [{"number": number, "status": "open", "placed_at": T2, "total_minor": 700}],
                ).scalar_one()
                s.execute(
                    insert(OrderLine),
                    [{"order_id": oid, "line_no": 1, "sku": "O-A", "name": "A", "quantity": qty}],
                )
                new_ids.append(oid)

    step(bulk, {(D2, 0, "USD", 2, 7, 1400)})
    step(  # the triggers are back after the block
        lambda s: s.add(SalesOrder(number="O-5", status="open", placed_at=T2, total_minor=100)),
        {(D2, 0, "USD", 3, 7, 1500)},
    )


def test_order_summary_follows_every_change(session_factory):
    exercise_order_summary(session_factory)


def test_doctor_reports_order_summary_out_of_step(session_factory):
    exercise_order_summary(session_factory)
    with unit_of_work(session_factory) as s:
        s.execute(update(OrderDay).values(units=OrderDay.units + 1))
    with unit_of_work(session_factory, write=False) as s:
        problems = order_summary_problems(s.connection())
    assert problems == [
        "order summary for 2026-05-11 (manual, USD) does not match the orders "
        "(run `packbench doctor --repair`)"
    ]
