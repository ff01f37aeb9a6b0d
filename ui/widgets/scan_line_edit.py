"""ScanLineEdit: the scan field of every scanning screen (Enter/Tab ends a scan, colours)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

FLASH_MS = 600
STATE_PROPERTY = "scanState"

# Local to the widget so it works with or without the application stylesheet.
STYLE = """
QLineEdit {
    font-size: 18px;
    padding: 6px 10px;
    border: 2px solid #9aa5b1;
    border-radius: 4px;
    background: #ffffff;
}
QLineEdit:focus { border: 2px solid #4c9aff; }
QLineEdit[scanState="ok"] { background: #d7f5dd; border: 2px solid #2e7d32; }
QLineEdit[scanState="error"] { background: #fdecea; border: 2px solid #c62828; }
QLineEdit[scanState="warning"] { background: #fff4d6; border: 2px solid #c77700; }
"""

_PLAIN = (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
_TEXT_INPUTS = (QLineEdit, QAbstractSpinBox, QTextEdit, QPlainTextEdit)


class ScanLineEdit(QLineEdit):
    """Emits `scanned(code)` when a scan ends with Enter or Tab, then clears itself.

    USB scanners type the code like a keyboard and finish with Enter (some with Tab). The code is
    stripped of surrounding whitespace, its case is kept, and empty scans are ignored (an empty
    Tab still moves focus as usual). With `keep_focus`, the field takes focus back whenever a
    button or table took it, so the next scan lands here; widgets a person types into (spin
    boxes, cell editors, other line edits) keep the focus they were given.
    """

    scanned = Signal(str)

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        keep_focus: bool = False,
        placeholder: str = "Scan or type a code, then Enter",
    ) -> None:
        super().__init__(parent)
        self.keep_focus = keep_focus
        self.setPlaceholderText(placeholder)
        self.setClearButtonEnabled(False)
        self.setStyleSheet(STYLE)
        self._flash_timer = QTimer(self)
        self._flash_timer.setSingleShot(True)
        self._flash_timer.timeout.connect(self._on_flash_timer_timeout)

    # -- scans -------------------------------------------------------------------------------

    def submit(self) -> None:
        """End the scan in progress: emit its code (if any) and clear the field."""
        code = self.text().strip()
        self.clear()
        if code:
            self.scanned.emit(code)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            # Accepted here so a dialog's default button does not fire on a scan.
            event.accept()
            self.submit()
            return
        super().keyPressEvent(event)

    def event(self, event: QEvent) -> bool:
        # Tab never reaches keyPressEvent: QWidget.event turns it into focus navigation first.
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Tab
            and event.modifiers() in _PLAIN
            and self.text().strip()
        ):
            event.accept()
            self.submit()
            return True
        return super().event(event)

    # -- focus -------------------------------------------------------------------------------

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        if self.keep_focus and event.reason() != Qt.FocusReason.PopupFocusReason:
            QTimer.singleShot(0, self, self._reclaim_focus)

    def _reclaim_focus(self) -> None:
        if not (self.keep_focus and self.isVisible() and self.isEnabled()):
            return
        if not self.window().isActiveWindow():
            return  # another application or window: leave it alone
        if QApplication.activeModalWidget() is not None or QApplication.activePopupWidget():
            return
        focus = QApplication.focusWidget()
        if focus is self:
            return
        if focus is not None and _takes_typing(focus):
            return
        self.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- feedback ----------------------------------------------------------------------------

    @property
    def scan_state(self) -> str:
        return str(self.property(STATE_PROPERTY) or "")

    def flash_ok(self) -> None:
        """Green for a moment: the scan did what was expected."""
        self._flash("ok")

    def flash_error(self) -> None:
        """Red for a moment (and a beep): the scan was refused."""
        self._flash("error")
        QApplication.beep()

    def flash_warning(self) -> None:
        """Amber for a moment: the scan needs attention (e.g. scan again to confirm)."""
        self._flash("warning")
        QApplication.beep()

    def _flash(self, state: str) -> None:
        self._set_state(state)
        self._flash_timer.start(FLASH_MS)

    def _set_state(self, state: str) -> None:
        if self.scan_state == state:
            return
        self.setProperty(STATE_PROPERTY, state)
        # Dynamic properties only restyle after a re-polish.
        self.style().unpolish(self)
        self.style().polish(self)

    @Slot()
    def _on_flash_timer_timeout(self) -> None:
        self._set_state("")


def _takes_typing(widget: QWidget) -> bool:
    """Whether a person deliberately put focus there to type (spin box, cell editor, ...)."""
    if isinstance(widget, _TEXT_INPUTS):
        return not (isinstance(widget, QLineEdit) and widget.isReadOnly())
    return isinstance(widget, QComboBox) and widget.isEditable()
