"""Layout helpers shared by the reports and the dashboard: a frameless scrolling body."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QLayout, QScrollArea, QVBoxLayout, QWidget


def scroll_area(parent_layout: QLayout) -> QScrollArea:
    """A frameless QScrollArea added to `parent_layout`, holding a QWidget with a QVBoxLayout
    (its `widget().layout()`). The content fills the area and scrolls only when the window is
    smaller than the content's minimum size, so one wide page cannot force the main window's
    minimum size up."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    content = QWidget()
    content.setObjectName("scrollContent")
    layout = QVBoxLayout(content)
    layout.setContentsMargins(0, 0, 4, 0)
    layout.setSpacing(12)
    area.setWidget(content)
    area.viewport().setAutoFillBackground(False)
    content.setAutoFillBackground(False)
    parent_layout.addWidget(area, 1)
    return area
