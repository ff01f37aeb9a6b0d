"""Housekeeping the app runs on a timer while it is open: expired holds, mail, backups."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from app.changes import ChangeSet
from app.orders.services import release_due_holds
from app.settings import get_settings
from db.backup import backup_database


@dataclass(frozen=True, slots=True)
class Released:
    numbers: tuple[str, ...]

    @property
    def changes(self) -> ChangeSet:
        return ChangeSet(orders=True) if self.numbers else ChangeSet()


def release_expired_holds(session: Session) -> Released:
    """Release holds whose hold-until time has passed (audited as 'Hold expired')."""
    return Released(tuple(release_due_holds(session, actor="system")))


def mail_ready(session: Session) -> bool:
    """True when customer mail is switched on and an SMTP server is configured."""
    settings = get_settings(session)
    return bool(
        settings["mail.notify_shipped"]
        and settings["mail.smtp_host"]
        and settings["mail.from_address"]
    )


def backup_if_due(
    session_factory: sessionmaker, backup_dir: Path, *, every: timedelta = timedelta(hours=24)
) -> Path | None:
    """Copy the database to `backup_dir` when the newest automatic copy is older than `every`.

    Returns the new file, or None when a recent copy exists or the database is not SQLite.
    """
    engine = session_factory.kw["bind"]
    if engine.dialect.name != "sqlite" or not engine.url.database:
        return None
    copies = (
        sorted(backup_dir.glob("packbench-auto-*.sqlite3"), key=lambda p: p.stat().st_mtime)
        if backup_dir.exists()
        else []
    )
    if copies:
        newest = datetime.fromtimestamp(copies[-1].stat().st_mtime, UTC)
        if datetime.now(UTC) - newest < every:
            return None
    return backup_database(engine, backup_dir, label="auto")
