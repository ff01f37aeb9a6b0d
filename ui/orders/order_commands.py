"""Order commands as `op(session)` callables for MutationOp, and the sentences their results read.

Each builder captures plain values (ids, reasons, the actor) so the callable can run on the
writer thread; none of them touches a widget.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.changes import ChangeSet
from app.errors import DomainError
from app.inventory.locations import list_locations
from app.inventory.products import get_product
from app.orders.dto import AllocationResult, LineView, OrderView
from app.orders.services import (
    allocate_order,
    apply_to_orders,
    backorder_shortfall,
    cancel_order,
    confirm_order,
    hold_order,
    link_line_product,
    release_hold,
    split_order,
)
from app.picking.services import create_pick_list
from app.purchasing.dto import POLineInput
from app.purchasing.orders import create_purchase_order
from ui.orders.detail_models import short_units
from ui.orders.formatting import STATUS_LABELS

Op = Callable[[Any], Any]


def confirm_op(order_id: int, actor: str) -> Op:
    return lambda session: confirm_order(session, order_id, actor=actor)


def allocate_op(order_ids: Sequence[int], actor: str) -> Op:
    ids = list(order_ids)
    if len(ids) == 1:
        return lambda session: allocate_order(session, ids[0], actor=actor)
    return lambda session: apply_to_orders(session, ids, allocate_order, actor=actor)


def pick_list_op(order_ids: Sequence[int], actor: str) -> Op:
    """One batch pick list for the selected orders that can be picked now."""
    ids = list(order_ids)
    return lambda session: create_pick_list(session, ids, actor=actor)


def hold_op(order_ids: Sequence[int], reason: str, until: datetime | None, actor: str) -> Op:
    ids = list(order_ids)
    if len(ids) == 1:
        return lambda session: hold_order(session, ids[0], reason=reason, until=until, actor=actor)
    return lambda session: apply_to_orders(
        session, ids, hold_order, reason=reason, until=until, actor=actor
    )


def release_op(order_ids: Sequence[int], actor: str) -> Op:
    ids = list(order_ids)
    if len(ids) == 1:
        return lambda session: release_hold(session, ids[0], actor=actor)
    return lambda session: apply_to_orders(session, ids, release_hold, actor=actor)


def cancel_op(order_id: int, reason: str, actor: str) -> Op:
    return lambda session: cancel_order(session, order_id, reason=reason, actor=actor)


def split_op(order_id: int, quantities: dict[int, int], actor: str) -> Op:
    moving = dict(quantities)
    return lambda session: split_order(session, order_id, moving, actor=actor)


def backorder_op(order_id: int, actor: str) -> Op:
    return lambda session: backorder_shortfall(session, order_id, actor=actor)


def link_op(line_id: int, product_id: int, actor: str) -> Op:
    return lambda session: link_line_product(session, line_id, product_id, actor=actor)


# ------------------------------------------------------------------- purchase orders for shortages


@dataclass(frozen=True, slots=True)
class PurchaseResult:
    numbers: tuple[str, ...]
    skipped: tuple[str, ...]  # SKUs no purchase order could be made for, with why
    changes: ChangeSet = field(default_factory=lambda: ChangeSet(purchasing=True))

    @property
    def message(self) -> str:
        text = (
            f"Created draft purchase order(s) {', '.join(self.numbers)}"
            if self.numbers
            else "No purchase order created"
        )
        if self.skipped:
            text += "; skipped " + "; ".join(self.skipped)
        return text


def purchase_op(order: OrderView, actor: str) -> Op:
    """Draft POs (one per supplier) for the order's short units, received where it ships from."""
    wanted = [(line.product_id, line.sku, short_units(line)) for line in order.lines]
    wanted = [(pid, sku, qty) for pid, sku, qty in wanted if pid is not None and qty > 0]
    location_code, number = order.fulfil_location, order.number

    def create(session: Any) -> PurchaseResult:
        locations = {loc.code: loc.id for loc in list_locations(session)}
        location_id = locations.get(location_code or "")
        if location_id is None:
            raise DomainError(
                f"{number} has no fulfilment location yet; allocate it first so the stock is "
                "ordered to the right place"
            )
        by_supplier: dict[int, dict[int, int]] = {}  # supplier → product → units
        skipped = []
        for product_id, sku, quantity in wanted:
            supplier_id = get_product(session, product_id).supplier_id
            if supplier_id is None:
                skipped.append(f"{sku}: no supplier on the product")
                continue
            units = by_supplier.setdefault(supplier_id, {})
            units[product_id] = units.get(product_id, 0) + quantity
        numbers = [
            create_purchase_order(
                session,
                supplier_id,
                location_id,
                [POLineInput(pid, qty) for pid, qty in units.items()],
                notes=f"For shortage on order {number}",
                actor=actor,
            ).number
            for supplier_id, units in by_supplier.items()
        ]
        return PurchaseResult(tuple(numbers), tuple(skipped))

    return create


# ----------------------------------------------------------------------------------- sentences


def allocation_detail(result: AllocationResult) -> str:
    """'reserved 3 unit(s) at US-WH; short: CAP-1 × 2'."""
    where = f" at {result.location_code}" if result.location_code else ""
    text = f"reserved {result.allocated_units} unit(s){where}"
    if result.shortfalls:
        text += "; short: " + ", ".join(
            f"{s.sku} × {s.needed - s.available}" for s in result.shortfalls
        )
    return text


def allocation_text(result: AllocationResult) -> str:
    return f"{result.number}: {allocation_detail(result)}"


def created_text(saved: Any) -> str:
    """What the orders page says after the entry dialog saved an order."""
    text = f"Created {saved.number} ({STATUS_LABELS.get(saved.status, saved.status).lower()})"
    if saved.allocation is not None:
        text += f": {allocation_detail(saved.allocation)}"
    return text


def result_text(result: Any) -> str:
    """What a command's result says to the person who ran it."""
    if isinstance(result, AllocationResult):
        return allocation_text(result)
    original = getattr(result, "original", None)
    new = getattr(result, "new", None)
    if original is not None and new is not None:  # a split
        text = f"{original.number}: moved units to {new.number}"
        if new.allocation is not None:
            text += f" ({allocation_detail(new.allocation)})"
        return text
    allocation = getattr(result, "allocation", None)
    if allocation is not None:  # a confirmation
        return f"Confirmed {allocation_text(allocation)}"
    message = getattr(result, "message", "")
    return message or f"{getattr(result, 'number', 'Order')} saved"


def is_warning(result: Any) -> bool:
    """Results a person should look at twice: skipped orders, shortfalls, skipped SKUs."""
    if getattr(result, "skipped", ()):
        return True
    allocation = result if isinstance(result, AllocationResult) else None
    allocation = allocation or getattr(result, "allocation", None)
    return bool(allocation is not None and allocation.shortfalls)


def unmatched(line: LineView | None) -> bool:
    return line is not None and line.unmatched
