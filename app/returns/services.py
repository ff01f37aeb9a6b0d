"""Return commands: RMAs, receiving with dispositions, refund, exchange, store credit, close."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit import record_event
from app.changes import ChangeSet
from app.documents.formatting import format_money
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
from app.inventory.ledger import post_move
from app.inventory.products import find_product_by_code
from app.numbering import next_number
from app.orders.address import Address
from app.orders.dto import LineInput, OrderInput
from app.orders.services import create_order
from app.returns.dto import (
    RETURNS_CHANGED,
    ReceiveResult,
    ReturnLineInput,
    ReturnSaved,
)
from app.returns.queries import get_return, return_location_id, units_on_returns
from db.enums import (
    BinKind,
    ChannelKind,
    DeliveryMethod,
    Disposition,
    ItemCondition,
    MoveReason,
    OrderStatus,
    PaymentStatus,
    ReturnReason,
    ReturnResolution,
    ReturnStatus,
)
from db.models import (
    AuditEvent,
    Bin,
    Channel,
    Location,
    OrderLine,
    OutboxMessage,
    Product,
    ProductBinDefault,
    ReturnAuthorization,
    ReturnLine,
    SalesOrder,
)
from db.types import utcnow

S = ReturnStatus
TRANSITIONS: Mapping[ReturnStatus, frozenset[ReturnStatus]] = {
    S.REQUESTED: frozenset({S.AUTHORIZED, S.REJECTED}),
    S.AUTHORIZED: frozenset({S.RECEIVED, S.REJECTED}),
    S.RECEIVED: frozenset({S.CLOSED}),
    S.REJECTED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
}
RETURNABLE_ORDERS = (OrderStatus.PARTIALLY_SHIPPED, OrderStatus.SHIPPED, OrderStatus.DELIVERED)
# Money can go back (or an exchange go out) once the return is authorized, before the parcel
# arrives (e.g. a damaged item the customer need not send); not after the RMA is closed.
RESOLVABLE = (S.AUTHORIZED, S.RECEIVED)
REASON_WORDS = ", ".join(r.value.replace("_", " ") for r in ReturnReason)


def check_return_transition(number: str, current: str, target: str, why: str = "") -> None:
    """Raise InvalidTransition naming both states unless current → target is allowed."""
    if ReturnStatus(target) not in TRANSITIONS[ReturnStatus(current)]:
        raise InvalidTransition(f"return {number}", current, target, why)


# ------------------------------------------------------------------------------------- helpers


def _rma(session: Session, rma_id: int) -> ReturnAuthorization:
    rma = session.scalar(
        select(ReturnAuthorization).where(ReturnAuthorization.id == rma_id).with_for_update()
    )
    if rma is None:
        raise NotFound(f"return #{rma_id} does not exist")
    return rma


def _order(session: Session, order_id: int) -> SalesOrder:
    order = session.scalar(select(SalesOrder).where(SalesOrder.id == order_id).with_for_update())
    if order is None:
        raise NotFound(f"order #{order_id} does not exist")
    return order


def _audit(
    session: Session,
    rma: ReturnAuthorization,
    order: SalesOrder,
    actor: str,
    action: str,
    summary: str,
    details: dict | None = None,
) -> None:
    """One event on the RMA and one on its order, so the order's timeline shows the return."""
    details = {"rma": rma.rma_number, "order": order.number, **(details or {})}
    record_event(
        session,
        actor=actor,
        action=action,
        entity_type="rma",
        entity_id=rma.id,
        summary=f"{summary} (order {order.number})",
        details=details,
    )
    record_event(
        session,
        actor=actor,
        action=action,
        entity_type="order",
        entity_id=order.id,
        summary=f"{rma.rma_number}: {summary}",
        details=details,
    )


def _saved(
    rma: ReturnAuthorization,
    message: str,
    changes: ChangeSet = RETURNS_CHANGED,
    *,
    outbox_queued: bool = False,
) -> ReturnSaved:
    return ReturnSaved(
        rma.id,
        rma.rma_number,
        rma.status,
        changes,
        message,
        rma.resolution,
        rma.exchange_order_id,
        outbox_queued,
    )


def _money(amount_minor: int, order: SalesOrder) -> str:
    return format_money(amount_minor, order.currency)


def _amount(amount_minor: int, what: str) -> int:
    if not isinstance(amount_minor, int) or isinstance(amount_minor, bool) or amount_minor <= 0:
        raise ValidationError(f"the {what} must be an amount above 0", field="amount_minor")
    return amount_minor


