"""Ops, QueryOp, MutationOp, BackgroundOp and TaskState: results on the GUI thread, rollbacks."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QWidget

from app.changes import ChangeSet
from app.database import count_rows
from app.errors import Conflict, NotFound
from app.settings import get_settings, update_settings
from app.uow import unit_of_work
from tests.ui.helpers import DeferredExecutor
from ui.ops import (
    BackgroundOp,
    MutationOp,
    OperationCancelled,
    Ops,
    QueryOp,
    SynchronousExecutor,
    TaskState,
)


def business_name(session_factory) -> str:
    with unit_of_work(session_factory, write=False) as session:
        return get_settings(session)["business.name"]


def rename(name: str):
    def op(session) -> ChangeSet:
        return update_settings(session, {"business.name": name}, actor="test")

    return op


def not_found(_session):
    raise NotFound("order #1042 does not exist")


# -- SynchronousExecutor -------------------------------------------------------------------------


def test_synchronous_executor_runs_at_once_and_keeps_errors():
    executor = SynchronousExecutor()
    assert executor.submit(lambda x: x * 2, 21).result() == 42
    failed = executor.submit(lambda: 1 / 0)
    assert isinstance(failed.exception(), ZeroDivisionError)
    executor.shutdown()
    with pytest.raises(RuntimeError):
        executor.submit(lambda: None)


# -- QueryOp -------------------------------------------------------------------------------------


def test_query_op_passes_the_result_to_success(ops):
    results, failures = [], []
    QueryOp(None, count_rows, results.append, failures.append).run(ops)
    assert results == [{"products": 0, "orders": 0}]
    assert failures == []
    assert ops.pending == 0


def test_query_op_routes_an_error_to_failure(ops, messages):
    results, failures = [], []
    QueryOp(None, not_found, results.append, failures.append).run(ops)
    assert results == []
    assert len(failures) == 1 and isinstance(failures[0], NotFound)
    assert messages == []


def test_query_op_without_failure_shows_a_domain_message_as_is(qtbot, ops, messages):
    widget = QWidget()
    qtbot.addWidget(widget)
    QueryOp(widget, not_found, lambda _r: None).run(ops)
    assert messages == [("Packbench", "order #1042 does not exist")]


def test_unexpected_error_is_logged_with_traceback_and_points_to_the_log(
    qtbot, ops, messages, caplog, tmp_path: Path
):
    ops.log_path = tmp_path / "packbench.log"

    def broken(_session):
        return {}["missing"]

    with caplog.at_level(logging.ERROR):
        QueryOp(None, broken, lambda _r: None).run(ops)
    assert messages == [
        ("Packbench", f"Unexpected error — details in the log ({tmp_path / 'packbench.log'}).")
    ]
    assert "KeyError" in caplog.text
    assert any(record.exc_info for record in caplog.records)


# -- MutationOp ----------------------------------------------------------------------------------


def test_mutation_commits_emits_changes_then_calls_success(qtbot, ops, session_factory):
    events = []
    ops.changes_applied.connect(lambda changes: events.append(("changes_applied", changes)))
    with qtbot.waitSignal(ops.changes_applied) as blocker:
        MutationOp(None, rename("Zoë's Bikes"), lambda r: events.append(("success", r))).run(ops)
    assert blocker.args == [ChangeSet(settings=True)]
    assert events == [
        ("changes_applied", ChangeSet(settings=True)),
        ("success", ChangeSet(settings=True)),
    ]
    assert business_name(session_factory) == "Zoë's Bikes"


def test_mutation_accepts_a_result_with_changes_attribute(qtbot, ops):
    @dataclass
    class Saved:
        changes: ChangeSet
        number: str

    def op(session):
        return Saved(update_settings(session, {"currency": "eur"}, actor="test"), "SO-1")

    results = []
    with qtbot.waitSignal(ops.changes_applied) as blocker:
        MutationOp(None, op, results.append).run(ops)
    assert blocker.args == [ChangeSet(settings=True)]
    assert results[0].number == "SO-1"


def test_mutation_that_changes_nothing_emits_nothing(qtbot, ops):
    results = []
    with qtbot.assertNotEmitted(ops.changes_applied):
        MutationOp(None, rename("My Shop"), results.append).run(ops)
    assert results == [ChangeSet()]


def test_failed_mutation_rolls_back_and_routes_domain_error_to_failure(
    qtbot, ops, session_factory, messages
):
    def op(session):
        update_settings(session, {"business.name": "Half written"}, actor="test")
        raise Conflict("order number SO-7 is taken")

    results, failures = [], []
    with qtbot.assertNotEmitted(ops.changes_applied):
        MutationOp(None, op, results.append, failures.append).run(ops)
    assert results == []
    assert [str(f) for f in failures] == ["order number SO-7 is taken"]
    assert business_name(session_factory) == "My Shop"
    assert messages == []


def test_mutation_must_return_a_changeset_or_it_rolls_back(qtbot, ops, session_factory):
    def op(session):
        update_settings(session, {"business.name": "Forgot to return"}, actor="test")

    failures = []
    with qtbot.assertNotEmitted(ops.changes_applied):
        MutationOp(None, op, failure=failures.append).run(ops)
    assert isinstance(failures[0], TypeError)
    assert business_name(session_factory) == "My Shop"


def test_callbacks_are_dropped_when_the_parent_is_destroyed(qtbot, session_factory):
    deferred = DeferredExecutor()
    hub = Ops(session_factory, writer=deferred, reader=deferred, network=deferred)
    widget = QWidget()
    calls = []
    MutationOp(widget, rename("Parent gone"), calls.append, calls.append).run(hub)
    QueryOp(widget, not_found, calls.append).run(hub)  # its default failure must not show
    assert hub.pending == 2
    widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    with qtbot.waitSignal(hub.changes_applied):  # the database changed all the same
        deferred.run_all()
    assert calls == []
    assert hub.pending == 0
    assert business_name(session_factory) == "Parent gone"
    hub.shutdown()


def test_live_parent_gets_its_callback_after_deferred_work(qtbot, session_factory):
    deferred = DeferredExecutor()
    hub = Ops(session_factory, writer=deferred, reader=deferred, network=deferred)
    widget = QWidget()
    qtbot.addWidget(widget)
    results = []
    QueryOp(widget, count_rows, results.append).run(hub)
    assert results == []
    deferred.run_all()
    assert results == [{"products": 0, "orders": 0}]
    hub.shutdown()


# -- BackgroundOp, TaskState -------------------------------------------------------------------


def test_background_op_runs_without_a_session(ops):
    results = []
    BackgroundOp(None, lambda: 6 * 7, results.append).run(ops)
    assert results == [42]


def test_task_reports_progress_and_cancel_rolls_back(ops, session_factory, messages):
    task = TaskState()
    seen, results, failures, cancelled = [], [], [], []
    task.add_listener(lambda text, fraction: seen.append((text, fraction)))

    def op(session):
        update_settings(session, {"business.name": "Partial demo"}, actor="test")
        task.report("Creating products", 0.5)
        task.cancel()
        task.report("Creating orders", 0.9)  # raises OperationCancelled
        return ChangeSet(settings=True)

    MutationOp(
        None,
        op,
        results.append,
        failures.append,
        task=task,
        cancelled=lambda: cancelled.append(True),
    ).run(ops)
    assert seen == [("Creating products", 0.5)]
    assert cancelled == [True]
    assert results == [] and failures == [] and messages == []
    assert business_name(session_factory) == "My Shop"


def test_task_report_raises_once_cancelled_and_clamps_fractions():
    task = TaskState()
    task.report("x", 1.7)
    assert task.snapshot() == ("x", 1.0)
    task.cancel()
    assert task.cancelled
    with pytest.raises(OperationCancelled):
        task.report("y", 0.1)


def test_shutdown_cancels_running_tasks_and_drops_new_work(qtbot, session_factory):
    deferred = DeferredExecutor()
    hub = Ops(session_factory, writer=deferred, reader=deferred, network=deferred)
    task = TaskState()
    results = []
    BackgroundOp(None, lambda: task.report("working", 0.1), results.append, task=task).run(hub)
    hub.shutdown()
    assert hub.closed and task.cancelled
    assert deferred.closed and deferred.queue == []
    QueryOp(None, count_rows, results.append).run(hub)  # dropped, no exception
    assert results == []
    hub.shutdown()  # idempotent


# -- real threads --------------------------------------------------------------------------------


@pytest.mark.slow
def test_real_threads_deliver_results_on_the_gui_thread(qtbot, session_factory):
    hub = Ops(session_factory)
    try:
        seen_threads: dict[str, threading.Thread] = {}

        def op(session):
            seen_threads["work"] = threading.current_thread()
            return update_settings(session, {"business.name": "Threaded"}, actor="test")

        def success(_result):
            seen_threads["success"] = threading.current_thread()

        with qtbot.waitSignal(hub.changes_applied, timeout=10_000) as blocker:
            MutationOp(None, op, success).run(hub)
        qtbot.waitUntil(lambda: "success" in seen_threads, timeout=10_000)
        assert blocker.args == [ChangeSet(settings=True)]
        assert seen_threads["work"] is not threading.main_thread()
        assert seen_threads["success"] is threading.main_thread()

        results = []
        QueryOp(None, lambda s: get_settings(s)["business.name"], results.append).run(hub)
        qtbot.waitUntil(lambda: results == ["Threaded"], timeout=10_000)
    finally:
        hub.shutdown()


@pytest.mark.slow
def test_real_threads_progress_is_coalesced_and_ends_with_the_last_report(qtbot, session_factory):
    hub = Ops(session_factory)
    try:
        task = TaskState()
        seen: list[tuple[str, float | None]] = []
        listener_threads = set()

        def listener(text, fraction):
            listener_threads.add(threading.current_thread())
            seen.append((text, fraction))

        task.add_listener(listener)

        def work():
            for i in range(1, 2001):
                task.report(f"step {i}", i / 2000)
            return "done"

        results = []
        BackgroundOp(None, work, results.append, task=task).run(hub)
        qtbot.waitUntil(lambda: results == ["done"], timeout=10_000)
        qtbot.waitUntil(lambda: seen and seen[-1] == ("step 2000", 1.0), timeout=10_000)
        assert len(seen) <= 2000
        assert listener_threads == {threading.main_thread()}
    finally:
        hub.shutdown()
