"""The station's order lines: a small table model (SKU, name, scanned/needed) and progress bars."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from app.shipping.dto import ShipmentLineView

SKU, NAME, COUNT, PROGRESS = range(4)
TITLES = ("SKU", "Product", "Scanned", "Progress")
FractionRole = Qt.ItemDataRole.UserRole + 1

DONE_BACKGROUND = QColor("#d7f5dd")
DONE_FOREGROUND = QColor("#145a1f")
LAST_BACKGROUND = QColor("#dbeafe")
BAR_TRACK = QColor("#e4e7eb")
BAR_FILL = QColor("#1565c0")
BAR_DONE = QColor("#1b7f2a")


class StationLinesModel(QAbstractTableModel):
    """The lines of the shipment on the bench; a scan updates one row, not the whole table."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lines: list[ShipmentLineView] = []
        self._last_line_id: int | None = None
        self._bold = QFont()
        self._bold.setBold(True)

    def lines(self) -> list[ShipmentLineView]:
        return list(self._lines)

    @property
    def last_line_id(self) -> int | None:
        return self._last_line_id

    def set_lines(self, lines: tuple[ShipmentLineView, ...] | list[ShipmentLineView]) -> int | None:
        """Show `lines`; returns the row whose count changed (the one just scanned), if one."""
        lines = list(lines)
        if [li.id for li in lines] != [li.id for li in self._lines]:
            self.beginResetModel()
            self._lines = lines
            self._last_line_id = None
            self.endResetModel()
            return None
        changed = [
            row for row, (old, new) in enumerate(zip(self._lines, lines, strict=True)) if old != new
        ]
        previous = self._last_line_id
        self._lines = lines
        if changed:
            self._last_line_id = lines[changed[-1]].id
        for row in changed + [r for r, li in enumerate(lines) if li.id == previous]:
            self.dataChanged.emit(self.index(row, 0), self.index(row, PROGRESS))
        return changed[-1] if changed else None

    def clear(self) -> None:
        self.set_lines([])

    # -- Qt model ----------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._lines)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(TITLES)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._lines)):
            return None
        line = self._lines[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == SKU:
                return line.sku
            if column == NAME:
                return line.name
            if column == COUNT:
                return f"{line.verified} / {line.quantity}" + ("  ✓" if line.complete else "")
            return ""
        if role == FractionRole:
            return min(line.verified / line.quantity, 1.0) if line.quantity else 1.0
        if role == Qt.ItemDataRole.FontRole and column in (SKU, COUNT):
            return self._bold
        if role == Qt.ItemDataRole.BackgroundRole:
            if line.complete:
                return DONE_BACKGROUND
            if line.id == self._last_line_id:
                return LAST_BACKGROUND
            return None
        if role == Qt.ItemDataRole.ForegroundRole and line.complete:
            return DONE_FOREGROUND
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column == COUNT:
                return int(Qt.AlignmentFlag.AlignCenter)
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{line.sku} {line.name}" + (f" — GTIN {line.gtin}" if line.gtin else "")
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        # Explicit values only: never super().headerData() (PySide6 crash, see DESIGN.md §3).
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return TITLES[section] if 0 <= section < len(TITLES) else None
        return str(section + 1)


class ProgressDelegate(QStyledItemDelegate):
    """Paints a thick progress bar from FractionRole: blue while counting, green when done."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        super().paint(painter, option, index)
        fraction = index.data(FractionRole)
        if fraction is None:
            return
        rect = QRectF(option.rect).adjusted(10, 0, -10, 0)
        height = min(22.0, rect.height() - 12)
        bar = QRectF(rect.left(), rect.center().y() - height / 2, rect.width(), height)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(BAR_TRACK)
        painter.drawRoundedRect(bar, 6, 6)
        if fraction > 0:
            filled = QRectF(bar.left(), bar.top(), bar.width() * float(fraction), bar.height())
            painter.setBrush(BAR_DONE if fraction >= 1 else BAR_FILL)
            painter.drawRoundedRect(filled, 6, 6)
        painter.restore()


def make_lines_view(model: StationLinesModel, parent: QWidget | None = None) -> QTableView:
    """A read-only table with tall rows for the station lines; never takes focus."""
    view = QTableView(parent, objectName="stationLines")
    view.setModel(model)
    view.setItemDelegateForColumn(PROGRESS, ProgressDelegate(view))
    view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    view.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(False)
    view.setShowGrid(False)
    view.setWordWrap(False)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(58)
    header = view.horizontalHeader()
    header.setSectionResizeMode(SKU, QHeaderView.ResizeMode.Interactive)
    header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
    header.setSectionResizeMode(COUNT, QHeaderView.ResizeMode.Fixed)
    header.setSectionResizeMode(PROGRESS, QHeaderView.ResizeMode.Fixed)
    view.setColumnWidth(SKU, 170)
    view.setColumnWidth(COUNT, 120)
    view.setColumnWidth(PROGRESS, 140)
    return view
