"""SettingsPanel: form from the registry, save into the database, validation shown on the field."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QFileDialog

from app.settings import REGISTRY, get_settings, update_settings
from app.uow import unit_of_work
from ui.ops import MutationOp
from ui.settings.settings_panel import (
    ChoiceSettingEditor,
    FileSettingEditor,
    IntSettingEditor,
    SettingsPanel,
    TextSettingEditor,
)


@pytest.fixture
def panel(qtbot, ops) -> SettingsPanel:
    widget = SettingsPanel(ops)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def stored(session_factory) -> dict:
    with unit_of_work(session_factory, write=False) as session:
        return dict(get_settings(session).values)


def type_text(qtbot, widget, text: str) -> None:
    """Type like a keyboard; QTest.keyClicks only knows ASCII, so others go as raw key events."""
    for char in text:
        if char.isascii():
            qtbot.keyClicks(widget, char)
        else:
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                event = QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, char)
                QApplication.sendEvent(widget, event)


def type_into(qtbot, line_edit, text: str) -> None:
    line_edit.selectAll()
    qtbot.keyClick(line_edit, Qt.Key.Key_Delete)
    type_text(qtbot, line_edit, text)


def click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_form_shows_every_setting_but_the_first_start_flag(panel):
    assert set(panel.editors) == set(REGISTRY) - {"shop.setup_done"}
    assert isinstance(panel.editors["paper_size"], ChoiceSettingEditor)
    assert isinstance(panel.editors["business.address"], TextSettingEditor)
    assert isinstance(panel.editors["business.logo_path"], FileSettingEditor)
    assert isinstance(panel.editors["orders.late_after_days"], IntSettingEditor)
    combo = panel.editors["paper_size"].combo
    assert [combo.itemText(i) for i in range(combo.count())] == ["Letter", "A4"]


def test_loads_stored_values(panel):
    assert panel.editors["business.name"].value() == "My Shop"
    assert panel.editors["currency"].value() == "USD"
    assert panel.editors["paper_size"].value() == "Letter"
    assert not panel.save_button.isEnabled()


def test_edit_and_save_business_name(qtbot, panel, session_factory):
    type_into(qtbot, panel.editors["business.name"].line_edit, "Zoë & Søren's Bikes")
    assert panel.save_button.isEnabled()
    click(qtbot, panel.save_button)
    assert stored(session_factory)["business.name"] == "Zoë & Søren's Bikes"
    assert panel.saved_label.text() == "Saved."
    assert not panel.save_button.isEnabled()
    assert not panel.is_dirty()


def test_bad_currency_shows_message_highlights_field_and_saves_nothing(
    qtbot, panel, session_factory, messages
):
    type_into(qtbot, panel.editors["business.name"].line_edit, "Should not be saved")
    currency = panel.editors["currency"]
    type_into(qtbot, currency.line_edit, "EURO")
    click(qtbot, panel.save_button)

    expected = "Currency: must be a three-letter ISO 4217 code such as USD or EUR"
    assert messages == [("Packbench", expected)]
    assert currency.line_edit.property("invalid") is True
    assert panel.error_label.text() == expected and not panel.error_label.isHidden()
    assert stored(session_factory)["business.name"] == "My Shop"
    assert stored(session_factory)["currency"] == "USD"
    assert panel.save_button.isEnabled()  # the edits are still there to fix

    qtbot.keyClick(currency.line_edit, Qt.Key.Key_Backspace)  # "EUR"
    assert not currency.line_edit.property("invalid")
    click(qtbot, panel.save_button)
    assert stored(session_factory)["currency"] == "EUR"
    assert stored(session_factory)["business.name"] == "Should not be saved"
    assert panel.error_label.isHidden()


def test_paper_size_address_and_days(qtbot, panel, session_factory):
    panel.editors["paper_size"].combo.setCurrentIndex(1)
    panel.editors["paper_size"].combo.activated.emit(1)
    address = panel.editors["business.address"].text_edit
    address.setFocus()
    qtbot.keyClicks(address, "1 High Street")
    qtbot.keyClick(address, Qt.Key.Key_Return)
    qtbot.keyClicks(address, "Leeds LS1 1AA")
    panel.editors["orders.late_after_days"].spin.setValue(5)
    click(qtbot, panel.save_button)
    values = stored(session_factory)
    assert values["paper_size"] == "A4"
    assert values["business.address"] == "1 High Street\nLeeds LS1 1AA"
    assert values["orders.late_after_days"] == 5


def test_logo_file_chooser(qtbot, panel, session_factory, monkeypatch, tmp_path: Path):
    logo = tmp_path / "logo.png"
    logo.write_bytes(b"\x89PNG\r\n\x1a\n")
    asked = []

    def fake_dialog(parent, caption, directory, name_filter):
        asked.append((caption, name_filter))
        return str(logo), name_filter

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(fake_dialog))
    editor = panel.editors["business.logo_path"]
    click(qtbot, editor.choose_button)
    assert asked == [("Choose logo", "Images (*.png *.jpg *.jpeg)")]
    assert editor.value() == str(logo)
    click(qtbot, panel.save_button)
    assert stored(session_factory)["business.logo_path"] == str(logo)

    click(qtbot, editor.clear_button)
    click(qtbot, panel.save_button)
    assert stored(session_factory)["business.logo_path"] == ""


def test_missing_logo_file_is_refused_on_its_field(qtbot, panel, session_factory, messages):
    editor = panel.editors["business.logo_path"]
    type_into(qtbot, editor.line_edit, "/nowhere/logo.png")
    click(qtbot, panel.save_button)
    assert messages and "does not exist" in messages[0][1]
    assert editor.line_edit.property("invalid") is True
    assert stored(session_factory)["business.logo_path"] == ""


def test_revert_restores_loaded_values(qtbot, panel):
    type_into(qtbot, panel.editors["business.name"].line_edit, "Typo")
    click(qtbot, panel.revert_button)
    assert panel.editors["business.name"].value() == "My Shop"
    assert not panel.is_dirty()


def test_changes_saved_elsewhere_reload_a_clean_form_but_keep_edits(qtbot, panel, ops):
    def rename(name):
        return lambda session: update_settings(session, {"business.name": name}, actor="other")

    MutationOp(None, rename("Renamed Elsewhere")).run(ops)
    assert panel.editors["business.name"].value() == "Renamed Elsewhere"

    type_into(qtbot, panel.editors["currency"].line_edit, "GBP")
    MutationOp(None, rename("Renamed Again")).run(ops)
    assert panel.editors["currency"].value() == "GBP"  # unsaved edit kept
    assert panel.editors["business.name"].value() == "Renamed Elsewhere"
