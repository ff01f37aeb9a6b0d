"""The engine applies its pragmas, enforces constraints and stores aware UTC timestamps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError, StatementError

from app.uow import unit_of_work
from db.engine import make_engine
from db.models import AuditEvent, Bin, Location, Product


def test_sqlite_pragmas_are_applied(database):
    with database.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000


def test_busy_timeout_is_configurable(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}", busy_timeout_ms=250)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 250
    engine.dispose()


def test_foreign_keys_are_enforced(session_factory):
    with pytest.raises(IntegrityError), unit_of_work(session_factory) as session:
        session.add(Bin(location_id=999, code="A-01"))
        session.flush()


def test_unique_sku_and_non_negative_checks(session_factory):
    with unit_of_work(session_factory) as session:
        session.add(Product(sku="MUG-1", name="Mug"))
    with pytest.raises(IntegrityError), unit_of_work(session_factory) as session:
        session.add(Product(sku="MUG-1", name="Other mug"))
        session.flush()
    with pytest.raises(IntegrityError), unit_of_work(session_factory) as session:
        session.add(Product(sku="MUG-2", name="Mug", price_minor=-1))
        session.flush()
    with pytest.raises(IntegrityError), unit_of_work(session_factory) as session:
        session.add(Location(code="X", name="X", kind="garage"))
        session.flush()


def test_writers_begin_immediate_readers_deferred(database):
    statements = []

    @event.listens_for(database.engine, "before_cursor_execute")
    def _capture(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with unit_of_work(database.session_factory) as session:
        session.execute(text("SELECT 1"))
    with unit_of_work(database.session_factory, write=False) as session:
        session.execute(text("SELECT 1"))
    begins = [s for s in statements if s.startswith("BEGIN")]
    assert begins == ["BEGIN IMMEDIATE", "BEGIN DEFERRED"]


def test_timestamps_round_trip_as_aware_utc(session_factory):
    local = datetime(2026, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=2)))
    with unit_of_work(session_factory) as session:
        session.add(AuditEvent(at=local, actor="t", action="a", entity_type="x", summary="s"))
    with unit_of_work(session_factory, write=False) as session:
        stored = session.query(AuditEvent).one().at
    assert stored.tzinfo is not None
    assert stored == local
    assert stored.utcoffset() == timedelta(0)
    assert stored == datetime(2026, 3, 1, 7, 30, tzinfo=UTC)


def test_naive_timestamps_are_refused(session_factory):
    with (
        pytest.raises(StatementError, match="naive datetime"),
        unit_of_work(session_factory) as session,
    ):
        session.add(
            AuditEvent(at=datetime(2026, 1, 1), actor="t", action="a", entity_type="x", summary="s")
        )
        session.flush()


def test_failed_unit_of_work_writes_nothing(session_factory):
    with pytest.raises(RuntimeError), unit_of_work(session_factory) as session:
        session.add(Product(sku="GONE", name="Never stored"))
        session.flush()
        raise RuntimeError("boom")
    with unit_of_work(session_factory, write=False) as session:
        assert session.query(Product).count() == 0
