"""Shipments: start packing an order, verify items by scan, pack (with override), ship with a
tracking number (stock leaves, order moves on, channel push and customer mail queued), void."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields, replace
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from app.audit import record_event
from app.errors import (
    Conflict,
    DomainError,
    InvalidTransition,
    NotFound,
    OverScan,
    UnknownBarcode,
    ValidationError,
    WrongItem,
)
from app.inventory.dto import ProductRef
from app.inventory.ledger import MoveSpec, post_moves
from app.inventory.products import find_among, find_product_by_code
from app.inventory.reservations import consume_lines, reserve_lines
from app.notifications import queue_shipped_mail
from app.numbering import next_number
from app.orders.rules import check_transition
from app.orders.status import write_order_status
from app.settings import get_setting
from app.shipping.dto import (
    PackageInput,
    PackResult,
    ShipmentLineView,
    ShipmentRow,
    ShipmentView,
    ShippedParcel,
    ShipResult,
    VerifyResult,
)
from app.uow import core_connection, expire_loaded
from db.enums import ChannelKind, MoveReason, OrderStatus, ShipmentStatus
from db.models import (
    AppUser,
    Channel,
    OrderLine,
    OutboxMessage,
    Product,
    SalesOrder,
    Shipment,
    ShipmentLine,
    ShipmentPackage,
    StockMove,
)
from db.types import utcnow

OPEN_SHIPMENT = (ShipmentStatus.PACKING, ShipmentStatus.PACKED)


def _shipment(session: Session, shipment_id: int) -> Shipment:
    shipment = session.get(Shipment, shipment_id)
    if shipment is None:
        raise NotFound(f"shipment #{shipment_id} does not exist")
    return shipment


def _audit(
    session: Session,
    order_id: int,
    actor: str,
    action: str,
    summary: str,
    details: dict | None = None,
) -> None:
    record_event(
        session,
        actor=actor,
        action=action,
        entity_type="order",
        entity_id=order_id,
        summary=summary,
        details=details,
    )


def _latest_parcel(column, status: str):
    """The order's newest shipment in `status` (its `column`), as a correlated subquery."""
    return (
        select(column)
        .where(Shipment.order_id == SalesOrder.id, Shipment.status == status)
        .order_by(Shipment.id.desc())
        .limit(1)
        .scalar_subquery()
    )


# One read for start_packing: the order's state and open parcels on every row, a row per line
# with reserved units (one row of NULL lines when none).
_PACKING_ORDER = (
    select(
        SalesOrder.number,
        SalesOrder.status,
        SalesOrder.on_hold,
        SalesOrder.hold_reason,
        SalesOrder.fulfil_location_id,
        _latest_parcel(Shipment.id, ShipmentStatus.PACKING),
        _latest_parcel(Shipment.number, ShipmentStatus.PACKED),
        OrderLine.id,
        OrderLine.allocated,
    )
    .outerjoin(OrderLine, (OrderLine.order_id == SalesOrder.id) & (OrderLine.allocated > 0))
    .where(SalesOrder.id == bindparam("order_id"))
    .order_by(OrderLine.line_no)
)


def start_packing(session: Session, order_id: int, *, actor: str) -> ShipmentView:
    """Open (or resume) the packing of an order's reserved units as a shipment.

    Refuses orders on hold, cancelled or already shipped, and orders with nothing reserved.
    """
    conn = core_connection(session)
    rows = conn.execute(_PACKING_ORDER, {"order_id": order_id}).all()
    if not rows:
        raise NotFound(f"order #{order_id} does not exist")
    number, status, on_hold, hold_reason, location_id, packing, packed = rows[0][:7]
    if packing is not None:
        return get_shipment(session, packing)
    if packed is not None:
        raise Conflict(f"order {number} is already packed in {packed}; ship or void it")
    if status in (
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
        OrderStatus.CANCELLED,
        OrderStatus.PACKED,
    ):
        raise InvalidTransition(
            "order",
            status,
            OrderStatus.PACKED,
            f"order {number} is {status}; nothing to pack",
        )
    check_transition(status, OrderStatus.PACKED, on_hold=on_hold, hold_reason=hold_reason)
    lines = [(line_id, allocated) for *_order, line_id, allocated in rows if line_id is not None]
    if not lines:
        raise DomainError(f"order {number} has no reserved stock to pack; allocate it first")
    shipment_number = next_number(session, "shipment")
    shipment_id = conn.execute(
        _NEW_SHIPMENT,
        {
            "number": shipment_number,
            "order_id": order_id,
            "location_id": location_id,
            "status": ShipmentStatus.PACKING,
            "created_at": utcnow(),
        },
    ).scalar_one()
    conn.execute(  # one executemany; the lines are read back as columns, never as objects
        _NEW_SHIPMENT_LINES,
        [
            {"shipment_id": shipment_id, "order_line_id": line_id, "quantity": allocated}
            for line_id, allocated in lines
        ],
    )
    _audit(
        session,
        order_id,
        actor,
        "shipment.start",
        f"Started packing {shipment_number}: {sum(units for _id, units in lines)} unit(s)",
    )
    return get_shipment(session, shipment_id)