def _units(session: Session, rma_id: int) -> tuple[int, int]:
    """(units on the RMA, units received)."""
    total, received = session.execute(
        select(
            func.coalesce(func.sum(ReturnLine.quantity), 0),
            func.coalesce(func.sum(ReturnLine.received_quantity), 0),
        ).where(ReturnLine.rma_id == rma_id)
    ).one()
    return int(total), int(received)


# -------------------------------------------------------------------------------- create & decide


def _too_many(line: OrderLine, wanted: int, left: int, pending: int, numbers: Sequence[str]) -> str:
    label = f"line {line.line_no} {line.sku}"
    if line.shipped == 0:
        return f"{label} has not shipped yet; nothing to return"
    parts = [f"{line.shipped} shipped"]
    taken = line.returned + pending
    if taken:
        parts.append(f"{taken} already on {', '.join(numbers)}" if numbers else f"{taken} returned")
    tail = (
        "nothing left to return"
        if left <= 0
        else f"only {left} can still be returned, not {wanted}"
    )
    return f"{label}: {', '.join(parts)}; {tail}"


def create_return(
    session: Session,
    order_id: int,
    lines: Sequence[ReturnLineInput],
    *,
    actor: str,
    notes: str | None = None,
    authorize: bool = True,
) -> ReturnSaved:
    """Open an RMA (next RMA number) for units of a shipped, partially shipped or delivered order.

    Each line may ask for at most shipped − already returned − units expected on other open RMAs
    (requested or authorized, not received yet); `reason` is a ReturnReason and "other" needs a
    note. The RMA starts authorized (or requested with `authorize=False`). Raises NotFound,
    ValidationError naming the line, or Conflict when the units are already on another RMA
    (naming it) or the order has not shipped.
    """
    order = _order(session, order_id)
    if order.status not in RETURNABLE_ORDERS:
        raise Conflict(
            f"order {order.number} is {order.status.replace('_', ' ')}; only shipped or "
            "delivered orders can be returned"
        )
    if not lines:
        raise ValidationError("choose at least one line and quantity to return", field="lines")
    order_lines = {
        line.id: line
        for line in session.scalars(select(OrderLine).where(OrderLine.order_id == order.id))
    }
    wanted: dict[int, int] = defaultdict(int)
    cleaned: list[tuple[OrderLine, int, str, str | None]] = []
    for item in lines:
        line = order_lines.get(item.order_line_id)
        if line is None:
            raise ValidationError(
                f"order line #{item.order_line_id} is not on order {order.number}", field="lines"
            )
        label = f"line {line.line_no} {line.sku}"
        if not isinstance(item.quantity, int) or isinstance(item.quantity, bool):
            raise ValidationError(f"{label}: quantity must be a whole number", field="quantity")
        if item.quantity <= 0:
            raise ValidationError(f"{label}: quantity must be above 0", field="quantity")
        if item.reason not in set(ReturnReason):
            raise ValidationError(
                f"{label}: choose a reason ({REASON_WORDS}), not {item.reason!r}", field="reason"
            )
        note = (item.note or "").strip() or None
        if item.reason == ReturnReason.OTHER and not note:
            raise ValidationError(f"{label}: say why when the reason is other", field="note")
        if line.product_id is None:
            raise ValidationError(
                f"{label} is not linked to a product; link it before returning it", field="lines"
            )
        wanted[line.id] += item.quantity
        cleaned.append((line, item.quantity, item.reason, note))
    held = units_on_returns(session, wanted)
    for line_id, quantity in wanted.items():
        line = order_lines[line_id]
        pending, numbers = held.get(line_id, (0, ()))
        left = line.shipped - line.returned - pending
        if quantity > left:
            raise Conflict(_too_many(line, quantity, left, pending, numbers))
    now = utcnow()
    rma = ReturnAuthorization(
        rma_number=next_number(session, "rma"),
        order_id=order.id,
        status=S.AUTHORIZED if authorize else S.REQUESTED,
        notes=(notes or "").strip() or None,
        created_at=now,
        authorized_at=now if authorize else None,
    )
    session.add(rma)
    session.flush()
    session.add_all(
        ReturnLine(
            rma_id=rma.id,
            order_line_id=line.id,
            quantity=quantity,
            received_quantity=0,
            reason=reason,
            reason_note=note,
        )
        for line, quantity, reason, note in cleaned
    )
    session.flush()
    what = ", ".join(
        f"{line.sku} × {quantity} ({reason.replace('_', ' ')})"
        for line, quantity, reason, _note in cleaned
    )
    _audit(
        session,
        rma,
        order,
        actor,
        "rma.create",
        f"Return {rma.status}: {what}",
        {
            "lines": [
                {"order_line_id": li.id, "quantity": q, "reason": r} for li, q, r, _ in cleaned
            ]
        },
    )
    return _saved(rma, f"Created {rma.rma_number} ({rma.status})")


