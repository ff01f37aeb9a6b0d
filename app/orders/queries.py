"""Order reads: the orders table (filtered, sorted and keyset-paged in SQL), one order's view."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from app.errors import NotFound
from app.orders.address import Address
from app.orders.dto import LineView, OrderRow, OrderView
from db.models import Channel, Location, OrderLine, SalesOrder

SORTS = {
    "placed_at": SalesOrder.placed_at,
    "number": SalesOrder.number,
    "total": SalesOrder.total_minor,
    "customer": SalesOrder.ship_name,
    "status": SalesOrder.status,
}


@dataclass(frozen=True, slots=True)
class OrderFilter:
    statuses: tuple[str, ...] = ()
    channel_id: int | None = None
    manual_only: bool = False  # orders entered here (no channel)
    placed_from: datetime | None = None
    placed_to: datetime | None = None
    on_hold: bool | None = None
    risky_only: bool = False
    search: str = ""  # order number, email, customer name or an exact SKU
    sort: str = "placed_at"
    descending: bool = True


@dataclass(frozen=True, slots=True)
class OrderPage:
    rows: tuple[OrderRow, ...]
    next_after: tuple | None


def _filtered(query, filt: OrderFilter):
    if filt.statuses:
        query = query.where(SalesOrder.status.in_(filt.statuses))
    if filt.channel_id is not None:
        query = query.where(SalesOrder.channel_id == filt.channel_id)
    if filt.manual_only:
        query = query.where(SalesOrder.channel_id.is_(None))
    if filt.placed_from is not None:
        query = query.where(SalesOrder.placed_at >= filt.placed_from)
    if filt.placed_to is not None:
        query = query.where(SalesOrder.placed_at < filt.placed_to)
    if filt.on_hold is not None:
        query = query.where(SalesOrder.on_hold.is_(filt.on_hold))
    if filt.risky_only:
        query = query.where(SalesOrder.risk_level > 0)
    text = filt.search.strip()
    if text:
        like = f"%{text.replace('%', '').replace('_', '')}%"
        query = query.where(
            or_(
                SalesOrder.number == text.upper(),
                SalesOrder.external_id == text,
                SalesOrder.email == text.lower(),
                SalesOrder.ship_name.ilike(like),
                SalesOrder.email.ilike(like),
                exists().where(OrderLine.order_id == SalesOrder.id, OrderLine.sku == text),
            )
        )
    return query


def list_order_page(
    session: Session, filt: OrderFilter, *, after: tuple | None = None, limit: int = 200
) -> OrderPage:
    """One page of the orders table; pass the page's `next_after` back for the next one."""
    sort_col = SORTS.get(filt.sort)
    if sort_col is None:
        raise ValueError(f"unknown sort {filt.sort!r}")
    query = _filtered(
        select(SalesOrder, Channel.name).outerjoin(Channel, Channel.id == SalesOrder.channel_id),
        filt,
    )
    if filt.descending:
        query = query.order_by(sort_col.desc(), SalesOrder.id.desc())
        if after:
            query = query.where(
                or_(sort_col < after[0], (sort_col == after[0]) & (SalesOrder.id < after[1]))
            )
    else:
        query = query.order_by(sort_col, SalesOrder.id)
        if after:
            query = query.where(
                or_(sort_col > after[0], (sort_col == after[0]) & (SalesOrder.id > after[1]))
            )
    results = session.execute(query.limit(limit)).all()
    ids = [order.id for order, _ in results]
    counts = (
        {
            order_id: (lines, units)
            for order_id, lines, units in session.execute(
                select(OrderLine.order_id, func.count(), func.sum(OrderLine.quantity))
                .where(OrderLine.order_id.in_(ids))
                .group_by(OrderLine.order_id)
            )
        }
        if ids
        else {}
    )
    rows = tuple(
        OrderRow(
            o.id,
            o.number,
            o.placed_at,
            o.status,
            o.on_hold,
            o.ship_name or o.email or "",
            o.email,
            o.ship_country,
            channel,
            o.total_minor,
            o.currency,
            o.payment_status,
            o.risk_level,
            *counts.get(o.id, (0, 0)),
        )
        for o, channel in results
    )
    next_after = None
    if len(results) == limit:
        last = results[-1][0]
        next_after = (getattr(last, sort_col.key), last.id)
    return OrderPage(rows, next_after)


def count_orders(session: Session, filt: OrderFilter) -> int:
    return session.scalar(_filtered(select(func.count()).select_from(SalesOrder), filt)) or 0


def get_order(session: Session, order_id: int) -> OrderView:
    """Everything the order detail pane shows; raises NotFound."""
    fulfil, pickup, parent = aliased(Location), aliased(Location), aliased(SalesOrder)
    row = session.execute(
        select(SalesOrder, Channel.name, fulfil.code, pickup.code, parent.number)
        .outerjoin(Channel, Channel.id == SalesOrder.channel_id)
        .outerjoin(fulfil, fulfil.id == SalesOrder.fulfil_location_id)
        .outerjoin(pickup, pickup.id == SalesOrder.pickup_location_id)
        .outerjoin(parent, parent.id == SalesOrder.parent_order_id)
        .where(SalesOrder.id == order_id)
    ).first()
    if row is None:
        raise NotFound(f"order #{order_id} does not exist")
    o, channel, fulfil_code, pickup_code, parent_number = row
    lines = tuple(
        LineView(
            li.id,
            li.line_no,
            li.product_id,
            li.sku,
            li.name,
            li.quantity,
            li.unit_price_minor,
            li.discount_minor,
            li.allocated,
            li.picked,
            li.shipped,
            li.returned,
        )
        for li in session.scalars(
            select(OrderLine).where(OrderLine.order_id == o.id).order_by(OrderLine.line_no)
        )
    )
    ship_to = None
    if o.ship_name or o.ship_address1:
        ship_to = Address(
            name=o.ship_name or "",
            address1=o.ship_address1 or "",
            city=o.ship_city or "",
            postal_code=o.ship_postal_code or "",
            country=o.ship_country or "",
            region=o.ship_region or "",
            address2=o.ship_address2 or "",
            company=o.ship_company or "",
            phone=o.phone or "",
        )
    return OrderView(
        id=o.id,
        number=o.number,
        status=o.status,
        on_hold=o.on_hold,
        hold_reason=o.hold_reason,
        hold_until=o.hold_until,
        payment_status=o.payment_status,
        delivery_method=o.delivery_method,
        channel=channel,
        external_id=o.external_id,
        customer_id=o.customer_id,
        email=o.email,
        phone=o.phone,
        ship_to=ship_to,
        bill_country=o.bill_country,
        fulfil_location=fulfil_code,
        pickup_location=pickup_code,
        currency=o.currency,
        subtotal_minor=o.subtotal_minor,
        discount_minor=o.discount_minor,
        shipping_minor=o.shipping_minor,
        tax_minor=o.tax_minor,
        total_minor=o.total_minor,
        paid_minor=o.paid_minor,
        refunded_minor=o.refunded_minor,
        risk_level=o.risk_level,
        risk_flags=tuple(f for f in (o.risk_flags or "").split("; ") if f),
        notes=o.notes,
        placed_at=o.placed_at,
        parent_number=parent_number,
        lines=lines,
    )


def find_order_by_number(session: Session, number: str) -> int | None:
    """Order id for a typed or scanned order number (case-insensitive), else None."""
    return session.scalar(select(SalesOrder.id).where(SalesOrder.number == number.strip().upper()))
