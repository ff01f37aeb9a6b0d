"""Receiving against purchase orders (by scan or keyboard), undoing receipts, and putaway.

A receiving station drives `receive_scan` one scan at a time (or `ReceivingScanner`, which adds
"scan again to confirm" for over-receipts). Every receipt is a 'receive' ledger move whose
reference is the PO number; undoing one is a 'reversal' move, so the ledger explains every unit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from app.audit import record_event
from app.errors import (
    Conflict,
    DomainError,
    InvalidTransition,
    NotFound,
    OutOfStock,
    UnknownBarcode,
    ValidationError,
)
from app.inventory.ledger import post_move, transfer_stock
from app.inventory.products import find_product_by_code
from app.purchasing.dto import (
    PutawayResult,
    PutawayRow,
    ReceiptRow,
    ReceivedLine,
    ReceiveResult,
    ReceiveScanResult,
    UndoResult,
)
from app.purchasing.orders import KIND, load_purchase_order, sync_receipt_status
from db.enums import BinKind, MoveReason, PurchaseOrderStatus
from db.models import (
    Bin,
    Location,
    Product,
    ProductBinDefault,
    PurchaseOrder,
    PurchaseOrderLine,
    StockLevel,
    StockMove,
)


class OverReceipt(Conflict):
    """More units than ordered: refused until the person confirms (scan again / tick a box)."""

    def __init__(
        self, message: str, *, po_number: str, sku: str, ordered: int, received: int, quantity: int
    ) -> None:
        super().__init__(message)
        self.po_number = po_number
        self.sku = sku
        self.ordered = ordered
        self.received = received
        self.quantity = quantity


# --- helpers ------------------------------------------------------------------------------------


def _receivable(session: Session, po_id: int) -> PurchaseOrder:
    po = load_purchase_order(session, po_id, lock=True)
    if po.status == PurchaseOrderStatus.DRAFT:
        raise InvalidTransition(
            KIND, po.status, PurchaseOrderStatus.RECEIVED, f"mark {po.number} ordered first"
        )
    if po.status == PurchaseOrderStatus.CANCELLED:
        raise InvalidTransition(
            KIND, po.status, PurchaseOrderStatus.RECEIVED, f"{po.number} was cancelled"
        )
    return po


def _quantity(quantity: int) -> int:
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
        raise ValidationError("quantity must be a whole number above 0", field="quantity")
    return quantity


def _location_code(session: Session, location_id: int) -> str:
    return session.scalar(select(Location.code).where(Location.id == location_id)) or "?"


def receiving_bin(
    session: Session, location_id: int, product_id: int, bin_id: int | None = None
) -> Bin:
    """Where a receipt goes: `bin_id` if given (must be an active bin at the location), else the
    product's default bin there, else the location's receiving bin; ValidationError if none."""
    if bin_id is not None:
        target = session.get(Bin, bin_id)
        if target is None:
            raise NotFound(f"bin #{bin_id} does not exist")
        if target.location_id != location_id:
            raise ValidationError(
                f"bin {target.code} is at {_location_code(session, target.location_id)}, but "
                f"these goods arrive at {_location_code(session, location_id)}; scan a bin there",
                field="bin_id",
            )
        if not target.active:
            raise ValidationError(f"bin {target.code} is inactive", field="bin_id")
        return target
    default = session.scalar(
        select(Bin)
        .join(ProductBinDefault, ProductBinDefault.bin_id == Bin.id)
        .where(
            ProductBinDefault.product_id == product_id,
            ProductBinDefault.location_id == location_id,
            Bin.active.is_(True),
        )
    )
    if default is not None:
        return default
    receiving = session.scalar(
        select(Bin)
        .where(Bin.location_id == location_id, Bin.kind == BinKind.RECEIVING, Bin.active.is_(True))
        .order_by(Bin.walk_sequence, Bin.code)
        .limit(1)
    )
    if receiving is not None:
        return receiving
    sku = session.scalar(select(Product.sku).where(Product.id == product_id))
    raise ValidationError(
        f"no bin to receive {sku} into at {_location_code(session, location_id)}: scan or choose "
        "a bin, set a default bin for the product, or create a receiving bin",
        field="bin_id",
    )


def _over_units(line: PurchaseOrderLine, quantity: int) -> int:
    """Units of this receipt beyond the ordered quantity."""
    before = max(line.received_quantity - line.quantity, 0)
    after = max(line.received_quantity + quantity - line.quantity, 0)
    return after - before


def _check_over(
    po: PurchaseOrder, line: PurchaseOrderLine, sku: str, quantity: int, confirm_hint: str
) -> None:
    if line.received_quantity + quantity <= line.quantity:
        return
    receiving = "" if quantity == 1 else f", receiving {quantity} more"
    raise OverReceipt(
        f"{po.number} line {sku}: ordered {line.quantity}, already received "
        f"{line.received_quantity}{receiving}; {confirm_hint}",
        po_number=po.number,
        sku=sku,
        ordered=line.quantity,
        received=line.received_quantity,
        quantity=quantity,
    )


def _book(
    session: Session,
    po: PurchaseOrder,
    line: PurchaseOrderLine,
    product: Product,
    quantity: int,
    target: Bin,
    actor: str,
) -> ReceivedLine:
    over = _over_units(line, quantity)
    move_id = post_move(
        session,
        product_id=product.id,
        quantity=quantity,
        reason=MoveReason.RECEIVE,
        to_bin_id=target.id,
        reference=po.number,
        note=f"over-receipt: {over} beyond the {line.quantity} ordered" if over else None,
        actor=actor,
    )
    line.received_quantity += quantity
    return ReceivedLine(
        line.id, product.id, product.sku, quantity, target.id, target.code, move_id, over
    )


# --- receiving ----------------------------------------------------------------------------------


def receive_scan(
    session: Session,
    po_id: int,
    code: str,
    *,
    quantity: int = 1,
    bin_id: int | None = None,
    actor: str,
    allow_over: bool = False,
) -> ReceiveScanResult:
    """Receive `quantity` units of the scanned product on a PO.

    `code` is resolved like any product scan (GTIN, extra code, SKU). The goods go to `bin_id`,
    else the product's default bin at the PO's location, else that location's receiving bin.
    Posts one 'receive' move (reference = PO number), raises the line's received quantity and
    moves the PO to partially_received / received. Records one audit event.

    Raises UnknownBarcode (code scans to nothing), ValidationError (product not on this PO, no
    bin, bad quantity), OverReceipt (more than ordered and `allow_over` is False; the message
    asks to scan again to confirm) or InvalidTransition (PO is a draft or cancelled).
    """
    po = _receivable(session, po_id)
    _quantity(quantity)
    ref = find_product_by_code(session, code)
    if ref is None:
        raise UnknownBarcode(code.strip())
    lines = list(
        session.scalars(
            select(PurchaseOrderLine)
            .where(
                PurchaseOrderLine.purchase_order_id == po.id,
                PurchaseOrderLine.product_id == ref.id,
            )
            .order_by(PurchaseOrderLine.id)
        )
    )
    if not lines:
        scanned = "" if code.strip().upper() == ref.sku.upper() else f" (scanned {code.strip()})"
        raise ValidationError(
            f"{ref.sku}{scanned} is not on {po.number}; set it aside and check the delivery",
            field="code",
        )
    # One line per product is the rule; older data may repeat one, so fill the first open line.
    line = next((x for x in lines if x.received_quantity < x.quantity), lines[-1])
    if not allow_over:
        _check_over(po, line, ref.sku, quantity, "scan again to confirm over-receipt")
    product = session.get(Product, ref.id)
    target = receiving_bin(session, po.location_id, product.id, bin_id)
    booked = _book(session, po, line, product, quantity, target, actor)
    status = sync_receipt_status(session, po)
    over_text = (
        f" ({booked.over_received} over the order, confirmed)" if booked.over_received else ""
    )
    record_event(
        session,
        actor=actor,
        action="purchase_order.receive",
        entity_type="purchase_order",
        entity_id=po.id,
        summary=f"Received {quantity} × {ref.sku} into {target.code} on {po.number}{over_text}",
        details={
            "move_id": booked.move_id,
            "line_id": line.id,
            "product_id": product.id,
            "quantity": quantity,
            "bin_id": target.id,
            "code": code.strip(),
            "over_receipt": booked.over_received,
        },
    )
    return ReceiveScanResult(
        po_id=po.id,
        po_number=po.number,
        po_status=status,
        line_id=line.id,
        product_id=product.id,
        sku=product.sku,
        name=product.name,
        quantity=quantity,
        bin_id=target.id,
        bin_code=target.code,
        ordered=line.quantity,
        received=line.received_quantity,
        move_id=booked.move_id,
        over_received=booked.over_received,
        message=f"{product.sku} +{quantity} → {target.code} "
        f"({line.received_quantity} of {line.quantity}){over_text}",
    )


def receive_lines(
    session: Session,
    po_id: int,
    quantities: Mapping[int, int],
    bin_id: int | None = None,
    *,
    actor: str,
    allow_over: bool = False,
) -> ReceiveResult:
    """Keyboard receiving: {line_id: quantity} received in one go (zero quantities skipped).

    Each line goes to `bin_id` or its own default/receiving bin, as in `receive_scan`; one move
    per line, one audit event for the whole receipt. Nothing is booked if any line is refused.
    Raises NotFound (line not on the PO), ValidationError (bad quantity, no bin, nothing to
    receive), OverReceipt (unless `allow_over`) or InvalidTransition (draft or cancelled PO).
    """
    po = _receivable(session, po_id)
    wanted = {}
    for line_id, quantity in quantities.items():
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
            raise ValidationError("quantities must be whole numbers ≥ 0", field="quantity")
        if quantity:
            wanted[line_id] = quantity
    if not wanted:
        raise ValidationError("enter a quantity for at least one line", field="quantity")
    lines = {
        line.id: (line, product)
        for line, product in session.execute(
            select(PurchaseOrderLine, Product)
            .join(Product, Product.id == PurchaseOrderLine.product_id)
            .where(
                PurchaseOrderLine.purchase_order_id == po.id,
                PurchaseOrderLine.id.in_(list(wanted)),
            )
        )
    }
    missing = [str(line_id) for line_id in wanted if line_id not in lines]
    if missing:
        raise NotFound(f"line(s) #{', #'.join(missing)} are not on {po.number}")
    ordered_ids = sorted(wanted)
    if not allow_over:
        for line_id in ordered_ids:
            line, product = lines[line_id]
            _check_over(po, line, product.sku, wanted[line_id], "confirm to accept the extra units")
    booked = []
    for line_id in ordered_ids:
        line, product = lines[line_id]
        target = receiving_bin(session, po.location_id, product.id, bin_id)
        booked.append(_book(session, po, line, product, wanted[line_id], target, actor))
    status = sync_receipt_status(session, po)
    total = sum(b.quantity for b in booked)
    over = sum(b.over_received for b in booked)
    over_text = f" ({over} over the order, confirmed)" if over else ""
    record_event(
        session,
        actor=actor,
        action="purchase_order.receive",
        entity_type="purchase_order",
        entity_id=po.id,
        summary=f"Received {total} unit(s) on {len(booked)} line(s) of {po.number}{over_text}",
        details={
            "lines": [
                {
                    "move_id": b.move_id,
                    "line_id": b.line_id,
                    "product_id": b.product_id,
                    "quantity": b.quantity,
                    "bin_id": b.bin_id,
                    "over_receipt": b.over_received,
                }
                for b in booked
            ]
        },
    )
    return ReceiveResult(
        po.id, po.number, status, tuple(booked), message=f"Received {total} on {po.number}"
    )


def undo_receipt(
    session: Session, po_id: int, move_id: int, *, actor: str, note: str | None = None
) -> UndoResult:
    """Reverse one receipt move of the PO: a 'reversal' move takes the units back out of the bin
    they went into, the line's received quantity goes down and the PO status follows.

    Raises NotFound (no such move), Conflict (not a receipt of this PO, or already undone) or
    OutOfStock (the units have left that bin, e.g. put away: move them back first, or reserved
    for orders).
    """
    po = load_purchase_order(session, po_id, lock=True)
    original = session.get(StockMove, move_id)
    if original is None:
        raise NotFound(f"stock move #{move_id} does not exist")
    if original.reason != MoveReason.RECEIVE or original.reference != po.number:
        raise Conflict(f"move #{move_id} is not a receipt on {po.number}")
    already = session.scalar(select(StockMove.id).where(StockMove.reverses_move_id == move_id))
    if already is not None:
        raise Conflict(f"receipt move #{move_id} was already undone by move #{already}")
    line = session.scalar(
        select(PurchaseOrderLine)
        .where(
            PurchaseOrderLine.purchase_order_id == po.id,
            PurchaseOrderLine.product_id == original.product_id,
            PurchaseOrderLine.received_quantity >= original.quantity,
        )
        .order_by(PurchaseOrderLine.id.desc())
        .limit(1)
    )
    product = session.get(Product, original.product_id)
    if line is None:
        raise Conflict(
            f"{po.number} shows fewer than {original.quantity} of {product.sku} received; "
            "run the doctor to check the purchase order"
        )
    source = session.get(Bin, original.to_bin_id)
    try:
        reversal_id = post_move(
            session,
            product_id=original.product_id,
            quantity=original.quantity,
            reason=MoveReason.REVERSAL,
            from_bin_id=original.to_bin_id,
            reference=po.number,
            note=(note or "").strip() or f"undo receipt move #{move_id}",
            actor=actor,
            reverses_move_id=move_id,
        )
    except OutOfStock as exc:
        raise OutOfStock(
            f"cannot undo the receipt of {original.quantity} × {product.sku} into {source.code}: "
            f"{exc}. Move the units back into {source.code} first"
        ) from exc
    line.received_quantity -= original.quantity
    status = sync_receipt_status(session, po)
    record_event(
        session,
        actor=actor,
        action="purchase_order.undo_receipt",
        entity_type="purchase_order",
        entity_id=po.id,
        summary=f"Undid receipt of {original.quantity} × {product.sku} from {source.code} "
        f"on {po.number}",
        details={
            "move_id": move_id,
            "reversal_move_id": reversal_id,
            "line_id": line.id,
            "quantity": original.quantity,
        },
    )
    return UndoResult(
        po.id,
        po.number,
        status,
        reversal_id,
        message=f"Undid {original.quantity} × {product.sku} on {po.number}",
    )


def list_receipts(session: Session, po_id: int) -> list[ReceiptRow]:
    """The PO's receipt moves, newest first, each with the move that undid it (if any)."""
    po = load_purchase_order(session, po_id)
    reversal = aliased(StockMove)
    query = (
        select(StockMove, Product.sku, Bin.code, reversal.id)
        .join(Product, Product.id == StockMove.product_id)
        .join(Bin, Bin.id == StockMove.to_bin_id)
        .outerjoin(reversal, reversal.reverses_move_id == StockMove.id)
        .where(StockMove.reference == po.number, StockMove.reason == MoveReason.RECEIVE)
        .order_by(StockMove.id.desc())
    )
    return [
        ReceiptRow(
            move.id,
            move.at,
            move.product_id,
            sku,
            move.quantity,
            move.to_bin_id,
            bin_code,
            move.actor,
            move.note,
            reversed_by,
        )
        for move, sku, bin_code, reversed_by in session.execute(query)
    ]