def authorize_return(session: Session, rma_id: int, *, actor: str) -> ReturnSaved:
    """Requested → authorized: the customer may send the units back."""
    rma = _rma(session, rma_id)
    check_return_transition(rma.rma_number, rma.status, S.AUTHORIZED)
    order = _order(session, rma.order_id)
    rma.status, rma.authorized_at = S.AUTHORIZED, utcnow()
    _audit(session, rma, order, actor, "rma.authorize", "Return authorized")
    return _saved(rma, f"Authorized {rma.rma_number}")


def reject_return(session: Session, rma_id: int, *, reason: str, actor: str) -> ReturnSaved:
    """Refuse a requested or authorized return before anything arrived; the units it held can
    be put on another RMA. Raises InvalidTransition otherwise, ValidationError without a reason."""
    rma = _rma(session, rma_id)
    check_return_transition(rma.rma_number, rma.status, S.REJECTED)
    _total, received = _units(session, rma.id)
    if received:
        raise InvalidTransition(
            f"return {rma.rma_number}",
            rma.status,
            S.REJECTED,
            f"{received} unit(s) were already received; resolve and close it instead",
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("say why the return is rejected", field="reason")
    order = _order(session, rma.order_id)
    previous = rma.status
    rma.status = S.REJECTED
    rma.notes = "\n".join(filter(None, [rma.notes, f"Rejected: {reason}"]))
    _audit(session, rma, order, actor, "rma.reject", f"Return rejected ({previous}): {reason}")
    return _saved(rma, f"Rejected {rma.rma_number}")


# ------------------------------------------------------------------------------------- receiving


def _check_receivable(rma: ReturnAuthorization) -> None:
    if rma.status == S.AUTHORIZED:
        return
    why = {
        S.REQUESTED: "authorize it first",
        S.RECEIVED: "every unit has been received already",
    }.get(ReturnStatus(rma.status), "")
    raise InvalidTransition(f"return {rma.rma_number}", rma.status, S.RECEIVED, why)


def _check_condition(condition: str, disposition: str) -> None:
    if condition not in set(ItemCondition):
        raise ValidationError(
            f"condition must be one of {', '.join(ItemCondition)}, not {condition!r}",
            field="condition",
        )
    if disposition not in set(Disposition):
        raise ValidationError(
            "disposition must be one of "
            f"{', '.join(d.value.replace('_', ' ') for d in Disposition)}, not {disposition!r}",
            field="disposition",
        )


def _location(session: Session, order: SalesOrder) -> Location:
    location_id = return_location_id(session, order)
    location = session.get(Location, location_id) if location_id is not None else None
    if location is None:
        raise DomainError(
            f"order {order.number} has no fulfilment location to take the return back into"
        )
    return location


def _target_bin(
    session: Session, location: Location, product: Product, disposition: str, bin_id: int | None
) -> Bin:
    """Restocked units go to a sellable bin (the given one, else the product's default bin at the
    location); everything else to a quarantine bin there (the given one, else the first)."""
    restock = disposition == Disposition.RESTOCK
    if bin_id is not None:
        target = session.get(Bin, bin_id)
        if target is None:
            raise NotFound(f"bin #{bin_id} does not exist")
        if target.location_id != location.id:
            raise ValidationError(
                f"bin {target.code} is not at {location.code}; this order's returns go back to "
                f"{location.code}",
                field="bin_id",
            )
        if not target.active:
            raise ValidationError(f"bin {target.code} is inactive", field="bin_id")
        if restock and target.kind == BinKind.QUARANTINE:
            raise ValidationError(
                f"bin {target.code} is a quarantine bin; restocked units go to a sellable bin",
                field="bin_id",
            )
        if not restock and target.kind != BinKind.QUARANTINE:
            raise ValidationError(
                f"{disposition.replace('_', ' ')} units go to a quarantine bin; {target.code} "
                f"is a {target.kind} bin",
                field="bin_id",
            )
        return target
    if restock:
        target = session.scalar(
            select(Bin)
            .join(ProductBinDefault, ProductBinDefault.bin_id == Bin.id)
            .where(
                ProductBinDefault.product_id == product.id,
                ProductBinDefault.location_id == location.id,
            )
        )
        if target is None or not target.active or target.kind == BinKind.QUARANTINE:
            raise ValidationError(
                f"{product.sku} has no default bin at {location.code}; choose the bin to "
                "restock it into",
                field="bin_id",
            )
        return target
    target = session.scalar(
        select(Bin)
        .where(
            Bin.location_id == location.id,
            Bin.kind == BinKind.QUARANTINE,
            Bin.active.is_(True),
        )
        .order_by(Bin.walk_sequence, Bin.code)
        .limit(1)
    )
    if target is None:
        raise ValidationError(
            f"{location.code} has no quarantine bin; create one (kind quarantine) or choose "
            "the bin",
            field="bin_id",
        )
    return target


def _post_disposition(
    session: Session,
    *,
    product_id: int,
    quantity: int,
    disposition: str,
    target: Bin,
    reference: str,
    note: str,
    actor: str,
) -> list[int]:
    """Book returned units in: restock into a sellable bin, anything else into quarantine; scrap
    passes through quarantine and straight out, so the ledger shows where the units went."""
    reason = (
        MoveReason.RETURN_RESTOCK
        if disposition == Disposition.RESTOCK
        else MoveReason.RETURN_QUARANTINE
    )
    move_ids = [
        post_move(
            session,
            product_id=product_id,
            quantity=quantity,
            reason=reason,
            to_bin_id=target.id,
            reference=reference,
            note=note,
            actor=actor,
        )
    ]
    if disposition == Disposition.SCRAP:
        move_ids.append(
            post_move(
                session,
                product_id=product_id,
                quantity=quantity,
                reason=MoveReason.SCRAP,
                from_bin_id=target.id,
                reference=reference,
                note=note,
                actor=actor,
            )
        )
    return move_ids


def _apply_receipt(
    session: Session, row: ReturnLine, take: int, condition: str, disposition: str, bin_id: int
) -> int:
    """Receive `take` units of an expected row so that every row keeps one disposition: merge
    into a received row of the same kind, take over the row when all of it arrived, or split
    the received part off as its own row. Returns the id of the row holding the units."""
    same = session.scalar(
        select(ReturnLine).where(
            ReturnLine.rma_id == row.rma_id,
            ReturnLine.order_line_id == row.order_line_id,
            ReturnLine.reason == row.reason,
            ReturnLine.reason_note.is_(None)
            if row.reason_note is None
            else ReturnLine.reason_note == row.reason_note,
            ReturnLine.condition == condition,
            ReturnLine.disposition == disposition,
            ReturnLine.bin_id == bin_id,
            ReturnLine.received_quantity > 0,
            ReturnLine.id != row.id,
        )
    )
    if same is not None:
        same.quantity += take
        same.received_quantity += take
        row.quantity -= take
        if row.quantity == 0:
            session.delete(row)
        session.flush()
        return same.id
    if take == row.quantity:
        row.received_quantity = take
        row.condition, row.disposition, row.bin_id = condition, disposition, bin_id
        session.flush()
        return row.id
    row.quantity -= take
    part = ReturnLine(
        rma_id=row.rma_id,
        order_line_id=row.order_line_id,
        quantity=take,
        received_quantity=take,
        reason=row.reason,
        reason_note=row.reason_note,
        condition=condition,
        disposition=disposition,
        bin_id=bin_id,
    )
    session.add(part)
    session.flush()
    return part.id


def _receive(
    session: Session,
    rma: ReturnAuthorization,
    rows: list[ReturnLine],
    quantity: int,
    *,
    condition: str,
    disposition: str,
    bin_id: int | None,
    actor: str,
    how: str,
) -> ReceiveResult:
    order = _order(session, rma.order_id)
    order_lines = {row.order_line_id: session.get(OrderLine, row.order_line_id) for row in rows}
    product = session.get(Product, next(iter(order_lines.values())).product_id)
    location = _location(session, order)
    target = _target_bin(session, location, product, disposition, bin_id)
    plan: list[tuple[ReturnLine, int]] = []
    remaining = quantity
    for row in rows:
        if remaining <= 0:
            break
        take = min(row.quantity, remaining)
        plan.append((row, take))
        remaining -= take
    per_line: dict[int, int] = defaultdict(int)
    for row, take in plan:
        per_line[row.order_line_id] += take
    for line_id, take in per_line.items():
        line = order_lines[line_id]
        if line.returned + take > line.shipped:
            raise Conflict(
                f"line {line.line_no} {line.sku}: only {line.shipped - line.returned} shipped "
                f"unit(s) are not returned yet, cannot receive {take} (was a shipment voided?)"
            )
    note = f"{condition}, {disposition.replace('_', ' ')}; order {order.number}"
    move_ids = _post_disposition(
        session,
        product_id=product.id,
        quantity=quantity,
        disposition=disposition,
        target=target,
        reference=rma.rma_number,
        note=note,
        actor=actor,
    )
    row_ids = []
    for row, take in plan:
        order_lines[row.order_line_id].returned += take
        row_ids.append(_apply_receipt(session, row, take, condition, disposition, target.id))
    session.flush()
    total, received = _units(session, rma.id)
    complete = received == total
    if complete:
        rma.status, rma.received_at = S.RECEIVED, utcnow()
    where = "scrapped via" if disposition == Disposition.SCRAP else "into"
    summary = (
        f"Received {quantity} × {product.sku} ({condition}) by {how}: "
        f"{disposition.replace('_', ' ')}, {where} {location.code}/{target.code}"
        + ("; all units received" if complete else f"; {received} of {total} received")
    )
    _audit(
        session,
        rma,
        order,
        actor,
        "rma.receive",
        summary,
        {
            "product_id": product.id,
            "quantity": quantity,
            "condition": condition,
            "disposition": disposition,
            "bin_id": target.id,
            "move_ids": move_ids,
        },
    )
    return ReceiveResult(
        get_return(session, rma.id),
        tuple(dict.fromkeys(row_ids)),
        product.id,
        quantity,
        tuple(move_ids),
        f"{product.sku}: {disposition.replace('_', ' ')} → {target.code}; "
        + ("all received" if complete else f"{received} of {total} received"),
    )


def _check_quantity(quantity: int) -> int:
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
        raise ValidationError("quantity must be a whole number above 0", field="quantity")
    return quantity


def receive_return_item(
    session: Session,
    rma_id: int,
    code: str,
    *,
    condition: str,
    disposition: str,
    bin_id: int | None = None,
    quantity: int = 1,
    actor: str,
) -> ReceiveResult:
    """Receive scanned units of an authorized RMA with their condition and disposition.

    The code resolves like any product scan (GTIN, extra code, SKU). Restock books the units
    into a sellable bin at the order's fulfilment location (`bin_id`, else the product's default
    bin there); quarantine and return to vendor into a quarantine bin there; scrap into
    quarantine and straight out. The RMA becomes received with its last unit. Raises
    UnknownBarcode, WrongItem (not on the RMA), OverScan (more than authorized),
    InvalidTransition (not authorized), ValidationError (no suitable bin).
    """
    rma = _rma(session, rma_id)
    _check_receivable(rma)
    _check_quantity(quantity)
    _check_condition(condition, disposition)
    product = find_product_by_code(session, code)
    if product is None:
        raise UnknownBarcode(code)
    rows = list(
        session.scalars(
            select(ReturnLine)
            .join(OrderLine, OrderLine.id == ReturnLine.order_line_id)
            .where(ReturnLine.rma_id == rma.id, OrderLine.product_id == product.id)
            .order_by(OrderLine.line_no, ReturnLine.id)
        )
    )
    if not rows:
        raise WrongItem(f"wrong item: {product.sku} ({product.name}) is not on {rma.rma_number}")
    expected = [row for row in rows if row.received_quantity == 0]
    outstanding = sum(row.quantity for row in expected)
    if quantity > outstanding:
        authorized = sum(row.quantity for row in rows)
        if not outstanding:
            raise OverScan(
                f"too many: {rma.rma_number} expects {authorized} × {product.sku}, "
                "all received already"
            )
        raise OverScan(
            f"too many: {rma.rma_number} expects only {outstanding} more × {product.sku} "
            f"({authorized} authorized), not {quantity}"
        )
    return _receive(
        session,
        rma,
        expected,
        quantity,
        condition=condition,
        disposition=disposition,
        bin_id=bin_id,
        actor=actor,
        how="scan",
    )


def receive_return_line(
    session: Session,
    rma_id: int,
    return_line_id: int,
    quantity: int,
    *,
    condition: str,
    disposition: str,
    bin_id: int | None = None,
    actor: str,
) -> ReceiveResult:
    """Receive units of one RMA line by keyboard; same rules and effects as receive_return_item.

    Units still expected for the same order line are used when the chosen row is one already
    received. Raises NotFound, OverScan (more than still expected), InvalidTransition,
    ValidationError.
    """
    rma = _rma(session, rma_id)
    _check_receivable(rma)
    _check_quantity(quantity)
    _check_condition(condition, disposition)
    chosen = session.get(ReturnLine, return_line_id)
    if chosen is None or chosen.rma_id != rma.id:
        raise NotFound(f"return line #{return_line_id} is not on {rma.rma_number}")
    line = session.get(OrderLine, chosen.order_line_id)
    expected = sorted(
        session.scalars(
            select(ReturnLine).where(
                ReturnLine.rma_id == rma.id,
                ReturnLine.order_line_id == chosen.order_line_id,
                ReturnLine.received_quantity == 0,
            )
        ),
        key=lambda row: (row.id != chosen.id, row.id),
    )
    outstanding = sum(row.quantity for row in expected)
    if quantity > outstanding:
        raise OverScan(
            f"line {line.line_no} {line.sku}: {outstanding} unit(s) still expected on "
            f"{rma.rma_number}, cannot receive {quantity}"
        )
    return _receive(
        session,
        rma,
        expected,
        quantity,
        condition=condition,
        disposition=disposition,
        bin_id=bin_id,
        actor=actor,
        how="hand",
    )


# ------------------------------------------------------------------------------------ resolution


def _check_resolvable(rma: ReturnAuthorization, action: str) -> None:
    if rma.status in RESOLVABLE:
        return
    why = "authorize it first" if rma.status == S.REQUESTED else f"it is {rma.status}"
    raise DomainError(f"cannot {action} on return {rma.rma_number}: {why}")


def _set_resolution(rma: ReturnAuthorization, resolution: ReturnResolution) -> None:
    # The first resolution names the RMA's outcome; later ones (a refund of the difference after
    # an exchange, say) are kept in their own amount columns and in the audit trail.
    if rma.resolution is None:
        rma.resolution = resolution


def _refund_lines(session: Session, rma_id: int) -> list[dict]:
    """The RMA's units per order line, split by whether they went back on the shelf."""
    lines: dict[tuple[int, bool], dict] = {}
    for line_no, external_line_id, sku, quantity, disposition in session.execute(
        select(
            OrderLine.line_no,
            OrderLine.external_line_id,
            OrderLine.sku,
            ReturnLine.quantity,
            ReturnLine.disposition,
        )
        .join(OrderLine, OrderLine.id == ReturnLine.order_line_id)
        .where(ReturnLine.rma_id == rma_id)
        .order_by(OrderLine.line_no, ReturnLine.id)
    ):
        restock = disposition == Disposition.RESTOCK
        entry = lines.setdefault(
            (line_no, not restock),
            {"external_line_id": external_line_id, "sku": sku, "quantity": 0, "restock": restock},
        )
        entry["quantity"] += quantity
    return [lines[key] for key in sorted(lines)]  # per order line, restocked units first


def _queue_refund_push(
    session: Session,
    order: SalesOrder,
    rma: ReturnAuthorization,
    amount_minor: int,
    method: str,
    sequence: int,
) -> bool:
    """Queue the refund for the order's channel (not CSV, enabled) in this transaction.

    Only the first refund of an RMA lists its line items, so a channel never refunds the same
    items twice; later refunds of that RMA carry the amount alone.
    """
    if order.channel_id is None:
        return False
    channel = session.get(Channel, order.channel_id)
    if channel is None or channel.kind == ChannelKind.CSV or not channel.enabled:
        return False
    now = utcnow()
    session.add(
        OutboxMessage(
            channel_id=channel.id,
            kind="refund",
            idempotency_key=f"refund:{channel.id}:{rma.rma_number}:{sequence}",
            payload={
                "order_external_id": order.external_id,
                "rma": rma.rma_number,
                "sequence": sequence,
                "amount_minor": amount_minor,
                "currency": order.currency,
                "method": method,
                "lines": _refund_lines(session, rma.id) if sequence == 1 else [],
            },
            next_attempt_at=now,
            created_at=now,
        )
    )
    return True


def refund_return(
    session: Session, rma_id: int, amount_minor: int, *, method: str, actor: str
) -> ReturnSaved:
    """Refund money for an authorized or received RMA (several partial refunds are fine).

    Never more than the order's paid − refunded amount; updates the order's refunded amount and
    payment status (partially refunded / refunded) and queues a refund push for a channel
    order. Raises ValidationError naming the maximum, DomainError for a requested, rejected or
    closed RMA.
    """
    rma = _rma(session, rma_id)
    _check_resolvable(rma, "refund")
    _amount(amount_minor, "refund")
    method = (method or "").strip()
    if not method:
        raise ValidationError(
            "say how the money goes back (original payment, card, cash…)", field="method"
        )
    order = _order(session, rma.order_id)
    refundable = order.paid_minor - order.refunded_minor
    if amount_minor > refundable:
        paid = (
            f"paid {_money(order.paid_minor, order)}, "
            f"refunded {_money(order.refunded_minor, order)}"
        )
        if refundable <= 0:
            raise ValidationError(
                f"nothing left to refund on order {order.number} ({paid})", field="amount_minor"
            )
        raise ValidationError(
            f"at most {_money(refundable, order)} can be refunded on order {order.number} "
            f"({paid}); {_money(amount_minor, order)} is too much",
            field="amount_minor",
        )
    sequence = 1 + (
        session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.entity_type == "rma",
                AuditEvent.entity_id == rma.id,
                AuditEvent.action == "rma.refund",
            )
        )
        or 0
    )
    order.refunded_minor += amount_minor
    order.payment_status = (
        PaymentStatus.REFUNDED
        if order.refunded_minor >= order.paid_minor
        else PaymentStatus.PARTIALLY_REFUNDED
    )
    rma.refund_minor += amount_minor
    rma.refund_method = method[:40]
    _set_resolution(rma, ReturnResolution.REFUND)
    queued = _queue_refund_push(session, order, rma, amount_minor, method, sequence)
    _audit(
        session,
        rma,
        order,
        actor,
        "rma.refund",
        f"Refunded {_money(amount_minor, order)} by {method}; order "
        f"{order.payment_status.replace('_', ' ')}" + ("; channel update queued" if queued else ""),
        {"amount_minor": amount_minor, "method": method, "sequence": sequence},
    )
    return _saved(
        rma,
        f"Refunded {_money(amount_minor, order)}",
        ChangeSet(returns=True, orders=True, channels=queued),
        outbox_queued=queued,
    )


