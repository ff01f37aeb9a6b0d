"""write_retrying: a transaction the database aborted to break a deadlock runs again; anything
else reaches the caller after one rollback."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from app.audit import record_event
from app.uow import unit_of_work, write_retrying
from db.models import AuditEvent


class _Aborted(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def _events(factory) -> int:
    with unit_of_work(factory, write=False) as s:
        return s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.actor == "t"))


def _work(failures: list[Exception], calls: list[int]):
    def work(session):
        calls.append(1)
        record_event(
            session, actor="t", action="x", entity_type="order", entity_id=1, summary="try"
        )
        if failures:
            raise failures.pop(0)
        return "done"

    return work


def test_a_deadlock_victim_runs_again_and_only_its_last_run_is_kept(session_factory):
    calls: list[int] = []
    deadlock = OperationalError("INSERT …", {}, _Aborted("40P01"))
    serialization = OperationalError("UPDATE …", {}, _Aborted("40001"))
    work = _work([deadlock, serialization], calls)
    assert write_retrying(session_factory, work) == "done"
    assert len(calls) == 3 and _events(session_factory) == 1


def test_other_errors_and_the_last_attempt_reach_the_caller(session_factory):
    calls: list[int] = []
    with pytest.raises(IntegrityError):
        write_retrying(
            session_factory, _work([IntegrityError("INSERT …", {}, _Aborted("23505"))], calls)
        )
    assert len(calls) == 1
    calls.clear()
    deadlocks = [OperationalError("INSERT …", {}, _Aborted("40P01")) for _ in range(3)]
    with pytest.raises(OperationalError):
        write_retrying(session_factory, _work(deadlocks, calls), attempts=3)
    assert len(calls) == 3 and _events(session_factory) == 0
