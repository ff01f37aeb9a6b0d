"""Test helpers for ui tests: an executor that runs work only when told to."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import Any


class DeferredExecutor:
    """Queues submitted work until run_all(), to test what happens in between."""

    def __init__(self) -> None:
        self.queue: list[tuple[Callable[[], Any], Future]] = []
        self.closed = False

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        if self.closed:
            raise RuntimeError("shut down")
        future: Future = Future()
        self.queue.append((lambda: fn(*args, **kwargs), future))
        return future

    def run_all(self) -> None:
        while self.queue:
            fn, future = self.queue.pop(0)
            future.set_running_or_notify_cancel()
            try:
                future.set_result(fn())
            except BaseException as exc:
                future.set_exception(exc)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.closed = True
        if cancel_futures:
            for _fn, future in self.queue:
                future.cancel()
            self.queue.clear()