def verify_item(session: Session, shipment_id: int, code: str) -> VerifyResult:
    """Count one scanned unit toward its line. Unknown codes, products the order does not
    contain and units beyond what it needs are refused (UnknownBarcode, WrongItem, OverScan).

    Runs on every scan: the shipment and its lines are read once as columns, the count is one
    guarded UPDATE, and the view returned is the one read with that count added."""
    conn = core_connection(session)
    head, rows = _read_shipment(conn, shipment_id)
    number, status, order_number = head.number, head.status, head.order_number
    if status != ShipmentStatus.PACKING:
        raise InvalidTransition("shipment", status, "packing", f"{number} is not being packed")
    product = _scanned_line_product(rows, code) or find_product_by_code(session, code)
    if product is None:
        raise UnknownBarcode(code)
    lines = sorted((row for row in rows if row.product_id == product.id), key=lambda r: r.id)
    if not lines:
        raise WrongItem(
            f"wrong item: {product.sku} ({product.name}) is not in order {order_number}"
        )
    line = next((li for li in lines if li.verified < li.quantity), None)
    if line is None:
        wanted = sum(li.quantity for li in lines)
        raise OverScan(f"too many: order {order_number} needs only {wanted} × {product.sku}")
    line_id = line.id
    if conn.execute(_COUNT_SCAN, {"line_id": line_id}).rowcount == 0:
        raise OverScan(f"too many: order {order_number} has all its {product.sku} scanned")
    # A ShipmentLine loaded earlier in this session would still show the old count.
    expire_loaded(session, ShipmentLine, [line_id], ["verified"])
    view = _shipment_view(head, [_counted_once(row, line_id) for row in rows])
    done = next(li for li in view.lines if li.id == line_id)
    return VerifyResult(
        view, line_id, product.id, f"{product.sku}: {done.verified} of {done.quantity}"
    )


def _scanned_line_product(rows: Sequence[_LineRow], code: str) -> ProductRef | None:
    """The product of one of the parcel's lines that `code` names, if that can be told without
    the catalogue (find_among); None means ask find_product_by_code."""
    return find_among(
        (
            ProductRef(row.product_id, row.product_sku, row.product_name, row.gtin, row.archived)
            for row in rows
            if row.product_id is not None
        ),
        code,
    )


def _counted_once(row: _LineRow, line_id: int) -> _LineRow:
    """`row` as it reads after the scan UPDATE (one more verified on the scanned line)."""
    return row._replace(verified=row.verified + 1) if row.id == line_id else row


def unverify_item(session: Session, shipment_id: int, product_id: int) -> VerifyResult:
    """Take back one scanned unit of a product (the station's UNDO)."""
    shipment = _shipment(session, shipment_id)
    if shipment.status != ShipmentStatus.PACKING:
        raise InvalidTransition("shipment", shipment.status, "packing")
    line = session.scalar(
        select(ShipmentLine)
        .join(OrderLine, OrderLine.id == ShipmentLine.order_line_id)
        .where(
            ShipmentLine.shipment_id == shipment.id,
            OrderLine.product_id == product_id,
            ShipmentLine.verified > 0,
        )
        .order_by(ShipmentLine.id.desc())
    )
    if line is None:
        raise DomainError("nothing of that product has been scanned to undo")
    line.verified -= 1
    session.flush()
    view = get_shipment(session, shipment.id)
    done = next(li for li in view.lines if li.id == line.id)
    return VerifyResult(
        view, line.id, product_id, f"undone: {done.sku} now {done.verified} of {done.quantity}"
    )


