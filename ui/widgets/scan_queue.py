"""ScanQueue: handle scans strictly one after another, in the order the scanner sent them."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any


def nothing() -> None:
    """A `done` for work started outside a queue (buttons, lists)."""


def then_done(handler: Callable[[Any], None], done: Callable[[], None]) -> Callable[[Any], None]:
    """An op callback: `handler(value)`, then `done()` even if the handler raised, so the next
    scan never waits forever."""

    def run(value: Any) -> None:
        try:
            handler(value)
        finally:
            done()

    return run


# handler(item, done): starts the work for `item` (a scanned code, or a request such as a
# supervisor override that must wait its turn too) and calls done() once it has finished.
ScanHandler = Callable[[Any, Callable[[], None]], None]


class ScanQueue:
    """A scanner can send the next code before the last one's transaction came back; each scan
    depends on the state the previous one left (station state, current bin), so scans wait."""

    def __init__(self, handler: ScanHandler) -> None:
        self._handler = handler
        self._waiting: deque[Any] = deque()
        self._busy = False
        self._when_idle: Callable[[], None] | None = None

    @property
    def busy(self) -> bool:
        return self._busy

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def when_idle(self, callback: Callable[[], None]) -> bool:
        """While scans are queued or running, keep `callback` (the latest one asked for) to run
        once the queue empties, and return True; when idle, return False (run it yourself)."""
        if not (self._busy or self._waiting):
            return False
        self._when_idle = callback
        return True

    def push(self, item: Any) -> None:
        self._waiting.append(item)
        self._next()

    def clear(self) -> None:
        self._waiting.clear()

    def _next(self) -> None:
        while not self._busy and self._waiting:
            self._busy = True
            item = self._waiting.popleft()
            try:
                self._handler(item, self._done)
            except Exception:
                self._busy = False
                raise

    def _done(self) -> None:
        self._busy = False
        self._next()
        if not (self._busy or self._waiting) and self._when_idle is not None:
            callback, self._when_idle = self._when_idle, None
            callback()
