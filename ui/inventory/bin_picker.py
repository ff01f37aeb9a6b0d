"""BinPicker: choose a bin from a list grouped by location, or type or scan its code."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QComboBox, QCompleter, QWidget

from app.inventory.dto import BinInfo
from app.scanning import ScanKind, classify_scan
from ui.inventory.forms import ReturnKeyFilter, set_invalid

ID_ROLE = Qt.ItemDataRole.UserRole


class BinPicker(QComboBox):
    """An editable combo of bins in walk order, grouped by location (separators between).

    Typing "A-01-02", "HAM/A-01-02" or scanning a bin label ("BIN/HAM/A-01-02") and pressing
    Enter selects that bin; an unknown code is marked invalid and `bin_id()` returns None.
    """

    bin_chosen = Signal(object)  # bin id or None

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setMaxVisibleItems(20)
        self.setMinimumContentsLength(18)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        completer = QCompleter(self.model(), self)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setCompleter(completer)
        self.lineEdit().setPlaceholderText("Type or scan a bin")
        self._bins: list[BinInfo] = []
        self._return_filter = ReturnKeyFilter(self.lineEdit(), self._on_line_return_pressed)
        self.lineEdit().editingFinished.connect(self._on_line_editing_finished)
        self.currentIndexChanged.connect(self._on_self_current_index_changed)

    def set_bins(
        self,
        bins: Sequence[BinInfo],
        *,
        on_hand: Mapping[int, int] | None = None,
        selected: int | None = None,
    ) -> None:
        """Fill with `bins` (walk order); `on_hand` annotates bins holding the product."""
        self.blockSignals(True)
        self.clear()
        self._bins = list(bins)
        location = None
        for info in self._bins:
            if location is not None and info.location_code != location:
                self.insertSeparator(self.count())
            location = info.location_code
            text = f"{info.location_code}/{info.code}"
            if info.kind != "storage":
                text += f" · {info.kind}"
            if on_hand and on_hand.get(info.id):
                text += f" · {on_hand[info.id]:,} on hand"
            self.addItem(text, info.id)
        self.setCurrentIndex(-1)
        self.blockSignals(False)
        if selected is not None:
            self.select_bin(selected)
        elif self._bins:
            self.setCurrentIndex(0)
        else:
            self.lineEdit().clear()

    def bins(self) -> list[BinInfo]:
        return list(self._bins)

    def bin_id(self) -> int | None:
        """The chosen bin, resolving typed text that was not confirmed with Enter."""
        index = self.currentIndex()
        if index >= 0 and self.itemText(index) == self.currentText():
            return self.itemData(index, ID_ROLE)
        found = self.resolve(self.currentText())
        return found.id if found is not None else None

    def select_bin(self, bin_id: int) -> bool:
        index = self.findData(bin_id, ID_ROLE)
        if index < 0:
            return False
        self.setCurrentIndex(index)
        self.setEditText(self.itemText(index))
        return True

    def select_code(self, text: str) -> bool:
        """Select the bin a typed or scanned code names; False (marked invalid) if none."""
        found = self.resolve(text)
        set_invalid(self, found is None and bool(text.strip()))
        if found is None:
            return False
        return self.select_bin(found.id)

    def resolve(self, text: str) -> BinInfo | None:
        """The bin `text` names: an item's text, LOC/CODE, a bin label scan, or a unique code."""
        text = text.strip()
        if not text:
            return None
        for info in self._bins:
            index = self.findData(info.id, ID_ROLE)
            if index >= 0 and self.itemText(index).casefold() == text.casefold():
                return info
        scan = classify_scan(text)
        location = None
        code = text.upper()
        if scan is not None and scan.kind == ScanKind.BIN:
            location, code = scan.location_code, scan.value
        elif "/" in code:
            head, _, tail = code.partition("/")
            if any(b.location_code == head for b in self._bins):
                location, code = head, tail
        matches = [b for b in self._bins if b.code == code and location in (None, b.location_code)]
        return matches[0] if len(matches) == 1 else None

    def _confirm_text(self) -> None:
        text = self.currentText()
        index = self.currentIndex()
        if index >= 0 and self.itemText(index) == text:
            set_invalid(self, False)
            return
        self.select_code(text)

    def _on_line_return_pressed(self) -> None:
        self._confirm_text()
        if self.bin_id() is not None:
            self.focusNextChild()

    @Slot()
    def _on_line_editing_finished(self) -> None:
        self._confirm_text()

    @Slot(int)
    def _on_self_current_index_changed(self, _index: int) -> None:
        set_invalid(self, False)
        self.bin_chosen.emit(self.bin_id())