def complete_packing(
    session: Session,
    shipment_id: int,
    *,
    actor: str,
    packages: Sequence[PackageInput] = (),
    override_user: str | None = None,
    override_reason: str | None = None,
) -> PackResult:
    """Mark the shipment packed and the order packed.

    Every line must be verified by scanning, unless `override_user` names an active user with
    the override right and a reason is given (both recorded). Weights are compared with the
    products' weights; a difference beyond the tolerance setting is returned as a warning.
    """
    conn = core_connection(session)
    head, rows = _read_shipment(conn, shipment_id)
    view = _shipment_view(head, rows)
    order_status, on_hold, hold_reason = head.order_status, head.on_hold, head.hold_reason
    if view.status != ShipmentStatus.PACKING:
        raise InvalidTransition("shipment", view.status, ShipmentStatus.PACKED)
    override = None
    if not view.all_verified:
        missing = ", ".join(
            f"{li.sku} {li.quantity - li.verified}" for li in view.lines if not li.complete
        )
        if not override_user:
            raise DomainError(
                f"not all items are verified (missing: {missing}); scan them or "
                "ask a supervisor to override"
            )
        user = session.scalar(
            select(AppUser).where(AppUser.name == override_user, AppUser.active.is_(True))
        )
        if user is None or not user.can_override:
            raise DomainError(f"{override_user} may not override packing verification")
        if not (override_reason or "").strip():
            raise ValidationError(
                "say why packing is confirmed without scanning every item", field="override_reason"
            )
        override = f"{override_user}: {override_reason.strip()} (unverified: {missing})"
    check_transition(order_status, OrderStatus.PACKED, on_hold=on_hold, hold_reason=hold_reason)
    for package in packages:
        if package.weight_g is not None and package.weight_g < 0:
            raise ValidationError("package weight must not be negative", field="weight_g")
    if packages:
        conn.execute(
            _NEW_PACKAGES,
            [
                {
                    "shipment_id": view.id,
                    "box_type": package.box_type,
                    "weight_g": package.weight_g,
                    "length_mm": package.length_mm,
                    "width_mm": package.width_mm,
                    "height_mm": package.height_mm,
                }
                for package in packages
            ],
        )
    warnings = []
    expected = view.expected_weight_g  # the lines' product weights (not stored until packed)
    weights = [p.weight_g for p in packages if p.weight_g is not None]
    measured = sum(weights) if weights else None
    if measured is not None and expected:
        tolerance = get_setting(session, "packing.weight_tolerance_pct")
        difference = abs(measured - expected) * 100 / expected
        if tolerance and difference > tolerance:
            warnings.append(
                f"weighed {measured} g but the items weigh {expected} g "
                f"({difference:.0f}% off, tolerance {tolerance}%): check the box"
            )
    packed = {
        "status": ShipmentStatus.PACKED,
        "packed_at": utcnow(),
        "verified_by": actor,
        "weight_g": measured,
        "expected_weight_g": expected,
        "package_count": max(len(packages), 1),
        "override_reason": override,
    }
    _change_shipment(conn, session, view.id, ShipmentStatus.PACKING, packed)
    write_order_status(session, [(view.order_id, order_status)], OrderStatus.PACKED)
    summary = f"Packed {view.number} ({order_status} → packed)"
    if override:
        summary += f"; verification overridden by {override}"
    if warnings:
        summary += "; " + "; ".join(warnings)
    _audit(session, view.order_id, actor, "order.packed", summary)
    packed_view = replace(view, **packed)  # the view read above, with what this step wrote
    return PackResult(packed_view, tuple(warnings), message=summary)


