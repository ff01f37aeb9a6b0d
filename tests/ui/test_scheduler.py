"""The housekeeping scheduler runs its jobs through Ops and never twice at once."""

from __future__ import annotations

from datetime import timedelta

from app.uow import unit_of_work
from db.models import SalesOrder
from db.types import utcnow
from ui.scheduler import Scheduler


def test_jobs_run(ops, session_factory, paths, qtbot):
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
    seen = []
    ops.changes_applied.connect(seen.append)
    scheduler = Scheduler(ops, backup_dir=paths.backups)
    scheduler.run_all_now()
    with unit_of_work(session_factory, write=False) as s:
        assert not s.query(SalesOrder).one().on_hold
    assert seen and seen[0].orders
    assert len(list(paths.backups.glob("packbench-auto-*.sqlite3"))) == 1
    scheduler.run_all_now()  # backup not due again, holds already released: nothing changes
    assert len(list(paths.backups.glob("packbench-auto-*.sqlite3"))) == 1
    scheduler.start()
    scheduler.stop()
