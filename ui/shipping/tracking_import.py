"""TrackingImportDialog: ship packed shipments from a CSV of tracking numbers.

The work is app.shipping.tracking_import.import_tracking_numbers: columns order (SO-…) or
shipment (SH-…), carrier, tracking number; all or nothing, every bad row listed.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.audit import default_actor
from app.errors import DomainError
from app.shipping.tracking_import import import_tracking_numbers
from ui.errors import user_message
from ui.ops import MutationOp, Ops
from ui.shipping import prompts

log = logging.getLogger(__name__)


class TrackingImportDialog(QDialog):
    """Choose the file, check it (a dry run), then import: each row ships one packed shipment."""

    def __init__(self, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.actor = default_actor()
        self.setWindowTitle("Import tracking numbers")
        intro = QLabel(
            "A CSV with the columns: order or shipment number, carrier, tracking number.\n"
            "Each row ships that packed shipment with its tracking number. Nothing is written "
            "when any row is wrong."
        )
        intro.setWordWrap(True)
        self.path_field = QLineEdit(placeholderText="Choose a CSV file")
        self.path_field.setReadOnly(True)
        self.browse_button = QPushButton("Choose file…")
        self.browse_button.clicked.connect(self._on_browse_button_clicked)
        self.notify_box = QCheckBox("Email the customers")
        self.notify_box.setChecked(True)
        self.result_text = QPlainTextEdit(readOnly=True)
        self.check_button = QPushButton("Check file")
        self.import_button = QPushButton("Import")
        self.check_button.clicked.connect(self._on_check_button_clicked)
        self.import_button.clicked.connect(self._on_import_button_clicked)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.check_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        file_row = QHBoxLayout()
        file_row.addWidget(self.path_field, 1)
        file_row.addWidget(self.browse_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(file_row)
        layout.addWidget(self.notify_box)
        layout.addWidget(self.result_text, 1)
        layout.addWidget(buttons)
        self.resize(620, 380)
        self._update_buttons()

    def set_path(self, path: str) -> None:
        self.path_field.setText(path)
        self._update_buttons()

    def _update_buttons(self) -> None:
        ready = bool(self.path_field.text())
        self.check_button.setEnabled(ready)
        self.import_button.setEnabled(ready)

    @Slot()
    def _on_browse_button_clicked(self) -> None:
        chosen = prompts.choose_csv_file(self, "Import tracking numbers")
        if chosen:
            self.set_path(chosen)

    @Slot()
    def _on_check_button_clicked(self) -> None:
        self.run(dry_run=True)

    @Slot()
    def _on_import_button_clicked(self) -> None:
        self.run(dry_run=False)

    def run(self, *, dry_run: bool) -> None:
        path, actor, notify = self.path_field.text(), self.actor, self.notify_box.isChecked()
        self.result_text.setPlainText("Checking…" if dry_run else "Importing…")
        MutationOp(
            self,
            lambda session: import_tracking_numbers(
                session, path, actor=actor, notify_customer=notify, dry_run=dry_run
            ),
            lambda result: self._on_done(result, dry_run),
            self._on_failed,
        ).run(self.ops)

    def _on_done(self, result: Any, dry_run: bool) -> None:
        shipped = ", ".join(getattr(result, "shipped", ()) or ())
        text = getattr(result, "message", "") or ("File is fine" if dry_run else "Imported")
        self.result_text.setPlainText(text + (f"\n{shipped}" if shipped else ""))

    def _on_failed(self, exc: BaseException) -> None:
        if not isinstance(exc, DomainError):
            log.error("tracking import failed", exc_info=(type(exc), exc, exc.__traceback__))
        problems = getattr(exc, "problems", None)
        text = user_message(exc, self.ops.log_path)
        if problems:
            text += "\n\n" + "\n".join(str(problem) for problem in problems)
        self.result_text.setPlainText(text)


def show_import_dialog(parent: QWidget | None, ops: Ops) -> TrackingImportDialog:
    """Open the dialog window-modally (no nested event loop); tests may replace this."""
    dialog = TrackingImportDialog(ops, parent)
    dialog.open()
    return dialog
