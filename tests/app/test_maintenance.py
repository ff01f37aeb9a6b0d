"""Housekeeping: expired holds are released, backups are taken once per period."""

from __future__ import annotations

from datetime import timedelta

from app.maintenance import backup_if_due, mail_ready, release_expired_holds
from app.settings import update_settings
from app.uow import unit_of_work
from db.models import SalesOrder
from db.types import utcnow


def test_expired_holds_are_released(session_factory):
    with unit_of_work(session_factory) as s:
        s.add(
            SalesOrder(
                number="SO-000001",
                status="open",
                on_hold=True,
                hold_reason="check",
                hold_until=utcnow() - timedelta(minutes=1),
            )
        )
        s.add(
            SalesOrder(
                number="SO-000002",
                status="open",
                on_hold=True,
                hold_reason="check",
                hold_until=utcnow() + timedelta(hours=1),
            )
        )
    with unit_of_work(session_factory) as s:
        released = release_expired_holds(s)
    assert released.numbers == ("SO-000001",) and released.changes.orders
    with unit_of_work(session_factory) as s:
        assert release_expired_holds(s).changes.empty


def test_backup_once_per_period(session_factory, paths):
    first = backup_if_due(session_factory, paths.backups)
    assert first is not None and first.name.startswith("packbench-auto-")
    assert backup_if_due(session_factory, paths.backups) is None
    assert backup_if_due(session_factory, paths.backups, every=timedelta(0)) is not None


def test_mail_ready_needs_settings(session_factory):
    with unit_of_work(session_factory) as s:
        assert not mail_ready(s)
        update_settings(
            s,
            {
                "mail.notify_shipped": True,
                "mail.smtp_host": "127.0.0.1",
                "mail.from_address": "shop@example.com",
            },
            actor="t",
        )
        assert mail_ready(s)
