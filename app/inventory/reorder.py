"""What needs reordering: low-stock list and sales-velocity suggestions grouped by supplier.

Every figure comes from a handful of grouped SQL queries (never one query per product), so the
reports stay fast on 100k products and a million order lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session

from app.errors import ValidationError
from app.purchasing.dto import POLineInput
from app.purchasing.orders import create_purchase_order
from app.reports.summary import units_sold_by_product
from db.enums import BinKind, PurchaseOrderStatus
from db.models import (
    Bin,
    Product,
    ProductStock,
    PurchaseOrder,
    PurchaseOrderLine,
    Reservation,
    StockLevel,
    Supplier,
)
from db.types import utcnow

NO_SUPPLIER = "No supplier"
# Lead time assumed for products without a supplier (the same default a new supplier gets).
DEFAULT_LEAD_TIME_DAYS = 7
INCOMING_STATUSES = (PurchaseOrderStatus.ORDERED, PurchaseOrderStatus.PARTIALLY_RECEIVED)


@dataclass(frozen=True, slots=True)
class LowStockRow:
    """available = sellable on hand − reserved; incoming (open POs) is shown, not counted."""

    product_id: int
    sku: str
    name: str
    supplier_id: int | None
    supplier_name: str | None
    on_hand: int
    reserved: int
    available: int
    incoming: int
    reorder_point: int
    reorder_quantity: int

    @property
    def below_point_by(self) -> int:
        return self.reorder_point - self.available


@dataclass(frozen=True, slots=True)
class SuggestionRow:
    product_id: int
    sku: str
    name: str
    supplier_sku: str | None
    sold: int  # units on order lines placed in the window
    velocity_per_day: float
    days_of_cover: float | None  # available / velocity; None when nothing sold
    available: int
    incoming: int  # outstanding on ordered / partially received POs
    on_draft: int  # on draft POs not sent yet (not counted as incoming)
    reorder_point: int
    reorder_quantity: int
    suggested_quantity: int
    unit_cost_minor: int
    reason: str  # "reorder point" or "cover": what put the product on the list

    @property
    def line_cost_minor(self) -> int:
        return self.suggested_quantity * self.unit_cost_minor


@dataclass(frozen=True, slots=True)
class SupplierSuggestion:
    supplier_id: int | None  # None: the "No supplier" group (no PO can be made for it)
    supplier_name: str
    lead_time_days: int
    currency: str
    rows: tuple[SuggestionRow, ...]

    @property
    def total_units(self) -> int:
        return sum(r.suggested_quantity for r in self.rows)

    @property
    def total_cost_minor(self) -> int:
        return sum(r.line_cost_minor for r in self.rows)


# --- grouped building blocks --------------------------------------------------------------------


def _on_hand(location_id: int | None) -> Select:
    if location_id is None:  # the trigger-kept per-product total, not a group over every bin
        return select(ProductStock.product_id, ProductStock.sellable.label("qty"))
    query = (
        select(StockLevel.product_id, func.sum(StockLevel.on_hand).label("qty"))
        .join(Bin, Bin.id == StockLevel.bin_id)
        .where(Bin.kind != BinKind.QUARANTINE)
        .group_by(StockLevel.product_id)
    )
    return query.where(Bin.location_id == location_id)


def _reserved(location_id: int | None) -> Select:
    query = select(Reservation.product_id, func.sum(Reservation.quantity).label("qty")).group_by(
        Reservation.product_id
    )
    return query.where(Reservation.location_id == location_id) if location_id is not None else query


def _on_purchase_orders(statuses: Sequence[str], location_id: int | None) -> Select:
    outstanding = case(
        (
            PurchaseOrderLine.quantity > PurchaseOrderLine.received_quantity,
            PurchaseOrderLine.quantity - PurchaseOrderLine.received_quantity,
        ),
        else_=0,
    )
    query = (
        select(PurchaseOrderLine.product_id, func.sum(outstanding).label("qty"))
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.purchase_order_id)
        .where(PurchaseOrder.status.in_(statuses))
        .group_by(PurchaseOrderLine.product_id)
    )
    return (
        query.where(PurchaseOrder.location_id == location_id) if location_id is not None else query
    )


# --- reads --------------------------------------------------------------------------------------


def list_low_stock(session: Session, *, location_id: int | None = None) -> list[LowStockRow]:
    """Products (not archived, reorder point > 0) whose available stock — at one location or
    across all — is at or below their reorder point, by SKU. Incoming stock on open POs is shown
    alongside but does not lift a product off the list (it is not on the shelf yet)."""
    on_hand = _on_hand(location_id).subquery()
    reserved = _reserved(location_id).subquery()
    incoming = _on_purchase_orders(INCOMING_STATUSES, location_id).subquery()
    have = func.coalesce(on_hand.c.qty, 0)
    held = func.coalesce(reserved.c.qty, 0)
    query = (
        select(
            Product.id,
            Product.sku,
            Product.name,
            Product.supplier_id,
            Supplier.name,
            have,
            held,
            func.coalesce(incoming.c.qty, 0),
            Product.reorder_point,
            Product.reorder_quantity,
        )
        .outerjoin(Supplier, Supplier.id == Product.supplier_id)
        .outerjoin(on_hand, on_hand.c.product_id == Product.id)
        .outerjoin(reserved, reserved.c.product_id == Product.id)
        .outerjoin(incoming, incoming.c.product_id == Product.id)
        .where(
            Product.archived.is_(False),
            Product.reorder_point > 0,
            have - held <= Product.reorder_point,
        )
        .order_by(Product.sku)
    )
    return [
        LowStockRow(
            product_id=pid,
            sku=sku,
            name=name,
            supplier_id=supplier_id,
            supplier_name=supplier_name,
            on_hand=int(qty_on_hand),
            reserved=int(qty_reserved),
            available=int(qty_on_hand) - int(qty_reserved),
            incoming=int(qty_incoming),
            reorder_point=point,
            reorder_quantity=quantity,
        )
        for (
            pid,
            sku,
            name,
            supplier_id,
            supplier_name,
            qty_on_hand,
            qty_reserved,
            qty_incoming,
            point,
            quantity,
        ) in session.execute(query)
    ]


def _window(today: date | None, window_days: int) -> tuple[datetime, datetime]:
    """[start, end) covering `window_days` whole UTC days ending with `today`."""
    if today is None:
        today = utcnow().date()
    elif isinstance(today, datetime):
        today = today.astimezone(UTC).date() if today.tzinfo else today.date()
    end = datetime.combine(today + timedelta(days=1), time(0), tzinfo=UTC)
    return end - timedelta(days=window_days), end


def reorder_suggestions(
    session: Session,
    *,
    window_days: int = 30,
    cover_days: int | None = None,
    today: date | None = None,
) -> list[SupplierSuggestion]:
    """What to order, grouped by supplier (by name; "No supplier" last), rows by SKU.

    velocity = units on lines of orders that count as sales (not draft or cancelled) placed in
    the `window_days` days ending `today` (UTC) ÷ window_days. available = sellable on hand −
    reserved, all locations; incoming = outstanding on ordered / partially received POs;
    position = available + incoming.
    cover_days defaults to window_days (order for the lead time plus one more such period).

        suggested = max(reorder_quantity,
                        ceil(velocity × (lead_time_days + cover_days)) − available − incoming,
                        reorder_point + 1 − position  [when at/below the reorder point])

    A product (not archived) is listed when its position is at or below its reorder point
    (reorder point > 0), or when position ÷ velocity is less than lead time + cover days.
    Incoming stock counts here so goods already ordered are not suggested again. Products
    without a supplier assume a lead time of DEFAULT_LEAD_TIME_DAYS. Reads only; raises
    ValidationError for a window below 1 day or negative cover.
    """
    if not isinstance(window_days, int) or isinstance(window_days, bool) or window_days < 1:
        raise ValidationError("the sales window must be at least 1 day", field="window_days")
    if cover_days is None:
        cover_days = window_days
    if not isinstance(cover_days, int) or isinstance(cover_days, bool) or cover_days < 0:
        raise ValidationError("cover days must be a whole number ≥ 0", field="cover_days")
    start, end = _window(today, window_days)
    sold = units_sold_by_product(session, start.date(), (end - timedelta(days=1)).date()).subquery()
    on_hand = _on_hand(None).subquery()
    reserved = _reserved(None).subquery()
    incoming = _on_purchase_orders(INCOMING_STATUSES, None).subquery()
    drafted = _on_purchase_orders((PurchaseOrderStatus.DRAFT,), None).subquery()
    qty_sold = func.coalesce(sold.c.qty, 0)
    position = (
        func.coalesce(on_hand.c.qty, 0)
        - func.coalesce(reserved.c.qty, 0)
        + func.coalesce(incoming.c.qty, 0)
    )
    lead_time = case(
        (Product.supplier_id.is_(None), DEFAULT_LEAD_TIME_DAYS), else_=Supplier.lead_time_days
    )
    query = (
        select(
            Product.id,
            Product.sku,
            Product.name,
            Product.supplier_sku,
            Product.reorder_point,
            Product.reorder_quantity,
            Product.cost_minor,
            Product.supplier_id,
            Supplier.name,
            Supplier.lead_time_days,
            Supplier.currency,
            qty_sold,
            func.coalesce(on_hand.c.qty, 0),
            func.coalesce(reserved.c.qty, 0),
            func.coalesce(incoming.c.qty, 0),
            func.coalesce(drafted.c.qty, 0),
        )
        .outerjoin(Supplier, Supplier.id == Product.supplier_id)
        .outerjoin(sold, sold.c.product_id == Product.id)
        .outerjoin(on_hand, on_hand.c.product_id == Product.id)
        .outerjoin(reserved, reserved.c.product_id == Product.id)
        .outerjoin(incoming, incoming.c.product_id == Product.id)
        .outerjoin(drafted, drafted.c.product_id == Product.id)
        .where(
            Product.archived.is_(False),
            # The same two tests as below, in integers, so only candidates leave the database
            # (most products that sold still have cover); the loop below makes the decision.
            or_(
                (Product.reorder_point > 0) & (position <= Product.reorder_point),
                (qty_sold > 0) & (position * window_days < qty_sold * (lead_time + cover_days)),
            ),
        )
    )
    groups: dict[int | None, tuple[str, int, str, list[SuggestionRow]]] = {}
    for (
        pid,
        sku,
        name,
        supplier_sku,
        point,
        reorder_qty,
        cost,
        supplier_id,
        supplier_name,
        lead,
        currency,
        units_sold,
        qty_on_hand,
        qty_reserved,
        qty_incoming,
        qty_drafted,
    ) in session.execute(query):
        lead = DEFAULT_LEAD_TIME_DAYS if supplier_id is None else int(lead)
        available = int(qty_on_hand) - int(qty_reserved)
        incoming_units = int(qty_incoming)
        stock_position = available + incoming_units
        units_sold = int(units_sold)
        velocity = units_sold / window_days
        horizon = lead + cover_days
        at_point = point > 0 and stock_position <= point
        # position / velocity < horizon, in integers so no rounding error decides
        short_cover = units_sold > 0 and stock_position * window_days < units_sold * horizon
        need = -(-units_sold * horizon // window_days)  # ceil(velocity × horizon), exactly
        if not (at_point or short_cover):
            continue
        suggested = max(
            reorder_qty,
            need - stock_position,
            point + 1 - stock_position if at_point else 0,
        )
        if suggested <= 0:
            continue
        row = SuggestionRow(
            product_id=pid,
            sku=sku,
            name=name,
            supplier_sku=supplier_sku,
            sold=units_sold,
            velocity_per_day=velocity,
            days_of_cover=(max(available, 0) / velocity) if velocity > 0 else None,
            available=available,
            incoming=incoming_units,
            on_draft=int(qty_drafted),
            reorder_point=point,
            reorder_quantity=reorder_qty,
            suggested_quantity=suggested,
            unit_cost_minor=cost,
            reason="reorder point" if at_point else "cover",
        )
        group = groups.setdefault(
            supplier_id,
            (supplier_name or NO_SUPPLIER, lead, currency or "USD", []),
        )
        group[3].append(row)
    ordered = sorted(groups.items(), key=lambda kv: (kv[0] is None, kv[1][0].lower()))
    return [
        SupplierSuggestion(
            supplier_id, group_name, lead, currency, tuple(sorted(rows, key=lambda r: r.sku))
        )
        for supplier_id, (group_name, lead, currency, rows) in ordered
    ]


# --- command ------------------------------------------------------------------------------------


def create_purchase_orders_from_suggestions(
    session: Session,
    suggestions: Sequence[SupplierSuggestion],
    location_id: int,
    *,
    actor: str,
) -> list[int]:
    """One draft PO per supplier (to receive at `location_id`) with the suggested quantities at
    the rows' unit costs; returns the new PO ids. The "No supplier" group and rows with nothing
    to order are skipped. Each PO is created (and audited) by `create_purchase_order`; edit the
    rows first with dataclasses.replace to change quantities. Raises what that raises."""
    created = []
    for group in suggestions:
        if group.supplier_id is None:
            continue
        lines = [
            POLineInput(row.product_id, row.suggested_quantity, row.unit_cost_minor)
            for row in group.rows
            if row.suggested_quantity > 0
        ]
        if not lines:
            continue
        saved = create_purchase_order(
            session,
            group.supplier_id,
            location_id,
            lines,
            notes="Created from reorder suggestions",
            actor=actor,
        )
        created.append(saved.id)
    return created
