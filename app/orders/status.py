"""Writing an order's status on the hot paths (picking, packing, shipping) with one prebuilt
statement, instead of loading the order as an ORM object to change one column."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session

from app.errors import Conflict
from app.uow import core_connection, expire_loaded
from db.models import SalesOrder
from db.types import utcnow

_ORDER = SalesOrder.__table__
# Guarded: only from the status the caller read and checked, and never onto a held order, so a
# cancel or hold made meanwhile at another workstation (PostgreSQL) is not overwritten.
_STATUS = (
    update(_ORDER)
    .where(
        _ORDER.c.id == bindparam("order_id"),
        _ORDER.c.status == bindparam("was"),
        _ORDER.c.on_hold.is_(False),
    )
    .values(status=bindparam("new_status"), updated_at=bindparam("now"))
)
_STATUS_AND_SHIPPED = _STATUS.values(shipped_at=bindparam("new_shipped_at"))


def write_order_status(
    session: Session,
    orders: Sequence[tuple[int, str]],
    status: str,
    *,
    shipped_at: datetime | None = None,
) -> None:
    """Move orders, given as (order id, the status the caller read), to `status` (and set
    `shipped_at`, when given) in one executemany. The caller has checked the transition and
    writes the audit event. Raises Conflict, with nothing written, when any of them was moved
    or put on hold meanwhile. SalesOrder objects loaded in the session re-read."""
    if not orders:
        return
    now = utcnow()
    changed = core_connection(session).execute(
        _STATUS if shipped_at is None else _STATUS_AND_SHIPPED,
        [
            {
                "order_id": order_id,
                "was": was,
                "new_status": status,
                "new_shipped_at": shipped_at,
                "now": now,
            }
            for order_id, was in orders
        ],
    )
    if changed.rowcount != len(orders):
        raise Conflict(
            "an order was changed at another workstation meanwhile (cancelled, held or moved "
            "on); open it again"
        )
    expire_loaded(
        session,
        SalesOrder,
        [order_id for order_id, _was in orders],
        ["status", "shipped_at", "updated_at", "first_shipped_at"],
    )
