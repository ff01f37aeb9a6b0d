"""ScanLineEdit: a scan ends with Enter or Tab, is emitted once, stripped, and clears the field."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLineEdit, QPushButton, QSpinBox, QVBoxLayout, QWidget

from ui.widgets.scan_line_edit import FLASH_MS, ScanLineEdit


@pytest.fixture
def field(qtbot) -> ScanLineEdit:
    widget = ScanLineEdit()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def collect(field: ScanLineEdit) -> list[str]:
    seen: list[str] = []
    field.scanned.connect(seen.append)
    return seen


def test_typing_then_enter_emits_once_and_clears(qtbot, field):
    seen = collect(field)
    qtbot.keyClicks(field, "4006381333931")
    assert seen == []
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert seen == ["4006381333931"]
    assert field.text() == ""
    qtbot.keyClicks(field, "mug-1")
    qtbot.keyClick(field, Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier)
    assert seen == ["4006381333931", "mug-1"]  # case kept as typed


def test_tab_ends_a_scan_too(qtbot, field):
    seen = collect(field)
    qtbot.keyClicks(field, "BIN/MAIN/A-01")
    qtbot.keyClick(field, Qt.Key.Key_Tab)
    assert seen == ["BIN/MAIN/A-01"]
    assert field.text() == ""


def test_whitespace_is_stripped_and_empty_scans_are_ignored(qtbot, field):
    seen = collect(field)
    qtbot.keyClick(field, Qt.Key.Key_Return)
    qtbot.keyClicks(field, "   ")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert seen == []
    qtbot.keyClicks(field, "  CAP-1  ")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert seen == ["CAP-1"]


def test_empty_tab_still_moves_focus(qtbot):
    host = QWidget()
    qtbot.addWidget(host)
    field = ScanLineEdit()
    other = QLineEdit()
    layout = QVBoxLayout(host)
    layout.addWidget(field)
    layout.addWidget(other)
    host.show()
    qtbot.waitExposed(host)
    host.activateWindow()
    field.setFocus()
    seen = collect(field)
    qtbot.keyClick(field, Qt.Key.Key_Tab)
    assert seen == []
    qtbot.waitUntil(other.hasFocus, timeout=1000)


def test_enter_does_not_press_a_dialogs_default_button(qtbot):
    dialog = QDialog()
    qtbot.addWidget(dialog)
    field = ScanLineEdit(dialog)
    ok = QPushButton("OK", dialog)
    ok.setDefault(True)
    clicks: list[bool] = []
    ok.clicked.connect(lambda: clicks.append(True))
    layout = QVBoxLayout(dialog)
    layout.addWidget(field)
    layout.addWidget(ok)
    dialog.show()
    seen = collect(field)
    qtbot.keyClicks(field, "SKU-9")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert seen == ["SKU-9"]
    assert clicks == []


def test_flash_sets_a_state_that_clears_itself(qtbot, field):
    field.flash_ok()
    assert field.scan_state == "ok"
    qtbot.waitUntil(lambda: field.scan_state == "", timeout=FLASH_MS * 4)
    field.flash_error()
    assert field.scan_state == "error"
    field.flash_warning()
    assert field.scan_state == "warning"
    qtbot.waitUntil(lambda: field.scan_state == "", timeout=FLASH_MS * 4)


def test_keep_focus_takes_focus_back_from_buttons_but_not_from_typing_fields(qtbot):
    host = QWidget()
    qtbot.addWidget(host)
    field = ScanLineEdit(keep_focus=True)
    button = QPushButton("Undo")
    spin = QSpinBox()
    layout = QVBoxLayout(host)
    for widget in (field, button, spin):
        layout.addWidget(widget)
    host.show()
    qtbot.waitExposed(host)
    host.activateWindow()
    qtbot.waitUntil(host.isActiveWindow, timeout=1000)
    field.setFocus()
    qtbot.waitUntil(field.hasFocus, timeout=1000)

    button.setFocus()
    qtbot.waitUntil(field.hasFocus, timeout=1000)  # back to the scan field

    spin.setFocus()
    qtbot.wait(20)
    assert spin.hasFocus()  # a person typing a quantity keeps it


def test_without_keep_focus_focus_stays_where_it_went(qtbot):
    host = QWidget()
    qtbot.addWidget(host)
    field = ScanLineEdit()
    button = QPushButton("Undo")
    layout = QVBoxLayout(host)
    layout.addWidget(field)
    layout.addWidget(button)
    host.show()
    qtbot.waitExposed(host)
    host.activateWindow()
    qtbot.waitUntil(host.isActiveWindow, timeout=1000)
    field.setFocus()
    button.setFocus()
    qtbot.wait(20)
    assert button.hasFocus()
