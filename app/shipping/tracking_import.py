"""Import tracking numbers from a CSV (a carrier's manifest or a label tool's export): each row
ships a packed shipment. Every row is checked first; one bad row means nothing is shipped."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import csvtext
from app.changes import ChangeSet
from app.errors import DataImportError, DomainError, RowProblem, ValidationError
from app.shipping.services import ship_shipment
from app.shipping.tracking import validate_tracking
from db.enums import ShipmentStatus
from db.models import SalesOrder, Shipment

COLUMNS = ("order", "shipment", "carrier", "tracking_number", "service")


@dataclass(frozen=True, slots=True)
class TrackingRow:
    row: int
    shipment_id: int | None
    shipment_number: str
    carrier: str
    tracking_number: str
    service: str | None
    already_shipped: bool


@dataclass(frozen=True, slots=True)
class TrackingImportPreview:
    rows: tuple[TrackingRow, ...]
    problems: tuple[RowProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def to_ship(self) -> int:
        return sum(1 for r in self.rows if not r.already_shipped)


@dataclass(frozen=True, slots=True)
class TrackingImportResult:
    shipped: tuple[str, ...]  # shipment numbers shipped now (or that would be, in a dry run)
    already_shipped: int
    changes: ChangeSet
    message: str


def _read(source: str | Path | TextIO) -> tuple[str, list[dict[str, str]]]:
    name, text = csvtext.read_text(source)
    delimiter = csvtext.choose_delimiter(text, COLUMNS)
    rows = csvtext.records(text, delimiter)
    header = [csvtext.header_key(cell) for cell in next(rows, [])]
    return name, [
        dict(zip(header, row, strict=False)) for row in rows if any(c.strip() for c in row)
    ]


def preview_tracking_import(session: Session, source: str | Path | TextIO) -> TrackingImportPreview:
    """Check every row: the order or shipment exists and is packed (or already shipped with the
    same number), the carrier is given and the number fits it. Writes nothing."""
    name, records = _read(source)
    rows, problems = [], []
    seen: dict[int, int] = {}
    for index, record in enumerate(records, start=2):
        order_no = (record.get("order") or "").strip().upper()
        shipment_no = (record.get("shipment") or "").strip().upper()
        carrier = (record.get("carrier") or "").strip().lower()
        number = (record.get("tracking_number") or "").strip()
        service = (record.get("service") or "").strip() or None
        if not (order_no or shipment_no):
            problems.append(RowProblem(index, "order", "give an order or shipment number"))
            continue
        shipment = None
        if shipment_no:
            shipment = session.scalar(select(Shipment).where(Shipment.number == shipment_no))
            if shipment is None:
                problems.append(RowProblem(index, "shipment", f"no shipment {shipment_no}"))
                continue
        else:
            order_id = session.scalar(select(SalesOrder.id).where(SalesOrder.number == order_no))
            if order_id is None:
                problems.append(RowProblem(index, "order", f"no order {order_no}"))
                continue
            candidates = list(
                session.scalars(
                    select(Shipment)
                    .where(
                        Shipment.order_id == order_id,
                        Shipment.status.in_((ShipmentStatus.PACKED, ShipmentStatus.SHIPPED)),
                    )
                    .order_by(Shipment.id)
                )
            )
            packed = [c for c in candidates if c.status == ShipmentStatus.PACKED]
            shipment = packed[0] if len(packed) == 1 else None
            if shipment is None and len(packed) > 1:
                problems.append(
                    RowProblem(
                        index,
                        "order",
                        f"order {order_no} has several packed shipments; give the shipment number",
                    )
                )
                continue
            if shipment is None:
                shipment = next((c for c in candidates if c.tracking_number), None)
            if shipment is None:
                problems.append(
                    RowProblem(index, "order", f"order {order_no} has no packed shipment")
                )
                continue
        if not carrier:
            problems.append(RowProblem(index, "carrier", "carrier is required"))
            continue
        try:
            match = validate_tracking(number, carrier)
        except ValidationError as exc:
            problems.append(RowProblem(index, "tracking_number", str(exc)))
            continue
        except ValueError:
            problems.append(RowProblem(index, "carrier", f"unknown carrier {carrier!r}"))
            continue
        already = shipment.status == ShipmentStatus.SHIPPED
        if already and shipment.tracking_number != match.number:
            problems.append(
                RowProblem(
                    index,
                    "tracking_number",
                    f"{shipment.number} already shipped with {shipment.tracking_number}",
                )
            )
            continue
        if shipment.status not in (ShipmentStatus.PACKED, ShipmentStatus.SHIPPED):
            problems.append(
                RowProblem(index, "shipment", f"{shipment.number} is {shipment.status}, not packed")
            )
            continue
        if shipment.id in seen:
            problems.append(
                RowProblem(
                    index, "shipment", f"{shipment.number} is also on row {seen[shipment.id]}"
                )
            )
            continue
        seen[shipment.id] = index
        rows.append(
            TrackingRow(
                index, shipment.id, shipment.number, carrier, match.number, service, already
            )
        )
    if not records:
        problems.append(RowProblem(1, "file", f"{name} has no rows"))
    return TrackingImportPreview(tuple(rows), tuple(problems))


def import_tracking_numbers(
    session: Session,
    source: str | Path | TextIO,
    *,
    actor: str,
    notify_customer: bool = True,
    dry_run: bool = False,
) -> TrackingImportResult:
    """Ship every packed shipment named in the file with its tracking number (all or nothing;
    rows already shipped with the same number are skipped, so a re-import changes nothing).
    Raises DataImportError listing every bad row. A dry run checks and writes nothing."""
    preview = preview_tracking_import(session, source)
    if not preview.ok:
        raise DataImportError("tracking file", list(preview.problems))
    due = [row for row in preview.rows if not row.already_shipped]
    skipped = len(preview.rows) - len(due)
    if dry_run:
        return TrackingImportResult(
            tuple(r.shipment_number for r in due),
            skipped,
            ChangeSet(),
            f"would ship {len(due)}, {skipped} already shipped",
        )
    for row in due:
        try:
            ship_shipment(
                session,
                row.shipment_id,
                carrier=row.carrier,
                tracking_number=row.tracking_number,
                service=row.service,
                actor=actor,
                notify_customer=notify_customer,
            )
        except DomainError as exc:
            raise DataImportError(
                "tracking file", [RowProblem(row.row, "shipment", str(exc))]
            ) from None
    changes = (
        ChangeSet(orders=True, shipments=True, stock=True, channels=True) if due else ChangeSet()
    )
    return TrackingImportResult(
        tuple(r.shipment_number for r in due),
        skipped,
        changes,
        f"shipped {len(due)}, {skipped} already shipped",
    )
