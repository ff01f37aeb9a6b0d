"""Data transfer objects of packing and shipping."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from app.changes import ChangeSet

SHIPPING_CHANGED = ChangeSet(orders=True, shipments=True)


@dataclass(frozen=True, slots=True)
class PackageInput:
    weight_g: int | None = None
    box_type: str | None = None
    length_mm: int | None = None
    width_mm: int | None = None
    height_mm: int | None = None


@dataclass(frozen=True, slots=True)
class ShipmentLineView:
    id: int
    order_line_id: int
    product_id: int | None
    sku: str
    name: str
    gtin: str | None
    quantity: int
    verified: int

    @property
    def complete(self) -> bool:
        return self.verified >= self.quantity


@dataclass(frozen=True, slots=True)
class ShipmentView:
    id: int
    number: str
    order_id: int
    order_number: str
    status: str
    customer: str
    ship_country: str | None
    carrier: str | None
    service: str | None
    tracking_number: str | None
    tracking_url: str | None
    weight_g: int | None
    expected_weight_g: int
    package_count: int
    verified_by: str | None
    override_reason: str | None
    created_at: datetime
    packed_at: datetime | None
    shipped_at: datetime | None
    notes: str | None
    lines: tuple[ShipmentLineView, ...]

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def verified_units(self) -> int:
        return sum(min(line.verified, line.quantity) for line in self.lines)

    @property
    def all_verified(self) -> bool:
        return all(line.complete for line in self.lines)


@dataclass(frozen=True, slots=True)
class VerifyResult:
    shipment: ShipmentView
    line_id: int
    product_id: int
    message: str
    changes: ChangeSet = field(default_factory=lambda: ChangeSet(shipments=True))


@dataclass(frozen=True, slots=True)
class PackResult:
    shipment: ShipmentView
    warnings: tuple[str, ...]
    changes: ChangeSet = SHIPPING_CHANGED
    message: str = ""


@dataclass(frozen=True, slots=True)
class ShippedParcel:
    """What the customer mail and the channel push say about a parcel that left."""

    shipment_id: int
    number: str
    carrier: str
    tracking_number: str | None
    tracking_url: str | None
    order_id: int
    order_number: str
    order_external_id: str | None
    email: str | None
    ship_name: str | None


@dataclass(frozen=True, slots=True)
class ShipResult:
    shipment: ShipmentView
    order_status: str
    mail_queued: bool
    outbox_queued: bool
    changes: ChangeSet = field(
        default_factory=lambda: ChangeSet(orders=True, shipments=True, stock=True, channels=True)
    )
    message: str = ""


@dataclass(frozen=True, slots=True)
class ShipmentRow:
    id: int
    number: str
    order_number: str
    status: str
    customer: str
    carrier: str | None
    tracking_number: str | None
    units: int
    created_at: datetime
    shipped_at: datetime | None
