"""Document numbers (orders, pick lists, shipments, RMAs, POs) from one sequence table."""

from __future__ import annotations

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from app.errors import DomainError
from app.uow import core_connection, expire_loaded
from db.models import NumberSequence, SalesOrder

PREFIXES = {
    "order": "SO",
    "pick_list": "PL",
    "shipment": "SH",
    "rma": "RMA",
    "purchase_order": "PO",
}


_READ = (
    select(NumberSequence.next_value)
    .where(NumberSequence.name == bindparam("kind"))
    .with_for_update()
)
# One statement takes the number: the UPDATE locks the row (PostgreSQL) and returns the value
# after it, so the number taken is one less.
_TAKE = (
    update(NumberSequence.__table__)
    .where(NumberSequence.__table__.c.name == bindparam("kind"))
    .values(next_value=NumberSequence.__table__.c.next_value + 1)
    .returning(NumberSequence.__table__.c.next_value)
)


def next_number(session: Session, kind: str) -> str:
    """Reserve the next number of `kind` (e.g. 'SO-000123') inside the caller's transaction.
    One prebuilt statement on the connection (pick lists, shipments and RMAs each take one)."""
    if kind not in PREFIXES:
        raise ValueError(f"unknown number sequence {kind!r}")
    conn = core_connection(session)
    taken = conn.execute(_TAKE, {"kind": kind}).scalar_one_or_none()
    if taken is None:
        session.add(NumberSequence(name=kind, next_value=2))
        session.flush()
        value = 1
    else:
        value = taken - 1
        # A NumberSequence loaded earlier in this session would still show the old value.
        expire_loaded(session, NumberSequence, [kind], ["next_value"])
    return format_number(kind, value)


def format_number(kind: str, value: int) -> str:
    return f"{PREFIXES[kind]}-{value:06d}"


def set_next_value(session: Session, kind: str, next_value: int) -> None:
    """Move a sequence forward (bulk loaders that assign numbers themselves call this)."""
    existing = session.get(NumberSequence, kind)
    if existing is None:
        session.add(NumberSequence(name=kind, next_value=next_value))
    else:
        existing.next_value = max(existing.next_value, next_value)


def reserve_order_numbers(session: Session, count: int) -> list[str]:
    """A block of `count` order numbers for bulk intake: read the sequence once, check none of
    the block is taken (a sequence left behind by hand edits), move the sequence past it."""
    start = core_connection(session).execute(_READ, {"kind": "order"}).scalar_one_or_none()
    start = start or 1
    numbers = [format_number("order", start + i) for i in range(count)]
    for begin in range(0, count, _CHECK_CHUNK):
        taken = session.scalar(
            select(SalesOrder.number)
            .where(SalesOrder.number.in_(numbers[begin : begin + _CHECK_CHUNK]))
            .limit(1)
        )
        if taken is not None:
            raise DomainError(
                f"order number {taken} is already used although the number sequence is "
                "behind it; run `packbench doctor` and try again"
            )
    set_next_value(session, "order", start + count)
    return numbers


_CHECK_CHUNK = 500  # numbers per IN (...) check, well inside every database's parameter limit
