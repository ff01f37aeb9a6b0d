"""The sales_day summary follows every kind of change to orders and lines, exactly.

`exercise_sales_summary` is also run on PostgreSQL (tests/db/test_postgres.py), whose triggers
are PL/pgSQL functions rather than SQLite triggers.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import delete, insert, select, update

from app.uow import unit_of_work
from db.models import Channel, OrderLine, Product, ProductSales, SalesDay, SalesOrder
from db.product_sales import product_sales_problems
from db.sales_summary import rebuild_sales_summary, sales_summary_problems
from db.summaries import new_orders_summed_after

DAY1 = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
DAY2 = datetime(2026, 3, 3, 0, 30, tzinfo=UTC)
SKUS = ("S-MUG", "S-CAP", "LOOSE")  # other tests may share the database (PostgreSQL)


def _rows(s) -> set[tuple]:
    return set(
        s.execute(
            select(
                SalesDay.sku,
                SalesDay.day,
                SalesDay.channel_key,
                SalesDay.units,
                SalesDay.revenue_minor,
            ).where(SalesDay.sku.in_(SKUS))
        ).all()
    )


def _totals(s) -> dict[str, int]:
    """The all-time product_sales units by SKU (products only; unmatched SKUs share key 0)."""
    return {
        sku: units
        for sku, units in s.execute(
            select(Product.sku, ProductSales.units)
            .join(Product, Product.id == ProductSales.product_key)
            .where(Product.sku.in_(SKUS), ProductSales.units != 0)
        )
    }


def _step(factory, change, expected: set[tuple]) -> None:
    """Apply `change` in its own transaction, then compare the summary with `expected` and
    with a fresh sum of the lines, and the all-time product totals with the summary."""
    with unit_of_work(factory) as s:
        change(s)
    with unit_of_work(factory, write=False) as s:
        assert _rows(s) == expected
        assert sales_summary_problems(s.connection()) == []
        assert product_sales_problems(s.connection()) == []
        totals: dict[str, int] = {}
        for sku, _day, _channel, units, _revenue in expected:
            if sku != "LOOSE":
                totals[sku] = totals.get(sku, 0) + units
        assert _totals(s) == totals


def exercise_sales_summary(factory) -> None:
    d1, d2 = date(2026, 3, 2), date(2026, 3, 3)
    with unit_of_work(factory) as s:
        mug = Product(sku="S-MUG", name="Mug")
        cap = Product(sku="S-CAP", name="Cap")
        web = Channel(kind="shopify", name="S-Web")
        s.add_all([mug, cap, web])
        s.flush()
        mug_id, cap_id, web_id = mug.id, cap.id, web.id
        order = SalesOrder(number="S-1", status="draft", placed_at=DAY1)
        other = SalesOrder(number="S-2", status="open", placed_at=DAY1, channel_id=web_id)
        s.add_all([order, other])
        s.flush()
        order_id, other_id = order.id, other.id
        s.add_all(
            [
                OrderLine(
                    order_id=order_id,
                    line_no=1,
                    product_id=mug_id,
                    sku="S-MUG",
                    name="Mug",
                    quantity=2,
                    unit_price_minor=1000,
                    discount_minor=100,
                ),
                OrderLine(
                    order_id=order_id,
                    line_no=2,
                    product_id=None,
                    sku="LOOSE",
                    name="Unmatched",
                    quantity=1,
                    unit_price_minor=500,
                ),
                OrderLine(
                    order_id=other_id,
                    line_no=1,
                    product_id=mug_id,
                    sku="S-MUG",
                    name="Mug",
                    quantity=1,
                    unit_price_minor=1000,
                ),
            ]
        )
    with unit_of_work(factory, write=False) as s:
        # The draft does not count; the open web order does.
        assert _rows(s) == {("S-MUG", d1, web_id, 1, 1000)}

    def open_order(s):
        s.execute(update(SalesOrder).where(SalesOrder.id == order_id).values(status="open"))

    _step(
        factory,
        open_order,
        {("S-MUG", d1, web_id, 1, 1000), ("S-MUG", d1, 0, 2, 1900), ("LOOSE", d1, 0, 1, 500)},
    )

    def lifecycle_steps(s):  # counted → counted: nothing moves
        for status in ("picking", "packed", "shipped"):
            s.execute(update(SalesOrder).where(SalesOrder.id == order_id).values(status=status))

    _step(
        factory,
        lifecycle_steps,
        {("S-MUG", d1, web_id, 1, 1000), ("S-MUG", d1, 0, 2, 1900), ("LOOSE", d1, 0, 1, 500)},
    )

    def edit_line(s):  # quantity, price and product of a line change at once
        s.execute(
            update(OrderLine)
            .where(OrderLine.order_id == order_id, OrderLine.line_no == 2)
            .values(product_id=cap_id, sku="S-CAP", quantity=3, unit_price_minor=700)
        )

    _step(
        factory,
        edit_line,
        {("S-MUG", d1, web_id, 1, 1000), ("S-MUG", d1, 0, 2, 1900), ("S-CAP", d1, 0, 3, 2100)},
    )

    def move_day_and_channel(s):  # 23:30 → 00:30 next UTC day, manual → web
        s.execute(
            update(SalesOrder)
            .where(SalesOrder.id == order_id)
            .values(placed_at=DAY2, channel_id=web_id)
        )

    _step(
        factory,
        move_day_and_channel,
        {
            ("S-MUG", d1, web_id, 1, 1000),
            ("S-MUG", d2, web_id, 2, 1900),
            ("S-CAP", d2, web_id, 3, 2100),
        },
    )

    def move_line_to_other_order(s):
        s.execute(
            update(OrderLine)
            .where(OrderLine.order_id == order_id, OrderLine.line_no == 2)
            .values(order_id=other_id, line_no=2)
        )

    _step(
        factory,
        move_line_to_other_order,
        {
            ("S-MUG", d1, web_id, 1, 1000),
            ("S-CAP", d1, web_id, 3, 2100),
            ("S-MUG", d2, web_id, 2, 1900),
        },
    )

    def delete_line(s):
        s.execute(delete(OrderLine).where(OrderLine.order_id == other_id, OrderLine.line_no == 1))

    _step(
        factory,
        delete_line,
        {("S-CAP", d1, web_id, 3, 2100), ("S-MUG", d2, web_id, 2, 1900)},
    )

    def cancel(s):
        s.execute(update(SalesOrder).where(SalesOrder.id == order_id).values(status="cancelled"))

    _step(factory, cancel, {("S-CAP", d1, web_id, 3, 2100)})

    def reopen(s):
        s.execute(update(SalesOrder).where(SalesOrder.id == order_id).values(status="open"))

    _step(factory, reopen, {("S-CAP", d1, web_id, 3, 2100), ("S-MUG", d2, web_id, 2, 1900)})

    def delete_order(s):  # its lines go by the foreign key's cascade
        s.execute(delete(SalesOrder).where(SalesOrder.id == other_id))

    _step(factory, delete_order, {("S-MUG", d2, web_id, 2, 1900)})

    def bulk_load(s):  # summed once at the end of the block, the triggers back afterwards
        with new_orders_summed_after(s.connection()) as new_ids:
            # An older order changed inside the block is counted as usual.
            s.execute(
                update(OrderLine)
                .where(OrderLine.order_id == order_id, OrderLine.product_id == mug_id)
                .values(quantity=3)
            )
            bulk_id = s.execute(
                insert(SalesOrder).returning(SalesOrder.id),
                [{"number": "S-3", "status": "open", "placed_at": DAY1}],
            ).scalar_one()
            s.execute(
                insert(OrderLine),
                [
                    {"order_id": bulk_id, "line_no": n, "product_id": cap_id, "sku": "S-CAP",
                     "name": "Cap", "quantity": 2, "unit_price_minor": 300}
                    for n in (1, 2)
                ],
            )  # fmt: skip
            new_ids.append(bulk_id)
        s.add(
            OrderLine(
                order_id=bulk_id, line_no=3, product_id=cap_id, sku="S-CAP", name="Cap",
                quantity=1, unit_price_minor=300,
            )
        )  # fmt: skip

    _step(factory, bulk_load, {("S-MUG", d2, web_id, 3, 2900), ("S-CAP", d1, 0, 5, 1500)})

    with unit_of_work(factory) as s:  # a rebuild from the lines gives the same table
        rebuild_sales_summary(s.connection())
        assert _rows(s) == {("S-MUG", d2, web_id, 3, 2900), ("S-CAP", d1, 0, 5, 1500)}
        assert _totals(s) == {"S-MUG": 3, "S-CAP": 5}
        assert product_sales_problems(s.connection()) == []


def test_summary_follows_every_change(session_factory):
    exercise_sales_summary(session_factory)


def test_doctor_reports_a_summary_out_of_step(session_factory):
    exercise_sales_summary(session_factory)
    with unit_of_work(session_factory) as s:
        s.execute(update(SalesDay).values(units=SalesDay.units + 1))
    with unit_of_work(session_factory, write=False) as s:
        problems = sales_summary_problems(s.connection())
    assert len(problems) == 2
    assert any("S-MUG on 2026-03-03 (channel" in p for p in problems)
    assert any("S-CAP on 2026-03-02 (manual)" in p for p in problems)


def test_doctor_reports_sales_totals_out_of_step(session_factory):
    exercise_sales_summary(session_factory)
    with unit_of_work(session_factory) as s:
        s.execute(update(ProductSales).values(units=ProductSales.units + 1))
        cap = s.scalar(select(Product.id).where(Product.sku == "S-CAP"))
    with unit_of_work(session_factory, write=False) as s:
        problems = product_sales_problems(s.connection())
        assert sales_summary_problems(s.connection()) == []
    assert any(
        p.startswith(f"sales total for product #{cap} does not match the sales summary")
        for p in problems
    )
    assert len(problems) >= 2  # the mug's too (and any other product's on a shared database)
