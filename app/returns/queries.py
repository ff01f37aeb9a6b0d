"""Return reads: the RMA table (keyset-paged), one RMA's view, returnable lines, product stats."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from app.errors import NotFound
from app.numbering import format_number
from app.returns.dto import (
    ProductReturnStats,
    ReturnableLine,
    ReturnFilter,
    ReturnLineView,
    ReturnPage,
    ReturnRow,
    ReturnView,
)
from db.enums import ReturnStatus, ShipmentStatus
from db.models import (
    Bin,
    Channel,
    Location,
    OrderLine,
    Product,
    ReturnAuthorization,
    ReturnLine,
    SalesOrder,
    Shipment,
    ShipmentLine,
)

# RMAs whose unreceived units are still expected: they hold those units of the order line, so a
# second RMA cannot claim them. Received units are counted in order_line.returned instead; a
# rejected RMA holds nothing (it can only be rejected before anything arrived).
OPEN_STATUSES = (ReturnStatus.REQUESTED, ReturnStatus.AUTHORIZED)


def units_on_returns(
    session: Session, order_line_ids: Iterable[int]
) -> dict[int, tuple[int, tuple[str, ...]]]:
    """Per order line: units expected on open RMAs (not received yet) and the numbers of every
    non-rejected RMA that holds or received units of it (to name them in messages)."""
    ids = list(order_line_ids)
    if not ids:
        return {}
    pending: dict[int, int] = defaultdict(int)
    numbers: dict[int, list[str]] = defaultdict(list)
    query = (
        select(
            ReturnLine.order_line_id,
            ReturnAuthorization.rma_number,
            ReturnAuthorization.status,
            func.sum(ReturnLine.quantity - ReturnLine.received_quantity),
            func.sum(ReturnLine.received_quantity),
        )
        .join(ReturnAuthorization, ReturnAuthorization.id == ReturnLine.rma_id)
        .where(
            ReturnLine.order_line_id.in_(ids),
            ReturnAuthorization.status != ReturnStatus.REJECTED,
        )
        .group_by(
            ReturnLine.order_line_id, ReturnAuthorization.rma_number, ReturnAuthorization.status
        )
        .order_by(ReturnAuthorization.rma_number)
    )
    for line_id, number, status, outstanding, received in session.execute(query):
        expected = int(outstanding or 0) if status in OPEN_STATUSES else 0
        pending[line_id] += expected
        if expected or received:
            numbers[line_id].append(number)
    return {line_id: (pending[line_id], tuple(numbers[line_id])) for line_id in ids}


def return_location_id(session: Session, order: SalesOrder) -> int | None:
    """Where an order's returns go back to: its fulfilment location, else where it shipped from."""
    if order.fulfil_location_id is not None:
        return order.fulfil_location_id
    return session.scalar(
        select(Shipment.location_id)
        .where(Shipment.order_id == order.id, Shipment.location_id.is_not(None))
        .order_by(Shipment.id.desc())
        .limit(1)
    )


def returnable_lines(session: Session, order_id: int) -> list[ReturnableLine]:
    """Every line of the order with what can still be put on an RMA
    (shipped − returned − expected on open RMAs); raises NotFound."""
    if session.get(SalesOrder, order_id) is None:
        raise NotFound(f"order #{order_id} does not exist")
    lines = list(
        session.scalars(
            select(OrderLine).where(OrderLine.order_id == order_id).order_by(OrderLine.line_no)
        )
    )
    held = units_on_returns(session, [line.id for line in lines])
    result = []
    for line in lines:
        pending = held.get(line.id, (0, ()))[0]
        returnable = line.shipped - line.returned - pending if line.product_id else 0
        result.append(
            ReturnableLine(
                order_line_id=line.id,
                line_no=line.line_no,
                product_id=line.product_id,
                sku=line.sku,
                name=line.name,
                unit_price_minor=line.unit_price_minor,
                shipped=line.shipped,
                returned=line.returned,
                on_open_returns=pending,
                returnable=max(returnable, 0),
            )
        )
    return result


def _filtered(query, filt: ReturnFilter):
    if filt.status:
        query = query.where(ReturnAuthorization.status == filt.status)
    if filt.reason:
        query = query.where(
            exists().where(
                ReturnLine.rma_id == ReturnAuthorization.id, ReturnLine.reason == filt.reason
            )
        )
    text = filt.search.strip()
    if text:
        like = f"%{text.replace('%', '').replace('_', '')}%"
        query = query.where(
            or_(
                ReturnAuthorization.rma_number == text.upper(),
                SalesOrder.number == text.upper(),
                SalesOrder.email == text.lower(),
                SalesOrder.ship_name.ilike(like),
                SalesOrder.email.ilike(like),
                exists()
                .where(ReturnLine.rma_id == ReturnAuthorization.id)
                .where(OrderLine.id == ReturnLine.order_line_id, OrderLine.sku == text),
            )
        )
    return query


