"""Big, high-contrast pieces of the scanning screens: scan field, status banner, tone styles."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QPushButton, QSizePolicy, QWidget

from ui.widgets.scan_line_edit import ScanLineEdit
from ui.widgets.tone import set_tone as set_tone  # re-exported

IDLE, ACTIVE, OK, WARNING, ERROR = "idle", "active", "ok", "warning", "error"

BANNER_MIN_HEIGHT = 80

BIG_SCAN_STYLE = """
QLineEdit {
    font-size: 30px; font-weight: 600; padding: 8px 14px;
    border: 3px solid #9aa5b1; border-radius: 6px; background: #ffffff; color: #1f2933;
}
QLineEdit:focus { border: 3px solid #1565c0; }
QLineEdit[scanState="ok"] { background: #d7f5dd; border: 3px solid #2e7d32; }
QLineEdit[scanState="error"] { background: #fde3e0; border: 3px solid #c62828; }
QLineEdit[scanState="warning"] { background: #fff1cc; border: 3px solid #c77700; }
"""

# Panel-local: the application stylesheet knows nothing of the station.
STATION_STYLE = """
QLabel#stationBanner {
    font-size: 30px; font-weight: 700; padding: 14px 20px; border-radius: 8px;
    background: #e4e7eb; color: #1f2933;
}
QLabel#stationBanner[tone="active"] { background: #0b4f9c; color: #ffffff; }
QLabel#stationBanner[tone="ok"] { background: #1b7f2a; color: #ffffff; }
QLabel#stationBanner[tone="warning"] { background: #f2a900; color: #1f1300; }
QLabel#stationBanner[tone="error"] { background: #c62828; color: #ffffff; }
QLabel#orderNumber { font-size: 30px; font-weight: 700; color: #1f2933; }
QLabel#customerName { font-size: 26px; color: #1f2933; }
QLabel#orderNotes {
    font-size: 19px; color: #5c3c00; background: #fff1cc; border: 2px solid #f0c24b;
    border-radius: 6px; padding: 6px 10px;
}
QLabel#bigCounter { font-size: 64px; font-weight: 800; color: #1f2933; }
QLabel#bigCounter[tone="ok"] { color: #1b7f2a; }
QLabel#counterCaption { font-size: 16px; color: #52606d; }
QLabel#chip {
    font-size: 16px; font-weight: 600; color: #0b4f9c; background: #dbeafe;
    border-radius: 12px; padding: 4px 12px;
}
QLabel#fieldCaption { font-size: 17px; font-weight: 600; color: #323f4b; }
QLabel#hint { font-size: 14px; color: #616e7c; }
QTableView#stationLines { font-size: 22px; }
QTableView#stationLines QHeaderView::section { font-size: 15px; font-weight: 600; padding: 6px; }
QPushButton#stationButton {
    font-size: 18px; font-weight: 600; padding: 6px 12px; min-height: 28px; text-align: left;
}
QPushButton#doneButton {
    font-size: 24px; font-weight: 800; padding: 8px 18px; min-height: 40px;
    background: #1b7f2a; color: #ffffff; border: none; border-radius: 6px;
}
QPushButton#doneButton:disabled { background: #9fb8a3; color: #eef2ee; }
QLineEdit#weightField, QComboBox#boxCombo { font-size: 20px; padding: 4px 8px; min-height: 28px; }
QFrame#shipSection { background: #eef6ff; border: 2px solid #90b8e8; border-radius: 8px; }
QLabel#idleHelp {
    font-size: 21px; color: #3e4c59; background: #ffffff; border: 1px solid #d9e2ec;
    border-radius: 8px; padding: 18px 22px;
}
QLabel#shipTitle { font-size: 22px; font-weight: 700; color: #0b3d75; }
"""


class StationScanField(ScanLineEdit):
    """The scan field in large type; feedback colours without ScanLineEdit's own beep (the
    station plays its own sounds)."""

    def __init__(self, parent: QWidget | None = None, *, placeholder: str) -> None:
        super().__init__(parent, keep_focus=True, placeholder=placeholder)
        self.setStyleSheet(BIG_SCAN_STYLE)
        self.setMinimumHeight(64)
        self.setAccessibleName("Scan field")

    def flash(self, state: str) -> None:
        """Colour the field for a moment: "ok", "warning" or "error"."""
        self._flash(state)


class StatusBanner(QLabel):
    """One big line (or two) saying what just happened, coloured by its tone."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="stationBanner")
        self.setWordWrap(True)
        self.floor_height = BANNER_MIN_HEIGHT  # the height even a short message gets
        self.setMinimumHeight(self.floor_height)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setAccessibleName("Status")

    @property
    def tone(self) -> str:
        return str(self.property("tone") or IDLE)

    def show_message(self, text: str, tone: str = IDLE) -> None:
        self.setText(text)
        set_tone(self, tone)
        self._fit_height()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_height()

    def _fit_height(self) -> None:
        # The station's layout does not ask wrapped labels for their height: a message that
        # wraps to a second line would be clipped, so the banner grows to fit it.
        needed = max(self.floor_height, self.heightForWidth(self.width()))
        if needed != self.minimumHeight():
            self.setMinimumHeight(needed)


def station_button(text: str, tooltip: str, *, name: str = "stationButton") -> QPushButton:
    """A big button that never takes focus, so a click leaves the cursor in the scan field."""
    button = QPushButton(text, objectName=name)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    button.setToolTip(tooltip)
    return button
