"""FormDialog: a dialog whose Save runs one MutationOp and shows refusals next to their field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from app.errors import DomainError, ValidationError
from ui.errors import show_error
from ui.inventory.formatting import ERROR_COLOUR, OK_COLOUR
from ui.ops import MutationOp, Ops

RETURN_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class ReturnKeyFilter(QObject):
    """Runs `handler` on Enter in a field and keeps the key from pressing the dialog's Save.

    Scanners end every code with Enter; in a code or bin field that means "this code", not
    "save the form".
    """

    def __init__(self, widget: QWidget, handler: Callable[[], None]) -> None:
        super().__init__(widget)
        self._handler = handler
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in RETURN_KEYS
        ):
            self._handler()
            return True
        return False


def error_label(text: str = "") -> QLabel:
    """A red, word-wrapped message label (hidden while empty)."""
    label = QLabel(text, objectName="fieldError")
    label.setWordWrap(True)
    set_label_colour(label, ERROR_COLOUR)
    label.setVisible(bool(text))
    return label


def set_label_colour(label: QLabel, colour: Any) -> None:
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.WindowText, colour)
    label.setPalette(palette)


def set_invalid(widget: QWidget, invalid: bool) -> None:
    """Mark a field for the stylesheet's [invalid="true"] rule."""
    if bool(widget.property("invalid")) == invalid:
        return
    widget.setProperty("invalid", invalid)
    widget.style().unpolish(widget)  # dynamic properties only restyle after a re-polish
    widget.style().polish(widget)


class FormDialog(QDialog):
    """Fields in a form, a general error line and Save/Cancel.

    Subclasses add fields with `add_field(key, label, widget)` (keys as the services name them
    in ValidationError.field) and implement `save()`, which calls `submit(op)`. On success the
    dialog emits `saved(result)` and closes; on a refusal nothing was written and the message
    is shown by the field it names (or above the buttons).
    """

    saved = Signal(object)

    def __init__(self, ops: Ops, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.setWindowTitle(title)
        self.result_value: Any = None
        self.busy = False
        self.fields: dict[str, QWidget] = {}
        self.field_errors: dict[str, QLabel] = {}
        self.main_layout = QVBoxLayout(self)
        self.content = QHBoxLayout()
        self.content.setSpacing(24)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.form.setVerticalSpacing(8)
        form_column = QVBoxLayout()
        form_column.addLayout(self.form)
        form_column.addStretch(1)
        self.content.addLayout(form_column, 1)
        self.main_layout.addLayout(self.content, 1)
        self.error_label = error_label()
        self.main_layout.addWidget(self.error_label)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setDefault(True)
        self.main_layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self._on_buttons_rejected)

    # -- fields ------------------------------------------------------------------------------

    def add_field(
        self,
        key: str,
        label: str,
        widget: QWidget,
        *,
        form: QFormLayout | None = None,
        field_widget: QWidget | None = None,
    ) -> QLabel:
        """Add a labelled row with a (hidden) error line under the field; returns the line.

        `widget` is what the row shows; `field_widget` (default: widget) is what gets focus and
        the invalid mark.
        """
        cell = QWidget()
        column = QVBoxLayout(cell)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(widget)
        message = error_label()
        column.addWidget(message)
        (form or self.form).addRow(label, cell)
        self.fields[key] = field_widget or widget
        self.field_errors[key] = message
        return message

    def show_field_error(self, key: str | None, text: str) -> bool:
        """Show `text` by field `key`; False when there is no such field."""
        if key is None or key not in self.fields:
            return False
        set_label_colour(self.field_errors[key], ERROR_COLOUR)
        self._set_message(key, text)
        set_invalid(self.fields[key], True)
        self.fields[key].setFocus()
        return True

    def clear_field_error(self, key: str) -> None:
        if key in self.field_errors:
            self.field_errors[key].clear()
            self.field_errors[key].hide()
            set_invalid(self.fields[key], False)

    def clear_errors(self) -> None:
        for key in self.fields:
            self.clear_field_error(key)
        self.show_error(None)

    def show_error(self, text: str | None) -> None:
        self.error_label.setText(text or "")
        self.error_label.setVisible(bool(text))

    def show_hint(self, key: str, text: str, ok: bool) -> None:
        """A neutral or green note in a field's message line (e.g. "EAN-13 ✓")."""
        set_label_colour(self.field_errors[key], OK_COLOUR if ok else ERROR_COLOUR)
        self._set_message(key, text)

    def _set_message(self, key: str, text: str) -> None:
        label = self.field_errors[key]
        label.setText(text)
        label.setVisible(bool(text))
        # Wrapped labels do not make a shown dialog taller by themselves: reserve the lines.
        width = max(self.fields[key].width(), label.width(), 200)
        label.setMinimumHeight(label.heightForWidth(width) if text else 0)

    # -- saving ------------------------------------------------------------------------------

    def save(self) -> None:
        raise NotImplementedError

    def submit(self, op: Callable[[Any], Any]) -> None:
        """Run `op(session)` in one transaction; success closes the dialog."""
        if self.busy:
            return
        self.busy = True
        self.save_button.setEnabled(False)
        MutationOp(self, op, self._on_mutation_succeeded, self._on_mutation_failed).run(self.ops)

    def refuse(self, exc: ValidationError) -> None:
        """Show a refusal found before anything was sent to the database."""
        if not self.show_field_error(exc.field, str(exc)):
            self.show_error(str(exc))

    def _on_mutation_succeeded(self, result: Any) -> None:
        self.busy = False
        self.save_button.setEnabled(True)
        self.result_value = result
        self.saved.emit(result)
        self.accept()

    def _on_mutation_failed(self, exc: BaseException) -> None:
        self.busy = False
        self.save_button.setEnabled(True)
        if isinstance(exc, ValidationError) and self.show_field_error(exc.field, str(exc)):
            return
        if isinstance(exc, DomainError):
            self.show_error(str(exc))
            return
        self.show_error("The change was not saved.")
        show_error(self, exc, self.ops.log_path)

    @Slot()
    def _on_buttons_accepted(self) -> None:
        self.clear_errors()
        self.save()

    @Slot()
    def _on_buttons_rejected(self) -> None:
        self.reject()
