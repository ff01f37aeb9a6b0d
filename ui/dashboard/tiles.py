"""DashboardTile: a big number with a caption that opens the list behind it (click or key)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics, QKeyEvent, QMouseEvent, QResizeEvent
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QVBoxLayout, QWidget

# Local rules: the shared stylesheet styles plain cards; tiles add focus, hover and a tone.
TILE_STYLE = """
QFrame#dashboardTile {
    background: #ffffff;
    border: 1px solid #d9e2ec;
    border-left: 4px solid #9aa5b1;
    border-radius: 6px;
}
QFrame#dashboardTile:hover { background: #f5f7fa; }
QFrame#dashboardTile:focus { border: 2px solid #4c9aff; border-left: 4px solid #4c9aff; }
QFrame#dashboardTile[tone="attention"] { border-left-color: #d97706; }
QFrame#dashboardTile[tone="problem"] { border-left-color: #c62828; }
QFrame#dashboardTile[tone="good"] { border-left-color: #2e7d32; }
QLabel#tileCaption { color: #3e4c59; font-size: 13px; font-weight: 600; }
QLabel#tileValue { color: #1f2933; }
QLabel#tileDetail { color: #616e7c; font-size: 12px; }
QFrame#dashboardTile[tone="problem"] QLabel#tileValue { color: #b71c1c; }
QFrame#dashboardTile[tone="attention"] QLabel#tileValue { color: #8d5a00; }
"""

ACTIVATION_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space)
VALUE_PIXELS = 30  # the big number's size; long values (money) shrink to fit the tile
MIN_VALUE_PIXELS = 16


class DashboardTile(QFrame):
    """Focusable and clickable; Enter, Return or Space activates it like a click."""

    activated = Signal()

    def __init__(self, caption: str, hint: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="dashboardTile")
        self.caption = caption
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumSize(170, 112)
        self.setToolTip(hint)
        self.setProperty("tone", "neutral")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 10, 14, 10)
        layout.setSpacing(2)
        self.caption_label = QLabel(caption, objectName="tileCaption")
        self.value_label = QLabel("…", objectName="tileValue")
        self.detail_label = QLabel("", objectName="tileDetail")
        self.detail_label.setWordWrap(True)
        for label in (self.caption_label, self.value_label, self.detail_label):
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            layout.addWidget(label)
        layout.addStretch(1)
        self._fit_value()
        self.setAccessibleName(caption)
        self.setAccessibleDescription(hint)

    @property
    def value_text(self) -> str:
        return self.value_label.text()

    @property
    def detail_text(self) -> str:
        return self.detail_label.text()

    @property
    def tone(self) -> str:
        return str(self.property("tone"))

    def set_value(self, value: str, detail: str = "", tone: str = "neutral") -> None:
        """Show `value` (already formatted); tone is neutral, good, attention or problem."""
        self.value_label.setText(value)
        self.detail_label.setText(detail)
        self._fit_value()
        self.setAccessibleName(f"{self.caption}: {value}" + (f", {detail}" if detail else ""))
        if self.property("tone") != tone:
            self.setProperty("tone", tone)
            # A dynamic property only restyles after the style is re-applied.
            self.style().unpolish(self)
            self.style().polish(self)
            for label in (self.value_label, self.detail_label):
                label.style().unpolish(label)
                label.style().polish(label)

    def _fit_value(self) -> None:
        """The largest font (up to VALUE_PIXELS) at which the value fits the tile's width."""
        font = QFont(self.value_label.font())
        font.setWeight(QFont.Weight.DemiBold)
        room = self.contentsRect().width() - 34
        pixels = VALUE_PIXELS
        while pixels > MIN_VALUE_PIXELS:
            font.setPixelSize(pixels)
            if QFontMetrics(font).horizontalAdvance(self.value_label.text()) <= room:
                break
            pixels -= 2
        font.setPixelSize(pixels)
        self.value_label.setFont(font)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_value()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(
            event.position().toPoint()
        ):
            self.activated.emit()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in ACTIVATION_KEYS and not event.isAutoRepeat():
            self.activated.emit()
            event.accept()
            return
        super().keyPressEvent(event)
