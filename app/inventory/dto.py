"""Data transfer objects of the inventory workflow (frozen; ORM rows never leave app/)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from app.changes import ChangeSet


@dataclass(frozen=True, slots=True)
class ProductInput:
    """What a clerk types for a product; money in minor units, weight in grams."""

    sku: str
    name: str
    gtin: str | None = None
    weight_g: int = 0
    price_minor: int = 0
    cost_minor: int = 0
    reorder_point: int = 0
    reorder_quantity: int = 0
    allow_backorder: bool = False
    supplier_id: int | None = None
    supplier_sku: str | None = None


@dataclass(frozen=True, slots=True)
class ProductRef:
    id: int
    sku: str
    name: str
    gtin: str | None
    archived: bool
    matched_by: str = "sku"  # gtin, code or sku: how a scan found it


@dataclass(frozen=True, slots=True)
class BinStock:
    location_id: int
    location_code: str
    bin_id: int
    bin_code: str
    bin_kind: str
    on_hand: int


@dataclass(frozen=True, slots=True)
class LocationStock:
    """Figures for one product at one location. available = sellable on hand − reserved."""

    location_id: int
    location_code: str
    on_hand: int
    quarantined: int
    reserved: int
    incoming: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


@dataclass(frozen=True, slots=True)
class DefaultBin:
    location_id: int
    location_code: str
    bin_id: int
    bin_code: str


@dataclass(frozen=True, slots=True)
class ProductDetail:
    id: int
    sku: str
    name: str
    gtin: str | None
    weight_g: int
    price_minor: int
    cost_minor: int
    reorder_point: int
    reorder_quantity: int
    allow_backorder: bool
    archived: bool
    supplier_id: int | None
    supplier_name: str | None
    supplier_sku: str | None
    scan_codes: tuple[str, ...]
    default_bins: tuple[DefaultBin, ...]
    bins: tuple[BinStock, ...]
    locations: tuple[LocationStock, ...]

    @property
    def on_hand(self) -> int:
        return sum(loc.on_hand for loc in self.locations)

    @property
    def available(self) -> int:
        return sum(loc.available for loc in self.locations)


@dataclass(frozen=True, slots=True)
class LocationInfo:
    id: int
    code: str
    name: str
    kind: str
    country: str
    region: str | None
    active: bool


@dataclass(frozen=True, slots=True)
class BinInfo:
    id: int
    location_id: int
    location_code: str
    code: str
    kind: str
    walk_sequence: int
    active: bool


@dataclass(frozen=True, slots=True)
class MoveRow:
    id: int
    at: datetime
    product_id: int
    sku: str
    quantity: int
    reason: str
    from_bin: str | None
    to_bin: str | None
    reference: str | None
    note: str | None
    actor: str
    reverses_move_id: int | None
    reversed_by_move_id: int | None


@dataclass(frozen=True, slots=True)
class Saved:
    """Result of a command that created or changed one record."""

    id: int
    changes: ChangeSet = field(default_factory=ChangeSet)
    message: str = ""
