"""unit_of_work: the one owner of a transaction (commit on success, rollback on error)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:  # the GUI shell imports this module before SQLAlchemy has loaded
    from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)
T = TypeVar("T")


@contextmanager
def unit_of_work(
    session_factory: sessionmaker[Session], *, write: bool = True
) -> Iterator[Session]:
    """Yield a session in one transaction; services called inside never commit themselves.

    Writers take SQLite's write lock at BEGIN (IMMEDIATE) so concurrent writers queue on the
    busy timeout instead of failing mid-transaction; readers start deferred and never block.
    """
    from db.engine import BEGIN_MODE

    with session_factory() as session, session.begin():
        if write:
            session.connection(execution_options={BEGIN_MODE: "IMMEDIATE"})
        yield session


# PostgreSQL aborts one of two transactions that wait on each other's row locks (deadlock) or
# that conflict under serializable isolation; the other commits. Nothing of the aborted one is
# left, so it can simply run again.
_RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})  # deadlock_detected, serialization_failure


def write_retrying(
    session_factory: sessionmaker[Session], work: Callable[[Session], T], *, attempts: int = 3
) -> T:
    """`work(session)` in one write transaction (unit_of_work). When the database aborted it
    to break a deadlock or serialization conflict with another workstation, it runs again in
    a fresh transaction, up to `attempts` times; any other error goes to the caller."""
    from sqlalchemy.exc import DBAPIError

    for attempt in range(1, attempts + 1):
        try:
            with unit_of_work(session_factory) as session:
                return work(session)
        except DBAPIError as exc:
            sqlstate = getattr(exc.orig, "sqlstate", None)
            if attempt == attempts or sqlstate not in _RETRYABLE_SQLSTATES:
                raise
            log.info("transaction aborted by the database (%s); running it again", sqlstate)
    raise AssertionError("unreachable")


def core_connection(session: Session):
    """The session's connection for prebuilt Core statements on hot paths (scans, numbering),
    which skip the ORM's per-statement work; pending ORM changes are written out first, since a
    connection does not autoflush by itself."""
    if session.autoflush:  # as the ORM's own autoflush (off inside `session.no_autoflush`)
        session.flush()  # returns at once when nothing is pending (O(1); `session.dirty` is O(n))
    return session.connection()


def expire_loaded(session: Session, model, ids, attributes: Sequence[str] | None) -> None:
    """After a Core UPDATE/DELETE: objects of `model` with these ids already in the session
    re-read the named attributes (None: the row is gone, the object leaves the session)."""
    if not session.identity_map:  # nothing loaded (hot paths read columns): nothing to expire
        return
    for object_id in ids:
        loaded = session.identity_map.get(session.identity_key(model, object_id))
        if loaded is None:
            continue
        if attributes is None:
            session.expunge(loaded)
        else:
            session.expire(loaded, list(attributes))
