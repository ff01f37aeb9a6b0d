"""Integrity checks behind `packbench doctor`: file health, foreign keys, ledger vs levels,
reservations vs allocations, order line counters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import and_, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from app.audit import record_event
from db.first_shipment import first_shipment_problems
from db.models import (
    Bin,
    OrderLine,
    Product,
    Reservation,
    SalesOrder,
    Shipment,
    ShipmentLine,
    StockLevel,
    StockMove,
)
from db.order_summary import order_summary_problems
from db.product_sales import product_sales_problems
from db.sales_summary import sales_summary_problems
from db.search import install_product_search, search_index_problems
from db.stock_summary import stock_summary_problems
from db.summaries import install_summaries

SHOW_AT_MOST = 20  # per check; the count says how many there are in all


@dataclass(frozen=True, slots=True)
class Finding:
    check: str
    message: str


@dataclass(frozen=True, slots=True)
class DoctorReport:
    checks_run: tuple[str, ...]
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return not self.findings


def _sqlite_integrity(session: Session) -> list[Finding]:
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        return []
    findings = []
    rows = conn.exec_driver_sql("PRAGMA quick_check").fetchall()
    if [r[0] for r in rows] != ["ok"]:
        findings += [Finding("file", f"SQLite integrity: {r[0]}") for r in rows[:SHOW_AT_MOST]]
    for table, rowid, parent, _fk in conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall():
        findings.append(
            Finding("foreign keys", f"{table} row {rowid} points to a missing {parent}")
        )
    return findings[: SHOW_AT_MOST * 2]


def _ledger_vs_levels(session: Session) -> list[Finding]:
    """Every cached level equals its ledger sum, and every ledger balance has a level row."""
    incoming = select(
        StockMove.product_id.label("product_id"),
        StockMove.to_bin_id.label("bin_id"),
        StockMove.quantity.label("qty"),
    ).where(StockMove.to_bin_id.is_not(None))
    outgoing = select(StockMove.product_id, StockMove.from_bin_id, (-StockMove.quantity)).where(
        StockMove.from_bin_id.is_not(None)
    )
    moves = union_all(incoming, outgoing).subquery()
    ledger = (
        select(moves.c.product_id, moves.c.bin_id, func.sum(moves.c.qty).label("qty"))
        .group_by(moves.c.product_id, moves.c.bin_id)
        .subquery()
    )
    level_vs_ledger = (
        select(
            StockLevel.product_id,
            StockLevel.bin_id,
            StockLevel.on_hand,
            func.coalesce(ledger.c.qty, 0),
        )
        .outerjoin(
            ledger,
            and_(
                ledger.c.product_id == StockLevel.product_id, ledger.c.bin_id == StockLevel.bin_id
            ),
        )
        .where(StockLevel.on_hand != func.coalesce(ledger.c.qty, 0))
    )
    ledger_without_level = (
        select(ledger.c.product_id, ledger.c.bin_id, literal(0), ledger.c.qty)
        .outerjoin(
            StockLevel,
            and_(
                ledger.c.product_id == StockLevel.product_id, ledger.c.bin_id == StockLevel.bin_id
            ),
        )
        .where(StockLevel.product_id.is_(None), ledger.c.qty != 0)
    )
    findings = []
    for query in (level_vs_ledger, ledger_without_level):
        for product_id, bin_id, on_hand, ledger_qty in session.execute(query.limit(SHOW_AT_MOST)):
            findings.append(
                Finding(
                    "stock ledger",
                    f"product {_sku(session, product_id)} in bin {_bin(session, bin_id)}: "
                    f"level says {on_hand}, ledger moves add up to {ledger_qty}",
                )
            )
    return findings


def _reservations_vs_allocations(session: Session) -> list[Finding]:
    reserved = (
        select(Reservation.order_line_id, func.sum(Reservation.quantity).label("qty"))
        .group_by(Reservation.order_line_id)
        .subquery()
    )
    query = (
        select(
            OrderLine.id,
            SalesOrder.number,
            OrderLine.line_no,
            OrderLine.allocated,
            func.coalesce(reserved.c.qty, 0),
        )
        .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
        .outerjoin(reserved, reserved.c.order_line_id == OrderLine.id)
        .where(OrderLine.allocated != func.coalesce(reserved.c.qty, 0))
        .limit(SHOW_AT_MOST)
    )
    findings = [
        Finding(
            "reservations",
            f"order {number} line {line_no}: allocated {allocated} but {reserved_qty} reserved",
        )
        for _id, number, line_no, allocated, reserved_qty in session.execute(query)
    ]
    closed = (
        select(SalesOrder.number, func.sum(Reservation.quantity))
        .join(OrderLine, OrderLine.order_id == SalesOrder.id)
        .join(Reservation, Reservation.order_line_id == OrderLine.id)
        .where(SalesOrder.status.in_(("draft", "cancelled", "shipped", "delivered")))
        .group_by(SalesOrder.number)
        .limit(SHOW_AT_MOST)
    )
    findings += [
        Finding(
            "reservations",
            f"order {number} is closed or draft but still holds {qty} reserved unit(s)",
        )
        for number, qty in session.execute(closed)
    ]
    return findings


def _overcommitted_stock(session: Session) -> list[Finding]:
    """Reservations beyond sellable on-hand at a location (allowed only for backorder products)."""
    on_hand = (
        select(StockLevel.product_id, Bin.location_id, func.sum(StockLevel.on_hand).label("qty"))
        .join(Bin, Bin.id == StockLevel.bin_id)
        .where(Bin.kind != "quarantine")
        .group_by(StockLevel.product_id, Bin.location_id)
        .subquery()
    )
    reserved = (
        select(
            Reservation.product_id,
            Reservation.location_id,
            func.sum(Reservation.quantity).label("qty"),
        )
        .group_by(Reservation.product_id, Reservation.location_id)
        .subquery()
    )
    query = (
        select(Product.sku, reserved.c.location_id, reserved.c.qty, func.coalesce(on_hand.c.qty, 0))
        .join(Product, Product.id == reserved.c.product_id)
        .outerjoin(
            on_hand,
            and_(
                on_hand.c.product_id == reserved.c.product_id,
                on_hand.c.location_id == reserved.c.location_id,
            ),
        )
        .where(Product.allow_backorder.is_(False), reserved.c.qty > func.coalesce(on_hand.c.qty, 0))
        .limit(SHOW_AT_MOST)
    )
    return [
        Finding(
            "reservations",
            f"product {sku} at location {location_id}: {qty} reserved but only {have} on hand",
        )
        for sku, location_id, qty, have in session.execute(query)
    ]


def _order_line_counters(session: Session) -> list[Finding]:
    # Only shipments that left count; packing, packed and voided ones carry nothing yet.
    shipped_by_lines = (
        select(ShipmentLine.order_line_id, func.sum(ShipmentLine.quantity).label("qty"))
        .join(Shipment, Shipment.id == ShipmentLine.shipment_id)
        .where(Shipment.status.in_(("shipped", "delivered")))
        .group_by(ShipmentLine.order_line_id)
        .subquery()
    )
    mismatch = (
        select(
            SalesOrder.number,
            OrderLine.line_no,
            OrderLine.shipped,
            func.coalesce(shipped_by_lines.c.qty, 0),
        )
        .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
        .outerjoin(shipped_by_lines, shipped_by_lines.c.order_line_id == OrderLine.id)
        .where(OrderLine.shipped != func.coalesce(shipped_by_lines.c.qty, 0))
        .limit(SHOW_AT_MOST)
    )
    findings = [
        Finding(
            "order lines",
            f"order {number} line {line_no}: shipped {shipped} but shipments carry {carried}",
        )
        for number, line_no, shipped, carried in session.execute(mismatch)
    ]
    unshipped = (
        select(SalesOrder.number, OrderLine.line_no, OrderLine.shipped, OrderLine.quantity)
        .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
        .where(
            SalesOrder.status.in_(("shipped", "delivered")),
            OrderLine.product_id.is_not(None),
            OrderLine.shipped < OrderLine.quantity,
        )
        .limit(SHOW_AT_MOST)
    )
    findings += [
        Finding(
            "order lines",
            f"order {number} is shipped but line {line_no} shipped only {shipped} of {quantity}",
        )
        for number, line_no, shipped, quantity in session.execute(unshipped)
    ]
    negative = (
        select(SalesOrder.number, OrderLine.line_no)
        .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
        .where(
            or_(
                OrderLine.allocated < 0,
                OrderLine.shipped < 0,
                OrderLine.allocated + OrderLine.shipped > OrderLine.quantity,
                OrderLine.returned > OrderLine.shipped,
            )
        )
        .limit(SHOW_AT_MOST)
    )
    findings += [
        Finding("order lines", f"order {number} line {line_no}: counters out of range")
        for number, line_no in session.execute(negative)
    ]
    return findings


def _negative_levels(session: Session) -> list[Finding]:
    query = (
        select(StockLevel.product_id, StockLevel.bin_id, StockLevel.on_hand)
        .where(StockLevel.on_hand < 0)
        .limit(SHOW_AT_MOST)
    )
    return [
        Finding(
            "stock ledger",
            f"product {_sku(session, p)} in bin {_bin(session, b)} has negative stock {q}",
        )
        for p, b, q in session.execute(query)
    ]


def _sku(session: Session, product_id: int) -> str:
    return session.scalar(select(Product.sku).where(Product.id == product_id)) or f"#{product_id}"


def _bin(session: Session, bin_id: int) -> str:
    return session.scalar(select(Bin.code).where(Bin.id == bin_id)) or f"#{bin_id}"


def _search_index(session: Session) -> list[Finding]:
    return [Finding("search index", text) for text in search_index_problems(session.connection())]


def _summary(what: str, problems: Callable[..., list[str]]) -> Callable[[Session], list[Finding]]:
    """A check reporting a trigger-kept summary's problems (db/*_summary.py) as findings."""

    def check(session: Session) -> list[Finding]:
        return [
            Finding(what, text)
            for text in problems(session.connection(), show_at_most=SHOW_AT_MOST)
        ]

    return check


