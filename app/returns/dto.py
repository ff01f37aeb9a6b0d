"""Data transfer objects of the returns workflow (frozen; ORM rows never leave app/)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from app.changes import ChangeSet

RETURNS_CHANGED = ChangeSet(returns=True, orders=True)
RETURNS_AND_STOCK = ChangeSet(returns=True, orders=True, stock=True)


@dataclass(frozen=True, slots=True)
class ReturnLineInput:
    """Units of one order line the customer sends back, and why (`note` required for other)."""

    order_line_id: int
    quantity: int
    reason: str
    note: str | None = None


@dataclass(frozen=True, slots=True)
class ReturnSaved:
    """Result of an RMA command."""

    id: int
    number: str
    status: str
    changes: ChangeSet = RETURNS_CHANGED
    message: str = ""
    resolution: str | None = None
    exchange_order_id: int | None = None
    outbox_queued: bool = False  # a channel push (refund) was queued in the same transaction


@dataclass(frozen=True, slots=True)
class ReturnLineView:
    """One return_line row: either still expected (received 0) or received with one
    condition, disposition and bin."""

    id: int
    order_line_id: int
    line_no: int
    product_id: int | None
    sku: str
    name: str
    gtin: str | None
    quantity: int
    received: int
    reason: str
    reason_note: str | None
    condition: str | None
    disposition: str | None
    bin_id: int | None
    bin_code: str | None

    @property
    def outstanding(self) -> int:
        return self.quantity - self.received

    @property
    def complete(self) -> bool:
        return self.received >= self.quantity


@dataclass(frozen=True, slots=True)
class ReturnView:
    """Everything the RMA detail pane and the receiving screen show."""

    id: int
    number: str
    status: str
    resolution: str | None
    order_id: int
    order_number: str
    order_status: str
    channel: str | None
    customer: str
    email: str | None
    currency: str
    order_paid_minor: int
    order_refunded_minor: int
    refund_minor: int
    refund_method: str | None
    store_credit_minor: int
    exchange_order_id: int | None
    exchange_order_number: str | None
    location_id: int | None  # where received units go (the order's fulfilment location)
    location_code: str | None
    notes: str | None
    created_at: datetime
    authorized_at: datetime | None
    received_at: datetime | None
    closed_at: datetime | None
    lines: tuple[ReturnLineView, ...]

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def received_units(self) -> int:
        return sum(line.received for line in self.lines)

    @property
    def outstanding_units(self) -> int:
        return self.units - self.received_units

    @property
    def refundable_minor(self) -> int:
        """What can still be refunded on the order (paid − refunded, over all its RMAs)."""
        return self.order_paid_minor - self.order_refunded_minor


@dataclass(frozen=True, slots=True)
class ReceiveResult:
    """Units received by scan or keyboard, with the view to redraw and a line to show."""

    rma: ReturnView
    return_line_ids: tuple[int, ...]  # the rows that now hold the received units
    product_id: int
    quantity: int
    move_ids: tuple[int, ...]
    message: str
    changes: ChangeSet = RETURNS_AND_STOCK

    @property
    def complete(self) -> bool:
        """Every unit of the RMA has been received."""
        return self.rma.outstanding_units == 0


@dataclass(frozen=True, slots=True)
class ReturnableLine:
    """What of one order line can still be put on an RMA."""

    order_line_id: int
    line_no: int
    product_id: int | None
    sku: str
    name: str
    unit_price_minor: int
    shipped: int
    returned: int  # received back already
    on_open_returns: int  # expected on requested or authorized RMAs, not received yet
    returnable: int


@dataclass(frozen=True, slots=True)
class ReturnFilter:
    status: str | None = None
    search: str = ""  # RMA or order number, customer name or email, or an exact SKU
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class ReturnRow:
    """One row of the returns table."""

    id: int
    number: str
    created_at: datetime
    status: str
    resolution: str | None
    order_id: int
    order_number: str
    customer: str
    units: int
    received_units: int
    reasons: tuple[str, ...]
    refund_minor: int
    store_credit_minor: int
    currency: str


@dataclass(frozen=True, slots=True)
class ReturnPage:
    rows: tuple[ReturnRow, ...]
    next_after: tuple | None  # pass back as `after` for the next page; None when exhausted


@dataclass(frozen=True, slots=True)
class ProductReturnStats:
    """Return figures of one product: units shipped and returned in the period, and why."""

    product_id: int
    sku: str
    name: str
    shipped_units: int
    returned_units: int
    rate: float | None  # returned ÷ shipped; None when nothing shipped in the period
    reasons: dict[str, int] = field(default_factory=dict)
