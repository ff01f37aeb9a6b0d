"""The PySide6 6.12 / CPython 3.11 reference-count guard: when it applies, and that it works."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ui.qt_compat import needs_singleton_guard

ROOT = Path(__file__).resolve().parents[2]

LOOP = """
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
sys.path.insert(0, {root!r})
if {guard}:
    from ui.qt_compat import guard_singleton_refcounts
    guard_singleton_refcounts()
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QLabel

class Emitter(QObject):
    happened = Signal()

app = QApplication([])
label, emitter = QLabel(), Emitter()
for i in range(20_000):
    label.setText("x")      # void method: returns None
    emitter.happened.emit()  # returns True
print("survived")
"""


@pytest.mark.parametrize(
    ("python", "pyside", "expected"),
    [((3, 11), (6, 12), True), ((3, 12), (6, 12), False), ((3, 11), (6, 11), False)],
)
def test_guard_applies_only_to_the_affected_combination(python, pyside, expected):
    assert needs_singleton_guard(python, pyside) is expected


def run_loop(guard: bool) -> subprocess.CompletedProcess:
    code = LOOP.format(root=str(ROOT), guard=guard)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.slow
def test_many_qt_calls_survive_with_the_guard():
    result = run_loop(guard=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "survived" in result.stdout


@pytest.mark.slow
@pytest.mark.skipif(not needs_singleton_guard(), reason="this PySide6/Python pair is not affected")
def test_without_the_guard_the_bug_aborts_the_interpreter():
    # Documents why the guard exists; fails (good news) once PySide6 stops losing references.
    result = run_loop(guard=False)
    assert result.returncode != 0
    assert "dealloc" in result.stderr
