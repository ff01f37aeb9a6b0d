"""Order commands: intake, confirm and allocate, holds, cancel, split and backorder, status moves.

Every command runs inside the caller's unit of work and records one audit event on the order, so
the order's timeline (app.audit.list_events) explains every change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit import record_event
from app.changes import ChangeSet
from app.errors import Conflict, DomainError, InvalidTransition, NotFound, ValidationError
from app.inventory.reservations import release_reservation
from app.numbering import next_number
from app.orders.address import validate_address
from app.orders.allocation import ORDER_TO_ALLOCATE, allocate
from app.orders.dto import AllocationResult, LineInput, OrderInput, OrderSaved
from app.orders.rules import ALLOCATABLE, HOLDABLE, check_transition, order_totals, risk_flags
from app.settings import get_setting
from app.uow import core_connection
from db.enums import DeliveryMethod, LocationKind, OrderStatus, PaymentStatus
from db.models import Channel, Customer, Location, OrderLine, Product, SalesOrder
from db.types import utcnow

ORDERS = ChangeSet(orders=True)
ORDERS_AND_STOCK = ChangeSet(orders=True, stock=True)


def _order(session: Session, order_id: int, *, lock: bool = False) -> SalesOrder:
    query = select(SalesOrder).where(SalesOrder.id == order_id)
    if lock:
        query = query.with_for_update()
    order = session.scalar(query)
    if order is None:
        raise NotFound(f"order #{order_id} does not exist")
    return order


def _audit(
    session: Session,
    order: SalesOrder,
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
        entity_id=order.id,
        summary=summary,
        details=details,
    )


# ---------------------------------------------------------------------------------------- intake


def _resolve_lines(session: Session, lines: Iterable[LineInput]) -> list[dict]:
    rows = []
    for index, line in enumerate(lines, start=1):
        if not isinstance(line.quantity, int) or line.quantity <= 0:
            raise ValidationError(
                f"line {index}: quantity must be a whole number above 0", field="quantity"
            )
        if line.discount_minor < 0 or (line.unit_price_minor or 0) < 0:
            raise ValidationError(
                f"line {index}: prices and discounts must not be negative", field="unit_price_minor"
            )
        product = None
        if line.product_id is not None:
            product = session.get(Product, line.product_id)
            if product is None:
                raise ValidationError(
                    f"line {index}: product #{line.product_id} does not exist", field="product_id"
                )
        elif line.sku and line.sku.strip():
            product = session.scalar(
                select(Product).where(func.lower(Product.sku) == line.sku.strip().lower())
            )
        else:
            raise ValidationError(f"line {index}: a product or SKU is required", field="sku")
        if product is not None and product.archived:
            raise ValidationError(
                f"line {index}: product {product.sku} is archived", field="product_id"
            )
        if product is None and not (line.name or "").strip():
            raise ValidationError(
                f"line {index}: SKU {line.sku} is not in the catalog; give the "
                "line a name to keep it as an unmatched line",
                field="name",
            )
        price = (
            line.unit_price_minor
            if line.unit_price_minor is not None
            else (product.price_minor if product else 0)
        )
        rows.append(
            {
                "line_no": index,
                "product_id": product.id if product else None,
                "sku": product.sku if product else line.sku.strip(),
                "name": (line.name or "").strip() or (product.name if product else ""),
                "quantity": line.quantity,
                "unit_price_minor": price,
                "discount_minor": line.discount_minor,
                "external_line_id": line.external_line_id,
            }
        )
    if not rows:
        raise ValidationError("an order needs at least one line", field="lines")
    return rows


def _customer_for(session: Session, data: OrderInput) -> int | None:
    if data.customer_id is not None:
        if session.get(Customer, data.customer_id) is None:
            raise ValidationError(
                f"customer #{data.customer_id} does not exist", field="customer_id"
            )
        return data.customer_id
    email = (data.email or "").strip().lower() or None
    if email:
        # Every writer stores customers' e-mails lower-case (here, CSV import, channel intake,
        # the demo), so the e-mail index answers; lower(email) scanned all 66k customers of
        # the demo shop (15 ms an order).
        existing = session.scalar(
            select(Customer.id).where(Customer.email == email).order_by(Customer.id).limit(1)
        )
        if existing is not None:
            return existing
    ship = data.ship_to
    if ship is None and not email:
        return None
    customer = Customer(
        name=ship.name if ship else email,
        email=email,
        phone=data.phone,
        company=ship.company or None if ship else None,
        address1=ship.address1 if ship else None,
        address2=ship.address2 or None if ship else None,
        city=ship.city if ship else None,
        region=ship.region or None if ship else None,
        postal_code=ship.postal_code if ship else None,
        country=ship.country if ship else None,
    )
    session.add(customer)
    session.flush()
    return customer.id


def _orders_to_address(
    session: Session, address1: str | None, postal_code: str | None, placed_at: datetime
) -> int:
    if not address1:
        return 0
    return (
        session.scalar(
            select(func.count())
            .select_from(SalesOrder)
            .where(
                SalesOrder.ship_address1 == address1,
                SalesOrder.ship_postal_code == postal_code,
                SalesOrder.placed_at > placed_at - timedelta(days=1),
                SalesOrder.placed_at <= placed_at + timedelta(days=1),
            )
        )
        or 0
    )


def create_order(session: Session, data: OrderInput, *, actor: str) -> OrderSaved:
    """Record a new order (phone, counter or channel) and, with `confirm`, open and allocate it.

    Validates lines (unknown SKUs become unmatched lines when named), the ship-to address for its
    country (not needed for pickup), payment and delivery fields; flags risks. Raises
    ValidationError naming the field, or Conflict when (channel, external id) already exists.
    """
    if data.delivery_method not in set(DeliveryMethod):
        raise ValidationError("delivery method must be ship or pickup", field="delivery_method")
    if data.payment_status not in set(PaymentStatus):
        raise ValidationError(
            f"unknown payment status {data.payment_status!r}", field="payment_status"
        )
    for name in ("discount_minor", "shipping_minor", "tax_minor"):
        if getattr(data, name) < 0:
            raise ValidationError(f"{name.replace('_minor', '')} must not be negative", field=name)
    ship = None
    if data.delivery_method == DeliveryMethod.PICKUP:
        store = session.get(Location, data.pickup_location_id) if data.pickup_location_id else None
        if store is None or store.kind != LocationKind.STORE:
            raise ValidationError(
                "a pickup order needs the store it is collected from", field="pickup_location_id"
            )
        if data.ship_to is not None:
            ship = data.ship_to
    else:
        if data.ship_to is None:
            raise ValidationError("a shipped order needs a ship-to address", field="ship_to")
        ship = validate_address(data.ship_to)
    if data.channel_id is not None:
        if session.get(Channel, data.channel_id) is None:
            raise ValidationError(f"channel #{data.channel_id} does not exist", field="channel_id")
        if data.external_id:
            existing = session.scalar(
                select(SalesOrder.number).where(
                    SalesOrder.channel_id == data.channel_id,
                    SalesOrder.external_id == data.external_id,
                )
            )
            if existing:
                raise Conflict(
                    f"channel order {data.external_id} was already imported as {existing}"
                )
    lines = _resolve_lines(session, data.lines)
    totals = order_totals(
        [(r["quantity"], r["unit_price_minor"], r["discount_minor"]) for r in lines],
        discount_minor=data.discount_minor,
        shipping_minor=data.shipping_minor,
        tax_minor=data.tax_minor,
    )
    paid = data.paid_minor
    if paid is None:
        paid = totals["total_minor"] if data.payment_status == PaymentStatus.PAID else 0
    if paid < 0:
        raise ValidationError("paid amount must not be negative", field="paid_minor")
    placed_at = data.placed_at or utcnow()
    flags = risk_flags(
        ship_country=ship.country if ship else None,
        bill_country=data.bill_country,
        total_minor=totals["total_minor"],
        high_value_minor=get_setting(session, "risk.high_value_minor"),
        orders_to_address_today=_orders_to_address(
            session, ship.address1 if ship else None, ship.postal_code if ship else None, placed_at
        )
        + 1
        if ship
        else 0,
        channel_risk=data.channel_risk,
    )
    order = SalesOrder(
        number=next_number(session, "order"),
        channel_id=data.channel_id,
        external_id=data.external_id,
        customer_id=_customer_for(session, data),
        status=OrderStatus.DRAFT,
        payment_status=data.payment_status,
        delivery_method=data.delivery_method,
        pickup_location_id=data.pickup_location_id,
        email=(data.email or "").strip() or None,
        phone=data.phone,
        ship_name=ship.name if ship else None,
        ship_company=ship.company or None if ship else None,
        ship_address1=ship.address1 if ship else None,
        ship_address2=ship.address2 or None if ship else None,
        ship_city=ship.city if ship else None,
        ship_region=ship.region or None if ship else None,
        ship_postal_code=ship.postal_code if ship else None,
        ship_country=ship.country if ship else None,
        bill_country=(data.bill_country or "").upper() or None,
        currency=(data.currency or get_setting(session, "currency")).upper(),
        paid_minor=paid,
        risk_level=len(flags),
        risk_flags="; ".join(flags) or None,
        notes=(data.notes or "").strip() or None,
        placed_at=placed_at,
        **totals,
    )
    session.add(order)
    session.flush()
    session.add_all(OrderLine(order_id=order.id, **row) for row in lines)
    session.flush()
    source = f" from channel order {data.external_id}" if data.external_id else ""
    _audit(
        session,
        order,
        actor,
        "order.create",
        f"Created {order.number}{source}: {len(lines)} line(s), total {totals['total_minor']}"
        + (f"; risk: {order.risk_flags}" if flags else ""),
    )
    allocation = None
    if data.confirm:
        allocation = _confirm(session, order, actor)
    return OrderSaved(
        order.id,
        order.number,
        order.status,
        ORDERS_AND_STOCK,
        f"Created {order.number}",
        allocation,
        tuple(flags),
    )


# ------------------------------------------------------------------------------------- lifecycle


def _confirm(session: Session, order: SalesOrder, actor: str) -> AllocationResult:
    check_transition(order.status, OrderStatus.OPEN)
    order.status = OrderStatus.OPEN
    result = allocate(session, order)
    _audit(
        session,
        order,
        actor,
        "order.confirm",
        _allocation_summary("Confirmed", result),
        _allocation_details(result),
    )
    return result


def _allocation_summary(verb: str, result: AllocationResult) -> str:
    where = f" at {result.location_code}" if result.location_code else ""
    text = f"{verb}; reserved {result.allocated_units} unit(s){where}"
    if result.shortfalls:
        text += "; short: " + ", ".join(
            f"{s.sku} {s.needed - s.available}" for s in result.shortfalls
        )
    return text


def _allocation_details(result: AllocationResult) -> dict:
    return {
        "location": result.location_code,
        "allocated": result.allocated_units,
        "shortfalls": [
            {"line": s.line_no, "sku": s.sku, "needed": s.needed, "available": s.available}
            for s in result.shortfalls
        ],
    }


def confirm_order(session: Session, order_id: int, *, actor: str) -> OrderSaved:
    """Draft → open, reserving stock (shortfalls reported, not fatal)."""
    order = _order(session, order_id, lock=True)
    result = _confirm(session, order, actor)
    return OrderSaved(
        order.id,
        order.number,
        order.status,
        ORDERS_AND_STOCK,
        _allocation_summary("Confirmed", result),
        result,
    )


def allocate_order(session: Session, order_id: int, *, actor: str) -> AllocationResult:
    """Reserve what the order's lines still need (after stock arrived or a line was linked)."""
    order = (
        core_connection(session).execute(_ORDER_TO_ALLOCATE_LOCKED, {"order_id": order_id}).first()
    )
    if order is None:
        raise NotFound(f"order #{order_id} does not exist")
    if order.status not in ALLOCATABLE:
        raise InvalidTransition(
            "order",
            order.status,
            "allocated",
            "only open, picking or partially shipped orders take stock",
        )
    result = allocate(session, order)
    if result.allocated_units:
        _audit(
            session,
            order,
            actor,
            "order.allocate",
            _allocation_summary("Allocated", result),
            _allocation_details(result),
        )
    return result


