"""Small reads the reports screens need that the core report queries do not offer."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Channel


@dataclass(frozen=True, slots=True)
class ReportChannel:
    """A sales channel the reports can be narrowed to (disabled channels still have history)."""

    id: int
    name: str
    kind: str
    enabled: bool


def list_report_channels(session: Session) -> list[ReportChannel]:
    """Every channel, by name (case-insensitive), for the reports' channel filter. Reads only."""
    query = select(Channel.id, Channel.name, Channel.kind, Channel.enabled).order_by(
        func.lower(Channel.name), Channel.id
    )
    return [
        ReportChannel(id=cid, name=name, kind=kind, enabled=bool(enabled))
        for cid, name, kind, enabled in session.execute(query)
    ]
