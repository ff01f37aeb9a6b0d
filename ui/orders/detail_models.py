"""Read-only table models of one order: its lines and its timeline (audit events)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt
from PySide6.QtGui import QColor

from app.audit import AuditEntry
from app.orders.dto import LineView, OrderView
from ui.orders.formatting import local_time, money

UNMATCHED_BACKGROUND = QColor("#fff4d6")
SHORT_FOREGROUND = QColor("#b71c1c")
ALLOCATABLE = ("open", "picking", "partially_shipped")

RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)


def short_units(line: LineView) -> int:
    """Units of a catalog line neither shipped nor reserved."""
    if line.product_id is None:
        return 0
    return max(line.quantity - line.shipped - line.allocated, 0)


def short_lines(order: OrderView | None) -> list[LineView]:
    """Lines still missing stock after allocation (only orders that take stock have any)."""
    if order is None or order.status not in ALLOCATABLE:
        return []
    return [line for line in order.lines if short_units(line)]


class ListModel(QAbstractTableModel):
    """A fixed list of rows shown through (title, display, right-aligned) columns."""

    columns: Sequence[tuple[str, Callable[[Any], Any], bool]] = ()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Any] = []

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> Any:
        return self._rows[row]

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        row = self._rows[index.row()]
        _title, display, right = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            value = display(row)
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return RIGHT if right else LEFT
        return self.extra_data(row, index.column(), role)

    def extra_data(self, row: Any, column: int, role: int) -> Any:
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        # Explicit values only: never super().headerData() (PySide6 6.12 crash).
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.columns[section][0] if 0 <= section < len(self.columns) else None
        return str(section + 1)


class OrderLinesModel(ListModel):
    """The order's lines; unmatched lines (not in the catalog) are highlighted."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.currency = "USD"
        self.status = ""
        cur = self._money
        self.columns = (
            ("SKU", lambda li: li.sku, False),
            ("Name", lambda li: li.name, False),
            ("Qty", lambda li: li.quantity, True),
            ("Price", lambda li: cur(li.unit_price_minor), True),
            ("Discount", lambda li: cur(li.discount_minor) if li.discount_minor else "", True),
            ("Total", lambda li: cur(li.total_minor), True),
            ("Allocated", lambda li: li.allocated, True),
            ("Picked", lambda li: li.picked, True),
            ("Shipped", lambda li: li.shipped, True),
            ("Returned", lambda li: li.returned or "", True),
        )

    def _money(self, minor: int) -> str:
        return money(minor, self.currency)

    def set_order(self, order: OrderView | None) -> None:
        self.currency = order.currency if order else "USD"
        self.status = order.status if order else ""
        self.set_rows(order.lines if order else ())

    def extra_data(self, row: LineView, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.BackgroundRole and row.unmatched:
            return UNMATCHED_BACKGROUND
        short = self.status in ALLOCATABLE and short_units(row) > 0
        if (
            role == Qt.ItemDataRole.ForegroundRole
            and short
            and self.columns[column][0]
            in (
                "Allocated",
                "Qty",
            )
        ):
            return SHORT_FOREGROUND
        if role == Qt.ItemDataRole.ToolTipRole:
            if row.unmatched:
                return f"{row.sku} is not in the catalog: use “Link to product…” to match it"
            if short:
                return f"{short_units(row)} unit(s) not in stock at the fulfilment location"
        return None


class TimelineModel(ListModel):
    """Audit events of one order, newest first, in local time."""

    columns = (
        ("When", lambda e: local_time(e.at, seconds=True), False),
        ("Who", lambda e: e.actor, False),
        ("What", lambda e: e.summary, False),
    )

    def extra_data(self, row: AuditEntry, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and column == 2:
            return row.summary
        return None