_ORDER_TO_ALLOCATE_LOCKED = ORDER_TO_ALLOCATE.with_for_update()


def cancel_order(session: Session, order_id: int, *, reason: str, actor: str) -> OrderSaved:
    """Cancel and release every reservation. Shipped units cannot be cancelled (use a return)."""
    order = _order(session, order_id, lock=True)
    check_transition(order.status, OrderStatus.CANCELLED)
    if not (reason or "").strip():
        raise ValidationError("say why the order is cancelled", field="reason")
    released = sum(
        release_reservation(session, line_id)
        for line_id in session.scalars(
            select(OrderLine.id).where(OrderLine.order_id == order.id, OrderLine.allocated > 0)
        )
    )
    previous = order.status
    order.status = OrderStatus.CANCELLED
    order.on_hold = False
    _audit(
        session,
        order,
        actor,
        "order.cancel",
        f"Cancelled ({reason.strip()}); released {released} reserved unit(s)",
        {"from": previous, "released": released},
    )
    return OrderSaved(
        order.id, order.number, order.status, ORDERS_AND_STOCK, f"Cancelled {order.number}"
    )


def hold_order(
    session: Session, order_id: int, *, reason: str, until: datetime | None = None, actor: str
) -> OrderSaved:
    """Put an order on hold: it keeps its stock but cannot be picked, packed or shipped until
    released (by hand, or automatically once `until` has passed)."""
    order = _order(session, order_id, lock=True)
    if order.status not in HOLDABLE:
        raise InvalidTransition(
            "order", order.status, "on hold", "only orders not yet shipped can be held"
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("say why the order is held", field="reason")
    if until is not None and until <= utcnow():
        raise ValidationError("the hold-until time must be in the future", field="until")
    order.on_hold, order.hold_reason, order.hold_until = True, reason, until
    until_text = f" until {until.isoformat(timespec='minutes')}" if until else ""
    _audit(session, order, actor, "order.hold", f"Held: {reason}{until_text}")
    return OrderSaved(order.id, order.number, order.status, ORDERS, f"Held {order.number}")


def release_hold(
    session: Session, order_id: int, *, actor: str, note: str | None = None
) -> OrderSaved:
    order = _order(session, order_id, lock=True)
    if not order.on_hold:
        raise Conflict(f"order {order.number} is not on hold")
    reason = order.hold_reason
    order.on_hold, order.hold_reason, order.hold_until = False, None, None
    _audit(
        session,
        order,
        actor,
        "order.release",
        f"Released hold ({reason})" + (f": {note}" if note else ""),
    )
    return OrderSaved(order.id, order.number, order.status, ORDERS, f"Released {order.number}")


def release_due_holds(
    session: Session, *, now: datetime | None = None, actor: str = "system"
) -> list[str]:
    """Release every hold whose hold-until time has passed; returns the order numbers."""
    now = now or utcnow()
    due = list(
        session.scalars(
            select(SalesOrder).where(
                SalesOrder.on_hold.is_(True),
                SalesOrder.hold_until.is_not(None),
                SalesOrder.hold_until <= now,
            )
        )
    )
    for order in due:
        reason = order.hold_reason
        order.on_hold, order.hold_reason, order.hold_until = False, None, None
        _audit(session, order, actor, "order.release", f"Hold expired ({reason})")
    return [order.number for order in due]


def set_order_status(
    session: Session, order_id: int, target: str, *, actor: str, note: str | None = None
) -> OrderSaved:
    """Move an order along its lifecycle (picking, packed, shipped, delivered, back to open).

    Picking and shipping workflows call this; illegal moves raise InvalidTransition naming both
    states, and a hold blocks picking, packing and shipping.
    """
    order = _order(session, order_id, lock=True)
    previous = order.status
    check_transition(previous, target, on_hold=order.on_hold, hold_reason=order.hold_reason)
    order.status = target
    if target == OrderStatus.SHIPPED and order.shipped_at is None:
        order.shipped_at = utcnow()
    _audit(
        session,
        order,
        actor,
        f"order.{target}",
        f"{OrderStatus(previous).name.replace('_', ' ').capitalize()} → "
        f"{OrderStatus(target).name.replace('_', ' ').lower()}" + (f": {note}" if note else ""),
    )
    return OrderSaved(order.id, order.number, order.status, ORDERS)


def link_line_product(session: Session, line_id: int, product_id: int, *, actor: str) -> OrderSaved:
    """Attach a catalog product to an unmatched line (e.g. a channel SKU we did not know)."""
    line = session.get(OrderLine, line_id)
    if line is None:
        raise NotFound(f"order line #{line_id} does not exist")
    if line.product_id is not None:
        raise Conflict(f"line {line.line_no} is already linked to {line.sku}")
    product = session.get(Product, product_id)
    if product is None:
        raise NotFound(f"product #{product_id} does not exist")
    order = _order(session, line.order_id)
    old_sku = line.sku
    line.product_id, line.sku = product.id, product.sku
    _audit(
        session,
        order,
        actor,
        "order.link_line",
        f"Line {line.line_no}: {old_sku} linked to product {product.sku}",
    )
    return OrderSaved(order.id, order.number, order.status, ORDERS)


# --------------------------------------------------------------------------- split and backorder


@dataclass(frozen=True, slots=True)
class SplitResult:
    original: OrderSaved
    new: OrderSaved
    changes: ChangeSet = ORDERS_AND_STOCK


def split_order(
    session: Session,
    order_id: int,
    quantities: dict[int, int],
    *,
    actor: str,
    reason: str = "split",
) -> SplitResult:
    """Move `quantities` ({line id: units}) of unshipped units to a new linked order.

    The new order keeps the customer, address and prices, starts open and is allocated on its
    own; reserved units moved off the original are released first. Shipping charges stay on the
    original order.
    """
    order = _order(session, order_id, lock=True)
    if order.status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.CANCELLED):
        raise InvalidTransition(
            "order", order.status, "split", "only orders with unshipped units can be split"
        )
    lines = {
        line.id: line
        for line in session.scalars(
            select(OrderLine).where(OrderLine.order_id == order.id).order_by(OrderLine.line_no)
        )
    }
    moving = {lid: qty for lid, qty in quantities.items() if qty}
    if not moving:
        raise ValidationError("choose at least one unit to split off", field="quantities")
    for line_id, qty in moving.items():
        line = lines.get(line_id)
        if line is None:
            raise ValidationError(
                f"line #{line_id} is not on order {order.number}", field="quantities"
            )
        unshipped = line.quantity - line.shipped
        if qty < 0 or qty > unshipped:
            raise ValidationError(
                f"line {line.line_no} ({line.sku}) has {unshipped} unshipped "
                f"unit(s); cannot split off {qty}",
                field="quantities",
            )
    if (
        all(lines[lid].quantity == qty for lid, qty in moving.items())
        and len(moving) == len(lines)
        and not any(line.shipped for line in lines.values())
    ):
        raise ValidationError(
            "that would move the whole order; cancel or keep it instead", field="quantities"
        )
    new = SalesOrder(
        **{c: getattr(order, c) for c in _COPIED_COLUMNS},
        number=next_number(session, "order"),
        parent_order_id=order.id,
        status=OrderStatus.OPEN if order.status != OrderStatus.DRAFT else OrderStatus.DRAFT,
        placed_at=order.placed_at,
    )
    session.add(new)
    session.flush()
    new_rows = []
    for line_no, (line_id, qty) in enumerate(
        sorted(moving.items(), key=lambda kv: lines[kv[0]].line_no), 1
    ):
        line = lines[line_id]
        free = line.quantity - line.shipped - line.allocated
        if qty > free:
            release_reservation(session, line.id, qty - free)
        moved_discount = line.discount_minor * qty // line.quantity
        line.discount_minor -= moved_discount
        line.quantity -= qty
        new_rows.append(
            OrderLine(
                order_id=new.id,
                line_no=line_no,
                product_id=line.product_id,
                sku=line.sku,
                name=line.name,
                quantity=qty,
                unit_price_minor=line.unit_price_minor,
                discount_minor=moved_discount,
            )
        )
        if line.quantity == 0:
            session.delete(line)
    session.add_all(new_rows)
    session.flush()
    _retotal(session, order)
    _retotal(session, new, shipping_minor=0)
    new.paid_minor = 0
    allocation = allocate(session, new) if new.status == OrderStatus.OPEN else None
    moved_text = ", ".join(f"{r.sku} × {r.quantity}" for r in new_rows)
    _audit(session, order, actor, "order.split", f"Split {moved_text} to {new.number} ({reason})")
    _audit(
        session,
        new,
        actor,
        "order.create",
        f"Created from {order.number} ({reason}): {moved_text}"
        + (f"; {_allocation_summary('reserved', allocation)}" if allocation else ""),
    )
    return SplitResult(
        OrderSaved(order.id, order.number, order.status, ORDERS_AND_STOCK),
        OrderSaved(
            new.id, new.number, new.status, ORDERS_AND_STOCK, f"Split to {new.number}", allocation
        ),
    )


