"""What the return receiving station reads: the open RMA per order line, bins, waiting RMAs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.errors import NotFound
from app.inventory.dto import BinInfo
from app.inventory.locations import list_bins
from app.returns.dto import ReturnFilter, ReturnView
from app.returns.queries import find_return, get_return, list_return_page
from ui.returns.formatting import CONDITION_LABELS, DISPOSITION_LABELS, label

Loaded = tuple[ReturnView, list[BinInfo]]


@dataclass(frozen=True, slots=True)
class StationLine:
    """One order line of the open RMA: authorized and received units, how they came in."""

    order_line_id: int
    row_id: int  # a return line to receive against (one still expected when there is one)
    sku: str
    name: str
    authorized: int
    received: int
    received_as: str

    @property
    def outstanding(self) -> int:
        return self.authorized - self.received


def station_lines(view: ReturnView) -> list[StationLine]:
    groups: dict[int, list[Any]] = {}
    for line in view.lines:
        groups.setdefault(line.order_line_id, []).append(line)
    result = []
    for order_line_id, rows in groups.items():
        parts = [
            f"{r.received} {label(CONDITION_LABELS, r.condition).lower()} → "
            f"{label(DISPOSITION_LABELS, r.disposition).lower()}"
            + (f" {r.bin_code}" if r.bin_code else "")
            for r in rows
            if r.received
        ]
        expected = next((r.id for r in rows if not r.received), rows[0].id)
        result.append(
            StationLine(
                order_line_id,
                expected,
                rows[0].sku,
                rows[0].name,
                sum(r.quantity for r in rows),
                sum(r.received for r in rows),
                "; ".join(parts),
            )
        )
    return result


def load_rma(session: Any, rma_id: int) -> Loaded:
    view = get_return(session, rma_id)
    bins = list_bins(session, view.location_id) if view.location_id is not None else []
    return view, bins


def open_rma_number(session: Any, number: str) -> Loaded:
    rma_id = find_return(session, number)
    if rma_id is None:
        raise NotFound(f"no return {number.strip().upper()}")
    return load_rma(session, rma_id)


def open_rma_for_order(session: Any, number: str) -> Loaded:
    rows = list_return_page(session, ReturnFilter(status="authorized", search=number), limit=5).rows
    if not rows:
        raise NotFound(f"order {number} has no return waiting to be received")
    if len(rows) > 1:
        numbers = ", ".join(row.number for row in rows)
        raise NotFound(f"order {number} has several returns waiting ({numbers}); scan the RMA")
    return load_rma(session, rows[0].id)


def waiting_rmas(session: Any) -> list[Any]:
    return list(list_return_page(session, ReturnFilter(status="authorized"), limit=200).rows)
