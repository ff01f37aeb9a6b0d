"""run_gui: refuses a damaged database with a message; otherwise shows the window and offers
the first start."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from app.database import open_database
from app.settings import get_settings
from app.uow import unit_of_work
from ui.application import UI_SETTINGS_FILE, run_gui
from ui.first_start import FirstStartDialog
from ui.main_window import PANEL_KEY, MainWindow


@pytest.fixture(autouse=True)
def restore_app_state(qapp) -> Iterator[None]:
    """run_gui configures logging, a stylesheet and an excepthook; put them all back."""
    root = logging.getLogger()
    level, handlers, hook = root.level, list(root.handlers), sys.excepthook
    name, organization = qapp.applicationName(), qapp.organizationName()
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)
    assert sys.excepthook is hook
    qapp.setStyleSheet("")
    qapp.setApplicationName(name)
    qapp.setOrganizationName(organization)


def test_damaged_database_is_refused_with_a_message(qapp, paths, monkeypatch):
    junk = b"this is not a database " * 200
    paths.db_file.write_bytes(junk)
    shown = []
    monkeypatch.setattr(
        QMessageBox, "critical", staticmethod(lambda parent, title, text: shown.append(text))
    )

    def never(_self):
        raise AssertionError("the event loop must not start")

    monkeypatch.setattr(QApplication, "exec", never)
    assert run_gui(paths) == 1
    assert len(shown) == 1
    assert str(paths.db_file) in shown[0]
    assert "damaged" in shown[0] or "not a Packbench database" in shown[0]
    assert paths.db_file.read_bytes() == junk  # nothing overwritten
    assert not [w for w in qapp.topLevelWidgets() if isinstance(w, MainWindow)]


def test_starts_window_offers_first_start_and_saves_ui_state(qtbot, qapp, paths, monkeypatch):
    seen = {}

    def fake_exec(_self):
        # Stand in for the event loop: wait like a person, then choose "Start empty".
        windows = [w for w in qapp.topLevelWidgets() if isinstance(w, MainWindow)]
        assert len(windows) == 1 and windows[0].isVisible()
        window = windows[0]
        qtbot.waitUntil(lambda: window.findChild(FirstStartDialog) is not None, timeout=10_000)
        dialog = window.findChild(FirstStartDialog)
        qtbot.waitUntil(dialog.isVisible)
        with qtbot.waitSignal(dialog.started_empty, timeout=10_000):  # real writer thread
            qtbot.mouseClick(dialog.empty_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.findChild(FirstStartDialog) is None)  # deleted on close
        qtbot.waitUntil(lambda: window.counts is not None, timeout=10_000)
        seen["counts"] = window.counts_label.text()
        seen["title"] = window.windowTitle()
        seen["app"] = (qapp.organizationName(), qapp.applicationName())
        window.show_panel("reports")
        return 0

    monkeypatch.setattr(QApplication, "exec", fake_exec)
    assert run_gui(paths) == 0
    assert seen["counts"] == "0 products · 0 orders"
    assert seen["app"] == ("Packbench", "Packbench")
    assert "packbench.sqlite3" in seen["title"]

    ui_ini = paths.data_dir / UI_SETTINGS_FILE
    assert ui_ini.is_file()
    assert QSettings(str(ui_ini), QSettings.Format.IniFormat).value(PANEL_KEY) == "reports"
    assert (paths.logs / "packbench.log").is_file()
    database = open_database(paths)
    try:
        with unit_of_work(database.session_factory, write=False) as session:
            assert get_settings(session)["shop.setup_done"] is True
    finally:
        database.close()
