"""First start: offered on an empty, undecided shop; "Start empty" and "Open demo shop"."""

from __future__ import annotations

import sys
from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QWidget

import ui.first_start
from app.changes import EVERYTHING
from app.database import count_rows
from app.settings import get_settings, update_settings
from app.uow import unit_of_work
from tests.ui.helpers import DeferredExecutor
from ui.first_start import FirstStartDialog, offer_first_start, should_offer_first_start
from ui.ops import Ops, TaskState
from ui.progress import TaskProgressDialog


def setup_done(session_factory) -> bool:
    with unit_of_work(session_factory, write=False) as session:
        return bool(get_settings(session)["shop.setup_done"])


def offer(session_factory) -> bool:
    with unit_of_work(session_factory, write=False) as session:
        return should_offer_first_start(session)


def click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_offered_only_while_the_shop_is_empty_and_undecided(session_factory):
    assert offer(session_factory)
    with unit_of_work(session_factory) as session:
        update_settings(session, {"shop.setup_done": True}, actor="test")
    assert not offer(session_factory)


def test_start_empty_records_the_choice(qtbot, ops, session_factory):
    dialog = FirstStartDialog(ops)
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.started_empty), qtbot.waitSignal(ops.changes_applied):
        click(qtbot, dialog.empty_button)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert setup_done(session_factory)
    assert not offer(session_factory)


def test_offer_first_start_opens_the_dialog_only_when_needed(qtbot, ops, session_factory):
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    offer_first_start(parent, ops)
    dialog = parent.findChild(FirstStartDialog)
    assert dialog is not None and dialog.isVisible()
    click(qtbot, dialog.empty_button)

    other = QWidget()
    qtbot.addWidget(other)
    offer_first_start(other, ops)
    assert other.findChild(FirstStartDialog) is None


def test_demo_shop_with_progress(qtbot, ops, session_factory):
    pytest.importorskip("app.demo")
    dialog = FirstStartDialog(ops, demo_products=30, demo_orders=50, seed=3)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.demo_button.isEnabled()
    with qtbot.waitSignal(dialog.demo_loaded) as loaded, qtbot.waitSignal(ops.changes_applied) as c:
        click(qtbot, dialog.demo_button)
    assert c.args[0].everything
    assert (loaded.args[0].products, loaded.args[0].orders) == (30, 50)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.progress_dialog is None
    with unit_of_work(session_factory, write=False) as session:
        assert count_rows(session) == {"products": 30, "orders": 50}
    assert setup_done(session_factory)


def test_demo_can_be_cancelled_and_nothing_is_written(
    qtbot, session_factory, monkeypatch, messages
):
    """The dialog's cancel path, with a stand-in generator so the test controls the timing."""

    def fake_generate(session, *, products, orders, seed, progress):
        update_settings(session, {"business.name": "Half a demo"}, actor="demo")
        progress("Creating products", 0.25)
        progress("Creating orders", 0.5)  # raises once Cancel was pressed
        return SimpleNamespace(changes=EVERYTHING, products=products, orders=orders)

    monkeypatch.setattr(ui.first_start, "demo_available", lambda: True)
    monkeypatch.setitem(sys.modules, "app.demo", SimpleNamespace(generate_demo=fake_generate))
    deferred = DeferredExecutor()
    hub = Ops(session_factory, writer=deferred, reader=deferred, network=deferred)
    dialog = FirstStartDialog(hub)
    qtbot.addWidget(dialog)
    dialog.show()
    click(qtbot, dialog.demo_button)
    progress = dialog.progress_dialog
    assert isinstance(progress, TaskProgressDialog) and progress.isVisible()
    assert not dialog.demo_button.isEnabled() and not dialog.empty_button.isEnabled()

    click(qtbot, progress.cancel_button)
    assert progress.label.text() == "Cancelling…" and progress.isVisible()
    with qtbot.assertNotEmitted(hub.changes_applied):
        deferred.run_all()
    assert dialog.progress_dialog is None
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert "cancelled" in dialog.status_label.text()
    assert dialog.empty_button.isEnabled()
    assert messages == []
    with unit_of_work(session_factory, write=False) as session:
        assert get_settings(session)["business.name"] == "My Shop"
    assert not setup_done(session_factory)
    hub.shutdown()


def test_progress_dialog_shows_reports(qtbot, ops):
    task = TaskState()
    task.attach(ops.post)
    dialog = TaskProgressDialog(task, "Working")
    qtbot.addWidget(dialog)
    task.report("Creating orders 1,200 of 3,000", 0.4)
    assert dialog.label.text() == "Creating orders 1,200 of 3,000"
    assert dialog.bar.value() == 400
    task.report("Checking", None)
    assert dialog.bar.maximum() == 0  # busy indicator
    dialog.reject()  # Escape asks to cancel instead of closing
    assert task.cancelled
