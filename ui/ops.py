"""Run app/ work off the GUI thread: reads, single-writer mutations, network work, progress."""

from __future__ import annotations

import logging
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QWidget

from app.changes import ChangeSet
from app.errors import DomainError
from app.uow import unit_of_work, write_retrying
from ui.errors import show_error

log = logging.getLogger(__name__)

Callback = Callable[[Any], None]
ProgressListener = Callable[[str, float | None], None]


class Executor(Protocol):
    """What Ops needs from an executor: concurrent.futures' submit and shutdown."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future: ...

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None: ...


class SynchronousExecutor:
    """Runs each task at once in the caller's thread, so UI tests are deterministic."""

    def __init__(self) -> None:
        self._closed = False

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        if self._closed:
            raise RuntimeError("cannot schedule new work after shutdown")
        future: Future = Future()
        future.set_running_or_notify_cancel()
        try:
            result = fn(*args, **kwargs)
        except BaseException as exc:  # mirror ThreadPoolExecutor: the future carries it
            future.set_exception(exc)
        else:
            future.set_result(result)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._closed = True


class OperationCancelled(Exception):
    """Raised inside a long task by TaskState.report once the user asked it to stop."""


class TaskState:
    """Progress and the cancel flag shared by a long task (worker) and the GUI that shows it.

    The worker calls `report(text, fraction)`; listeners run on the GUI thread with the latest
    values. Updates are coalesced, so a task may report as often as it likes. Once `cancel()` is
    called, the next `report()` raises OperationCancelled, which rolls a mutation back.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cancel = threading.Event()
        self._text = ""
        self._fraction: float | None = None
        self._listeners: list[ProgressListener] = []
        self._post: Callable[[Callable[[], None]], None] | None = None
        self._pending = False

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        """Ask the task to stop at its next report (any thread)."""
        self._cancel.set()

    def raise_if_cancelled(self) -> None:
        if self._cancel.is_set():
            raise OperationCancelled("cancelled")

    def report(self, text: str, fraction: float | None = None) -> None:
        """Record progress from any thread; `fraction` is 0..1 or None when unknown."""
        self.raise_if_cancelled()
        if fraction is not None:
            fraction = min(max(float(fraction), 0.0), 1.0)
        with self._lock:
            self._text = text
            self._fraction = fraction
            post = None if self._pending else self._post
            if post is not None:
                self._pending = True
        if post is not None:
            post(self._flush)

    def snapshot(self) -> tuple[str, float | None]:
        with self._lock:
            return self._text, self._fraction

    def add_listener(self, listener: ProgressListener) -> None:
        """Call `listener(text, fraction)` on the GUI thread after progress reports."""
        self._listeners.append(listener)

    def attach(self, post: Callable[[Callable[[], None]], None]) -> None:
        """Route progress through `post` (Ops.post), which runs callables on the GUI thread."""
        with self._lock:
            self._post = post

    def _flush(self) -> None:
        with self._lock:
            text, fraction = self._text, self._fraction
            self._pending = False
        for listener in list(self._listeners):
            listener(text, fraction)


def changes_of(result: Any) -> ChangeSet:
    """The ChangeSet a mutation returned, directly or as its `.changes` attribute."""
    if isinstance(result, ChangeSet):
        return result
    changes = getattr(result, "changes", None)
    if isinstance(changes, ChangeSet):
        return changes
    raise TypeError(
        f"a mutation must return a ChangeSet or an object with .changes, not {type(result)!r}"
    )


class Ops(QObject):
    """Owns the executors; results come back to the GUI thread through a queued signal."""

    changes_applied = Signal(object)  # app.changes.ChangeSet, after a mutation committed
    pending_changed = Signal(int)  # number of operations in flight
    _posted = Signal(object)  # a callable to run on the GUI thread

    def __init__(
        self,
        session_factory: Any,
        *,
        writer: Executor | None = None,
        reader: Executor | None = None,
        network: Executor | None = None,
        log_path: Path | None = None,
        exports_dir: Path | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session_factory = session_factory
        self.log_path = log_path
        # Where printed and exported files go (the data dir's exports folder).
        self.exports_dir = exports_dir or Path(tempfile.gettempdir()) / "packbench-exports"
        # One writer: SQLite has a single write lock, so queueing here beats busy-waiting there.
        self._executors: dict[str, Executor] = {
            "writer": writer or ThreadPoolExecutor(1, thread_name_prefix="packbench-writer"),
            "reader": reader or ThreadPoolExecutor(2, thread_name_prefix="packbench-reader"),
            "network": network or ThreadPoolExecutor(4, thread_name_prefix="packbench-network"),
        }
        self._running: set[_Op] = set()
        self._tasks: set[TaskState] = set()
        self._closed = False
        self._posted.connect(self._on_worker_posted)

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def pending(self) -> int:
        return len(self._running)

    def post(self, fn: Callable[[], None]) -> None:
        """Run `fn` on the GUI thread (queued when called from a worker). Any thread."""
        try:
            self._posted.emit(fn)
        except RuntimeError:  # the Qt side is gone (application exit); nobody to tell
            log.debug("dropped a result: operations hub already deleted")

    @Slot(object)
    def _on_worker_posted(self, fn: Callable[[], None]) -> None:
        fn()

    def shutdown(self, wait: bool = True) -> None:
        """Cancel long tasks, drop queued work and stop the executors (idempotent)."""
        if self._closed:
            return
        self._closed = True
        for task in list(self._tasks):
            task.cancel()
        # Readers and network first; the writer last so a running write commits or rolls back.
        for name in ("network", "reader", "writer"):
            self._executors[name].shutdown(wait=wait, cancel_futures=True)

    def _start(self, op: _Op, kind: str, work: Callable[[], None]) -> bool:
        if self._closed:
            log.warning("dropped %s submitted after shutdown", type(op).__name__)
            return False
        self._running.add(op)
        self.pending_changed.emit(len(self._running))
        try:
            future = self._executors[kind].submit(work)
        except RuntimeError:
            log.warning("dropped %s: executor %s is shut down", type(op).__name__, kind)
            self._finish(op)
            return False
        future.add_done_callback(_log_escaped_error)
        return True

    def _finish(self, op: _Op) -> None:
        if op in self._running:
            self._running.discard(op)
            self.pending_changed.emit(len(self._running))
        if op.task is not None:
            self._tasks.discard(op.task)


def _log_escaped_error(future: Future) -> None:
    if not future.cancelled() and future.exception() is not None:
        exc = future.exception()
        log.error("operation machinery failed", exc_info=(type(exc), exc, exc.__traceback__))


class _Op:
    """One unit of background work with callbacks on the GUI thread."""

    kind = "reader"

    def __init__(
        self,
        parent: QObject | None,
        op: Callable[..., Any],
        success: Callback | None = None,
        failure: Callback | None = None,
        *,
        task: TaskState | None = None,
        cancelled: Callable[[], None] | None = None,
    ) -> None:
        self.parent = parent
        self.task = task
        self._op = op
        self._success = success
        self._failure = failure
        self._cancelled = cancelled
        self._parent_alive = True
        self._ops: Ops | None = None

    def run(self, ops: Ops) -> None:
        """Submit the work; callbacks run later on the GUI thread unless the parent is gone."""
        self._ops = ops
        if self.parent is not None:
            self.parent.destroyed.connect(self._on_parent_destroyed)
        if self.task is not None:
            self.task.attach(ops.post)
            ops._tasks.add(self.task)
        if not ops._start(self, self.kind, self._work):
            self._disconnect_parent()

    def _on_parent_destroyed(self, *_args: Any) -> None:
        self._parent_alive = False

    def _disconnect_parent(self) -> None:
        if self.parent is not None and self._parent_alive:
            try:
                self.parent.destroyed.disconnect(self._on_parent_destroyed)
            except (RuntimeError, TypeError):
                pass

    def _execute(self, ops: Ops) -> Any:
        raise NotImplementedError

    def _work(self) -> None:
        """Worker thread: run, then hand the outcome to the GUI thread."""
        ops = self._ops
        assert ops is not None
        try:
            outcome = partial(self._complete, True, self._execute(ops))
        except Exception as exc:
            outcome = partial(self._complete, False, exc)
        ops.post(outcome)

    def _complete(self, ok: bool, value: Any) -> None:
        """GUI thread."""
        ops = self._ops
        assert ops is not None
        ops._finish(self)
        self._disconnect_parent()
        if ok:
            self._succeeded(value)
        else:
            self._failed(value)

    def _succeeded(self, result: Any) -> None:
        if self._parent_alive and self._success is not None:
            self._success(result)

    def _failed(self, exc: BaseException) -> None:
        # Whatever a cancelled task raised on its way out, the user asked it to stop.
        if isinstance(exc, OperationCancelled) or (self.task is not None and self.task.cancelled):
            if self._parent_alive and self._cancelled is not None:
                self._cancelled()
            return
        if not self._parent_alive:
            if not isinstance(exc, DomainError):
                log.error("operation failed after its window closed", exc_info=exc)
            return
        if self._failure is not None:
            self._failure(exc)
            return
        assert self._ops is not None
        widget = self.parent if isinstance(self.parent, QWidget) else None
        show_error(widget, exc, self._ops.log_path)


class QueryOp(_Op):
    """Read: `op(session)` in a read-only unit of work on the reader pool; `success(result)`."""

    kind = "reader"

    def _execute(self, ops: Ops) -> Any:
        with unit_of_work(ops.session_factory, write=False) as session:
            return self._op(session)


class MutationOp(_Op):
    """Write: `op(session)` in one transaction on the single writer.

    `op` returns a ChangeSet or an object with a `.changes` ChangeSet. After the commit, Ops
    emits `changes_applied(changes)` (unless nothing changed), then `success(result)` runs.
    Any exception rolls the whole transaction back and goes to `failure` (default: show_error);
    one the database raised to break a deadlock with another workstation runs `op` again.
    """

    kind = "writer"

    def _execute(self, ops: Ops) -> Any:
        def work(session):
            result = self._op(session)
            return result, changes_of(result)  # inside the transaction: a bad result rolls back

        # A deadlock with another workstation (PostgreSQL) aborts the whole transaction: the
        # op runs again from the start.
        return write_retrying(ops.session_factory, work)

    def _succeeded(self, value: Any) -> None:
        result, changes = value
        assert self._ops is not None
        if not changes.empty:
            # The database changed whether or not the caller still exists: tell every view.
            self._ops.changes_applied.emit(changes)
        super()._succeeded(result)


class BackgroundOp(_Op):
    """Work without a database session (network, files): `op()` on the network pool."""

    kind = "network"

    def _execute(self, ops: Ops) -> Any:
        return self._op()
