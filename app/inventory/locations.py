"""Locations (warehouses, stores) and their bins, with the walk sequence pickers follow."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit import record_event
from app.changes import ChangeSet
from app.errors import Conflict, NotFound, ValidationError
from app.inventory.dto import BinInfo, LocationInfo, Saved
from db.enums import BinKind, LocationKind
from db.models import Bin, Location, StockLevel

LOCATIONS_CHANGED = ChangeSet(locations=True)
CODE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,31}")


def _code(value: str, field: str) -> str:
    code = (value or "").strip().upper()
    if not CODE_PATTERN.fullmatch(code):
        raise ValidationError(
            f"{field} {value!r} must be 1–32 letters, digits, '.', '_', '/' or '-', starting "
            "with a letter or digit",
            field=field,
        )
    return code


def create_location(
    session: Session,
    *,
    code: str,
    name: str,
    kind: str = "warehouse",
    country: str = "US",
    region: str | None = None,
    city: str | None = None,
    postal_code: str | None = None,
    address1: str | None = None,
    actor: str,
) -> Saved:
    """Add a warehouse or store. Raises ValidationError or Conflict (code taken)."""
    code = _code(code, "code")
    name = (name or "").strip()
    if not name:
        raise ValidationError("name is required", field="name")
    if kind not in set(LocationKind):
        raise ValidationError(f"kind must be warehouse or store, not {kind!r}", field="kind")
    country = (country or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise ValidationError(
            "country must be a two-letter ISO code such as US or DE", field="country"
        )
    if session.scalar(select(Location.id).where(Location.code == code)):
        raise Conflict(f"location code {code} is already used")
    location = Location(
        code=code,
        name=name,
        kind=kind,
        country=country,
        region=region,
        city=city,
        postal_code=postal_code,
        address1=address1,
    )
    session.add(location)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="location.create",
        entity_type="location",
        entity_id=location.id,
        summary=f"Created {kind} {code} {name}",
    )
    return Saved(location.id, LOCATIONS_CHANGED, f"Created location {code}")


def create_bin(
    session: Session,
    *,
    location_id: int,
    code: str,
    kind: str = "storage",
    walk_sequence: int | None = None,
    actor: str,
) -> Saved:
    """Add a bin; without a walk sequence it goes after the location's last bin."""
    location = session.get(Location, location_id)
    if location is None:
        raise NotFound(f"location #{location_id} does not exist")
    code = _code(code, "code")
    if kind not in set(BinKind):
        raise ValidationError(f"bin kind must be one of {', '.join(BinKind)}", field="kind")
    if session.scalar(select(Bin.id).where(Bin.location_id == location_id, Bin.code == code)):
        raise Conflict(f"bin {code} already exists at {location.code}")
    if walk_sequence is None:
        walk_sequence = (
            session.scalar(
                select(func.max(Bin.walk_sequence)).where(Bin.location_id == location_id)
            )
            or 0
        ) + 10
    elif walk_sequence < 0:
        raise ValidationError("walk sequence must be ≥ 0", field="walk_sequence")
    new_bin = Bin(location_id=location_id, code=code, kind=kind, walk_sequence=walk_sequence)
    session.add(new_bin)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="bin.create",
        entity_type="bin",
        entity_id=new_bin.id,
        summary=f"Created bin {code} at {location.code}",
    )
    return Saved(new_bin.id, LOCATIONS_CHANGED, f"Created bin {code}")


def update_bin(
    session: Session,
    bin_id: int,
    *,
    walk_sequence: int | None = None,
    kind: str | None = None,
    active: bool | None = None,
    actor: str,
) -> Saved:
    """Change a bin's walk sequence, kind or active flag (an emptied bin can be deactivated)."""
    target = session.get(Bin, bin_id)
    if target is None:
        raise NotFound(f"bin #{bin_id} does not exist")
    changed = {}
    if walk_sequence is not None and walk_sequence != target.walk_sequence:
        if walk_sequence < 0:
            raise ValidationError("walk sequence must be ≥ 0", field="walk_sequence")
        changed["walk_sequence"] = {"old": target.walk_sequence, "new": walk_sequence}
        target.walk_sequence = walk_sequence
    if kind is not None and kind != target.kind:
        if kind not in set(BinKind):
            raise ValidationError(f"bin kind must be one of {', '.join(BinKind)}", field="kind")
        if _bin_has_stock(session, bin_id):
            raise Conflict(f"bin {target.code} holds stock; move it out before changing its kind")
        changed["kind"] = {"old": target.kind, "new": kind}
        target.kind = kind
    if active is not None and active != target.active:
        if not active and _bin_has_stock(session, bin_id):
            raise Conflict(f"bin {target.code} still holds stock; move it out first")
        changed["active"] = {"old": target.active, "new": active}
        target.active = active
    if changed:
        record_event(
            session,
            actor=actor,
            action="bin.update",
            entity_type="bin",
            entity_id=bin_id,
            summary=f"Edited bin {target.code}: {', '.join(changed)}",
            details=changed,
        )
    return Saved(bin_id, LOCATIONS_CHANGED if changed else ChangeSet())


def _bin_has_stock(session: Session, bin_id: int) -> bool:
    return bool(
        session.scalar(select(func.sum(StockLevel.on_hand)).where(StockLevel.bin_id == bin_id))
    )


def list_locations(session: Session, *, include_inactive: bool = False) -> list[LocationInfo]:
    query = select(Location).order_by(Location.code)
    if not include_inactive:
        query = query.where(Location.active.is_(True))
    return [
        LocationInfo(loc.id, loc.code, loc.name, loc.kind, loc.country, loc.region, loc.active)
        for loc in session.scalars(query)
    ]


def list_bins(
    session: Session, location_id: int | None = None, *, include_inactive: bool = False
) -> list[BinInfo]:
    """Bins in walk order (per location)."""
    query = (
        select(Bin, Location.code)
        .join(Location, Location.id == Bin.location_id)
        .order_by(Location.code, Bin.walk_sequence, Bin.code)
    )
    if location_id is not None:
        query = query.where(Bin.location_id == location_id)
    if not include_inactive:
        query = query.where(Bin.active.is_(True))
    return [
        BinInfo(b.id, b.location_id, loc_code, b.code, b.kind, b.walk_sequence, b.active)
        for b, loc_code in session.execute(query)
    ]


def find_bin(session: Session, code: str, location_id: int | None = None) -> BinInfo | None:
    """A bin by its code; None when unknown or ambiguous (same code at several locations)."""
    code = code.strip().upper()
    query = (
        select(Bin, Location.code)
        .join(Location, Location.id == Bin.location_id)
        .where(Bin.code == code)
    )
    if location_id is not None:
        query = query.where(Bin.location_id == location_id)
    rows = session.execute(query.limit(2)).all()
    if len(rows) != 1:
        return None
    b, loc_code = rows[0]
    return BinInfo(b.id, b.location_id, loc_code, b.code, b.kind, b.walk_sequence, b.active)
