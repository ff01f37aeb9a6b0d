"""Bring a database to the current schema safely: refuse newer, back up, upgrade, fail safe."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DBAPIError, OperationalError

from db.backup import backup_database
from db.engine import sqlite_file
from db.errors import MigrationFailed, NewerDatabaseError, UnusableDatabaseError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_REVISION = re.compile(r'^revision(?:: str)? = "([^"]+)"', re.M)
_DOWN = re.compile(r'^down_revision(?:: str \| None)? = (?:"([^"]+)"|None)', re.M)


def alembic_config(url: str | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    """The newest revision among our migration files.

    Read straight from the files (every revision file states `revision` and `down_revision`),
    so a start-up that finds the database current never pays for importing Alembic (~0.13 s).
    tests/db/test_migrations.py checks it agrees with Alembic's own answer.
    """
    revisions, parents = set(), set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        found = _REVISION.search(source)
        if found is None:
            continue
        revisions.add(found.group(1))
        down = _DOWN.search(source)
        if down and down.group(1):
            parents.add(down.group(1))
    heads = sorted(revisions - parents)
    assert len(heads) == 1, f"migration history has {len(heads)} heads: {heads}"
    return heads[0]


def _stored_revision(engine: Engine) -> str | None:
    """The revision recorded in the database, or None when it has no version table."""
    try:
        with engine.connect() as conn:
            if "alembic_version" not in inspect(conn).get_table_names():
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except (OperationalError, DBAPIError) as exc:
        raise UnusableDatabaseError(describe_open_error(engine, exc)) from exc


@dataclass(frozen=True, slots=True)
class SchemaState:
    current: str | None
    head: str
    has_tables: bool

    @property
    def is_current(self) -> bool:
        return self.current == self.head


@dataclass(frozen=True, slots=True)
class UpgradeResult:
    from_revision: str | None
    to_revision: str
    backup: Path | None


def describe_open_error(engine: Engine, exc: BaseException) -> str:
    """Turn a driver error on first contact into one line naming the database and the cause."""
    where = sqlite_file(engine) or engine.url.render_as_string(hide_password=True)
    text = str(getattr(exc, "orig", exc)).lower()
    if "not a database" in text or "malformed" in text or "disk image" in text:
        return f"{where} is not a Packbench database or is damaged ({text}); restore a backup"
    if "locked" in text or "busy" in text:
        return f"{where} is locked by another program; close it and try again"
    if "unable to open" in text or "readonly" in text or "permission" in text:
        return f"cannot open {where}: check that the folder exists and is writable ({text})"
    return f"cannot use database {where}: {text}"


def read_schema_state(engine: Engine) -> SchemaState:
    """Read the stored revision; raises UnusableDatabaseError if the database cannot be read."""
    path = sqlite_file(engine)
    if path is not None and path.exists() and not path.is_file():
        raise UnusableDatabaseError(f"{path} is not a file")
    from alembic.runtime.migration import MigrationContext

    try:
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
            has_tables = bool(inspect(conn).get_table_names())
    except (OperationalError, DBAPIError) as exc:
        raise UnusableDatabaseError(describe_open_error(engine, exc)) from exc
    return SchemaState(current=current, head=head_revision(), has_tables=has_tables)


def check_not_newer(state: SchemaState) -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    known = {rev.revision for rev in script.walk_revisions()}
    if state.current is not None and state.current not in known:
        raise NewerDatabaseError(
            f"this database was written by a newer Packbench (schema {state.current}); "
            "install the newer version to open it. Nothing was changed."
        )
    if state.current is None and state.has_tables:
        raise UnusableDatabaseError(
            "the database has tables but no Packbench schema version; it is not a Packbench "
            "database. Nothing was changed."
        )


def ensure_schema(engine: Engine, backup_dir: Path | None) -> UpgradeResult | None:
    """Upgrade `engine`'s database to head. Returns None when it was already current.

    An existing database is backed up to `backup_dir` first (SQLite files only); if the upgrade
    fails the backup stays and MigrationFailed names it. A database from a newer version raises
    NewerDatabaseError before anything is written.
    """
    if _stored_revision(engine) == head_revision():
        return None  # the common case, decided without importing Alembic
    state = read_schema_state(engine)
    check_not_newer(state)
    if state.is_current:
        return None
    backup = None
    # A file copy for SQLite; a PostgreSQL server has its own backups (pg_dump), and there the
    # whole upgrade is one transaction that rolls back on failure.
    if state.current is not None and backup_dir is not None and sqlite_file(engine) is not None:
        backup = backup_database(engine, backup_dir, label=f"before-upgrade-{state.current}")
    try:
        upgrade(engine)
    except Exception as exc:
        where = f"; your data is safe in {backup}" if backup else ""
        raise MigrationFailed(f"upgrading the database failed: {exc}{where}") from exc
    return UpgradeResult(from_revision=state.current, to_revision=state.head, backup=backup)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run Alembic on one connection, with foreign keys off during SQLite batch table copies."""
    from alembic import command

    cfg = alembic_config()
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        try:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
            conn.commit()
            if engine.dialect.name == "sqlite":
                problems = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if problems:
                    raise MigrationFailed(f"foreign key check failed after upgrade: {problems[:5]}")
        finally:
            if engine.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
