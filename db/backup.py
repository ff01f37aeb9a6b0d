"""Online backups and restores of the SQLite database file (safe while the app is running)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from db.engine import sqlite_file
from db.errors import UnusableDatabaseError

KEEP_BACKUPS = 20


def backup_database(
    engine: Engine, backup_dir: Path, *, label: str = "manual", target: Path | None = None
) -> Path:
    """Copy the live database with SQLite's backup API and return the file written.

    Without `target` the copy goes to `backup_dir` as packbench-<label>-<UTC time>.sqlite3 and
    old automatic copies beyond KEEP_BACKUPS are pruned.
    """
    source = sqlite_file(engine)
    if source is None:
        raise UnusableDatabaseError(
            "backups here cover SQLite files; back up a PostgreSQL shop with pg_dump"
        )
    if target is None:
        backup_dir.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        target = backup_dir / f"packbench-{label}-{stamp}.sqlite3"
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
    if target.resolve() == source.resolve():
        raise UnusableDatabaseError("the backup file must not be the database itself")
    partial = target.with_name(target.name + ".partial")
    src = sqlite3.connect(source)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    partial.replace(target)
    if target.parent == backup_dir:
        _prune(backup_dir)
    return target


def _prune(backup_dir: Path) -> None:
    copies = sorted(backup_dir.glob("packbench-*.sqlite3"), key=lambda p: p.stat().st_mtime)
    for old in copies[:-KEEP_BACKUPS]:
        old.unlink(missing_ok=True)


def check_backup_file(path: Path) -> None:
    """Raise UnusableDatabaseError unless `path` is a readable, intact SQLite file."""
    if not path.is_file():
        raise UnusableDatabaseError(f"{path} does not exist or is not a file")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = conn.execute("PRAGMA quick_check").fetchone()
            tables = {
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise UnusableDatabaseError(f"{path} is not a usable database: {exc}") from exc
    if not result or result[0] != "ok":
        raise UnusableDatabaseError(f"{path} failed the integrity check: {result}")
    if "alembic_version" not in tables:
        raise UnusableDatabaseError(f"{path} is not a Packbench database (no schema version)")


def restore_database(backup: Path, database: Path) -> None:
    """Replace `database` with the contents of `backup` using the backup API (WAL-safe)."""
    check_backup_file(backup)
    src = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(database)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
