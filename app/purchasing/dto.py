"""Data transfer objects of the purchasing workflow (frozen; ORM rows never leave app/)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from app.changes import ChangeSet

PURCHASING_CHANGED = ChangeSet(purchasing=True)
RECEIPT_CHANGED = ChangeSet(purchasing=True, stock=True)


@dataclass(frozen=True, slots=True)
class SupplierInput:
    """What a clerk types for a supplier; lead time in days, currency an ISO code."""

    name: str
    email: str | None = None
    phone: str | None = None
    lead_time_days: int = 7
    currency: str = "USD"
    notes: str | None = None


@dataclass(frozen=True, slots=True)
class SupplierInfo:
    id: int
    name: str
    email: str | None
    phone: str | None
    lead_time_days: int
    currency: str
    notes: str | None
    product_count: int  # products that name this supplier as theirs
    open_po_count: int  # purchase orders not yet fully received or cancelled


@dataclass(frozen=True, slots=True)
class POLineInput:
    """One product to order; `unit_cost_minor=None` takes the product's cost."""

    product_id: int
    quantity: int
    unit_cost_minor: int | None = None


@dataclass(frozen=True, slots=True)
class PurchaseOrderLineInfo:
    id: int
    product_id: int
    sku: str
    name: str
    gtin: str | None
    supplier_sku: str | None
    ordered: int
    received: int
    unit_cost_minor: int

    @property
    def outstanding(self) -> int:
        """Units still expected (never negative: over-receipts show in `over_received`)."""
        return max(self.ordered - self.received, 0)

    @property
    def over_received(self) -> int:
        return max(self.received - self.ordered, 0)

    @property
    def line_cost_minor(self) -> int:
        return self.ordered * self.unit_cost_minor


@dataclass(frozen=True, slots=True)
class PurchaseOrderDetail:
    id: int
    number: str
    supplier_id: int
    supplier_name: str
    location_id: int
    location_code: str
    status: str
    currency: str
    notes: str | None
    expected_at: datetime | None
    created_at: datetime
    ordered_at: datetime | None
    received_at: datetime | None
    lines: tuple[PurchaseOrderLineInfo, ...]

    @property
    def ordered(self) -> int:
        return sum(line.ordered for line in self.lines)

    @property
    def received(self) -> int:
        return sum(line.received for line in self.lines)

    @property
    def outstanding(self) -> int:
        return sum(line.outstanding for line in self.lines)

    @property
    def total_cost_minor(self) -> int:
        return sum(line.line_cost_minor for line in self.lines)


@dataclass(frozen=True, slots=True)
class PurchaseOrderSummary:
    """One row of the purchase order list."""

    id: int
    number: str
    supplier_id: int
    supplier_name: str
    location_code: str
    status: str
    currency: str
    line_count: int
    ordered: int
    received: int
    outstanding: int
    total_cost_minor: int
    created_at: datetime
    ordered_at: datetime | None
    expected_at: datetime | None


@dataclass(frozen=True, slots=True)
class PurchaseOrderSaved:
    """Result of a command on one purchase order."""

    id: int
    number: str
    status: str
    changes: ChangeSet = PURCHASING_CHANGED
    message: str = ""


@dataclass(frozen=True, slots=True)
class ReceiveScanResult:
    """What one receiving scan did, with the line's figures after it (for the station display)."""

    po_id: int
    po_number: str
    po_status: str
    line_id: int
    product_id: int
    sku: str
    name: str
    quantity: int
    bin_id: int
    bin_code: str
    ordered: int
    received: int
    move_id: int
    over_received: int  # units of this scan beyond what was ordered (0 normally)
    changes: ChangeSet = RECEIPT_CHANGED
    message: str = ""

    @property
    def outstanding(self) -> int:
        return max(self.ordered - self.received, 0)

    @property
    def line_complete(self) -> bool:
        return self.received >= self.ordered

    @property
    def po_complete(self) -> bool:
        return self.po_status == "received"


@dataclass(frozen=True, slots=True)
class ReceivedLine:
    line_id: int
    product_id: int
    sku: str
    quantity: int
    bin_id: int
    bin_code: str
    move_id: int
    over_received: int


@dataclass(frozen=True, slots=True)
class ReceiveResult:
    """Result of keyboard receiving (several lines at once)."""

    po_id: int
    po_number: str
    po_status: str
    lines: tuple[ReceivedLine, ...]
    changes: ChangeSet = RECEIPT_CHANGED
    message: str = ""

    @property
    def move_ids(self) -> tuple[int, ...]:
        return tuple(line.move_id for line in self.lines)


@dataclass(frozen=True, slots=True)
class ReceiptRow:
    """A receipt move of a purchase order (undo it with `undo_receipt`)."""

    move_id: int
    at: datetime
    product_id: int
    sku: str
    quantity: int
    bin_id: int
    bin_code: str
    actor: str
    note: str | None
    reversed_by_move_id: int | None

    @property
    def undone(self) -> bool:
        return self.reversed_by_move_id is not None


@dataclass(frozen=True, slots=True)
class UndoResult:
    po_id: int
    po_number: str
    po_status: str
    reversal_move_id: int
    changes: ChangeSet = RECEIPT_CHANGED
    message: str = ""


@dataclass(frozen=True, slots=True)
class PutawayRow:
    """Stock sitting in a receiving bin, with where it should go."""

    product_id: int
    sku: str
    name: str
    location_id: int
    bin_id: int
    bin_code: str
    on_hand: int
    default_bin_id: int | None
    default_bin_code: str | None


@dataclass(frozen=True, slots=True)
class PutawayResult:
    product_id: int
    from_bin_id: int
    to_bin_id: int
    to_bin_code: str
    quantity: int
    move_id: int
    changes: ChangeSet = field(default_factory=lambda: ChangeSet(stock=True))
    message: str = ""