def _ship_to(order: SalesOrder) -> Address | None:
    if not (order.ship_name or order.ship_address1):
        return None
    return Address(
        name=order.ship_name or "",
        address1=order.ship_address1 or "",
        city=order.ship_city or "",
        postal_code=order.ship_postal_code or "",
        country=order.ship_country or "",
        region=order.ship_region or "",
        address2=order.ship_address2 or "",
        company=order.ship_company or "",
        phone=order.phone or "",
    )


def exchange_return(
    session: Session,
    rma_id: int,
    *,
    actor: str,
    lines: Sequence[LineInput] | None = None,
) -> ReturnSaved:
    """Send replacements: a new order linked to the original (parent order) and to the RMA,
    confirmed and allocated like any order, shipped to the original ship-to (or picked up at the
    same store).

    `lines` default to the RMA's products and quantities. Lines without a price cost 0: the
    replacement stands in for goods already paid; give a price to charge a difference (the new
    order is then left payment pending). Raises Conflict when the RMA already has an exchange
    order, DomainError when it is not authorized or received, plus create_order's errors.
    """
    rma = _rma(session, rma_id)
    _check_resolvable(rma, "exchange")
    if rma.exchange_order_id is not None:
        existing = session.scalar(
            select(SalesOrder.number).where(SalesOrder.id == rma.exchange_order_id)
        )
        raise Conflict(f"{rma.rma_number} already has exchange order {existing}")
    order = _order(session, rma.order_id)
    if lines is None:
        lines = [
            LineInput(quantity=int(quantity), product_id=product_id, unit_price_minor=0)
            for product_id, quantity in session.execute(
                select(OrderLine.product_id, func.sum(ReturnLine.quantity))
                .join(OrderLine, OrderLine.id == ReturnLine.order_line_id)
                .where(ReturnLine.rma_id == rma.id)
                .group_by(OrderLine.product_id)
                .order_by(func.min(OrderLine.line_no))
            )
        ]
    else:
        lines = [
            replace(
                line,
                unit_price_minor=line.unit_price_minor or 0,
                external_line_id=None,
            )
            for line in lines
        ]
    if not lines:
        raise ValidationError("choose what to send in exchange", field="lines")
    charged = sum(
        max(line.quantity * (line.unit_price_minor or 0) - line.discount_minor, 0) for line in lines
    )
    pickup = order.delivery_method == DeliveryMethod.PICKUP
    saved = create_order(
        session,
        OrderInput(
            tuple(lines),
            ship_to=_ship_to(order),
            customer_id=order.customer_id,
            email=order.email,
            phone=order.phone,
            bill_country=order.bill_country,
            delivery_method=order.delivery_method,
            pickup_location_id=order.pickup_location_id if pickup else None,
            payment_status=PaymentStatus.PENDING if charged else PaymentStatus.PAID,
            paid_minor=0,
            currency=order.currency,
            notes=f"Exchange for {rma.rma_number} (order {order.number})",
            confirm=True,
        ),
        actor=actor,
    )
    new = session.get(SalesOrder, saved.id)
    new.parent_order_id = order.id
    rma.exchange_order_id = new.id
    _set_resolution(rma, ReturnResolution.EXCHANGE)
    allocation = saved.allocation
    short = (
        "; short: " + ", ".join(f"{s.sku} {s.needed - s.available}" for s in allocation.shortfalls)
        if allocation and allocation.shortfalls
        else ""
    )
    what = ", ".join(
        f"{sku} × {quantity}"
        for sku, quantity in session.execute(
            select(OrderLine.sku, OrderLine.quantity)
            .where(OrderLine.order_id == new.id)
            .order_by(OrderLine.line_no)
        )
    )
    _audit(
        session,
        rma,
        order,
        actor,
        "rma.exchange",
        f"Exchange order {new.number} created ({what}; "
        f"{_money(charged, order) if charged else 'no charge'}){short}",
        {"exchange_order_id": new.id, "charged_minor": charged},
    )
    return _saved(
        rma,
        f"Exchange order {new.number} created" + short,
        ChangeSet(returns=True, orders=True, stock=True),
    )


