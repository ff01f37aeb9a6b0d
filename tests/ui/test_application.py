"""run_gui: refuses a damaged database with a message; otherwise shows the window and offers
the first start."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
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
    # The window shown while the database was opening is gone again.
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


def _run_gui_while_opening(qtbot, qapp, paths, monkeypatch, act, after=lambda window: None):
    """Run the app with the database held open-in-progress: `act(window)` runs once the window
    shows, the opening then finishes, and the event loop ends once the window has counted.
    Returns `after(window)`, taken just before the window closes."""
    import app.database as database_module

    real_open = database_module.open_database
    release = threading.Event()

    def slow_open(p):  # runs on the opener thread
        assert release.wait(10), "the window never showed"
        return real_open(p)

    monkeypatch.setattr(database_module, "open_database", slow_open)
    acted = []

    def look() -> None:
        shown = [w for w in qapp.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        if shown and not acted:
            acted.append(shown[0])
            act(shown[0])
            release.set()

    timer = QTimer(interval=5)
    timer.timeout.connect(look)
    timer.start()

    def fake_exec(_self):
        (window,) = [w for w in qapp.topLevelWidgets() if isinstance(w, MainWindow)]
        qtbot.waitUntil(lambda: window.counts is not None, timeout=10_000)
        result.append(after(window))
        return 0

    result = []
    monkeypatch.setattr(QApplication, "exec", fake_exec)
    try:
        assert run_gui(paths) == 0
    finally:
        timer.stop()
    assert acted, "the window never showed"
    return result[0]


def test_window_is_interactive_while_the_database_opens(qtbot, qapp, paths, monkeypatch):
    seen = {}

    def click_while_opening(window) -> None:
        seen["waiting"] = (
            window.ready,
            window.current_panel_key(),
            window.stack.currentWidget().text(),
        )
        window.show_panel("settings")  # a person clicks while the database opens

    after = _run_gui_while_opening(
        qtbot,
        qapp,
        paths,
        monkeypatch,
        click_while_opening,
        after=lambda window: (window.ready, window.current_panel_key()),
    )
    assert seen["waiting"] == (False, None, "Opening the database…")
    assert after == (True, "settings")  # the click was kept, not replaced


def test_an_unexpected_open_error_gets_a_message_not_a_traceback(qapp, paths, monkeypatch):
    import app.database as database_module

    def broken(_paths):
        raise ModuleNotFoundError("No module named 'psycopg'")

    monkeypatch.setattr(database_module, "open_database", broken)
    shown = []
    monkeypatch.setattr(
        QMessageBox, "critical", staticmethod(lambda parent, title, text: shown.append(text))
    )
    monkeypatch.setattr(QApplication, "exec", lambda _self: pytest.fail("no event loop"))
    assert run_gui(paths) == 1
    assert len(shown) == 1 and "No module named 'psycopg'" in shown[0]
    assert str(paths.logs / "packbench.log") in shown[0]
    assert not [w for w in qapp.topLevelWidgets() if isinstance(w, MainWindow)]


def test_f5_while_the_database_opens_does_not_count_yet(qtbot, qapp, paths, monkeypatch):
    """Counting needs the data layer the opener thread is still importing; start() counts."""
    import app.database as database_module

    counted = []
    real_count = database_module.count_rows
    monkeypatch.setattr(database_module, "count_rows", lambda s: counted.append(1) or real_count(s))
    seen = {}

    def press_f5(window) -> None:
        window.refresh_current_panel()  # F5
        seen["f5"] = window.counts_label.text()

    _run_gui_while_opening(qtbot, qapp, paths, monkeypatch, press_f5)
    assert seen["f5"] == "Counting…"
    assert len(counted) == 1  # once, by start(); F5 during the opening queued nothing
