"""TaskProgressDialog: shows a TaskState's progress and asks the task to stop on Cancel."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDialog, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from ui.ops import TaskState

STEPS = 1000


class TaskProgressDialog(QDialog):
    """Window-modal progress for one long task.

    Unlike QProgressDialog it stays up after Cancel ("Cancelling…") until the task really
    stopped, so nobody starts new work while a cancelled transaction is still rolling back.
    The owner calls finish() from the operation's success, failure or cancelled callback.
    """

    def __init__(self, task: TaskState, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.task = task
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumWidth(420)
        self.label = QLabel("Starting…")
        self.label.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, STEPS)
        self.cancel_button = QPushButton("Cancel")
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button, 0, Qt.AlignmentFlag.AlignRight)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        task.add_listener(self._on_task_progressed)
        self._finished = False

    def _on_task_progressed(self, text: str, fraction: float | None) -> None:
        if self._finished:
            return
        if not self.task.cancelled:
            self.label.setText(text)
        if fraction is None:
            self.bar.setRange(0, 0)  # busy indicator
        else:
            self.bar.setRange(0, STEPS)
            self.bar.setValue(round(fraction * STEPS))

    @Slot()
    def _on_cancel_button_clicked(self) -> None:
        self.request_cancel()

    def request_cancel(self) -> None:
        self.task.cancel()
        self.label.setText("Cancelling…")
        self.cancel_button.setEnabled(False)

    def finish(self) -> None:
        """Close for good (the task is over)."""
        self._finished = True
        self.done(QDialog.DialogCode.Accepted)
        self.deleteLater()

    def reject(self) -> None:
        # Escape and the close button ask the task to stop instead of hiding the dialog.
        if self._finished:
            super().reject()
        else:
            self.request_cancel()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._finished:
            super().closeEvent(event)
        else:
            event.ignore()
            self.request_cancel()