# --- putaway ------------------------------------------------------------------------------------


def putaway(
    session: Session,
    product_id: int,
    from_bin_id: int,
    to_bin_id: int | None,
    quantity: int,
    *,
    actor: str,
) -> PutawayResult:
    """Move received units from a (receiving) bin to a storage bin at the same location.

    `to_bin_id=None` means the product's default bin there. A 'transfer' move noted 'putaway'
    (audited by the ledger's transfer). Raises NotFound, ValidationError (other location, not a
    storage bin, no default bin) or OutOfStock (the source bin holds less).
    """
    source = session.get(Bin, from_bin_id)
    if source is None:
        raise NotFound(f"bin #{from_bin_id} does not exist")
    if to_bin_id is None:
        to_bin_id = session.scalar(
            select(ProductBinDefault.bin_id).where(
                ProductBinDefault.product_id == product_id,
                ProductBinDefault.location_id == source.location_id,
            )
        )
        if to_bin_id is None:
            sku = session.scalar(select(Product.sku).where(Product.id == product_id))
            raise ValidationError(
                f"{sku or f'product #{product_id}'} has no default bin at "
                f"{_location_code(session, source.location_id)}; scan the bin to put it in",
                field="to_bin_id",
            )
    target = session.get(Bin, to_bin_id)
    if target is None:
        raise NotFound(f"bin #{to_bin_id} does not exist")
    if target.location_id != source.location_id:
        raise ValidationError(
            f"bin {target.code} is at another location; put away within "
            f"{_location_code(session, source.location_id)} (use a transfer between locations)",
            field="to_bin_id",
        )
    if target.kind != BinKind.STORAGE:
        raise ValidationError(
            f"bin {target.code} is a {target.kind} bin; put away into a storage bin",
            field="to_bin_id",
        )
    moved = transfer_stock(
        session,
        product_id=product_id,
        from_bin_id=source.id,
        to_bin_id=target.id,
        quantity=quantity,
        actor=actor,
        note="putaway",
    )
    return PutawayResult(
        product_id,
        source.id,
        target.id,
        target.code,
        quantity,
        moved.move_ids[0],
        message=f"Put {quantity} away in {target.code}",
    )


