"""Stock lookups for a few products at one location start from those products' levels, not
from every bin of the location (a 4,000-bin warehouse made each pick plan 3 ms)."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event, insert, select

from app.inventory.dto import ProductInput
from app.inventory.ledger import receive_stock, sellable_on_hand
from app.inventory.locations import create_location
from app.inventory.products import create_product
from app.inventory.reservations import availability, plan_picks
from app.uow import unit_of_work
from db.models import Bin, OrderLine


@contextmanager
def _plans(session_factory, table: str = "stock_level"):
    """The SQLite query plans (EXPLAIN QUERY PLAN details) of reads of `table` in the block."""
    engine = session_factory.kw["bind"]
    plans: list[str] = []

    def explain(conn, cursor, statement, params, context, executemany):
        if statement.lstrip().startswith("SELECT") and f"FROM {table}" in statement:
            plans.extend(
                row[3]
                for row in cursor.connection.execute(f"EXPLAIN QUERY PLAN {statement}", params)
            )

    event.listen(engine, "before_cursor_execute", explain)
    try:
        yield plans
    finally:
        event.remove(engine, "before_cursor_execute", explain)


@pytest.fixture
def warehouse(session_factory):
    """One location with 300 bins; five products stocked in two of them each."""
    with unit_of_work(session_factory) as s:
        location = create_location(s, code="WH", name="Warehouse", actor="t").id
        s.execute(
            insert(Bin),
            [
                {"location_id": location, "code": f"B-{n:03d}", "walk_sequence": n}
                for n in range(300)
            ],
        )
        bins = list(s.scalars(select(Bin.id).where(Bin.location_id == location)))
        products = [
            create_product(s, ProductInput(sku=f"P-{n}", name=f"P {n}"), actor="t").id
            for n in range(5)
        ]
        for n, product in enumerate(products):
            for bin_id in (bins[7 + n], bins[200 + n]):
                receive_stock(s, product_id=product, bin_id=bin_id, quantity=3, actor="t")
    return location, products


@pytest.mark.parametrize(
    "lookup",
    [
        lambda s, loc, p: plan_picks(s, [(p[0], loc, 4), (p[1], loc, 1)]),
        lambda s, loc, p: availability(s, p, [loc]),
        lambda s, loc, p: sellable_on_hand(s, p[0], loc),
    ],
    ids=["plan_picks", "availability at a location", "sellable_on_hand"],
)
def test_stock_at_a_location_is_read_by_product(session_factory, warehouse, lookup):
    location, products = warehouse
    with _plans(session_factory) as plans, unit_of_work(session_factory, write=False) as s:
        lookup(s, location, products)
    assert plans
    assert any("stock_level" in p and "product_id=" in p for p in plans), plans
    assert not any(p.startswith("SEARCH bin USING INDEX") for p in plans), plans


def test_stock_taken_out_of_bins_is_looked_up_not_scanned(session_factory, warehouse):
    """Moving stock out of bins reads those (product, bin) levels by index: a row-value IN made
    SQLite scan every stock level (222k in the demo shop: 2.7 ms a shipment)."""
    from app.inventory.ledger import MoveSpec, post_moves
    from db.enums import MoveReason
    from db.models import StockLevel

    _location, products = warehouse
    with unit_of_work(session_factory) as s:
        levels = s.execute(
            select(StockLevel.product_id, StockLevel.bin_id).where(
                StockLevel.product_id.in_(products[:2])
            )
        ).all()
        with _plans(session_factory) as plans:
            post_moves(
                s,
                [MoveSpec(p, 1, MoveReason.SHIP, from_bin_id=b) for p, b in levels],
                actor="t",
                protect_reservations=False,
            )
    assert plans and not any(p.startswith("SCAN stock_level") for p in plans), plans


def test_skus_in_any_case_are_found_through_the_index(session_factory, warehouse):
    """An order line given by SKU, in another case, finds its product through the
    lower(sku) index (migration 0010), not by reading every product (13 ms for 500 SKUs in
    the 100k-product shop before)."""
    from app.orders.address import Address
    from app.orders.dto import LineInput, OrderInput
    from app.orders.services import create_order

    _location, products = warehouse
    ship_to = Address("Ann", "1 Main St", "Austin", "73301", "US", "TX")
    with unit_of_work(session_factory) as s, _plans(session_factory, "product") as plans:
        saved = create_order(
            s,
            OrderInput((LineInput(quantity=1, sku="p-1"),), ship_to=ship_to, confirm=False),
            actor="t",
        )
        line_product = s.scalar(select(OrderLine.product_id).where(OrderLine.order_id == saved.id))
    assert line_product == products[1]
    assert plans and not any(p.startswith("SCAN product") for p in plans), plans
