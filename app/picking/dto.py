"""Data transfer objects of the picking workflow."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from app.changes import ChangeSet

PICKING_CHANGED = ChangeSet(orders=True, pick_lists=True, stock=True)


@dataclass(frozen=True, slots=True)
class PickLineView:
    id: int
    order_id: int
    order_number: str
    slot: int
    product_id: int
    sku: str
    name: str
    gtin: str | None
    bin_id: int | None
    bin_code: str | None
    walk_sequence: int
    quantity: int
    picked: int
    short: int

    @property
    def remaining(self) -> int:
        return self.quantity - self.picked - self.short


@dataclass(frozen=True, slots=True)
class PickListView:
    id: int
    number: str
    status: str
    location_id: int | None
    location_code: str | None
    created_at: datetime
    created_by: str
    orders: tuple[tuple[int, str, int], ...]  # (order id, number, slot)
    lines: tuple[PickLineView, ...]  # in walk order

    @property
    def remaining(self) -> int:
        return sum(line.remaining for line in self.lines)


@dataclass(frozen=True, slots=True)
class PickListSaved:
    id: int
    number: str
    orders: tuple[str, ...]
    skipped: tuple[tuple[str, str], ...]  # (order number, why)
    changes: ChangeSet = PICKING_CHANGED
    message: str = ""


@dataclass(frozen=True, slots=True)
class PickResult:
    line: PickLineView
    list_remaining: int
    changes: ChangeSet = field(default_factory=lambda: PICKING_CHANGED)
    message: str = ""