def ship_shipment(
    session: Session,
    shipment_id: int,
    *,
    carrier: str,
    tracking_number: str | None,
    actor: str,
    service: str | None = None,
    notify_customer: bool = True,
) -> ShipResult:
    """Hand the parcel to the carrier: reserved stock leaves the bins as ship moves, the order
    becomes shipped (or partially shipped), a fulfilment push is queued for its channel and the
    customer mail is queued when enabled. Tracking numbers are checked against the carrier's
    format and check digit."""
    from app.shipping.tracking import tracking_url, validate_tracking

    conn = core_connection(session)
    read = conn.execute(_SHIPPING_READ, {"shipment_id": shipment_id}).all()
    head, rows = _split(read, shipment_id)  # the parcel's lines are what leaves
    view = _shipment_view(head, rows)
    outstanding = read[0][-1]  # the order's units not shipped yet, this parcel's included
    shipment_number, order_id, order_status = view.number, view.order_id, head.order_status
    if view.status != ShipmentStatus.PACKED:
        raise InvalidTransition("shipment", view.status, ShipmentStatus.SHIPPED, "pack it first")
    check_transition(
        order_status, OrderStatus.SHIPPED, on_hold=head.on_hold, hold_reason=head.hold_reason
    )
    carrier = (carrier or "").strip()
    if not carrier:
        raise ValidationError("choose the carrier", field="carrier")
    number, url = None, None
    if tracking_number and tracking_number.strip():
        match = validate_tracking(tracking_number, carrier)
        number, url = match.number, match.tracking_url or tracking_url(carrier, match.number)
    elif head.delivery_method != "pickup":
        raise ValidationError("enter or scan the tracking number", field="tracking_number")
    shipped_at = utcnow()
    # First, guarded: on PostgreSQL a second bench shipping the same parcel waits here, then
    # finds it shipped instead of consuming the stock twice.
    sent = {
        "status": ShipmentStatus.SHIPPED,
        "carrier": carrier,
        "service": service,
        "tracking_number": number,
        "tracking_url": url,
        "shipped_at": shipped_at,
    }
    _change_shipment(conn, session, shipment_id, ShipmentStatus.PACKED, sent)
    consume_lines(
        session,
        [(line.order_line_id, line.quantity) for line in view.lines],
        reference=shipment_number,
        actor=actor,
    )
    remaining = outstanding - view.units
    target = OrderStatus.PARTIALLY_SHIPPED if remaining else OrderStatus.SHIPPED
    write_order_status(
        session,
        [(order_id, order_status)],
        target,
        shipped_at=shipped_at if target == OrderStatus.SHIPPED else None,
    )
    parcel = ShippedParcel(
        shipment_id, shipment_number, carrier, number, url, order_id, view.order_number,
        head.external_id, head.email, head.ship_name,
    )  # fmt: skip
    channel_id = head.channel_id
    outbox = channel_id is not None and _queue_fulfilment_push(session, channel_id, parcel, rows)
    mailed = notify_customer and queue_shipped_mail(session, parcel)
    _audit(
        session,
        order_id,
        actor,
        f"order.{target}",
        f"Shipped {shipment_number} with {carrier}"
        + (f" {number}" if number else "")
        + f" ({order_status} → {target.replace('_', ' ')})"
        + ("; customer mail queued" if mailed else "")
        + ("; channel update queued" if outbox else ""),
    )
    return ShipResult(
        replace(view, **sent),  # the view read above, with what this step wrote
        target,
        mailed,
        outbox,
        message=f"{shipment_number} shipped",
    )


def _change_shipment(conn, session: Session, shipment_id: int, was: str, values: dict) -> None:
    """Move a shipment on from status `was`, guarded: when another workstation moved it first
    nothing is written and Conflict says so. A Shipment loaded in the session re-reads."""
    statement = _shipment_update(tuple(sorted(values)))
    params = {f"new_{column}": value for column, value in values.items()}
    changed = conn.execute(statement, {"shipment_id": shipment_id, "was": was, **params})
    if changed.rowcount != 1:
        raise Conflict("the shipment was changed at another workstation; open it again")
    expire_loaded(session, Shipment, [shipment_id], list(values))


