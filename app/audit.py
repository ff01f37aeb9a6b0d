"""Audit trail: every state change writes one event in the same transaction."""

from __future__ import annotations

import getpass
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.uow import core_connection
from db.models import AuditEvent
from db.types import utcnow


def default_actor() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name on some service accounts
        return "unknown"


def record_event(
    session: Session,
    *,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: int | None,
    summary: str,
    details: dict[str, Any] | None = None,
) -> None:
    """Add an audit event to the session's transaction (never commits). Written at once with
    a statement built once (every command records one; an ORM object cost ~0.15 ms)."""
    record_events(session, actor, [AuditNote(action, entity_type, entity_id, summary, details)])


_INSERT_EVENT = insert(AuditEvent.__table__)


@dataclass(frozen=True, slots=True)
class AuditNote:
    """One event of a batch for record_events."""

    action: str
    entity_type: str
    entity_id: int | None
    summary: str
    details: dict[str, Any] | None = None


def record_events(session: Session, actor: str, notes: Sequence[AuditNote]) -> None:
    """Record several events of one command at once (one executemany; a batch pick list
    writes one per order)."""
    if not notes:
        return
    at = utcnow()
    core_connection(session).execute(
        _INSERT_EVENT,
        [
            {
                "at": at,
                "actor": actor,
                "action": note.action,
                "entity_type": note.entity_type,
                "entity_id": note.entity_id,
                "summary": note.summary,
                "details": note.details,
            }
            for note in notes
        ],
    )


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    entity_type: str
    entity_id: int | None
    summary: str
    details: dict[str, Any] | None


def list_events(
    session: Session,
    *,
    entity_type: str | None = None,
    entity_id: int | None = None,
    limit: int = 200,
) -> list[AuditEntry]:
    """Newest first; filter by entity to get one record's timeline."""
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    if entity_type is not None:
        query = query.where(AuditEvent.entity_type == entity_type)
    if entity_id is not None:
        query = query.where(AuditEvent.entity_id == entity_id)
    return [
        AuditEntry(e.id, e.at, e.actor, e.action, e.entity_type, e.entity_id, e.summary, e.details)
        for e in session.scalars(query)
    ]
