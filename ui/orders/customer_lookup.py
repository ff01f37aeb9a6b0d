"""CustomerLookup: type-ahead over existing customers on an entry field (email or name)."""

from __future__ import annotations

from PySide6.QtCore import QObject, QStringListModel, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QCompleter, QLineEdit

from app.orders.customers import CustomerMatch, find_customers
from ui.ops import Ops, QueryOp

LOOKUP_DELAY_MS = 200


class CustomerLookup(QObject):
    """Offers matching customers under `edit` as the clerk types; `picked` carries the choice.

    The search runs off the GUI thread once typing pauses; answers to older text are dropped.
    """

    picked = Signal(object)  # CustomerMatch

    def __init__(self, ops: Ops, edit: QLineEdit, parent: QObject | None = None) -> None:
        super().__init__(parent or edit)
        self._ops = ops
        self._edit = edit
        self._matches: dict[str, CustomerMatch] = {}
        self._model = QStringListModel(self)
        self.completer = QCompleter(self._model, self)
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setWidget(edit)
        self.completer.activated[str].connect(self._on_completer_activated)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(LOOKUP_DELAY_MS)
        self._timer.timeout.connect(self.lookup_now)
        edit.textEdited.connect(self._on_edit_text_edited)

    def set_delay(self, milliseconds: int) -> None:
        self._timer.setInterval(milliseconds)

    @Slot(str)
    def _on_edit_text_edited(self, _text: str) -> None:
        self._timer.start()

    @Slot()
    def lookup_now(self) -> None:
        text = self._edit.text()
        QueryOp(
            self, lambda s: find_customers(s, text), lambda matches: self._show(text, matches)
        ).run(self._ops)

    def _show(self, text: str, matches: list[CustomerMatch]) -> None:
        if text != self._edit.text():
            return  # the clerk typed on; a newer lookup is coming
        self._matches = {match.label: match for match in matches}
        self._model.setStringList(list(self._matches))
        if matches and self._edit.hasFocus():
            self.completer.complete()

    def matches(self) -> list[CustomerMatch]:
        return list(self._matches.values())

    @Slot(str)
    def _on_completer_activated(self, label: str) -> None:
        match = self._matches.get(label)
        if match is not None:
            self.picked.emit(match)
