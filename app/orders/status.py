"""Writing an order's status on the hot paths (picking, packing, shipping) with one prebuilt
statement, instead of loading the order as an ORM object to change one column."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session

from app.uow import core_connection, expire_loaded
from db.models import SalesOrder
from db.types import utcnow

_ORDER = SalesOrder.__table__
_STATUS = (
    update(_ORDER)
    .where(_ORDER.c.id == bindparam("order_id"))
    .values(status=bindparam("new_status"), updated_at=bindparam("now"))
)
_STATUS_AND_SHIPPED = _STATUS.values(shipped_at=bindparam("new_shipped_at"))


def set_order_status(
    session: Session,
    order_ids: Sequence[int],
    status: str,
    *,
    shipped_at: datetime | None = None,
) -> None:
    """Give these orders `status` (and `shipped_at`, when given) in one executemany. The
    caller has checked the transition; SalesOrder objects loaded in the session re-read."""
    if not order_ids:
        return
    now = utcnow()
    conn = core_connection(session)
    conn.execute(
        _STATUS if shipped_at is None else _STATUS_AND_SHIPPED,
        [
            {"order_id": oid, "new_status": status, "new_shipped_at": shipped_at, "now": now}
            for oid in order_ids
        ],
    )
    expire_loaded(session, SalesOrder, order_ids, ["status", "shipped_at", "updated_at"])
