"""Shared pieces of the purchasing screens: list table model, money/date text, messages, confirm."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QMessageBox,
    QSizePolicy,
    QTableView,
    QWidget,
)

from app.changes import ChangeSet
from ui.widgets.paged_table import Column

# ISO 4217 minor-unit exponents that differ from the usual 2.
_EXPONENTS = {
    **dict.fromkeys("BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF".split(), 0),
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),
}
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CAD": "CA$", "AUD": "A$"}

STATUS_TEXT = {
    "draft": "Draft",
    "ordered": "Ordered",
    "partially_received": "Partially received",
    "received": "Received",
    "cancelled": "Cancelled",
}

OK_BACKGROUND = QColor("#e3f6e6")
WARN_BACKGROUND = QColor("#fff1cc")
ERROR_BACKGROUND = QColor("#fde3e0")
HIGHLIGHT_BACKGROUND = QColor("#d6e8ff")
MUTED_FOREGROUND = QColor("#7b8794")

# Panel-local styles for the station labels (the application stylesheet knows nothing of them).
STATION_STYLE = """
QLabel#stationMessage {
    font-size: 18px; font-weight: 600; padding: 10px 14px; border-radius: 6px;
    background: #eef2f7; color: #323f4b;
}
QLabel#stationMessage[tone="ok"] { background: #d7f5dd; color: #1b5e20; }
QLabel#stationMessage[tone="warning"] { background: #fff1cc; color: #7a4b00; }
QLabel#stationMessage[tone="error"] { background: #fde3e0; color: #9b1c1c; }
QLabel#stationHeading { font-size: 20px; font-weight: 600; color: #1f2933; }
QLabel#stationTarget { font-size: 15px; color: #3e4c59; }
QTableView#stationTable { font-size: 16px; }
QLabel#sectionTitle { font-size: 15px; font-weight: 600; color: #1f2933; }
"""


@dataclass(frozen=True, slots=True)
class Changed:
    """A mutation result for services that return something without `.changes` (ids)."""

    value: Any
    changes: ChangeSet = field(default_factory=lambda: ChangeSet(purchasing=True))
    message: str = ""


def currency_exponent(currency: str) -> int:
    return _EXPONENTS.get((currency or "").upper(), 2)


def format_money(minor: int, currency: str) -> str:
    """'$1,234.50', '€12.99', '12.99 CHF' for an amount in minor units."""
    code = (currency or "").upper()
    exponent = currency_exponent(code)
    sign = "-" if minor < 0 else ""
    whole, fraction = divmod(abs(minor), 10**exponent)
    amount = f"{whole:,}" + (f".{fraction:0{exponent}d}" if exponent else "")
    symbol = _SYMBOLS.get(code)
    return f"{sign}{symbol}{amount}" if symbol else f"{sign}{amount} {code}"


def plain_money(minor: int, currency: str) -> str:
    """'12.50' (no symbol, no separators): what an edit field shows."""
    exponent = currency_exponent(currency)
    whole, fraction = divmod(abs(minor), 10**exponent)
    sign = "-" if minor < 0 else ""
    return f"{sign}{whole}" + (f".{fraction:0{exponent}d}" if exponent else "")


def parse_money(text: str, currency: str) -> int | None:
    """Minor units from '12.5', '12,50' or '$12.50'; None for blank; ValueError when unreadable."""
    cleaned = (text or "").strip()
    for symbol in (*_SYMBOLS.values(), (currency or "").upper()):
        cleaned = cleaned.replace(symbol, "")
    cleaned = cleaned.replace(" ", "").strip()
    if not cleaned:
        return None
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    cleaned = cleaned.replace(",", "")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError(f"{text!r} is not an amount") from exc
    minor = amount.scaleb(currency_exponent(currency))
    if minor != minor.to_integral_value() or minor < 0:
        raise ValueError(f"{text!r} is not an amount ≥ 0 with at most the currency's decimals")
    return int(minor)


def local_time(at: datetime | None, with_time: bool = True, *, short: bool = False) -> str:
    """A UTC timestamp as the user's local date (and time); `short` drops today's date."""
    if at is None:
        return ""
    local = at.astimezone() if at.tzinfo else at
    if short and with_time and local.date() == datetime.now().astimezone().date():
        return local.strftime("%H:%M")
    return local.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


def status_text(status: str) -> str:
    return STATUS_TEXT.get(status, status.replace("_", " ").capitalize())


def ask_confirmation(parent: QWidget | None, title: str, text: str) -> bool:
    """Ask yes/no (the default Confirm hook; tests replace a widget's `confirm` attribute)."""
    answer = QMessageBox.question(
        parent,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


Confirm = Callable[[str, str], bool]


def set_tone(label: QLabel, text: str, tone: str = "") -> None:
    """Show `text` on a station message label coloured by tone: '', ok, warning or error."""
    label.setText(text)
    if label.property("tone") != tone:
        label.setProperty("tone", tone)
        label.style().unpolish(label)
        label.style().polish(label)


def heading_label(object_name: str = "stationHeading") -> QLabel:
    """A one-line heading that is clipped rather than widening the window when text is long."""
    label = QLabel(objectName=object_name)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    return label


def make_table(model: QAbstractTableModel, *, station: bool = False) -> QTableView:
    """A read-mostly table view: whole-row selection, no grid clutter, stretch last column."""
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().hide()
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setDefaultAlignment(
        Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
    )
    view.setEditTriggers(
        QAbstractItemView.EditTrigger.DoubleClicked
        | QAbstractItemView.EditTrigger.EditKeyPressed
        | QAbstractItemView.EditTrigger.AnyKeyPressed
    )
    if station:
        view.setObjectName("stationTable")
        view.verticalHeader().setDefaultSectionSize(34)
    else:
        view.verticalHeader().setDefaultSectionSize(26)
    return view


def set_column_widths(view: QTableView, widths: Sequence[int]) -> None:
    """Column widths in pixels; -1 makes that column take the spare room (instead of the last)."""
    header = view.horizontalHeader()
    if any(width < 0 for width in widths):
        header.setStretchLastSection(False)
    for column, width in enumerate(widths):
        if width > 0:
            header.resizeSection(column, width)
        elif width < 0:
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)


class RowTableModel(QAbstractTableModel):
    """A table over a short in-memory list of DTOs (one PO's lines, suppliers, a count sheet).

    `row_background`/`row_foreground`/`row_bold` style whole rows. Columns named in `editable`
    are edited as whole numbers or text: `edit_value(row, key)` gives the editor's start value
    and `commit(row_index, key, value)` applies it (returns False to refuse).
    """

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

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def replace_row(self, row: int, item: Any) -> None:
        self._rows[row] = item
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self._columns) - 1))

    def rows(self) -> list[Any]:
        return list(self._rows)

    def row_at(self, row: int) -> Any:
        return self._rows[row]

    def column_of(self, key: str) -> int:
        return next(i for i, column in enumerate(self._columns) if column.key == key)

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self._is_editable(index):
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def _is_editable(self, index: QModelIndex) -> bool:
        if self._editable is None or not (0 <= index.row() < len(self._rows)):
            return False
        return self._editable(self._rows[index.row()], self._columns[index.column()].key)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        row = self._rows[index.row()]
        column = self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            value = column.display(row)
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.EditRole:
            if self._edit_value is not None and self._is_editable(index):
                return self._edit_value(row, column.key)
            value = column.display(row)
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column.align_right:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
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
        if role == self.RowRole:
            return row
        return None

    def setData(self, index: QModelIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not self._is_editable(index):
            return False
        if self._commit is None:
            return False
        return bool(self._commit(index.row(), self._columns[index.column()].key, value))

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        # Values are returned explicitly: never super().headerData() (PySide6 6.12 crash).
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            if 0 <= section < len(self._columns):
                return self._columns[section].title
            return None
        return str(section + 1)
