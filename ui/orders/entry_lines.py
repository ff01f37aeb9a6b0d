"""EntryLinesModel: the editable lines of an order being typed (quantity, price, discount)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from app.money import parse_amount, plain_amount
from app.orders.dto import LineInput
from app.orders.rules import line_total, order_totals
from ui.orders.formatting import money
from ui.orders.product_picker import PickedProduct

RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
COLUMNS = ("SKU", "Name", "Qty", "Unit price", "Discount", "Total", "Available")
QTY, PRICE, DISCOUNT = 2, 3, 4
EDITABLE = (QTY, PRICE, DISCOUNT)
MAX_QUANTITY = 1_000_000


@dataclass(slots=True)
class EntryLine:
    product_id: int
    sku: str
    name: str
    quantity: int
    unit_price_minor: int
    discount_minor: int = 0
    available: int | None = None

    @property
    def total_minor(self) -> int:
        return line_total(self.quantity, self.unit_price_minor, self.discount_minor)


class EntryLinesModel(QAbstractTableModel):
    """Lines keyed by product: adding a product that is already there adds one unit."""

    lines_changed = Signal()

    def __init__(self, currency: str = "USD", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.currency = currency
        self._lines: list[EntryLine] = []

    # -- content ------------------------------------------------------------------------------

    def lines(self) -> list[EntryLine]:
        return list(self._lines)

    def set_currency(self, currency: str) -> None:
        self.currency = currency
        if self._lines:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._lines) - 1, 6))

    def add_product(self, product: PickedProduct, quantity: int = 1) -> int:
        """Add `quantity` of the product (a new line or more on its line); returns the row."""
        for row, line in enumerate(self._lines):
            if line.product_id == product.id:
                line.quantity = min(line.quantity + quantity, MAX_QUANTITY)
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
                self.lines_changed.emit()
                return row
        row = len(self._lines)
        self.beginInsertRows(QModelIndex(), row, row)
        self._lines.append(
            EntryLine(
                product.id,
                product.sku,
                product.name,
                quantity,
                product.price_minor,
                available=product.available,
            )
        )
        self.endInsertRows()
        self.lines_changed.emit()
        return row

    def remove_rows(self, rows: list[int]) -> None:
        for row in sorted(set(rows), reverse=True):
            if 0 <= row < len(self._lines):
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._lines[row]
                self.endRemoveRows()
        self.lines_changed.emit()

    def line_inputs(self) -> tuple[LineInput, ...]:
        return tuple(
            LineInput(
                quantity=line.quantity,
                product_id=line.product_id,
                unit_price_minor=line.unit_price_minor,
                discount_minor=line.discount_minor,
            )
            for line in self._lines
        )

    def totals(self, *, discount_minor: int, shipping_minor: int, tax_minor: int) -> dict:
        return order_totals(
            [(li.quantity, li.unit_price_minor, li.discount_minor) for li in self._lines],
            discount_minor=discount_minor,
            shipping_minor=shipping_minor,
            tax_minor=tax_minor,
        )

    # -- Qt model -----------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._lines)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() in EDITABLE:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._lines)):
            return None
        line = self._lines[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(line, column)
        if role == Qt.ItemDataRole.EditRole:
            if column == QTY:
                return line.quantity
            if column == PRICE:
                return plain_amount(line.unit_price_minor, self.currency)
            if column == DISCOUNT:
                return plain_amount(line.discount_minor, self.currency)
            return self._display(line, column)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return RIGHT if column >= QTY else LEFT
        if role == Qt.ItemDataRole.ToolTipRole and column in EDITABLE:
            return "F2 or type to change; Delete removes the line"
        return None

    def _display(self, line: EntryLine, column: int) -> str:
        values = (
            line.sku,
            line.name,
            str(line.quantity),
            money(line.unit_price_minor, self.currency),
            money(line.discount_minor, self.currency) if line.discount_minor else "",
            money(line.total_minor, self.currency),
            "" if line.available is None else str(line.available),
        )
        return values[column]

    def setData(
        self,
        index: QModelIndex | QPersistentModelIndex,
        value: Any,
        role: int = Qt.ItemDataRole.EditRole,
    ) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        if index.column() not in EDITABLE or not (0 <= index.row() < len(self._lines)):
            return False
        line = self._lines[index.row()]
        try:
            if index.column() == QTY:
                quantity = int(value)
                if not 1 <= quantity <= MAX_QUANTITY:
                    return False
                line.quantity = quantity
            elif index.column() == PRICE:
                line.unit_price_minor = parse_amount(str(value), self.currency)
            else:
                line.discount_minor = parse_amount(str(value), self.currency)
        except (TypeError, ValueError):
            return False
        self.dataChanged.emit(self.index(index.row(), 0), self.index(index.row(), len(COLUMNS) - 1))
        self.lines_changed.emit()
        return True

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        # Explicit values only: never super().headerData() (PySide6 6.12 crash).
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section] if 0 <= section < len(COLUMNS) else None
        return str(section + 1)