def _queue_fulfilment_push(
    session: Session, channel_id: int, parcel: ShippedParcel, rows: Sequence[_LineRow]
) -> bool:
    """Queue the parcel (its lines as read for shipping) for the order's channel, if it has
    an enabled online one."""
    channel = session.get(Channel, channel_id)
    if channel is None or channel.kind == ChannelKind.CSV or not channel.enabled:
        return False
    session.add(
        OutboxMessage(
            channel_id=channel.id,
            kind="fulfillment",
            idempotency_key=f"fulfillment:{channel.id}:{parcel.number}",
            payload={
                "order_external_id": parcel.order_external_id,
                "shipment": parcel.number,
                "carrier": parcel.carrier,
                "tracking_number": parcel.tracking_number,
                "tracking_url": parcel.tracking_url,
                "lines": [
                    {
                        "external_line_id": row.external_line_id,
                        "sku": row.sku,
                        "quantity": row.quantity,
                    }
                    for row in rows
                ],
            },
            next_attempt_at=utcnow(),
            created_at=utcnow(),
        )
    )
    return True


def void_shipment(session: Session, shipment_id: int, *, reason: str, actor: str) -> ShipResult:
    """Cancel a shipment. Before shipping, verification is dropped and the order can be packed
    again; after shipping, the units go back into the bins they left and are reserved for the
    order again (the carrier never took the parcel)."""
    shipment = _shipment(session, shipment_id)
    if shipment.status not in (*OPEN_SHIPMENT, ShipmentStatus.SHIPPED):
        raise InvalidTransition("shipment", shipment.status, ShipmentStatus.VOIDED)
    if not (reason or "").strip():
        raise ValidationError("say why the shipment is voided", field="reason")
    order = session.get(SalesOrder, shipment.order_id)
    was = shipment.status
    # First, guarded (as shipping is): a parcel shipped or voided at another workstation
    # meanwhile is refused here instead of being voided over.
    _change_shipment(
        core_connection(session),
        session,
        shipment_id,
        was,
        {"status": ShipmentStatus.VOIDED, "voided_at": utcnow()},
    )
    if was == ShipmentStatus.SHIPPED:
        location_id = shipment.location_id or order.fulfil_location_id
        post_moves(
            session,
            [
                MoveSpec(
                    move.product_id,
                    move.quantity,
                    MoveReason.REVERSAL,
                    to_bin_id=move.from_bin_id,
                    reference=shipment.number,
                    note=f"void: {reason.strip()}",
                    reverses_move_id=move.id,
                )
                for move in session.scalars(
                    select(StockMove).where(
                        StockMove.reference == shipment.number, StockMove.reason == MoveReason.SHIP
                    )
                )
            ],
            actor=actor,
        )
        returned = []
        for line in session.scalars(
            select(ShipmentLine).where(ShipmentLine.shipment_id == shipment.id)
        ):
            session.get(OrderLine, line.order_line_id).shipped -= line.quantity
            returned.append((line.order_line_id, location_id, line.quantity))
        session.flush()
        reserve_lines(session, returned)
    shipped_any = (
        session.scalar(
            select(func.coalesce(func.sum(OrderLine.shipped), 0)).where(
                OrderLine.order_id == order.id
            )
        )
        or 0
    )
    previous = order.status
    order.status = OrderStatus.PARTIALLY_SHIPPED if shipped_any else OrderStatus.OPEN
    order.shipped_at = None  # no longer wholly shipped
    _audit(
        session,
        order.id,
        actor,
        "shipment.void",
        f"Voided {shipment.number} ({was}): {reason.strip()}; order {previous} → "
        f"{order.status.replace('_', ' ')}",
    )
    session.flush()
    return ShipResult(
        get_shipment(session, shipment.id),
        order.status,
        False,
        False,
        message=f"Voided {shipment.number}",
    )


