"""PlaceholderPanel: a page for a workflow whose issue has not landed yet, saying what is coming."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from ui.ops import Ops
from ui.panel import Panel


class PlaceholderPanel(Panel):
    """Says plainly that the workflow is not built yet and what it will offer."""

    def __init__(self, ops: Ops, title: str, coming: str, parent: QWidget | None = None):
        super().__init__(ops, title, parent=parent)
        self.message = f"{title} — not built yet. Coming next: {coming}"
        notice = QLabel(self.message, objectName="notBuilt")
        notice.setWordWrap(True)
        notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.body.addWidget(notice)
        self.body.addStretch(1)
