"""RowsTableModel: a short, fully loaded list of DTOs as a table (pick lists, lines, mail)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt

from ui.widgets.paged_table import Column


class RowsTableModel(QAbstractTableModel):
    """For lists that are small by nature; big tables use PagedTableModel. Rows need an `id`
    (or `id_of` says how to get one). `replace_row` updates one row in place after a scan."""

    IdRole = Qt.ItemDataRole.UserRole + 1
    RowRole = Qt.ItemDataRole.UserRole + 2

    def __init__(
        self,
        columns: list[Column],
        *,
        row_background: Callable[[Any], Any] | None = None,
        row_foreground: Callable[[Any], Any] | None = None,
        id_of: Callable[[Any], Any] = lambda row: row.id,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._columns = columns
        self._rows: list[Any] = []
        self._row_background = row_background
        self._row_foreground = row_foreground
        self._id_of = id_of

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[Any]:
        return list(self._rows)

    def row_at(self, row: int) -> Any:
        return self._rows[row]

    def row_of_id(self, row_id: Any) -> int | None:
        for index, item in enumerate(self._rows):
            if self._id_of(item) == row_id:
                return index
        return None

    def replace_row(self, item: Any) -> int | None:
        """Swap in a newer version of a row (same id); returns its row number, if shown."""
        row = self.row_of_id(self._id_of(item))
        if row is not None:
            self._rows[row] = item
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(self._columns) - 1))
        return row

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        row = self._rows[index.row()]
        column = self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            value = column.display(row)
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column.align_right:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and column.tooltip is not None:
            return column.tooltip(row)
        if role == Qt.ItemDataRole.BackgroundRole and self._row_background is not None:
            return self._row_background(row)
        if role == Qt.ItemDataRole.ForegroundRole and self._row_foreground is not None:
            return self._row_foreground(row)
        if role == self.IdRole:
            return self._id_of(row)
        if role == self.RowRole:
            return row
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        # Explicit values only: never super().headerData() (PySide6 crash, see DESIGN.md §3).
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self._columns[section].title if 0 <= section < len(self._columns) else None
        return str(section + 1)