def list_awaiting_putaway(session: Session, location_id: int | None = None) -> list[PutawayRow]:
    """Stock in receiving bins, with each product's default bin (where it should go)."""
    default_bin = aliased(Bin)
    query = (
        select(
            StockLevel.product_id,
            Product.sku,
            Product.name,
            Bin.location_id,
            Bin.id,
            Bin.code,
            StockLevel.on_hand,
            default_bin.id,
            default_bin.code,
        )
        .join(Bin, Bin.id == StockLevel.bin_id)
        .join(Product, Product.id == StockLevel.product_id)
        .outerjoin(
            ProductBinDefault,
            (ProductBinDefault.product_id == StockLevel.product_id)
            & (ProductBinDefault.location_id == Bin.location_id),
        )
        .outerjoin(default_bin, default_bin.id == ProductBinDefault.bin_id)
        .where(Bin.kind == BinKind.RECEIVING, StockLevel.on_hand > 0)
        .order_by(Bin.location_id, Bin.code, Product.sku)
    )
    if location_id is not None:
        query = query.where(Bin.location_id == location_id)
    return [PutawayRow(*row) for row in session.execute(query)]


# --- scanning station helper --------------------------------------------------------------------


@dataclass
class ReceivingScanner:
    """Per-station receiving state for one PO (holds no database session).

    Scanning the same code again right after an over-receipt warning confirms it; any other scan
    forgets the pending confirmation. `bin_id` is the bin scanned last (None: default/receiving).
    """

    po_id: int
    bin_id: int | None = None
    pending_over: str | None = None

    def scan(
        self, session: Session, code: str, *, actor: str, quantity: int = 1
    ) -> ReceiveScanResult:
        """Receive one scan through `receive_scan`; raises what it raises. The confirmation
        state changes only once the scan has an answer (received, or refused by a domain
        error): a database error such as a deadlock leaves it as it was, so the transaction
        can run again with the same meaning (app.uow.write_retrying)."""
        code = code.strip()
        confirm = self.pending_over is not None and self.pending_over == code
        try:
            result = receive_scan(
                session,
                self.po_id,
                code,
                quantity=quantity,
                bin_id=self.bin_id,
                actor=actor,
                allow_over=confirm,
            )
        except OverReceipt:
            self.pending_over = code
            raise
        except DomainError:
            self.pending_over = None
            raise
        self.pending_over = None
        return result
