"""ui test fixtures: synchronous Ops, a private QSettings file, and no blocking dialogs ever."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QMessageBox

import ui.errors
from app.database import Database
from tests.ui.helpers import DeferredExecutor
from ui.ops import Ops, SynchronousExecutor
from ui.qt_compat import guard_singleton_refcounts

# PySide6 6.12 on CPython 3.11 loses a reference to None/True on common calls; without this a
# long test run aborts (see ui/qt_compat.py). run_gui applies the same guard.
guard_singleton_refcounts()


def _refuse(name: str):
    def refuse(*args, **kwargs):
        raise AssertionError(f"a test opened a real {name} (would block): {args[1:]}")

    return staticmethod(refuse)


@pytest.fixture(autouse=True)
def messages(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Every message ui.errors would have shown, as (title, text); real boxes fail the test."""
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(
        ui.errors, "show_message", lambda parent, title, text: shown.append((title, text))
    )
    for name in ("warning", "critical", "information", "question"):
        monkeypatch.setattr(QMessageBox, name, _refuse(f"QMessageBox.{name}"))
    for name in ("getOpenFileName", "getSaveFileName", "getExistingDirectory"):
        monkeypatch.setattr(QFileDialog, name, _refuse(f"QFileDialog.{name}"))
    return shown


@pytest.fixture
def ops(database: Database, paths, qapp) -> Iterator[Ops]:
    """Ops whose work runs at once on the calling (GUI) thread."""
    sync = SynchronousExecutor()
    hub = Ops(
        database.session_factory, writer=sync, reader=sync, network=sync, exports_dir=paths.exports
    )
    yield hub
    hub.shutdown()


@pytest.fixture
def deferred_ops(database: Database, paths, qapp) -> Iterator[tuple[Ops, DeferredExecutor]]:
    """(ops, work): Ops whose work waits until the test calls `work.run_all()`, so scans and
    clicks can be queued behind work still running."""
    work = DeferredExecutor()
    hub = Ops(
        database.session_factory, writer=work, reader=work, network=work, exports_dir=paths.exports
    )
    yield hub, work
    hub.shutdown(wait=False)


@pytest.fixture
def ui_settings(tmp_path: Path, qapp) -> QSettings:
    return QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
