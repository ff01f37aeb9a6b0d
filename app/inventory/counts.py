"""Cycle counts by scanning a bin, then its items: an in-memory sheet, posted as count moves.

The sheet is a frozen value the station rebuilds on every scan, so nothing touches the database
until `post_count`, which first checks that the bin still holds what the sheet expected.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import record_event
from app.changes import NO_CHANGES, ChangeSet
from app.errors import Conflict, NotFound, OutOfStock, UnknownBarcode, ValidationError
from app.inventory.ledger import post_move
from app.inventory.locations import find_bin
from app.inventory.products import find_product_by_code
from db.enums import MoveReason
from db.models import Bin, Location, Product, StockLevel
from db.types import utcnow


@dataclass(frozen=True, slots=True)
class CountLine:
    """One product on a count sheet: what the bin held at the start, and what was counted."""

    product_id: int
    sku: str
    name: str
    expected: int
    counted: int = 0
    scanned: bool = False  # counted by scan or typed in (else it is an expected-but-unseen 0)

    @property
    def difference(self) -> int:
        return self.counted - self.expected


@dataclass(frozen=True, slots=True)
class BinCountSheet:
    """A count in progress for one bin. `lines` are in sheet order: expected products by SKU,
    then products found in the bin that were not expected, in the order they were scanned."""

    bin_id: int
    bin_code: str
    location_id: int
    location_code: str
    started_at: datetime
    lines: tuple[CountLine, ...]
    last_product_id: int | None = None  # the line the station should highlight

    def line(self, product_id: int) -> CountLine | None:
        return next((x for x in self.lines if x.product_id == product_id), None)

    @property
    def counted_units(self) -> int:
        return sum(x.counted for x in self.lines)

    @property
    def expected_units(self) -> int:
        return sum(x.expected for x in self.lines)


@dataclass(frozen=True, slots=True)
class CountDifference:
    product_id: int
    sku: str
    name: str
    expected: int
    counted: int
    difference: int  # counted − expected: + found extra, − missing


@dataclass(frozen=True, slots=True)
class CountResult:
    bin_id: int
    bin_code: str
    move_ids: tuple[int, ...]
    differences: tuple[CountDifference, ...]
    changes: ChangeSet = NO_CHANGES
    message: str = ""


def _levels(session: Session, bin_id: int) -> dict[int, tuple[str, str, int]]:
    """product_id → (sku, name, on_hand) for what the bin holds now."""
    return {
        product_id: (sku, name, on_hand)
        for product_id, sku, name, on_hand in session.execute(
            select(StockLevel.product_id, Product.sku, Product.name, StockLevel.on_hand)
            .join(Product, Product.id == StockLevel.product_id)
            .where(StockLevel.bin_id == bin_id, StockLevel.on_hand != 0)
        )
    }


def start_bin_count(
    session: Session, bin_code_or_id: str | int, location_id: int | None = None
) -> BinCountSheet:
    """Open a count sheet for a bin (scanned code or id) listing what it should hold now.

    A code that exists at several locations needs `location_id`. Reads only. Raises NotFound
    (unknown bin), ValidationError (ambiguous code, inactive bin).
    """
    if isinstance(bin_code_or_id, int) and not isinstance(bin_code_or_id, bool):
        target = session.get(Bin, bin_code_or_id)
        if target is None:
            raise NotFound(f"bin #{bin_code_or_id} does not exist")
    else:
        code = str(bin_code_or_id).strip().upper()
        info = find_bin(session, code, location_id)
        if info is None:
            query = select(Bin.id).where(Bin.code == code)
            if location_id is not None:
                query = query.where(Bin.location_id == location_id)
            if len(session.scalars(query.limit(2)).all()) > 1:
                raise ValidationError(
                    f"bin {code} exists at several locations; choose the location first",
                    field="location_id",
                )
            raise NotFound(f"no bin {code}" + (" at this location" if location_id else ""))
        target = session.get(Bin, info.id)
    if location_id is not None and target.location_id != location_id:
        raise ValidationError(f"bin {target.code} is at another location", field="location_id")
    if not target.active:
        raise ValidationError(f"bin {target.code} is inactive", field="bin")
    location_code = session.scalar(select(Location.code).where(Location.id == target.location_id))
    lines = tuple(
        CountLine(product_id, sku, name, on_hand)
        for product_id, (sku, name, on_hand) in sorted(
            _levels(session, target.id).items(), key=lambda kv: kv[1][0]
        )
    )
    return BinCountSheet(
        bin_id=target.id,
        bin_code=target.code,
        location_id=target.location_id,
        location_code=location_code or "?",
        started_at=utcnow(),
        lines=lines,
    )


def _with_count(
    sheet: BinCountSheet, product_id: int, counted: int, *, sku: str = "", name: str = ""
) -> BinCountSheet:
    found = False
    lines = []
    for line in sheet.lines:
        if line.product_id == product_id:
            line = replace(line, counted=counted, scanned=True)
            found = True
        lines.append(line)
    if not found:
        lines.append(CountLine(product_id, sku, name, 0, counted, True))
    return replace(sheet, lines=tuple(lines), last_product_id=product_id)


def count_scan(
    sheet: BinCountSheet, session: Session, code: str, *, quantity: int = 1
) -> BinCountSheet:
    """A new sheet with the scanned product's count raised by `quantity` (default 1).

    Products not expected in the bin are added to the sheet (found stock). Reads only.
    Raises UnknownBarcode when the code scans to no product.
    """
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
        raise ValidationError("quantity must be a whole number above 0", field="quantity")
    ref = find_product_by_code(session, code)
    if ref is None:
        raise UnknownBarcode(code.strip())
    line = sheet.line(ref.id)
    counted = (line.counted if line is not None and line.scanned else 0) + quantity
    return _with_count(sheet, ref.id, counted, sku=ref.sku, name=ref.name)


def set_counted(sheet: BinCountSheet, product_id: int, quantity: int) -> BinCountSheet:
    """A new sheet with the product's count typed in (replaces what was scanned).

    The product must be on the sheet (expected, or scanned once). Raises ValidationError.
    """
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
        raise ValidationError("the count must be a whole number ≥ 0", field="quantity")
    if sheet.line(product_id) is None:
        raise ValidationError(
            f"product #{product_id} is not on the count of {sheet.bin_code}; scan it first",
            field="product_id",
        )
    return _with_count(sheet, product_id, quantity)


def count_differences(
    sheet: BinCountSheet, *, include_matching: bool = False
) -> list[CountDifference]:
    """Counted vs expected per product, by SKU; products expected but not scanned count as 0.

    Only lines that differ, unless `include_matching`.
    """
    return [
        CountDifference(x.product_id, x.sku, x.name, x.expected, x.counted, x.difference)
        for x in sorted(sheet.lines, key=lambda x: x.sku)
        if include_matching or x.difference != 0
    ]


def post_count(
    session: Session, sheet: BinCountSheet, *, actor: str, note: str | None = None
) -> CountResult:
    """Book the sheet's differences: one 'count' move per differing product (into the bin for
    more, out of it for fewer), one audit event on the bin. No differences: nothing is written.

    Raises Conflict when the bin's stock changed since the sheet was started (start again, so
    nothing is overwritten blindly), OutOfStock when a shortfall would take units reserved for
    orders, NotFound when the bin is gone.
    """
    target = session.get(Bin, sheet.bin_id)
    if target is None:
        raise NotFound(f"bin #{sheet.bin_id} does not exist")
    levels = _levels(session, target.id)
    now = {pid: on_hand for pid, (_sku, _name, on_hand) in levels.items()}
    then = {x.product_id: x.expected for x in sheet.lines if x.expected}
    if now != then:
        changed = []
        for pid in set(now) | set(then):
            if now.get(pid, 0) != then.get(pid, 0):
                line = sheet.line(pid)
                sku = line.sku if line is not None else levels[pid][0]
                changed.append((sku, then.get(pid, 0), now.get(pid, 0)))
        changed.sort()
        shown = ", ".join(f"{sku}: was {was}, now {is_}" for sku, was, is_ in changed[:5])
        raise Conflict(
            f"stock in bin {sheet.bin_code} changed since the count started ({shown}); "
            "start the count again"
        )
    differences = tuple(count_differences(sheet))
    if not differences:
        return CountResult(
            target.id, target.code, (), (), message=f"{target.code} matches: nothing to correct"
        )
    move_note = (note or "").strip() or f"cycle count of {sheet.location_code}/{target.code}"
    move_ids = []
    for diff in differences:
        bins = {"to_bin_id": target.id} if diff.difference > 0 else {"from_bin_id": target.id}
        try:
            move_ids.append(
                post_move(
                    session,
                    product_id=diff.product_id,
                    quantity=abs(diff.difference),
                    reason=MoveReason.COUNT,
                    note=move_note,
                    actor=actor,
                    protect_reservations=True,
                    **bins,
                )
            )
        except OutOfStock as exc:
            raise OutOfStock(
                f"{diff.sku} counted {diff.counted} in {target.code} (expected {diff.expected}): "
                f"{exc}; release or reallocate those orders, then post the count again"
            ) from exc
    summary = ", ".join(f"{d.sku} {d.difference:+d}" for d in differences[:10])
    more = f" and {len(differences) - 10} more" if len(differences) > 10 else ""
    record_event(
        session,
        actor=actor,
        action="stock.count",
        entity_type="bin",
        entity_id=target.id,
        summary=f"Counted {sheet.location_code}/{target.code}: {summary}{more}",
        details={
            "started_at": sheet.started_at.isoformat(),
            "note": (note or "").strip() or None,
            "differences": [
                {
                    "product_id": d.product_id,
                    "sku": d.sku,
                    "expected": d.expected,
                    "counted": d.counted,
                    "move_id": move_id,
                }
                for d, move_id in zip(differences, move_ids, strict=True)
            ],
        },
    )
    return CountResult(
        target.id,
        target.code,
        tuple(move_ids),
        differences,
        ChangeSet(stock=True),
        f"Corrected {len(differences)} product(s) in {target.code}",
    )