# Built once: the packing station reads these after every scan, and constructing a statement
# costs more than running it. Executed on the session's connection (Core, no ORM compile).
# The head and line columns by name (the rows are read into these NamedTuples): the first
# names are ShipmentView's and ShipmentLineView's fields, in their order.
_HEAD = {
    "id": Shipment.id,
    "number": Shipment.number,
    "order_id": Shipment.order_id,
    "order_number": SalesOrder.number,
    "status": Shipment.status,
    # `ship_name or email or ""`: an empty name (a pickup typed with a company only)
    # falls through to the e-mail address like a missing one.
    "customer": func.coalesce(
        func.nullif(SalesOrder.ship_name, ""), func.nullif(SalesOrder.email, ""), ""
    ),
    "ship_country": SalesOrder.ship_country,
    "carrier": Shipment.carrier,
    "service": Shipment.service,
    "tracking_number": Shipment.tracking_number,
    "tracking_url": Shipment.tracking_url,
    "weight_g": Shipment.weight_g,
    "expected_weight_g": Shipment.expected_weight_g,
    "package_count": Shipment.package_count,
    "verified_by": Shipment.verified_by,
    "override_reason": Shipment.override_reason,
    "created_at": Shipment.created_at,
    "packed_at": Shipment.packed_at,
    "shipped_at": Shipment.shipped_at,
    "notes": SalesOrder.notes,
    # not in the view: the order's state that packing and shipping check and tell
    "order_status": SalesOrder.status,
    "on_hold": SalesOrder.on_hold,
    "hold_reason": SalesOrder.hold_reason,
    "delivery_method": SalesOrder.delivery_method,
    "channel_id": SalesOrder.channel_id,
    "external_id": SalesOrder.external_id,
    "email": SalesOrder.email,
    "ship_name": SalesOrder.ship_name,
}
_LINE = {
    "id": ShipmentLine.id,
    "order_line_id": ShipmentLine.order_line_id,
    "product_id": OrderLine.product_id,
    "sku": OrderLine.sku,
    "name": OrderLine.name,
    "gtin": Product.gtin,
    "quantity": ShipmentLine.quantity,
    "verified": ShipmentLine.verified,
    # not in the view: the expected weight, and how a scan is matched to a line without
    # asking the catalogue
    "weight_g": Product.weight_g,
    "product_sku": Product.sku,
    "product_name": Product.name,
    "archived": Product.archived,
    "external_line_id": OrderLine.external_line_id,  # for the channel's fulfilment push
}
_Head = NamedTuple("_Head", [(name, Any) for name in _HEAD])
_LineRow = NamedTuple("_LineRow", [(name, Any) for name in _LINE])
_VIEW_FIELDS = tuple(f.name for f in fields(ShipmentView) if f.name != "lines")
_LINE_VIEW_FIELDS = tuple(f.name for f in fields(ShipmentLineView))
assert tuple(_HEAD)[: len(_VIEW_FIELDS)] == _VIEW_FIELDS
assert tuple(_LINE)[: len(_LINE_VIEW_FIELDS)] == _LINE_VIEW_FIELDS
_HEAD_WIDTH = len(_HEAD)
_EXPECTED_WEIGHT = _VIEW_FIELDS.index("expected_weight_g")
# One statement: the head on every row, a row per line (one row of NULL lines when it has none).
_SHIPMENT_READ = (
    select(*_HEAD.values(), *_LINE.values())
    .join(SalesOrder, SalesOrder.id == Shipment.order_id)
    .outerjoin(ShipmentLine, ShipmentLine.shipment_id == Shipment.id)
    .outerjoin(OrderLine, OrderLine.id == ShipmentLine.order_line_id)
    .outerjoin(Product, Product.id == OrderLine.product_id)
    .where(Shipment.id == bindparam("shipment_id"))
    .order_by(OrderLine.line_no, ShipmentLine.id)
)
# For shipping: the same, and the order's units not shipped yet (before this parcel) at the end.
_ORDER_LINES = OrderLine.__table__.alias("order_lines")  # every line, not the parcel's
_SHIPPING_READ = _SHIPMENT_READ.add_columns(
    select(func.coalesce(func.sum(_ORDER_LINES.c.quantity - _ORDER_LINES.c.shipped), 0))
    .where(_ORDER_LINES.c.order_id == SalesOrder.id)
    .scalar_subquery()
)
_LINE_TABLE = ShipmentLine.__table__
# Counts only while the line still needs units: two benches scanning the last unit at once
# (PostgreSQL, no single writer) leave one of them with nothing updated → OverScan.
_COUNT_SCAN = (
    update(_LINE_TABLE)
    .where(
        _LINE_TABLE.c.id == bindparam("line_id"),
        _LINE_TABLE.c.verified < _LINE_TABLE.c.quantity,
    )
    .values(verified=_LINE_TABLE.c.verified + 1)
)
_SHIPMENT_TABLE = Shipment.__table__
_NEW_SHIPMENT = insert(_SHIPMENT_TABLE).returning(_SHIPMENT_TABLE.c.id)
_NEW_SHIPMENT_LINES = insert(_LINE_TABLE)
_NEW_PACKAGES = insert(ShipmentPackage.__table__)


