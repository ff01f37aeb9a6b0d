"""The one place engines are made: SQLite pragmas, transaction begin modes, portable URLs."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

DEFAULT_BUSY_TIMEOUT_MS = 5000

# Execution option naming the SQLite BEGIN mode. Writers use IMMEDIATE so two workstations (or
# processes) racing for the last unit queue on the write lock instead of failing on upgrade.
BEGIN_MODE = "packbench_begin"


def make_engine(
    url: str, *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS, echo: bool = False
) -> Engine:
    """Create an engine for `url`; on SQLite apply WAL, foreign keys, busy timeout, NORMAL sync."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, echo=echo, pool_pre_ping=True)

    engine = create_engine(
        url,
        echo=echo,
        connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record) -> None:
        # Take transaction control from pysqlite so BEGIN, SAVEPOINT and DDL behave (SQLAlchemy
        # docs, "Serializable isolation / Savepoints / Transactional DDL").
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            cursor.execute("PRAGMA foreign_keys=ON")
            if parsed.database not in (None, "", ":memory:"):
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        mode = conn.get_execution_options().get(BEGIN_MODE, "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def sqlite_file(engine: Engine) -> Path | None:
    """The database file behind a file-based SQLite engine, else None."""
    if not is_sqlite(engine):
        return None
    database = engine.url.database
    if not database or database == ":memory:":
        return None
    return Path(database)


def index_exists(conn: Connection, table: str, name: str) -> bool:
    """Whether index `name` exists on `table`. SQLite is asked directly: its reflection skips
    expression indexes (such as lower(sku)) with a warning."""
    if conn.dialect.name == "sqlite":
        found = conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", (name,)
        ).first()
        return found is not None
    return conn.dialect.has_index(conn, table, name)
