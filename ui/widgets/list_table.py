"""ListTableModel: a short, fully loaded list of DTOs as a table (lines of one document,
suppliers, pick lists, mail). Big tables use PagedTableModel instead."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt
from PySide6.QtGui import QColor, QFont

from ui.widgets.paged_table import Column


def _default_id(row: Any) -> Any:
    return getattr(row, "id", None)


class ListTableModel(QAbstractTableModel):
    """Rows are DTOs; roles IdRole (`id_of(row)`, default `row.id`) and RowRole (the DTO).

    `row_background`/`row_foreground`/`row_bold` style whole rows, `cell_background(row, key)`
    single cells. Cells for which `editable(row, key)` is true are edited in place:
    `edit_value(row, key)` gives the editor's start value and `commit(row_index, key, value)`
    applies it (returning False refuses the edit).
    """

    IdRole = Qt.ItemDataRole.UserRole + 1
    RowRole = Qt.ItemDataRole.UserRole + 2

    def __init__(
        self,
        columns: list[Column],
        *,
        row_background: Callable[[Any], QColor | None] | None = None,
        row_foreground: Callable[[Any], QColor | None] | None = None,
        row_bold: Callable[[Any], bool] | None = None,
        cell_background: Callable[[Any, str], QColor | None] | None = None,
        editable: Callable[[Any, str], bool] | None = None,
        edit_value: Callable[[Any, str], Any] | None = None,
        commit: Callable[[int, str, Any], bool] | None = None,
        id_of: Callable[[Any], Any] = _default_id,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._columns = columns
        self._rows: list[Any] = []
        self._row_background = row_background
        self._row_foreground = row_foreground
        self._row_bold = row_bold
        self._cell_background = cell_background
        self._editable = editable
        self._edit_value = edit_value
        self._commit = commit
        self._id_of = id_of

    # -- rows -------------------------------------------------------------------------------
    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[Any]:
        return list(self._rows)

    def row_at(self, row: int) -> Any:
        return self._rows[row]

    def column_of(self, key: str) -> int:
        return next(i for i, column in enumerate(self._columns) if column.key == key)

    def row_of_id(self, row_id: Any) -> int | None:
        return next((i for i, item in enumerate(self._rows) if self._id_of(item) == row_id), None)

    def replace_at(self, row: int, item: Any) -> None:
        self._rows[row] = item
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self._columns) - 1))

    def replace_row(self, item: Any) -> int | None:
        """Swap in a newer version of a row (same id); returns its row number, if shown."""
        row = self.row_of_id(self._id_of(item))
        if row is not None:
            self.replace_at(row, item)
        return row

    # -- Qt model ---------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def _is_editable(self, index: QModelIndex) -> bool:
        if self._editable is None or not (0 <= index.row() < len(self._rows)):
            return False
        return self._editable(self._rows[index.row()], self._columns[index.column()].key)

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self._is_editable(index):
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        row = self._rows[index.row()]
        column = self._columns[index.column()]
        editing = role == Qt.ItemDataRole.EditRole and self._edit_value is not None
        if editing and self._is_editable(index):
            return self._edit_value(row, column.key)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            value = column.display(row)
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            right = column.align_right
            horizontal = Qt.AlignmentFlag.AlignRight if right else Qt.AlignmentFlag.AlignLeft
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and column.tooltip is not None:
            return column.tooltip(row)
        if role == Qt.ItemDataRole.BackgroundRole:
            if self._cell_background is not None:
                color = self._cell_background(row, column.key)
                if color is not None:
                    return color
            return self._row_background(row) if self._row_background is not None else None
        if role == Qt.ItemDataRole.ForegroundRole and self._row_foreground is not None:
            return self._row_foreground(row)
        if role == Qt.ItemDataRole.FontRole and self._row_bold is not None and self._row_bold(row):
            font = QFont()
            font.setBold(True)
            return font
        if role == self.IdRole:
            return self._id_of(row)
        if role == self.RowRole:
            return row
        return None

    def setData(self, index: QModelIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not self._is_editable(index) or not self._commit:
            return False
        return bool(self._commit(index.row(), self._columns[index.column()].key, value))

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        # Values are returned explicitly: never super().headerData() (PySide6 6.12 crash).
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self._columns[section].title if 0 <= section < len(self._columns) else None
        return str(section + 1)