_COPIED_COLUMNS = (
    "channel_id",
    "customer_id",
    "payment_status",
    "delivery_method",
    "pickup_location_id",
    "email",
    "phone",
    "ship_name",
    "ship_company",
    "ship_address1",
    "ship_address2",
    "ship_city",
    "ship_region",
    "ship_postal_code",
    "ship_country",
    "bill_country",
    "currency",
    "notes",
)


def _retotal(session: Session, order: SalesOrder, *, shipping_minor: int | None = None) -> None:
    lines = session.execute(
        select(OrderLine.quantity, OrderLine.unit_price_minor, OrderLine.discount_minor).where(
            OrderLine.order_id == order.id
        )
    ).all()
    totals = order_totals(
        lines,
        discount_minor=order.discount_minor or 0,
        shipping_minor=order.shipping_minor if shipping_minor is None else shipping_minor,
        tax_minor=order.tax_minor or 0,
    )
    for key, value in totals.items():
        setattr(order, key, value)
    order.paid_minor = min(order.paid_minor or 0, order.total_minor)
    order.refunded_minor = min(order.refunded_minor or 0, order.paid_minor)


def backorder_shortfall(session: Session, order_id: int, *, actor: str) -> SplitResult:
    """Split the units that could not be reserved into a backorder, so the rest can ship now."""
    order = _order(session, order_id, lock=True)
    short = {
        line.id: line.quantity - line.shipped - line.allocated
        for line in session.scalars(select(OrderLine).where(OrderLine.order_id == order.id))
        if line.product_id is not None and line.quantity - line.shipped - line.allocated > 0
    }
    if not short:
        raise DomainError(f"order {order.number} has nothing short to backorder")
    return split_order(session, order_id, short, actor=actor, reason="backorder")


# ---------------------------------------------------------------------------------- bulk actions


@dataclass(frozen=True, slots=True)
class BulkResult:
    done: tuple[str, ...]
    skipped: tuple[tuple[str, str], ...]  # (order number, why)
    changes: ChangeSet = ORDERS_AND_STOCK

    @property
    def message(self) -> str:
        text = f"{len(self.done)} order(s) done"
        if self.skipped:
            text += f", {len(self.skipped)} skipped: " + "; ".join(
                f"{number}: {why}" for number, why in self.skipped[:5]
            )
        return text


def apply_to_orders(session: Session, order_ids: Iterable[int], action, **kwargs) -> BulkResult:
    """Run one order command over a selection; orders it refuses are listed with the reason and
    the others still change (each refusal is checked before anything of that order is written).
    """
    done, skipped = [], []
    for order_id in order_ids:
        number = session.scalar(select(SalesOrder.number).where(SalesOrder.id == order_id))
        if number is None:
            continue
        try:
            with session.begin_nested():
                action(session, order_id, **kwargs)
            done.append(number)
        except DomainError as exc:
            skipped.append((number, str(exc)))
    return BulkResult(tuple(done), tuple(skipped))