CHECKS: dict[str, Callable[[Session], list[Finding]]] = {
    "database file and foreign keys": _sqlite_integrity,
    "stock ledger matches levels": _ledger_vs_levels,
    "no negative stock": _negative_levels,
    "reservations match allocations": _reservations_vs_allocations,
    "reservations covered by stock": _overcommitted_stock,
    "order line counters": _order_line_counters,
    "product search index": _search_index,
    "sales summary matches order lines": _summary("sales summary", sales_summary_problems),
    "sales totals match the sales summary": _summary("sales totals", product_sales_problems),
    "order summary matches orders": _summary("order summary", order_summary_problems),
    "stock summary matches levels": _summary("stock summary", stock_summary_problems),
    "first shipment dates match shipments": _summary(
        "first shipment dates", first_shipment_problems
    ),
}


def run_doctor(session: Session) -> DoctorReport:
    """Run every check read-only and report what is inconsistent (nothing is changed)."""
    findings: list[Finding] = []
    for check in CHECKS.values():
        findings.extend(check(session))
    return DoctorReport(tuple(CHECKS), tuple(findings))


def repair_derived_data(session: Session, *, actor: str) -> int:
    """Rebuild what is derived from other tables (the product search index, the sales and stock
    summaries and the orders' first shipment dates, with their triggers) in the caller's
    transaction, audited. Returns the sales summary rows written. Stock levels and counters
    are not touched: their findings need a person to decide which side is right."""
    conn = session.connection()
    install_product_search(conn)
    rows = install_summaries(conn)
    record_event(
        session,
        actor=actor,
        action="doctor.repair",
        entity_type="database",
        entity_id=None,
        summary=(
            f"rebuilt the search index, the sales ({rows:,} rows), sales total, order and stock "
            "summaries and the first shipment dates"
        ),
    )
    return rows