def list_return_page(
    session: Session, filt: ReturnFilter, after: tuple | None = None, limit: int = 200
) -> ReturnPage:
    """One page of the returns table, newest first (keyset on created_at, id: pass the page's
    `next_after` back as `after`). Filter by status, reason, or search RMA/order number,
    customer name or email, or an exact SKU."""
    units = (
        select(
            ReturnLine.rma_id,
            func.sum(ReturnLine.quantity).label("units"),
            func.sum(ReturnLine.received_quantity).label("received"),
        )
        .group_by(ReturnLine.rma_id)
        .subquery()
    )
    query = _filtered(
        select(
            ReturnAuthorization,
            SalesOrder.number,
            SalesOrder.ship_name,
            SalesOrder.email,
            SalesOrder.currency,
            units.c.units,
            units.c.received,
        )
        .join(SalesOrder, SalesOrder.id == ReturnAuthorization.order_id)
        .outerjoin(units, units.c.rma_id == ReturnAuthorization.id),
        filt,
    ).order_by(ReturnAuthorization.created_at.desc(), ReturnAuthorization.id.desc())
    if after:
        query = query.where(
            or_(
                ReturnAuthorization.created_at < after[0],
                (ReturnAuthorization.created_at == after[0]) & (ReturnAuthorization.id < after[1]),
            )
        )
    results = session.execute(query.limit(limit)).all()
    ids = [row[0].id for row in results]
    reasons: dict[int, list[str]] = defaultdict(list)
    if ids:
        for rma_id, reason in session.execute(
            select(ReturnLine.rma_id, ReturnLine.reason)
            .where(ReturnLine.rma_id.in_(ids))
            .distinct()
            .order_by(ReturnLine.rma_id, ReturnLine.reason)
        ):
            reasons[rma_id].append(reason)
    rows = tuple(
        ReturnRow(
            id=rma.id,
            number=rma.rma_number,
            created_at=rma.created_at,
            status=rma.status,
            resolution=rma.resolution,
            order_id=rma.order_id,
            order_number=order_number,
            customer=ship_name or email or "",
            units=int(unit_count or 0),
            received_units=int(received or 0),
            reasons=tuple(reasons[rma.id]),
            refund_minor=rma.refund_minor,
            store_credit_minor=rma.store_credit_minor,
            currency=currency,
        )
        for rma, order_number, ship_name, email, currency, unit_count, received in results
    )
    next_after = None
    if len(results) == limit:
        last = results[-1][0]
        next_after = (last.created_at, last.id)
    return ReturnPage(rows, next_after)


def get_return(session: Session, rma_id: int) -> ReturnView:
    """One RMA with its lines (order line, SKU, name, quantities, reason, condition,
    disposition, bin); raises NotFound."""
    exchange = aliased(SalesOrder)
    row = session.execute(
        select(ReturnAuthorization, SalesOrder, Channel.name, exchange.number)
        .join(SalesOrder, SalesOrder.id == ReturnAuthorization.order_id)
        .outerjoin(Channel, Channel.id == SalesOrder.channel_id)
        .outerjoin(exchange, exchange.id == ReturnAuthorization.exchange_order_id)
        .where(ReturnAuthorization.id == rma_id)
    ).first()
    if row is None:
        raise NotFound(f"return #{rma_id} does not exist")
    rma, order, channel, exchange_number = row
    location_id = return_location_id(session, order)
    location_code = (
        session.scalar(select(Location.code).where(Location.id == location_id))
        if location_id is not None
        else None
    )
    lines = tuple(
        ReturnLineView(
            id=rl.id,
            order_line_id=ol.id,
            line_no=ol.line_no,
            product_id=ol.product_id,
            sku=ol.sku,
            name=ol.name,
            gtin=gtin,
            quantity=rl.quantity,
            received=rl.received_quantity,
            reason=rl.reason,
            reason_note=rl.reason_note,
            condition=rl.condition,
            disposition=rl.disposition,
            bin_id=rl.bin_id,
            bin_code=bin_code,
        )
        for rl, ol, gtin, bin_code in session.execute(
            select(ReturnLine, OrderLine, Product.gtin, Bin.code)
            .join(OrderLine, OrderLine.id == ReturnLine.order_line_id)
            .outerjoin(Product, Product.id == OrderLine.product_id)
            .outerjoin(Bin, Bin.id == ReturnLine.bin_id)
            .where(ReturnLine.rma_id == rma.id)
            .order_by(OrderLine.line_no, ReturnLine.id)
        )
    )
    return ReturnView(
        id=rma.id,
        number=rma.rma_number,
        status=rma.status,
        resolution=rma.resolution,
        order_id=order.id,
        order_number=order.number,
        order_status=order.status,
        channel=channel,
        customer=order.ship_name or order.email or "",
        email=order.email,
        currency=order.currency,
        order_paid_minor=order.paid_minor,
        order_refunded_minor=order.refunded_minor,
        refund_minor=rma.refund_minor,
        refund_method=rma.refund_method,
        store_credit_minor=rma.store_credit_minor,
        exchange_order_id=rma.exchange_order_id,
        exchange_order_number=exchange_number,
        location_id=location_id,
        location_code=location_code,
        notes=rma.notes,
        created_at=rma.created_at,
        authorized_at=rma.authorized_at,
        received_at=rma.received_at,
        closed_at=rma.closed_at,
        lines=lines,
    )


