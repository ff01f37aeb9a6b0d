"""`run_doctor` passes a consistent shop and names each seeded inconsistency."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update

from app.doctor import run_doctor
from app.uow import unit_of_work
from db.models import (
    Bin,
    Location,
    OrderLine,
    Product,
    Reservation,
    SalesOrder,
    StockLevel,
    StockMove,
)

T0 = datetime(2026, 5, 1, 12, tzinfo=UTC)


def _seed(session_factory) -> dict[str, int]:
    with unit_of_work(session_factory) as s:
        loc = Location(code="MAIN", name="Main warehouse")
        s.add(loc)
        s.flush()
        shelf = Bin(location_id=loc.id, code="A-01-01", walk_sequence=1)
        mug = Product(sku="MUG-1", name="Enamel mug")
        s.add_all([shelf, mug])
        s.flush()
        s.add(
            StockMove(
                product_id=mug.id,
                to_bin_id=shelf.id,
                quantity=10,
                reason="receive",
                reference="OPENING",
                at=T0,
            )
        )
        s.add(
            StockMove(
                product_id=mug.id,
                from_bin_id=shelf.id,
                quantity=3,
                reason="ship",
                reference="SH-000001",
                at=T0,
            )
        )
        s.add(StockLevel(product_id=mug.id, bin_id=shelf.id, on_hand=7))
        order = SalesOrder(
            number="SO-000001", status="open", placed_at=T0, fulfil_location_id=loc.id
        )
        s.add(order)
        s.flush()
        line = OrderLine(
            order_id=order.id,
            line_no=1,
            product_id=mug.id,
            sku="MUG-1",
            name="Enamel mug",
            quantity=2,
            allocated=2,
        )
        s.add(line)
        s.flush()
        s.add(Reservation(order_line_id=line.id, product_id=mug.id, location_id=loc.id, quantity=2))
        return {"product": mug.id, "bin": shelf.id, "line": line.id, "order": order.id}


def _doctor(session_factory):
    with unit_of_work(session_factory, write=False) as s:
        return run_doctor(s)


def test_consistent_shop_passes(session_factory):
    _seed(session_factory)
    report = _doctor(session_factory)
    assert report.ok, report.findings
    assert "stock ledger matches levels" in report.checks_run


def test_level_that_disagrees_with_ledger_is_found(session_factory):
    ids = _seed(session_factory)
    with unit_of_work(session_factory) as s:
        s.execute(
            update(StockLevel).where(StockLevel.product_id == ids["product"]).values(on_hand=9)
        )
    report = _doctor(session_factory)
    assert [f.message for f in report.findings] == [
        "product MUG-1 in bin A-01-01: level says 9, ledger moves add up to 7"
    ]


def test_move_without_level_is_found(session_factory):
    ids = _seed(session_factory)
    with unit_of_work(session_factory) as s:
        s.delete(s.get(StockLevel, (ids["product"], ids["bin"])))
    report = _doctor(session_factory)
    assert any("level says 0, ledger moves add up to 7" in f.message for f in report.findings)


def test_allocation_without_reservation_is_found(session_factory):
    _seed(session_factory)
    with unit_of_work(session_factory) as s:
        s.query(Reservation).delete()
    report = _doctor(session_factory)
    assert [f.message for f in report.findings] == [
        "order SO-000001 line 1: allocated 2 but 0 reserved"
    ]


def test_cancelled_order_holding_stock_is_found(session_factory):
    ids = _seed(session_factory)
    with unit_of_work(session_factory) as s:
        s.get(SalesOrder, ids["order"]).status = "cancelled"
    report = _doctor(session_factory)
    assert any(
        "SO-000001 is closed or draft but still holds 2" in f.message for f in report.findings
    )


def test_reservations_beyond_stock_are_found(session_factory):
    ids = _seed(session_factory)
    with unit_of_work(session_factory) as s:
        s.get(OrderLine, ids["line"]).quantity = 20
        s.get(OrderLine, ids["line"]).allocated = 20
        s.query(Reservation).update({Reservation.quantity: 20})
    report = _doctor(session_factory)
    assert [f.message for f in report.findings] == [
        f"product MUG-1 at location {1}: 20 reserved but only 7 on hand"
    ]