@cache
def _shipment_update(columns: tuple[str, ...]):
    """UPDATE of these shipment columns, from status :was (built once per set of columns)."""
    return (
        update(_SHIPMENT_TABLE)
        .where(
            _SHIPMENT_TABLE.c.id == bindparam("shipment_id"),
            _SHIPMENT_TABLE.c.status == bindparam("was"),
        )
        .values({column: bindparam(f"new_{column}") for column in columns})
    )


def get_shipment(session: Session, shipment_id: int) -> ShipmentView:
    """The shipment with its order's ship-to and its lines, in one column read (no ORM
    entities: the packing station calls this after every scan)."""
    return _shipment_view(*_read_shipment(core_connection(session), shipment_id))


def _read_shipment(conn, shipment_id: int) -> tuple[_Head, list[_LineRow]]:
    """The shipment's head and its lines, in line order."""
    return _split(conn.execute(_SHIPMENT_READ, {"shipment_id": shipment_id}).all(), shipment_id)


def _split(rows, shipment_id: int) -> tuple[_Head, list[_LineRow]]:
    """_SHIPMENT_READ rows as (head, lines); columns after the line's are left out."""
    if not rows:
        raise NotFound(f"shipment #{shipment_id} does not exist")
    end = _HEAD_WIDTH + len(_LINE)
    head = _Head._make(rows[0][:_HEAD_WIDTH])
    return head, [
        _LineRow._make(row[_HEAD_WIDTH:end]) for row in rows if row[_HEAD_WIDTH] is not None
    ]


def _shipment_view(head: _Head, rows: Sequence[_LineRow]) -> ShipmentView:
    width = len(_LINE_VIEW_FIELDS)
    values = list(head[: len(_VIEW_FIELDS)])
    if not head.expected_weight_g:  # not stored until packed: the lines' product weights
        values[_EXPECTED_WEIGHT] = sum((row.weight_g or 0) * row.quantity for row in rows)
    return ShipmentView(*values, lines=tuple(ShipmentLineView(*row[:width]) for row in rows))


def find_shipment(session: Session, text: str) -> int | None:
    """A shipment by its number (SH-…) or tracking number."""
    text = text.strip()
    return session.scalar(
        select(Shipment.id)
        .where((Shipment.number == text.upper()) | (Shipment.tracking_number == text.upper()))
        .order_by(Shipment.id.desc())
        .limit(1)
    )


def list_shipments(
    session: Session,
    *,
    search: str = "",
    status: str | None = None,
    after: tuple | None = None,
    limit: int = 200,
):
    """Newest first, keyset-paged on (created_at, id); search by number, tracking or order."""
    from app.inventory.queries import ProductPage  # same page shape: rows + next_after

    units = (
        select(ShipmentLine.shipment_id, func.sum(ShipmentLine.quantity).label("units"))
        .group_by(ShipmentLine.shipment_id)
        .subquery()
    )
    query = (
        select(Shipment, SalesOrder.number, SalesOrder.ship_name, units.c.units)
        .join(SalesOrder, SalesOrder.id == Shipment.order_id)
        .outerjoin(units, units.c.shipment_id == Shipment.id)
        .order_by(Shipment.created_at.desc(), Shipment.id.desc())
    )
    if status:
        query = query.where(Shipment.status == status)
    text = search.strip().upper()
    if text:
        query = query.where(
            (Shipment.number == text)
            | (Shipment.tracking_number == text)
            | (SalesOrder.number == text)
        )
    if after:
        query = query.where(
            (Shipment.created_at < after[0])
            | ((Shipment.created_at == after[0]) & (Shipment.id < after[1]))
        )
    rows = session.execute(query.limit(limit)).all()
    result = tuple(
        ShipmentRow(
            s.id,
            s.number,
            number,
            s.status,
            name or "",
            s.carrier,
            s.tracking_number,
            int(u or 0),
            s.created_at,
            s.shipped_at,
        )
        for s, number, name, u in rows
    )
    next_after = (rows[-1][0].created_at, rows[-1][0].id) if len(rows) == limit else None
    return ProductPage(result, next_after)
