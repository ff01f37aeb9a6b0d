"""Questions to the user (confirmations, file choices) in one place so tests can stub them."""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

CSV_FILTER = "CSV files (*.csv);;All files (*)"


def confirm(parent: QWidget | None, title: str, text: str) -> bool:
    """Ask a yes/no question; True when the user said yes."""
    answer = QMessageBox.question(
        parent,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


def choose_open_file(parent: QWidget | None, caption: str, name_filter: str = CSV_FILTER) -> str:
    """A file to read, or "" when the user cancelled."""
    chosen, _ = QFileDialog.getOpenFileName(parent, caption, "", name_filter)
    return chosen


def choose_save_file(
    parent: QWidget | None, caption: str, suggested: str, name_filter: str = CSV_FILTER
) -> str:
    """A file to write, or "" when the user cancelled."""
    chosen, _ = QFileDialog.getSaveFileName(parent, caption, suggested, name_filter)
    return chosen
