"""Purchase orders: draft with lines, edit while draft, mark ordered, cancel, list and read.

Status: draft → ordered → partially_received → received, or draft/ordered → cancelled while
nothing has been received. Receiving (app.purchasing.receiving) moves the receipt statuses.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app.audit import record_event
from app.changes import ChangeSet
from app.errors import Conflict, InvalidTransition, NotFound, ValidationError
from app.numbering import next_number
from app.purchasing.dto import (
    PURCHASING_CHANGED,
    POLineInput,
    PurchaseOrderDetail,
    PurchaseOrderLineInfo,
    PurchaseOrderSaved,
    PurchaseOrderSummary,
)
from db.enums import PurchaseOrderStatus
from db.models import Location, Product, PurchaseOrder, PurchaseOrderLine, Supplier
from db.types import utcnow

KIND = "purchase order"
OPEN_FOR_RECEIPT = (PurchaseOrderStatus.ORDERED, PurchaseOrderStatus.PARTIALLY_RECEIVED)


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()  # "leave this field as it is" for optional edits


# --- loading and checks -------------------------------------------------------------------------


def load_purchase_order(session: Session, po_id: int, *, lock: bool = False) -> PurchaseOrder:
    """The ORM row (for app/ modules only); raises NotFound."""
    query = select(PurchaseOrder).where(PurchaseOrder.id == po_id)
    if lock:  # serialises concurrent receivers on PostgreSQL; SQLite already has one writer
        query = query.with_for_update()
    po = session.scalar(query)
    if po is None:
        raise NotFound(f"purchase order #{po_id} does not exist")
    return po


def _require_draft(po: PurchaseOrder, doing: str) -> None:
    if po.status != PurchaseOrderStatus.DRAFT:
        raise Conflict(
            f"{po.number} is {po.status.replace('_', ' ')}; {doing} is only possible while it "
            "is a draft"
        )


def _location(session: Session, location_id: int) -> Location:
    location = session.get(Location, location_id)
    if location is None:
        raise ValidationError(f"location #{location_id} does not exist", field="location_id")
    if not location.active:
        raise ValidationError(
            f"location {location.code} is inactive; receive at an active location",
            field="location_id",
        )
    return location


def _expected_at(value: datetime | None) -> datetime | None:
    if value is not None and (not isinstance(value, datetime) or value.tzinfo is None):
        raise ValidationError(
            "expected date must be a time-zone-aware date and time", field="expected_at"
        )
    return value


def _whole(value: Any, field: str, *, minimum: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        what = "above 0" if minimum == 1 else f"≥ {minimum}"
        raise ValidationError(
            f"{field.replace('_', ' ')} must be a whole number {what}", field=field
        )
    return value


def _product_for_line(session: Session, product_id: int) -> Product:
    product = session.get(Product, product_id)
    if product is None:
        raise ValidationError(f"product #{product_id} does not exist", field="product_id")
    if product.archived:
        raise ValidationError(
            f"{product.sku} is archived; restore it before ordering it", field="product_id"
        )
    return product


def _clean_lines(session: Session, lines: Sequence[POLineInput]) -> list[tuple[Product, int, int]]:
    cleaned: list[tuple[Product, int, int]] = []
    seen: set[int] = set()
    for line in lines:
        product = _product_for_line(session, line.product_id)
        if product.id in seen:
            raise ValidationError(
                f"{product.sku} appears on two lines; put the whole quantity on one line",
                field="lines",
            )
        seen.add(product.id)
        quantity = _whole(line.quantity, "quantity", minimum=1)
        cost = (
            product.cost_minor
            if line.unit_cost_minor is None
            else _whole(line.unit_cost_minor, "unit_cost_minor", minimum=0)
        )
        cleaned.append((product, quantity, cost))
    return cleaned


def _saved(po: PurchaseOrder, message: str, changes: ChangeSet = PURCHASING_CHANGED):
    return PurchaseOrderSaved(po.id, po.number, str(po.status), changes, message)


def _audit(
    session: Session,
    po: PurchaseOrder,
    *,
    actor: str,
    action: str,
    summary: str,
    details: dict[str, Any] | None = None,
) -> None:
    record_event(
        session,
        actor=actor,
        action=action,
        entity_type="purchase_order",
        entity_id=po.id,
        summary=summary,
        details=details,
    )


# --- commands -----------------------------------------------------------------------------------


def create_purchase_order(
    session: Session,
    supplier_id: int,
    location_id: int,
    lines: Sequence[POLineInput] = (),
    *,
    notes: str | None = None,
    expected_at: datetime | None = None,
    actor: str,
) -> PurchaseOrderSaved:
    """Create a draft PO (next 'PO-' number) to receive at `location_id`.

    Each line orders a product at its unit cost (the product's cost when not given); a product
    may appear on one line only. Currency is the supplier's. Raises ValidationError (unknown or
    archived product, bad quantity/cost, inactive location) or NotFound (supplier).
    """
    supplier = session.get(Supplier, supplier_id)
    if supplier is None:
        raise NotFound(f"supplier #{supplier_id} does not exist")
    location = _location(session, location_id)
    cleaned = _clean_lines(session, lines)
    po = PurchaseOrder(
        number=next_number(session, "purchase_order"),
        supplier_id=supplier.id,
        location_id=location.id,
        status=PurchaseOrderStatus.DRAFT,
        currency=supplier.currency,
        notes=(notes or "").strip() or None,
        expected_at=_expected_at(expected_at),
        created_at=utcnow(),
    )
    session.add(po)
    session.flush()
    for product, quantity, cost in cleaned:
        session.add(
            PurchaseOrderLine(
                purchase_order_id=po.id,
                product_id=product.id,
                quantity=quantity,
                received_quantity=0,
                unit_cost_minor=cost,
            )
        )
    session.flush()
    _audit(
        session,
        po,
        actor=actor,
        action="purchase_order.create",
        summary=f"Created {po.number} for {supplier.name} ({len(cleaned)} line(s)) "
        f"to receive at {location.code}",
        details={
            "lines": [{"sku": p.sku, "quantity": q, "unit_cost_minor": c} for p, q, c in cleaned]
        },
    )
    return _saved(po, f"Created {po.number}")


def update_purchase_order(
    session: Session,
    po_id: int,
    *,
    location_id: int = UNSET,
    notes: str | None = UNSET,
    expected_at: datetime | None = UNSET,
    actor: str,
) -> PurchaseOrderSaved:
    """Change a PO's header. Notes and expected date can change until it is received or
    cancelled; the receiving location only while it is a draft. Unpassed fields stay as they are.
    Raises NotFound, ValidationError or Conflict (wrong status)."""
    po = load_purchase_order(session, po_id, lock=True)
    if po.status in (PurchaseOrderStatus.RECEIVED, PurchaseOrderStatus.CANCELLED):
        raise Conflict(f"{po.number} is {po.status}; it can no longer be edited")
    changed: dict[str, dict[str, Any]] = {}
    if location_id is not UNSET and location_id != po.location_id:
        _require_draft(po, "changing the receiving location")
        new_location = _location(session, location_id)
        changed["location"] = {
            "old": session.get(Location, po.location_id).code,
            "new": new_location.code,
        }
        po.location_id = new_location.id
    if notes is not UNSET:
        new_notes = (notes or "").strip() or None
        if new_notes != po.notes:
            changed["notes"] = {"old": po.notes, "new": new_notes}
            po.notes = new_notes
    if expected_at is not UNSET and _expected_at(expected_at) != po.expected_at:
        changed["expected_at"] = {
            "old": po.expected_at.isoformat() if po.expected_at else None,
            "new": expected_at.isoformat() if expected_at else None,
        }
        po.expected_at = expected_at
    if not changed:
        return _saved(po, "Nothing changed", ChangeSet())
    _audit(
        session,
        po,
        actor=actor,
        action="purchase_order.update",
        summary=f"Edited {po.number}: {', '.join(changed)}",
        details=changed,
    )
    return _saved(po, f"Saved {po.number}")


def add_purchase_order_line(
    session: Session, po_id: int, line: POLineInput, *, actor: str
) -> PurchaseOrderSaved:
    """Add a product to a draft PO. Raises Conflict (not a draft, or the product is already on
    it: change that line instead), ValidationError or NotFound."""
    po = load_purchase_order(session, po_id, lock=True)
    _require_draft(po, "adding lines")
    ((product, quantity, cost),) = _clean_lines(session, [line])
    existing = session.scalar(
        select(PurchaseOrderLine.quantity).where(
            PurchaseOrderLine.purchase_order_id == po.id,
            PurchaseOrderLine.product_id == product.id,
        )
    )
    if existing is not None:
        raise Conflict(
            f"{product.sku} is already on {po.number} ({existing} ordered); change that line's "
            "quantity instead"
        )
    new_line = PurchaseOrderLine(
        purchase_order_id=po.id,
        product_id=product.id,
        quantity=quantity,
        received_quantity=0,
        unit_cost_minor=cost,
    )
    session.add(new_line)
    session.flush()
    _audit(
        session,
        po,
        actor=actor,
        action="purchase_order.add_line",
        summary=f"Added {quantity} × {product.sku} to {po.number}",
        details={"line_id": new_line.id, "quantity": quantity, "unit_cost_minor": cost},
    )
    return _saved(po, f"Added {product.sku}")


def _draft_line(
    session: Session, po_id: int, line_id: int, doing: str
) -> tuple[PurchaseOrder, PurchaseOrderLine, Product]:
    po = load_purchase_order(session, po_id, lock=True)
    line = session.get(PurchaseOrderLine, line_id)
    if line is None or line.purchase_order_id != po.id:
        raise NotFound(f"line #{line_id} is not on {po.number}")
    _require_draft(po, doing)
    return po, line, session.get(Product, line.product_id)


def update_purchase_order_line(
    session: Session,
    po_id: int,
    line_id: int,
    *,
    quantity: int | None = None,
    unit_cost_minor: int | None = None,
    actor: str,
) -> PurchaseOrderSaved:
    """Change a draft line's quantity and/or unit cost. Raises Conflict (not a draft),
    ValidationError or NotFound."""
    po, line, product = _draft_line(session, po_id, line_id, "changing lines")
    changed: dict[str, dict[str, int]] = {}
    if quantity is not None and _whole(quantity, "quantity", minimum=1) != line.quantity:
        changed["quantity"] = {"old": line.quantity, "new": quantity}
        line.quantity = quantity
    if (
        unit_cost_minor is not None
        and _whole(unit_cost_minor, "unit_cost_minor", minimum=0) != line.unit_cost_minor
    ):
        changed["unit_cost_minor"] = {"old": line.unit_cost_minor, "new": unit_cost_minor}
        line.unit_cost_minor = unit_cost_minor
    if not changed:
        return _saved(po, "Nothing changed", ChangeSet())
    _audit(
        session,
        po,
        actor=actor,
        action="purchase_order.update_line",
        summary=f"Changed {product.sku} on {po.number}: {', '.join(changed)}",
        details={"line_id": line.id, **changed},
    )
    return _saved(po, f"Changed {product.sku}")


def remove_purchase_order_line(
    session: Session, po_id: int, line_id: int, *, actor: str
) -> PurchaseOrderSaved:
    """Take a line off a draft PO. Raises Conflict (not a draft) or NotFound."""
    po, line, product = _draft_line(session, po_id, line_id, "removing lines")
    quantity = line.quantity
    session.delete(line)
    session.flush()
    _audit(
        session,
        po,
        actor=actor,
        action="purchase_order.remove_line",
        summary=f"Removed {product.sku} ({quantity}) from {po.number}",
        details={"line_id": line_id, "product_id": product.id, "quantity": quantity},
    )
    return _saved(po, f"Removed {product.sku}")


def mark_ordered(
    session: Session, po_id: int, *, actor: str, expected_at: datetime | None = None
) -> PurchaseOrderSaved:
    """draft → ordered: the PO was sent to the supplier; its lines now count as incoming stock.

    `expected_at` (optional) records the promised delivery. Raises InvalidTransition (not a
    draft, or no lines) or NotFound.
    """
    po = load_purchase_order(session, po_id, lock=True)
    target = PurchaseOrderStatus.ORDERED
    if po.status != PurchaseOrderStatus.DRAFT:
        why = (
            "it was cancelled"
            if po.status == PurchaseOrderStatus.CANCELLED
            else "it was already sent"
        )
        raise InvalidTransition(KIND, po.status, target, f"{po.number}: {why}")
    line_count = session.scalar(
        select(func.count()).where(PurchaseOrderLine.purchase_order_id == po.id)
    )
    if not line_count:
        raise InvalidTransition(KIND, po.status, target, f"{po.number} has no lines; add products")
    po.status = target
    po.ordered_at = utcnow()
    if expected_at is not None:
        po.expected_at = _expected_at(expected_at)
    _audit(
        session,
        po,
        actor=actor,
        action="purchase_order.order",
        summary=f"Marked {po.number} as ordered ({line_count} line(s))",
    )
    return _saved(po, f"{po.number} ordered")


def cancel_purchase_order(
    session: Session, po_id: int, *, actor: str, reason: str | None = None
) -> PurchaseOrderSaved:
    """draft/ordered → cancelled, allowed only while nothing has been received.

    Raises InvalidTransition (already cancelled, or goods received: undo those receipts first)
    or NotFound.
    """
    po = load_purchase_order(session, po_id, lock=True)
    target = PurchaseOrderStatus.CANCELLED
    if po.status == PurchaseOrderStatus.CANCELLED:
        raise InvalidTransition(KIND, po.status, target, f"{po.number} is already cancelled")
    received = int(
        session.scalar(
            select(func.coalesce(func.sum(PurchaseOrderLine.received_quantity), 0)).where(
                PurchaseOrderLine.purchase_order_id == po.id
            )
        )
        or 0
    )
    if received or po.status not in (PurchaseOrderStatus.DRAFT, PurchaseOrderStatus.ORDERED):
        raise InvalidTransition(
            KIND,
            po.status,
            target,
            f"{received} unit(s) of {po.number} were already received; undo those receipts first",
        )
    previous = po.status
    po.status = target
    reason = (reason or "").strip() or None
    _audit(
        session,
        po,
        actor=actor,
        action="purchase_order.cancel",
        summary=f"Cancelled {po.number}" + (f": {reason}" if reason else ""),
        details={"from_status": previous, "reason": reason},
    )
    return _saved(po, f"Cancelled {po.number}")


def sync_receipt_status(session: Session, po: PurchaseOrder) -> str:
    """Set ordered / partially_received / received from the lines' received quantities.

    Called by receiving after every receipt or undo (within its transaction); returns the status.
    """
    session.flush()
    ordered_lines, complete_lines, received = session.execute(
        select(
            func.count(),
            func.coalesce(
                func.sum(
                    case(
                        (PurchaseOrderLine.received_quantity >= PurchaseOrderLine.quantity, 1),
                        else_=0,
                    )
                ),
                0,
            ),
            func.coalesce(func.sum(PurchaseOrderLine.received_quantity), 0),
        ).where(PurchaseOrderLine.purchase_order_id == po.id)
    ).one()
    if ordered_lines and complete_lines == ordered_lines:
        if po.status != PurchaseOrderStatus.RECEIVED:
            po.received_at = utcnow()
        po.status = PurchaseOrderStatus.RECEIVED
    else:
        po.received_at = None
        po.status = (
            PurchaseOrderStatus.PARTIALLY_RECEIVED if received else PurchaseOrderStatus.ORDERED
        )
    return str(po.status)


# --- reads --------------------------------------------------------------------------------------


def get_purchase_order(session: Session, po_id: int) -> PurchaseOrderDetail:
    """A PO with per-line ordered / received / outstanding; raises NotFound."""
    row = session.execute(
        select(PurchaseOrder, Supplier.name, Location.code)
        .join(Supplier, Supplier.id == PurchaseOrder.supplier_id)
        .join(Location, Location.id == PurchaseOrder.location_id)
        .where(PurchaseOrder.id == po_id)
    ).one_or_none()
    if row is None:
        raise NotFound(f"purchase order #{po_id} does not exist")
    po, supplier_name, location_code = row
    lines = tuple(
        PurchaseOrderLineInfo(
            id=line.id,
            product_id=line.product_id,
            sku=sku,
            name=name,
            gtin=gtin,
            supplier_sku=supplier_sku,
            ordered=line.quantity,
            received=line.received_quantity,
            unit_cost_minor=line.unit_cost_minor,
        )
        for line, sku, name, gtin, supplier_sku in session.execute(
            select(PurchaseOrderLine, Product.sku, Product.name, Product.gtin, Product.supplier_sku)
            .join(Product, Product.id == PurchaseOrderLine.product_id)
            .where(PurchaseOrderLine.purchase_order_id == po.id)
            .order_by(PurchaseOrderLine.id)
        )
    )
    return PurchaseOrderDetail(
        id=po.id,
        number=po.number,
        supplier_id=po.supplier_id,
        supplier_name=supplier_name,
        location_id=po.location_id,
        location_code=location_code,
        status=po.status,
        currency=po.currency,
        notes=po.notes,
        expected_at=po.expected_at,
        created_at=po.created_at,
        ordered_at=po.ordered_at,
        received_at=po.received_at,
        lines=lines,
    )


def find_purchase_order(session: Session, number: str) -> PurchaseOrderDetail | None:
    """A PO by its number as scanned or typed ('PO-000012', 'po-12' and '12' all work)."""
    text = (number or "").strip().upper()
    if not text:
        return None
    digits = text.removeprefix("PO-").removeprefix("PO")
    candidates = [text]
    if digits.isdigit():
        candidates.append(f"PO-{int(digits):06d}")
    po_id = session.scalar(select(PurchaseOrder.id).where(PurchaseOrder.number.in_(candidates)))
    return get_purchase_order(session, po_id) if po_id is not None else None


def list_purchase_orders(
    session: Session,
    *,
    status: str | Iterable[str] | None = None,
    supplier_id: int | None = None,
    before_id: int | None = None,
    limit: int = 200,
) -> list[PurchaseOrderSummary]:
    """Newest first, keyset-paged by id (pass the last row's id as `before_id`); filter by one
    status or several, and by supplier. Totals come from one grouped query per page."""
    query = (
        select(PurchaseOrder, Supplier.name, Location.code)
        .join(Supplier, Supplier.id == PurchaseOrder.supplier_id)
        .join(Location, Location.id == PurchaseOrder.location_id)
        .order_by(PurchaseOrder.id.desc())
        .limit(limit)
    )
    if status is not None:
        statuses = [status] if isinstance(status, str) else list(status)
        query = query.where(PurchaseOrder.status.in_(statuses))
    if supplier_id is not None:
        query = query.where(PurchaseOrder.supplier_id == supplier_id)
    if before_id is not None:
        query = query.where(PurchaseOrder.id < before_id)
    page = session.execute(query).all()
    if not page:
        return []
    totals = {
        po_id: (count, ordered, received, outstanding, cost)
        for po_id, count, ordered, received, outstanding, cost in session.execute(
            select(
                PurchaseOrderLine.purchase_order_id,
                func.count(),
                func.sum(PurchaseOrderLine.quantity),
                func.sum(PurchaseOrderLine.received_quantity),
                func.sum(
                    case(
                        (
                            PurchaseOrderLine.quantity > PurchaseOrderLine.received_quantity,
                            PurchaseOrderLine.quantity - PurchaseOrderLine.received_quantity,
                        ),
                        else_=0,
                    )
                ),
                func.sum(PurchaseOrderLine.quantity * PurchaseOrderLine.unit_cost_minor),
            )
            .where(PurchaseOrderLine.purchase_order_id.in_([po.id for po, _s, _l in page]))
            .group_by(PurchaseOrderLine.purchase_order_id)
        )
    }
    result = []
    for po, supplier_name, location_code in page:
        count, ordered, received, outstanding, cost = totals.get(po.id, (0, 0, 0, 0, 0))
        result.append(
            PurchaseOrderSummary(
                id=po.id,
                number=po.number,
                supplier_id=po.supplier_id,
                supplier_name=supplier_name,
                location_code=location_code,
                status=po.status,
                currency=po.currency,
                line_count=int(count),
                ordered=int(ordered or 0),
                received=int(received or 0),
                outstanding=int(outstanding or 0),
                total_cost_minor=int(cost or 0),
                created_at=po.created_at,
                ordered_at=po.ordered_at,
                expected_at=po.expected_at,
            )
        )
    return result
