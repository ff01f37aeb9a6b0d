"""Panel: the base of every main-window page (title, lazy refresh when relevant data changed)."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.changes import ChangeSet
from ui.ops import Ops


class Panel(QWidget):
    """A page in the main window.

    Subclasses set `refresh_on` to the ChangeSet kinds they show and implement `refresh()`.
    A hidden panel only marks itself stale and reloads when shown, so one write never fans out
    into queries for pages nobody is looking at. The first show loads the panel.
    """

    refresh_on: tuple[str, ...] = ()

    def __init__(self, ops: Ops, title: str, subtitle: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.ops = ops
        self._stale = True
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(28, 22, 28, 18)
        self.body.setSpacing(12)
        self.title_label = QLabel(title, objectName="panelTitle")
        self.body.addWidget(self.title_label)
        if subtitle:
            sub = QLabel(subtitle, objectName="panelSubtitle")
            sub.setWordWrap(True)
            self.body.addWidget(sub)
        if self.refresh_on:
            ops.changes_applied.connect(self._on_ops_changes_applied)

    def refresh(self) -> None:
        """Reload what the panel shows (F5). The base panel has nothing to load."""
        self._stale = False

    @property
    def stale(self) -> bool:
        return self._stale

    @Slot(object)
    def _on_ops_changes_applied(self, changes: ChangeSet) -> None:
        if not changes.touches(*self.refresh_on):
            return
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()
