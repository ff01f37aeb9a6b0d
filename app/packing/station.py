"""The packing station's brain: route each scan (order, pick list, item, command) to the
shipping services and say what happened, with a message big enough for a packer to act on.

The station's state (which shipment is open, the scans that UNDO can take back) is a small
immutable value the UI keeps and hands back with every scan, so this module stays Qt-free and
each scan is one short transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.changes import ChangeSet
from app.errors import DomainError, NotFound, UnknownBarcode
from app.inventory.products import add_scan_code
from app.orders.queries import find_order_by_number
from app.picking.services import find_pick_list
from app.scanning import Command, ScanKind, classify_scan
from app.settings import get_setting
from app.shipping.dto import PackageInput, ShipmentView, VerifyResult
from app.shipping.services import (
    complete_packing,
    find_shipment,
    get_shipment,
    start_packing,
    unverify_item,
    verify_item,
)
from db.enums import OrderStatus
from db.models import PickListOrder, SalesOrder, Shipment


class Outcome:
    OPENED = "opened"  # an order is now on the bench
    COUNTED = "counted"  # one more unit verified
    COMPLETE = "complete"  # every unit verified: scan DONE (or press Done) to pack
    PACKED = "packed"
    UNDONE = "undone"
    LEFT = "left"  # CANCEL: the order stays half-packed and can be resumed
    PRINT = "print"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class StationState:
    shipment_id: int | None = None
    order_id: int | None = None
    pick_list_id: int | None = None
    scans: tuple[int, ...] = ()  # product ids verified in this session, newest last


@dataclass(frozen=True, slots=True)
class StationResult:
    state: StationState
    outcome: str
    message: str
    shipment: ShipmentView | None = None
    print_request: str | None = None  # "slip" or "label"
    warnings: tuple[str, ...] = ()
    changes: ChangeSet = field(default_factory=ChangeSet)
    unknown_code: str | None = None  # an item code no product answers to (it can be linked)

    @property
    def ok(self) -> bool:
        return self.outcome != Outcome.ERROR


STATION_CHANGES = ChangeSet(orders=True, shipments=True)


def handle_scan(
    session: Session,
    state: StationState,
    code: str,
    *,
    actor: str,
    packages: tuple[PackageInput, ...] = (),
) -> StationResult:
    """Act on one scan. Refusals (wrong item, over-scan, unknown code, order on hold …) come back
    as an ERROR outcome with the reason, and change nothing."""
    scan = classify_scan(code)
    if scan is None:
        return StationResult(state, Outcome.ERROR, "empty scan", _current(session, state))
    try:
        with session.begin_nested():
            return _route(session, state, scan, actor, packages)
    except UnknownBarcode as exc:
        return StationResult(
            state, Outcome.ERROR, str(exc), _current(session, state), unknown_code=exc.code
        )
    except DomainError as exc:
        return StationResult(state, Outcome.ERROR, str(exc), _current(session, state))


def link_code(
    session: Session, state: StationState, code: str, product_id: int, *, actor: str
) -> StationResult:
    """The packer's answer to an unknown code: from now on `code` scans to `product_id` (one of
    the open order's items still to scan), and this scan counts one unit of it. Both happen, or
    (wrong product, code taken meanwhile …) neither, as an ERROR outcome with the reason."""
    try:
        with session.begin_nested():
            if state.shipment_id is None:
                raise DomainError("scan an order, pick list or packing slip first")
            shipment = get_shipment(session, state.shipment_id)
            wanted = {line.product_id for line in shipment.lines if not line.complete}
            if product_id not in wanted:
                raise DomainError(
                    f"only an item of {shipment.order_number} still to scan can take a new code"
                )
            linked = add_scan_code(session, product_id, code, actor=actor, note="packing station")
            result = verify_item(session, state.shipment_id, code)
    except DomainError as exc:
        return StationResult(state, Outcome.ERROR, str(exc), _current(session, state))
    return _counted(
        state, result, f"{linked.message} · ", changes=ChangeSet(shipments=True, products=True)
    )


def _counted(
    state: StationState, result: VerifyResult, prefix: str = "", *, changes: ChangeSet
) -> StationResult:
    """The result of one unit verified: COUNTED, or COMPLETE with the DONE prompt."""
    outcome = Outcome.COMPLETE if result.shipment.all_verified else Outcome.COUNTED
    message = prefix + result.message
    if outcome == Outcome.COMPLETE:
        message += " — all items verified: scan DONE to pack"
    return StationResult(
        replace(state, scans=(*state.scans, result.product_id)),
        outcome,
        message,
        result.shipment,
        changes=changes,
    )


def _current(session: Session, state: StationState) -> ShipmentView | None:
    return get_shipment(session, state.shipment_id) if state.shipment_id else None


def _route(session, state, scan, actor, packages) -> StationResult:
    if scan.kind == ScanKind.ORDER:
        order_id = find_order_by_number(session, scan.value)
        if order_id is None:
            raise NotFound(f"order {scan.value} does not exist")
        return _open(session, order_id, replace(state, pick_list_id=None), actor)
    if scan.kind == ScanKind.PICK_LIST:
        pick_list_id = find_pick_list(session, scan.value)
        if pick_list_id is None:
            raise NotFound(f"pick list {scan.value} does not exist")
        return _next_in_pick_list(session, replace(state, pick_list_id=pick_list_id), actor)
    if scan.kind == ScanKind.SHIPMENT:
        shipment_id = find_shipment(session, scan.value)
        if shipment_id is None:
            raise NotFound(f"shipment {scan.value} does not exist")
        order_id = session.scalar(select(Shipment.order_id).where(Shipment.id == shipment_id))
        return _open(session, order_id, state, actor)
    if scan.kind == ScanKind.COMMAND:
        return _command(session, state, Command(scan.value), actor, packages)
    if scan.kind == ScanKind.PRODUCT:
        if state.shipment_id is None:
            raise DomainError("scan an order, pick list or packing slip first")
        result = verify_item(session, state.shipment_id, scan.value)
        return _counted(state, result, changes=ChangeSet(shipments=True))
    raise DomainError(f"{scan.kind.replace('_', ' ')} codes are not used at the packing station")


def _open(session, order_id: int, state: StationState, actor: str) -> StationResult:
    shipment = start_packing(session, order_id, actor=actor)
    resumed = shipment.verified_units > 0
    message = f"{shipment.order_number} for {shipment.customer}: {shipment.units} unit(s)" + (
        f", {shipment.verified_units} already scanned" if resumed else ""
    )
    slip = "slip" if get_setting(session, "packing.auto_print_slip") else None
    return StationResult(
        StationState(shipment.id, order_id, state.pick_list_id, ()),
        Outcome.OPENED,
        message,
        shipment,
        print_request=slip,
        changes=STATION_CHANGES,
    )


def _next_in_pick_list(session, state: StationState, actor: str) -> StationResult:
    candidates = session.execute(
        select(SalesOrder.id, SalesOrder.status)
        .join(PickListOrder, PickListOrder.order_id == SalesOrder.id)
        .where(PickListOrder.pick_list_id == state.pick_list_id)
        .order_by(PickListOrder.slot)
    ).all()
    for order_id, status in candidates:
        if order_id != state.order_id and status in (
            OrderStatus.PICKING,
            OrderStatus.OPEN,
            OrderStatus.PARTIALLY_SHIPPED,
        ):
            return _open(session, order_id, state, actor)
    raise DomainError("every order of this pick list is packed")


def _command(session, state, command: Command, actor, packages) -> StationResult:
    if command == Command.NEXT:
        if state.pick_list_id is None:
            raise DomainError("NEXT works after scanning a pick list")
        return _next_in_pick_list(session, state, actor)
    if state.shipment_id is None:
        raise DomainError(f"{command.value} needs an order on the bench; scan one first")
    if command == Command.DONE:
        result = complete_packing(session, state.shipment_id, actor=actor, packages=packages)
        label = "label" if get_setting(session, "packing.auto_print_label") else None
        message = f"{result.shipment.order_number} packed"
        return StationResult(
            StationState(pick_list_id=state.pick_list_id),
            Outcome.PACKED,
            message,
            result.shipment,
            print_request=label,
            warnings=result.warnings,
            changes=STATION_CHANGES,
        )
    if command == Command.UNDO:
        if not state.scans:
            raise DomainError("nothing scanned yet to undo")
        result = unverify_item(session, state.shipment_id, state.scans[-1])
        return StationResult(
            replace(state, scans=state.scans[:-1]),
            Outcome.UNDONE,
            result.message,
            result.shipment,
            changes=ChangeSet(shipments=True),
        )
    if command == Command.PRINT:
        return StationResult(
            state,
            Outcome.PRINT,
            "printing the packing slip",
            get_shipment(session, state.shipment_id),
            print_request="slip",
        )
    shipment = get_shipment(session, state.shipment_id)  # CANCEL
    return StationResult(
        StationState(pick_list_id=state.pick_list_id),
        Outcome.LEFT,
        f"left {shipment.order_number}; scan it again to carry on",
        shipment,
    )
