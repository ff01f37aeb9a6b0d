"""Open the shop's database: engine, schema check/upgrade, session factory (used by GUI and CLI)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from app.paths import Paths
from db.engine import DEFAULT_BUSY_TIMEOUT_MS, make_engine, sqlite_file
from db.errors import DatabaseProblem, UnusableDatabaseError
from db.migrate import UpgradeResult, ensure_schema
from db.models import Product, SalesOrder
from db.session import make_session_factory

__all__ = ["Database", "DatabaseProblem", "open_database"]


@dataclass
class Database:
    url: str
    engine: Engine
    session_factory: sessionmaker[Session]
    upgrade: UpgradeResult | None = None

    @property
    def display_name(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        self.engine.dispose()


def open_database(
    paths: Paths, *, migrate: bool = True, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS
) -> Database:
    """Open (creating if missing) and upgrade the database named by `paths`.

    Raises DatabaseProblem subclasses with one-line messages: newer schema, unreadable, locked or
    corrupt file, failed upgrade (with the backup's path). Nothing is overwritten on failure.
    """
    db_file = paths.db_file
    if db_file is not None:
        if db_file.exists() and db_file.is_dir():
            raise UnusableDatabaseError(f"{db_file} is a folder, not a database file")
        try:
            db_file.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UnusableDatabaseError(f"cannot create folder {db_file.parent}: {exc}") from exc
    if busy_timeout_ms is None:
        busy_timeout_ms = int(os.environ.get("PACKBENCH_BUSY_TIMEOUT_MS", DEFAULT_BUSY_TIMEOUT_MS))
    engine = make_engine(paths.db_url, busy_timeout_ms=busy_timeout_ms)
    try:
        result = ensure_schema(engine, paths.backups) if migrate else None
    except BaseException:
        engine.dispose()
        raise
    return Database(paths.db_url, engine, make_session_factory(engine), result)


def is_empty_shop(session: Session) -> bool:
    """True when the database has neither products nor orders (first start)."""
    has_product = session.execute(select(Product.id).limit(1)).first() is not None
    has_order = session.execute(select(SalesOrder.id).limit(1)).first() is not None
    return not (has_product or has_order)


def count_rows(session: Session) -> dict[str, int]:
    return {
        "products": session.scalar(select(func.count()).select_from(Product)) or 0,
        "orders": session.scalar(select(func.count()).select_from(SalesOrder)) or 0,
    }


def database_file(db: Database) -> Path | None:
    return sqlite_file(db.engine)
