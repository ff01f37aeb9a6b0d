"""Shared pieces of the returns screens: a short-list table model, tables, toned messages, style."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QAbstractTableModel, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView

from ui.widgets.list_table import ListTableModel

OK_BACKGROUND = QColor("#e3f6e6")
WARN_BACKGROUND = QColor("#fff1cc")
HIGHLIGHT_BACKGROUND = QColor("#d6e8ff")
MUTED_FOREGROUND = QColor("#7b8794")

DISPOSITION_COLOURS = {
    "restock": ("#2e7d32", "#e3f6e6"),
    "quarantine": ("#b26a00", "#fff1cc"),
    "scrap": ("#c62828", "#fde3e0"),
    "return_to_vendor": ("#6a3fb5", "#efe7fb"),
}

# Panel-local styles (the application stylesheet knows nothing of these object names).
RETURNS_STYLE = """
QLabel#stationMessage {
    font-size: 18px; font-weight: 600; padding: 10px 14px; border-radius: 6px;
    background: #eef2f7; color: #323f4b;
}
QLabel#stationMessage[tone="ok"] { background: #d7f5dd; color: #1b5e20; }
QLabel#stationMessage[tone="warning"] { background: #fff1cc; color: #7a4b00; }
QLabel#stationMessage[tone="error"] { background: #fde3e0; color: #9b1c1c; }
QLabel#notice { padding: 6px 10px; border-radius: 4px; background: transparent; }
QLabel#notice[tone="ok"] { background: #e3f6e6; color: #1b5e20; }
QLabel#notice[tone="warning"] { background: #fff1cc; color: #7a4b00; }
QLabel#notice[tone="error"] { background: #fde3e0; color: #9b1c1c; }
QLabel#stationHeading, QLabel#detailHeading { font-size: 19px; font-weight: 600; color: #1f2933; }
QLabel#stationTarget { font-size: 16px; font-weight: 600; color: #1f2933; }
QLabel#chooserLabel { font-size: 14px; font-weight: 600; color: #3e4c59; min-width: 90px; }
QTableView#stationTable { font-size: 15px; }
QLabel#sectionTitle { font-size: 14px; font-weight: 600; color: #1f2933; }
QLabel#rmaNumber { font-size: 30px; font-weight: 700; color: #1b5e20; }
QPushButton[toggle="true"] {
    font-size: 15px; font-weight: 600; padding: 6px 12px; min-height: 46px; min-width: 104px;
    border: 2px solid #9aa5b1; border-radius: 6px; background: #ffffff; color: #323f4b;
}
QPushButton[toggle="true"]:checked { background: #1f6feb; border-color: #174ea6; color: #ffffff; }
QPushButton#disp_restock:checked { background: #2e7d32; border-color: #1b5e20; }
QPushButton#disp_quarantine:checked { background: #c77700; border-color: #8d5a00; }
QPushButton#disp_scrap:checked { background: #c62828; border-color: #8e1b1b; }
QPushButton#disp_return_to_vendor:checked { background: #6a3fb5; border-color: #4a2a80; }
"""


def set_tone(label: QLabel, text: str, tone: str = "") -> None:
    """Show `text` on a message label coloured by tone: '', ok, warning or error."""
    label.setText(text)
    if label.property("tone") != tone:
        label.setProperty("tone", tone)
        label.style().unpolish(label)  # dynamic properties only restyle after a re-polish
        label.style().polish(label)


def make_table(model: QAbstractTableModel, *, station: bool = False) -> QTableView:
    """A read-only table view: whole-row single selection, no editing, stretch last column."""
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.setTabKeyNavigation(False)
    view.verticalHeader().hide()
    header = view.horizontalHeader()
    header.setStretchLastSection(True)
    header.setHighlightSections(False)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    if station:
        view.setObjectName("stationTable")
        view.verticalHeader().setDefaultSectionSize(32)
    else:
        view.verticalHeader().setDefaultSectionSize(24)
    return view


def set_column_widths(view: QTableView, widths: Sequence[int]) -> None:
    """Pixel widths per column; a negative width makes the column stretch."""
    header = view.horizontalHeader()
    for column, width in enumerate(widths):
        if width > 0:
            header.resizeSection(column, width)
        elif width < 0:
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)


__all__ = ["ListTableModel", "make_table", "set_column_widths", "set_tone"]
