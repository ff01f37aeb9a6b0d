"""Shared pieces of the returns screens: colours, the panel style; tables and toned messages
(re-exported from ui.widgets)."""

from __future__ import annotations

from PySide6.QtGui import QColor

from ui.widgets.tables import make_table, set_column_widths
from ui.widgets.tone import show_toned

OK_BACKGROUND = QColor("#e3f6e6")
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


__all__ = ["make_table", "set_column_widths", "show_toned"]
