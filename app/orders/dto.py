"""Data transfer objects of the orders workflow."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from app.changes import ChangeSet
from app.orders.address import Address


@dataclass(frozen=True, slots=True)
class LineInput:
    """A line as entered or imported: a product id, or a SKU (matched to the catalog if known)."""

    quantity: int
    product_id: int | None = None
    sku: str | None = None
    name: str | None = None
    unit_price_minor: int | None = None  # None: the product's price
    discount_minor: int = 0
    external_line_id: str | None = None


@dataclass(frozen=True, slots=True)
class OrderInput:
    lines: tuple[LineInput, ...]
    ship_to: Address | None = None  # required unless delivery_method is pickup
    customer_id: int | None = None
    email: str | None = None
    phone: str | None = None
    bill_country: str | None = None
    delivery_method: str = "ship"
    pickup_location_id: int | None = None
    payment_status: str = "pending"
    paid_minor: int | None = None  # None: the total when paid, else 0
    discount_minor: int = 0
    shipping_minor: int = 0
    tax_minor: int = 0
    currency: str | None = None  # None: the shop currency
    notes: str | None = None
    placed_at: datetime | None = None
    channel_id: int | None = None
    external_id: str | None = None
    channel_risk: str | None = None
    confirm: bool = True  # False keeps it a draft


@dataclass(frozen=True, slots=True)
class Shortfall:
    line_no: int
    sku: str
    needed: int
    available: int


@dataclass(frozen=True, slots=True)
class AllocationResult:
    order_id: int
    number: str
    location_code: str | None
    allocated_units: int
    shortfalls: tuple[Shortfall, ...]
    changes: ChangeSet = field(default_factory=lambda: ChangeSet(orders=True, stock=True))

    @property
    def complete(self) -> bool:
        return not self.shortfalls


@dataclass(frozen=True, slots=True)
class OrderSaved:
    id: int
    number: str
    status: str
    changes: ChangeSet
    message: str = ""
    allocation: AllocationResult | None = None
    risk_flags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LineView:
    id: int
    line_no: int
    product_id: int | None
    sku: str
    name: str
    quantity: int
    unit_price_minor: int
    discount_minor: int
    allocated: int
    picked: int
    shipped: int
    returned: int

    @property
    def total_minor(self) -> int:
        return max(self.quantity * self.unit_price_minor - self.discount_minor, 0)

    @property
    def unmatched(self) -> bool:
        return self.product_id is None

    @property
    def open_quantity(self) -> int:
        return self.quantity - self.shipped


@dataclass(frozen=True, slots=True)
class OrderView:
    id: int
    number: str
    status: str
    on_hold: bool
    hold_reason: str | None
    hold_until: datetime | None
    payment_status: str
    delivery_method: str
    channel: str | None
    external_id: str | None
    customer_id: int | None
    email: str | None
    phone: str | None
    ship_to: Address | None
    bill_country: str | None
    fulfil_location: str | None
    pickup_location: str | None
    currency: str
    subtotal_minor: int
    discount_minor: int
    shipping_minor: int
    tax_minor: int
    total_minor: int
    paid_minor: int
    refunded_minor: int
    risk_level: int
    risk_flags: tuple[str, ...]
    notes: str | None
    placed_at: datetime
    parent_number: str | None
    lines: tuple[LineView, ...]


@dataclass(frozen=True, slots=True)
class OrderRow:
    """One row of the orders table."""

    id: int
    number: str
    placed_at: datetime
    status: str
    on_hold: bool
    customer: str
    email: str | None
    ship_country: str | None
    channel: str | None
    total_minor: int
    currency: str
    payment_status: str
    risk_level: int
    line_count: int
    units: int
