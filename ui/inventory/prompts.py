"""Questions to the user (confirmations, file choices) in one place so tests can stub them."""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QWidget

from ui.widgets.questions import confirm as confirm  # re-exported: tests stub it here

CSV_FILTER = "CSV files (*.csv);;All files (*)"


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