def find_return(session: Session, number: str) -> int | None:
    """RMA id for a typed or scanned RMA number ('RMA-000012', 'rma-000012' or just '12')."""
    text = number.strip().upper()
    if text.isdigit():
        text = format_number("rma", int(text))
    return session.scalar(
        select(ReturnAuthorization.id).where(ReturnAuthorization.rma_number == text)
    )


def return_stats_by_product(
    session: Session, *, date_from: datetime | None = None, date_to: datetime | None = None
) -> list[ProductReturnStats]:
    """Products returned in the period: units shipped (shipments that left in the period),
    units returned (on RMAs created in the period, rejected ones excluded, whether received yet
    or not) and the units per reason; most returned first. Dates are UTC, `date_to` exclusive.
    """
    by_reason_q = (
        select(
            OrderLine.product_id.label("product_id"),
            ReturnLine.reason.label("reason"),
            func.sum(ReturnLine.quantity).label("units"),
        )
        .join(OrderLine, OrderLine.id == ReturnLine.order_line_id)
        .join(ReturnAuthorization, ReturnAuthorization.id == ReturnLine.rma_id)
        .where(
            ReturnAuthorization.status != ReturnStatus.REJECTED,
            OrderLine.product_id.is_not(None),
        )
        .group_by(OrderLine.product_id, ReturnLine.reason)
    )
    if date_from is not None:
        by_reason_q = by_reason_q.where(ReturnAuthorization.created_at >= date_from)
    if date_to is not None:
        by_reason_q = by_reason_q.where(ReturnAuthorization.created_at < date_to)
    by_reason = by_reason_q.subquery()
    # Shipped units per returned product, correlated so each product is reached by the
    # order_line(product_id) index whatever the planner knows (not by walking every shipment).
    shipped_conditions = [
        OrderLine.product_id == Product.id,
        Shipment.status.in_((ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED)),
    ]
    if date_from is not None:
        shipped_conditions.append(Shipment.shipped_at >= date_from)
    if date_to is not None:
        shipped_conditions.append(Shipment.shipped_at < date_to)
    shipped = (
        select(func.coalesce(func.sum(ShipmentLine.quantity), 0))
        .select_from(OrderLine)
        .join(ShipmentLine, ShipmentLine.order_line_id == OrderLine.id)
        .join(Shipment, Shipment.id == ShipmentLine.shipment_id)
        .where(*shipped_conditions)
        .correlate(Product)
        .scalar_subquery()
    )
    returned = (
        select(by_reason.c.product_id, func.sum(by_reason.c.units).label("units"))
        .group_by(by_reason.c.product_id)
        .subquery()
    )
    reasons: dict[int, dict[str, int]] = defaultdict(dict)
    for product_id, reason, units in session.execute(
        select(by_reason.c.product_id, by_reason.c.reason, by_reason.c.units).order_by(
            by_reason.c.product_id, by_reason.c.units.desc(), by_reason.c.reason
        )
    ):
        reasons[product_id][reason] = int(units)
    result = []
    for product_id, sku, name, shipped_units, returned_units in session.execute(
        select(
            Product.id,
            Product.sku,
            Product.name,
            shipped,
            returned.c.units,
        )
        .join(returned, returned.c.product_id == Product.id)
        .order_by(returned.c.units.desc(), Product.sku)
    ):
        shipped_units, returned_units = int(shipped_units), int(returned_units)
        result.append(
            ProductReturnStats(
                product_id=product_id,
                sku=sku,
                name=name,
                shipped_units=shipped_units,
                returned_units=returned_units,
                rate=returned_units / shipped_units if shipped_units else None,
                reasons=reasons[product_id],
            )
        )
    return result
