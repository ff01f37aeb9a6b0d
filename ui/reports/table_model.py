"""ReportTableModel: a small read-only table of typed report cells, shown and exported alike."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

from ui.reports.formatting import Money

SORT_ROLE = Qt.ItemDataRole.UserRole
NUMERIC_KINDS = ("int", "money", "percent", "float")
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


@dataclass(frozen=True, slots=True)
class Column:
    """header; kind: text, int, money (a Money cell), percent (0..1), float; digits for float."""

    header: str
    kind: str = "text"
    digits: int = 1


def cell_text(value: Any, column: Column) -> str:
    """What a person reads in the table."""
    if value is None:
        return "—" if column.kind in NUMERIC_KINDS else ""
    if isinstance(value, Money):
        return value.text()
    if column.kind == "int":
        return f"{value:,}"
    if column.kind == "percent":
        return f"{value * 100:.1f} %"
    if column.kind == "float":
        return f"{value:,.{column.digits}f}"
    return str(value)


def csv_text(value: Any, column: Column) -> str:
    """What a spreadsheet reads: plain numbers ('.' decimal point, no separators), money as
    decimal text without a symbol, percentages as percent numbers, empty for no value."""
    if value is None:
        return ""
    if isinstance(value, Money):
        return value.decimal()
    if column.kind == "int":
        return str(int(value))
    if column.kind == "percent":
        return f"{value * 100:.2f}"
    if column.kind == "float":
        return f"{value:.{max(column.digits, 2)}f}"
    return str(value)


def _sort_key(value: Any, column: Column) -> Any:
    if isinstance(value, Money):
        return value.minor
    if column.kind in NUMERIC_KINDS:
        return float("-inf") if value is None else value
    return "" if value is None else str(value).casefold()


class ReportTableModel(QAbstractTableModel):
    """Rows are tuples with one value per column; the model never changes them in place."""

    def __init__(self, columns: Sequence[Column], parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = tuple(columns)
        self._rows: list[tuple[Any, ...]] = []

    def set_rows(self, rows: Sequence[Sequence[Any]]) -> None:
        self.beginResetModel()
        self._rows = [tuple(row) for row in rows]
        self.endResetModel()

    @property
    def rows(self) -> list[tuple[Any, ...]]:
        return list(self._rows)

    def headers(self) -> list[str]:
        return [column.header for column in self.columns]

    def display_rows(self) -> list[list[str]]:
        return [
            [cell_text(value, column) for value, column in zip(row, self.columns, strict=True)]
            for row in self._rows
        ]

    def csv_rows(self) -> list[list[str]]:
        return [
            [csv_text(value, column) for value, column in zip(row, self.columns, strict=True)]
            for row in self._rows
        ]

    # -- Qt overrides ------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        if not (0 <= index.column() < len(self.columns)):
            return None
        column = self.columns[index.column()]
        value = self._rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return cell_text(value, column)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(_RIGHT if column.kind in NUMERIC_KINDS else _LEFT)
        if role == SORT_ROLE:
            return _sort_key(value, column)
        if role == Qt.ItemDataRole.ToolTipRole and column.kind == "text" and value:
            return str(value)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        # Values are returned explicitly: never super().headerData() (see DESIGN §3).
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            column = self.columns[section]
            if role == Qt.ItemDataRole.DisplayRole:
                return column.header
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return int(_RIGHT if column.kind in NUMERIC_KINDS else _LEFT)
            return None
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return str(section + 1) if 0 <= section < len(self._rows) else None
        return None

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )
