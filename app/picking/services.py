"""Pick list commands: create a batch from ready orders, record picks and short picks by scan,
complete or cancel. Orders move to "picking" when their list is made."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.orm import Session

from app.audit import AuditNote, record_event, record_events
from app.errors import (
    Conflict,
    DomainError,
    InvalidTransition,
    NotFound,
    UnknownBarcode,
    ValidationError,
)
from app.inventory.products import find_product_by_code
from app.inventory.reservations import plan_picks, release_reservation
from app.numbering import next_number
from app.orders.rules import check_transition
from app.orders.status import write_order_status
from app.picking.dto import PickLineView, PickListSaved, PickListView, PickResult
from app.uow import core_connection
from db.enums import OrderStatus, PickListStatus
from db.models import (
    Bin,
    Location,
    OrderLine,
    PickList,
    PickListLine,
    PickListOrder,
    Product,
    SalesOrder,
)
from db.types import utcnow

PICKABLE = (OrderStatus.OPEN, OrderStatus.PARTIALLY_SHIPPED)


def _to_pick(line: Any) -> int:
    """Reserved units of a line not yet picked (picked counts units collected, shipped or not)."""
    return line.allocated - max(line.picked - line.shipped, 0)


# Built once and run on the connection (a list is made for every order or batch).
_OPEN_LIST = (  # the open pick list an order is already on, if any
    select(PickList.number)
    .join(PickListOrder, PickListOrder.pick_list_id == PickList.id)
    .where(
        PickListOrder.order_id == SalesOrder.id,
        PickList.status.in_((PickListStatus.OPEN, PickListStatus.IN_PROGRESS)),
    )
    .limit(1)
    .scalar_subquery()
)
_ORDERS_TO_PICK = (
    select(
        SalesOrder.id,
        SalesOrder.number,
        SalesOrder.status,
        SalesOrder.on_hold,
        SalesOrder.hold_reason,
        SalesOrder.fulfil_location_id,
        _OPEN_LIST.label("open_list"),
    )
    .where(SalesOrder.id.in_(bindparam("orders", expanding=True)))
    .order_by(SalesOrder.placed_at, SalesOrder.id)
)
_NEW_LIST = insert(PickList.__table__).returning(PickList.__table__.c.id)
_NEW_LIST_ORDERS = insert(PickListOrder.__table__)
_NEW_LIST_LINES = insert(PickListLine.__table__)


def _why_not_pickable(order, open_list: str | None) -> str | None:
    if open_list:
        return f"already on pick list {open_list}"
    if order.on_hold:
        return f"on hold ({order.hold_reason})"
    if order.status not in PICKABLE:
        return f"status is {order.status}"
    if order.fulfil_location_id is None:
        return "no stock reserved yet"
    return None


_PICK_LINES = (
    select(
        OrderLine.id,
        OrderLine.order_id,
        OrderLine.product_id,
        OrderLine.allocated,
        OrderLine.picked,
        OrderLine.shipped,
    )
    .where(
        OrderLine.order_id.in_(bindparam("orders", expanding=True)),
        OrderLine.product_id.is_not(None),
    )
    .order_by(OrderLine.order_id, OrderLine.line_no)
)


def create_pick_list(
    session: Session, order_ids: list[int], *, actor: str, location_id: int | None = None
) -> PickListSaved:
    """Make one batch pick list for the orders that can be picked now, at one location.

    Orders on hold, without reserved stock, on another open list or at another location are
    skipped with the reason. Lines come from each order's reserved units, placed in bins by the
    product's default bin then walk order. Raises DomainError when no order can be picked.
    """
    conn = core_connection(session)
    orders = conn.execute(_ORDERS_TO_PICK, {"orders": list(order_ids)}).all()
    skipped: list[tuple[str, str]] = []
    ready = []
    for order in orders:
        why = _why_not_pickable(order, order.open_list)
        if why:
            skipped.append((order.number, why))
        else:
            ready.append(order)
    if location_id is None and ready:
        location_id = Counter(o.fulfil_location_id for o in ready).most_common(1)[0][0]
    chosen = []
    for order in ready:
        if order.fulfil_location_id != location_id:
            skipped.append((order.number, "its stock is reserved at another location"))
        else:
            chosen.append(order)
    lines_by_order: dict[int, list] = {order.id: [] for order in chosen}
    for line in conn.execute(_PICK_LINES, {"orders": list(lines_by_order)}):
        if _to_pick(line) > 0:
            lines_by_order[line.order_id].append(line)
    wanted = [line for order in chosen for line in lines_by_order[order.id]]
    # One plan for the whole batch, so two orders never count on the same units of a bin.
    bin_plans = dict(
        zip(
            (line.id for line in wanted),
            plan_picks(
                session, [(line.product_id, location_id, _to_pick(line)) for line in wanted]
            ),
            strict=True,
        )
    )
    plan: list[tuple[Any, list[tuple[Any, int, int]]]] = []
    for order in chosen:
        lines = [
            (line, bin_id, qty)
            for line in lines_by_order[order.id]
            for bin_id, qty in bin_plans[line.id]
        ]
        if lines:
            plan.append((order, lines))
        else:
            skipped.append((order.number, "nothing reserved left to pick"))
    if not plan:
        reasons = "; ".join(f"{n}: {why}" for n, why in skipped[:5]) or "no orders selected"
        raise DomainError(f"no order can be picked now ({reasons})")
    for order, _lines in plan:
        check_transition(order.status, OrderStatus.PICKING, on_hold=order.on_hold)
    list_number = next_number(session, "pick_list")
    list_id = conn.execute(
        _NEW_LIST,
        {
            "number": list_number,
            "location_id": location_id,
            "created_by": actor,
            "status": PickListStatus.OPEN,
            "created_at": utcnow(),
        },
    ).scalar_one()
    # Two executemany inserts for the whole list (its rows are read back as columns).
    conn.execute(
        _NEW_LIST_ORDERS,
        [
            {"pick_list_id": list_id, "order_id": order.id, "slot": slot}
            for slot, (order, _lines) in enumerate(plan, start=1)
        ],
    )
    conn.execute(
        _NEW_LIST_LINES,
        [
            {
                "pick_list_id": list_id,
                "order_line_id": line.id,
                "product_id": line.product_id,
                "bin_id": bin_id,
                "quantity": qty,
            }
            for _order, lines in plan
            for line, bin_id, qty in lines
        ],
    )
    write_order_status(
        session, [(order.id, order.status) for order, _lines in plan], OrderStatus.PICKING
    )
    numbers = tuple(order.number for order, _ in plan)
    record_events(
        session,
        actor,
        [
            AuditNote(
                "order.picking",
                "order",
                order.id,
                f"{order.status.replace('_', ' ').capitalize()} → "
                f"picking on {list_number} (slot {slot})",
            )
            for slot, (order, _lines) in enumerate(plan, start=1)
        ]
        + [
            AuditNote(
                "pick_list.create",
                "pick_list",
                list_id,
                f"Created {list_number} for {len(numbers)} order(s)",
                {"orders": list(numbers), "skipped": skipped},
            )
        ],
    )
    message = f"{list_number}: {len(numbers)} order(s)"
    if skipped:
        message += f", {len(skipped)} skipped"
    return PickListSaved(list_id, list_number, numbers, tuple(skipped), message=message)


def _pick_list(session: Session, pick_list_id: int) -> PickList:
    pick_list = session.get(PickList, pick_list_id)
    if pick_list is None:
        raise NotFound(f"pick list #{pick_list_id} does not exist")
    return pick_list


def _units_left(session: Session, pick_list_id: int) -> int:
    """Units of the list neither picked nor short (PickListView.remaining, in one query)."""
    left = PickListLine.quantity - PickListLine.picked - PickListLine.short
    return int(
        session.scalar(
            select(func.coalesce(func.sum(left), 0)).where(
                PickListLine.pick_list_id == pick_list_id
            )
        )
    )


def _require_active(pick_list: PickList) -> None:
    if pick_list.status not in (PickListStatus.OPEN, PickListStatus.IN_PROGRESS):
        raise InvalidTransition(
            "pick list", pick_list.status, "picking", f"{pick_list.number} is {pick_list.status}"
        )


def record_pick(
    session: Session,
    pick_list_id: int,
    code: str,
    *,
    actor: str,
    bin_id: int | None = None,
    quantity: int = 1,
) -> PickResult:
    """Count `quantity` units of the scanned product as picked (from `bin_id` when the picker
    scanned a bin first). Refuses products not on the list and picking more than listed."""
    pick_list = _pick_list(session, pick_list_id)
    _require_active(pick_list)
    if quantity <= 0:
        raise ValidationError("quantity must be above 0", field="quantity")
    product = find_product_by_code(session, code)
    if product is None:
        raise UnknownBarcode(code)
    query = (
        select(PickListLine)
        .join(Bin, Bin.id == PickListLine.bin_id, isouter=True)
        .where(PickListLine.pick_list_id == pick_list.id, PickListLine.product_id == product.id)
        .order_by(Bin.walk_sequence, PickListLine.id)
    )
    candidates = list(session.scalars(query))
    if not candidates:
        raise ValidationError(f"{product.sku} is not on pick list {pick_list.number}", field="code")
    if bin_id is not None:
        in_bin = [c for c in candidates if c.bin_id == bin_id]
        if not in_bin:
            raise ValidationError(
                f"{product.sku} is not listed in that bin; scan the bin the list shows",
                field="bin_id",
            )
        candidates = in_bin
    line = next((c for c in candidates if c.quantity - c.picked - c.short >= quantity), None)
    if line is None:
        raise Conflict(f"all listed units of {product.sku} are already picked")
    line.picked += quantity
    order_line = session.get(OrderLine, line.order_line_id)
    order_line.picked += quantity
    if pick_list.status == PickListStatus.OPEN:
        pick_list.status = PickListStatus.IN_PROGRESS
    session.flush()
    view = _line_view(session, line.id)
    remaining = _units_left(session, pick_list.id)
    return PickResult(
        view,
        remaining,
        message=f"{product.sku}: {view.picked}/{view.quantity} for slot {view.slot}",
    )


def take_back_pick(
    session: Session, pick_list_id: int, line_id: int, *, actor: str, quantity: int = 1
) -> PickResult:
    """Undo `quantity` picked units of a line (scanned by mistake, or put back on the shelf):
    they are to pick again and stay reserved. Refused once the order has left picking."""
    pick_list = _pick_list(session, pick_list_id)
    _require_active(pick_list)
    line = session.get(PickListLine, line_id)
    if line is None or line.pick_list_id != pick_list.id:
        raise NotFound(f"line #{line_id} is not on pick list {pick_list.number}")
    order_line = session.get(OrderLine, line.order_line_id)
    if quantity <= 0 or quantity > line.picked:
        raise ValidationError(
            f"{line.picked} unit(s) of {order_line.sku} are picked on this line; "
            f"cannot take back {quantity}",
            field="quantity",
        )
    order = session.get(SalesOrder, order_line.order_id)
    if order.status != OrderStatus.PICKING:
        raise Conflict(
            f"{order.number} is {order.status.replace('_', ' ')}; its picks can no longer change"
        )
    line.picked -= quantity
    order_line.picked -= quantity
    record_event(
        session,
        actor=actor,
        action="pick_list.take_back",
        entity_type="pick_list",
        entity_id=pick_list.id,
        summary=f"Took back {quantity} × {order_line.sku} for {order.number} on {pick_list.number}",
    )
    session.flush()
    view = _line_view(session, line.id)
    return PickResult(
        view,
        _units_left(session, pick_list.id),
        message=f"taken back: {view.sku} now {view.picked}/{view.quantity} for slot {view.slot}",
    )


def record_short(
    session: Session, pick_list_id: int, line_id: int, quantity: int, *, actor: str
) -> PickResult:
    """The bin did not hold enough: mark `quantity` units of a line short, release their
    reservation and hold the order so a person decides (backorder, reallocate, cancel)."""
    pick_list = _pick_list(session, pick_list_id)
    _require_active(pick_list)
    line = session.get(PickListLine, line_id)
    if line is None or line.pick_list_id != pick_list.id:
        raise NotFound(f"line #{line_id} is not on pick list {pick_list.number}")
    remaining = line.quantity - line.picked - line.short
    if quantity <= 0 or quantity > remaining:
        raise ValidationError(
            f"{remaining} unit(s) of this line are still to pick; cannot mark {quantity} short",
            field="quantity",
        )
    line.short += quantity
    order_line = session.get(OrderLine, line.order_line_id)
    release_reservation(session, order_line.id, quantity)
    order = session.get(SalesOrder, order_line.order_id)
    bin_code = session.scalar(select(Bin.code).where(Bin.id == line.bin_id)) or "?"
    reason = f"short pick: {order_line.sku} × {quantity} missing in bin {bin_code}"
    order.on_hold = True
    order.hold_reason = reason if not order.hold_reason else f"{order.hold_reason}; {reason}"
    record_event(
        session,
        actor=actor,
        action="order.short_pick",
        entity_type="order",
        entity_id=order.id,
        summary=f"{reason} on {pick_list.number}; reservation "
        "released and order held for a decision",
    )
    session.flush()
    return PickResult(
        _line_view(session, line.id), _units_left(session, pick_list.id), message=reason
    )


def complete_pick_list(session: Session, pick_list_id: int, *, actor: str) -> PickListSaved:
    """Close the list. Lines with units neither picked nor short are reported, not hidden."""
    pick_list = _pick_list(session, pick_list_id)
    _require_active(pick_list)
    view = get_pick_list(session, pick_list.id)
    pick_list.status = PickListStatus.COMPLETED
    pick_list.completed_at = utcnow()
    open_lines = [
        f"{line.sku} × {line.remaining} (slot {line.slot})" for line in view.lines if line.remaining
    ]
    summary = f"Completed {pick_list.number}"
    if open_lines:
        summary += "; not picked: " + ", ".join(open_lines)
    record_event(
        session,
        actor=actor,
        action="pick_list.complete",
        entity_type="pick_list",
        entity_id=pick_list.id,
        summary=summary,
    )
    return PickListSaved(
        pick_list.id, pick_list.number, tuple(n for _, n, _ in view.orders), (), message=summary
    )


def cancel_pick_list(session: Session, pick_list_id: int, *, actor: str) -> PickListSaved:
    """Abandon the list: its orders go back to open and picked counts are undone (the goods
    are assumed back on the shelf)."""
    pick_list = _pick_list(session, pick_list_id)
    _require_active(pick_list)
    for line in session.scalars(
        select(PickListLine).where(PickListLine.pick_list_id == pick_list.id)
    ):
        if line.picked:
            session.get(OrderLine, line.order_line_id).picked -= line.picked
    numbers = []
    for order in session.scalars(
        select(SalesOrder)
        .join(PickListOrder, PickListOrder.order_id == SalesOrder.id)
        .where(PickListOrder.pick_list_id == pick_list.id)
    ):
        if order.status == OrderStatus.PICKING:
            order.status = OrderStatus.OPEN
            record_event(
                session,
                actor=actor,
                action="order.open",
                entity_type="order",
                entity_id=order.id,
                summary=f"Picking → open ({pick_list.number} cancelled)",
            )
        numbers.append(order.number)
    pick_list.status = PickListStatus.CANCELLED
    record_event(
        session,
        actor=actor,
        action="pick_list.cancel",
        entity_type="pick_list",
        entity_id=pick_list.id,
        summary=f"Cancelled {pick_list.number}",
    )
    return PickListSaved(
        pick_list.id, pick_list.number, tuple(numbers), (), message=f"Cancelled {pick_list.number}"
    )


def _line_query():
    return (
        select(
            PickListLine,
            PickListOrder.slot,
            SalesOrder.id,
            SalesOrder.number,
            Product.sku,
            Product.name,
            Product.gtin,
            Bin.code,
            Bin.walk_sequence,
        )
        .join(OrderLine, OrderLine.id == PickListLine.order_line_id)
        .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
        .join(
            PickListOrder,
            (PickListOrder.pick_list_id == PickListLine.pick_list_id)
            & (PickListOrder.order_id == SalesOrder.id),
        )
        .join(Product, Product.id == PickListLine.product_id)
        .outerjoin(Bin, Bin.id == PickListLine.bin_id)
    )


def _to_view(row) -> PickLineView:
    line, slot, order_id, number, sku, name, gtin, bin_code, walk = row
    return PickLineView(
        line.id,
        order_id,
        number,
        slot,
        line.product_id,
        sku,
        name,
        gtin,
        line.bin_id,
        bin_code,
        walk or 0,
        line.quantity,
        line.picked,
        line.short,
    )


def _line_view(session: Session, line_id: int) -> PickLineView:
    return _to_view(session.execute(_line_query().where(PickListLine.id == line_id)).one())


def get_pick_list(session: Session, pick_list_id: int) -> PickListView:
    """The list with its orders (by slot) and lines in walk order; raises NotFound."""
    pick_list = _pick_list(session, pick_list_id)
    location = session.get(Location, pick_list.location_id) if pick_list.location_id else None
    orders = tuple(
        (order_id, number, slot)
        for order_id, number, slot in session.execute(
            select(SalesOrder.id, SalesOrder.number, PickListOrder.slot)
            .join(PickListOrder, PickListOrder.order_id == SalesOrder.id)
            .where(PickListOrder.pick_list_id == pick_list.id)
            .order_by(PickListOrder.slot)
        )
    )
    lines = tuple(
        _to_view(row)
        for row in session.execute(
            _line_query()
            .where(PickListLine.pick_list_id == pick_list.id)
            .order_by(Bin.walk_sequence, Bin.code, Product.sku, PickListOrder.slot)
        )
    )
    return PickListView(
        pick_list.id,
        pick_list.number,
        pick_list.status,
        pick_list.location_id,
        location.code if location else None,
        pick_list.created_at,
        pick_list.created_by,
        orders,
        lines,
    )


def find_pick_list(session: Session, number: str) -> int | None:
    return session.scalar(select(PickList.id).where(PickList.number == number.strip().upper()))


def list_pick_lists(
    session: Session, *, active_only: bool = True, limit: int = 200
) -> list[tuple[int, str, str, int]]:
    """(id, number, status, order count), newest first."""
    query = (
        select(PickList.id, PickList.number, PickList.status, func.count(PickListOrder.order_id))
        .outerjoin(PickListOrder, PickListOrder.pick_list_id == PickList.id)
        .group_by(PickList.id)
        .order_by(PickList.id.desc())
        .limit(limit)
    )
    if active_only:
        query = query.where(PickList.status.in_((PickListStatus.OPEN, PickListStatus.IN_PROGRESS)))
    return [tuple(row) for row in session.execute(query)]
