"""Guard against PySide6 6.12's reference-count bug on CPython 3.11 (None/True/False).

Why this exists: PySide6 6.12.0 returns None from every void Qt method (``setText``,
``setEnabled``, ``property`` of a missing name, ...) and True from ``Signal.emit`` without taking
a reference. CPython 3.12+ makes those objects immortal, so nothing happens there; on 3.11 each
call lowers the count by one, and after a few thousand calls the interpreter aborts with
"Fatal Python error: none_dealloc" (or bool_dealloc), in the middle of a session or at exit.
PySide6 6.11.3 and 6.10.3 do not have the bug (checked on 3.11.7). The real fix is to pin
PySide6 below 6.12 or run on Python 3.12+; until then the guard gives the three singletons the
same effectively-infinite count that 3.12's immortal objects have.
"""

from __future__ import annotations

import ctypes
import logging
import sys

log = logging.getLogger(__name__)

# Far more than any session can lose, far less than Py_ssize_t's maximum.
_BALLAST = 1 << 40
_guarded = False


def needs_singleton_guard(
    python: tuple[int, int] | None = None, pyside: tuple[int, int] | None = None
) -> bool:
    """True for PySide6 >= 6.12 on CPython < 3.12 (the affected combination)."""
    if python is None:
        python = (sys.version_info.major, sys.version_info.minor)
    if pyside is None:
        import PySide6

        major, minor = (int(part) for part in PySide6.__version__.split(".")[:2])
        pyside = (major, minor)
    return sys.implementation.name == "cpython" and python < (3, 12) and pyside >= (6, 12)


def guard_singleton_refcounts() -> bool:
    """Apply the guard once, before threads start; returns True when it was needed."""
    global _guarded
    if _guarded:
        return True
    if not needs_singleton_guard():
        return False
    for singleton in (None, True, False):
        # ob_refcnt is the first field of every PyObject on non-debug CPython builds.
        ctypes.c_ssize_t.from_address(id(singleton)).value += _BALLAST
    _guarded = True
    log.info("PySide6 >= 6.12 on Python < 3.12: guarded None/True/False reference counts")
    return True