def store_credit_return(
    session: Session, rma_id: int, amount_minor: int, *, actor: str
) -> ReturnSaved:
    """Give store credit for an authorized or received RMA (added to any credit given before).

    Packbench records the amount; redeeming it happens in the shop's own system. Raises
    ValidationError for an amount not above 0, DomainError when the RMA cannot be resolved.
    """
    rma = _rma(session, rma_id)
    _check_resolvable(rma, "give store credit")
    _amount(amount_minor, "store credit")
    order = _order(session, rma.order_id)
    rma.store_credit_minor += amount_minor
    _set_resolution(rma, ReturnResolution.STORE_CREDIT)
    _audit(
        session,
        rma,
        order,
        actor,
        "rma.store_credit",
        f"Store credit of {_money(amount_minor, order)} given",
        {"amount_minor": amount_minor},
    )
    return _saved(rma, f"Store credit of {_money(amount_minor, order)} given")


def close_return(
    session: Session, rma_id: int, *, actor: str, accept_missing: bool = False
) -> ReturnSaved:
    """File a finished RMA: received (every unit in) with a resolution, or rejected.

    With `accept_missing`, an authorized RMA of which some units arrived can be closed too: the
    units that never came are dropped from it (so they could be returned later on a new RMA).
    Raises InvalidTransition naming both states and what is missing.
    """
    rma = _rma(session, rma_id)
    total, received = _units(session, rma.id)
    kind = f"return {rma.rma_number}"
    short = rma.status == S.AUTHORIZED and accept_missing and received > 0
    if not short:
        why = ""
        if rma.status == S.AUTHORIZED:
            why = f"{total - received} of {total} unit(s) not received yet" + (
                "; receive them, or close accepting the missing units" if received else ""
            )
        elif rma.status == S.REQUESTED:
            why = "authorize it and receive the units first"
        check_return_transition(rma.rma_number, rma.status, S.CLOSED, why)
    if rma.status != S.REJECTED and rma.resolution is None:
        raise InvalidTransition(
            kind, rma.status, S.CLOSED, "refund, exchange or give store credit first"
        )
    order = _order(session, rma.order_id)
    previous = rma.status
    dropped = 0
    if short:
        for row in session.scalars(
            select(ReturnLine).where(ReturnLine.rma_id == rma.id, ReturnLine.received_quantity == 0)
        ):
            dropped += row.quantity
            session.delete(row)
        session.flush()
        rma.received_at = utcnow()
    rma.status, rma.closed_at = S.CLOSED, utcnow()
    summary = f"Return closed ({previous}"
    summary += f", {rma.resolution.replace('_', ' ')})" if rma.resolution else ")"
    if dropped:
        summary += f"; {dropped} unit(s) never arrived and were dropped"
    _audit(session, rma, order, actor, "rma.close", summary, {"dropped_units": dropped})
    return _saved(rma, f"Closed {rma.rma_number}")
