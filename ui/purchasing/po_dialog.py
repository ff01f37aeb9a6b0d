"""New purchase order dialog: supplier, receiving location, and lines by scanning or typing SKUs."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.audit import default_actor
from app.errors import DomainError, UnknownBarcode
from app.inventory.dto import LocationInfo, ProductDetail
from app.inventory.locations import list_locations
from app.inventory.products import find_product_by_code, get_product
from app.purchasing.dto import POLineInput, PurchaseOrderSaved, SupplierInfo
from app.purchasing.orders import create_purchase_order
from app.purchasing.suppliers import list_suppliers
from ui.errors import show_error, user_message
from ui.ops import MutationOp, Ops, QueryOp
from ui.purchasing.common import (
    format_money,
    make_table,
    parse_money,
    plain_money,
    set_column_widths,
)
from ui.widgets.list_table import ListTableModel
from ui.widgets.paged_table import Column
from ui.widgets.scan_line_edit import ScanLineEdit


@dataclass(frozen=True, slots=True)
class DraftLine:
    product_id: int
    sku: str
    name: str
    quantity: int
    unit_cost_minor: int


def lookup_product(session: Any, code: str) -> ProductDetail:
    """The product a scanned or typed code names; raises UnknownBarcode."""
    ref = find_product_by_code(session, code)
    if ref is None:
        raise UnknownBarcode(code)
    return get_product(session, ref.id)


class LineEntry(QWidget):
    """Scan field + quantity + unit cost: emits `entered(code, quantity, cost_minor or None)`."""

    entered = Signal(str, int, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.scan_edit = ScanLineEdit(placeholder="Scan or type a SKU / barcode, then Enter")
        self.quantity_spin = QSpinBox()
        self.quantity_spin.setRange(1, 1_000_000)
        self.quantity_spin.setPrefix("× ")
        self.cost_edit = QLineEdit()
        self.cost_edit.setPlaceholderText("unit cost (optional)")
        self.cost_edit.setToolTip("Blank: the product's cost")
        self.cost_edit.setMaximumWidth(170)
        self.currency = "USD"
        self.add_button = QPushButton("Add")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scan_edit, 1)
        layout.addWidget(self.quantity_spin)
        layout.addWidget(self.cost_edit)
        layout.addWidget(self.add_button)
        self.scan_edit.scanned.connect(self._on_scan_edit_scanned)
        self.add_button.clicked.connect(self._on_add_button_clicked)

    @Slot(str)
    def _on_scan_edit_scanned(self, code: str) -> None:
        try:
            cost = parse_money(self.cost_edit.text(), self.currency)
        except ValueError as exc:
            self.scan_edit.setText(code)
            self.scan_edit.flash_error()
            self.cost_edit.setFocus()
            self.cost_edit.setToolTip(str(exc))
            return
        self.entered.emit(code, self.quantity_spin.value(), cost)
        self.quantity_spin.setValue(1)
        self.cost_edit.clear()

    @Slot()
    def _on_add_button_clicked(self) -> None:
        self.scan_edit.submit()
        self.scan_edit.setFocus()


class NewPurchaseOrderDialog(QDialog):
    """Builds a draft PO; creates it in one transaction and closes (emits `created(po_id)`)."""

    created = Signal(int)

    def __init__(self, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.setWindowTitle("New purchase order")
        self.resize(760, 520)
        self.suppliers: list[SupplierInfo] = []
        self.locations: list[LocationInfo] = []
        self.supplier_combo = QComboBox()
        self.location_combo = QComboBox()
        self.notes_edit = QLineEdit()
        form = QFormLayout()
        form.addRow("Supplier:", self.supplier_combo)
        form.addRow("Receive at:", self.location_combo)
        form.addRow("Notes:", self.notes_edit)
        self.entry = LineEntry()
        self.model = ListTableModel(
            [
                Column("sku", "SKU", lambda x: x.sku),
                Column("name", "Product", lambda x: x.name),
                Column("quantity", "Quantity", lambda x: x.quantity, align_right=True),
                Column("cost", "Unit cost", lambda x: self._money(x.unit_cost_minor), True),
                Column(
                    "total", "Line", lambda x: self._money(x.quantity * x.unit_cost_minor), True
                ),
            ],
            editable=lambda _row, key: key in ("quantity", "cost"),
            edit_value=self._edit_value,
            commit=self._commit_edit,
            parent=self,
        )
        self.table = make_table(self.model)
        set_column_widths(self.table, [120, 260, 80, 90])
        self.remove_button = QPushButton("Remove line")
        self.total_label = QLabel(objectName="hint")
        self.message_label = QLabel(objectName="fieldError")
        self.message_label.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.create_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.create_button.setText("Create draft")
        for button in buttons.buttons():
            # Enter ends scans and cost entries; it must never create the PO by accident.
            button.setAutoDefault(False)
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        line_buttons = QHBoxLayout()
        line_buttons.addWidget(self.remove_button)
        line_buttons.addStretch(1)
        line_buttons.addWidget(self.total_label)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("Lines — scan or type each product:"))
        layout.addWidget(self.entry)
        layout.addWidget(self.table, 1)
        layout.addLayout(line_buttons)
        layout.addWidget(self.message_label)
        layout.addWidget(buttons)
        self.entry.entered.connect(self._on_entry_entered)
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        self.supplier_combo.currentIndexChanged.connect(
            self._on_supplier_combo_current_index_changed
        )
        self._update()
        QueryOp(
            self, lambda s: (list_suppliers(s), list_locations(s)), self._on_choices_loaded
        ).run(ops)

    # -- loading -----------------------------------------------------------------------------

    def _on_choices_loaded(self, choices: tuple[list[SupplierInfo], list[LocationInfo]]) -> None:
        self.suppliers, self.locations = choices
        self.supplier_combo.clear()
        for supplier in self.suppliers:
            self.supplier_combo.addItem(f"{supplier.name} ({supplier.currency})", supplier.id)
        self.location_combo.clear()
        for location in self.locations:
            self.location_combo.addItem(f"{location.code} — {location.name}", location.id)
        if not self.suppliers:
            self._say("Add a supplier first (Suppliers tab).")
        elif not self.locations:
            self._say("Add a location first (Inventory).")
        self.entry.scan_edit.setFocus()
        self._update()

    def select_supplier(self, supplier_id: int) -> None:
        self.supplier_combo.setCurrentIndex(self.supplier_combo.findData(supplier_id))

    def select_location(self, location_id: int) -> None:
        self.location_combo.setCurrentIndex(self.location_combo.findData(location_id))

    @property
    def currency(self) -> str:
        supplier_id = self.supplier_combo.currentData()
        supplier = next((s for s in self.suppliers if s.id == supplier_id), None)
        return supplier.currency if supplier is not None else "USD"

    def _money(self, minor: int) -> str:
        return format_money(minor, self.currency)

    @Slot(int)
    def _on_supplier_combo_current_index_changed(self, _index: int) -> None:
        self.entry.currency = self.currency
        self.model.set_rows(self.model.rows())  # costs in the new currency
        self._update()

    # -- lines -------------------------------------------------------------------------------

    def lines(self) -> list[DraftLine]:
        return self.model.rows()

    @Slot(str, int, object)
    def _on_entry_entered(self, code: str, quantity: int, cost: int | None) -> None:
        QueryOp(
            self,
            lambda s: lookup_product(s, code),
            lambda product: self._add_product(product, quantity, cost),
            self._on_lookup_failed,
        ).run(self.ops)

    def _add_product(self, product: ProductDetail, quantity: int, cost: int | None) -> None:
        if product.archived:
            self._say(f"{product.sku} is archived; restore it before ordering it.")
            self.entry.scan_edit.flash_error()
            return
        rows = self.model.rows()
        for row, line in enumerate(rows):
            if line.product_id == product.id:
                changed = replace(line, quantity=line.quantity + quantity)
                if cost is not None:
                    changed = replace(changed, unit_cost_minor=cost)
                self.model.replace_at(row, changed)
                self.table.selectRow(row)
                break
        else:
            unit = product.cost_minor if cost is None else cost
            rows.append(DraftLine(product.id, product.sku, product.name, quantity, unit))
            self.model.set_rows(rows)
            self.table.selectRow(len(rows) - 1)
        self._say("")
        self.entry.scan_edit.flash_ok()
        self._update()

    def _on_lookup_failed(self, exc: BaseException) -> None:
        self.entry.scan_edit.flash_error()
        self._say(user_message(exc, self.ops.log_path))
        if not isinstance(exc, DomainError):
            show_error(self, exc, self.ops.log_path)

    def _edit_value(self, line: DraftLine, key: str) -> Any:
        if key == "quantity":
            return line.quantity
        return plain_money(line.unit_cost_minor, self.currency)

    def _commit_edit(self, row: int, key: str, value: Any) -> bool:
        line = self.model.row_at(row)
        try:
            if key == "quantity":
                quantity = int(value)
                if quantity < 1:
                    raise ValueError("the quantity must be at least 1")
                line = replace(line, quantity=quantity)
            else:
                cost = parse_money(str(value), self.currency)
                line = replace(line, unit_cost_minor=cost or 0)
        except (TypeError, ValueError) as exc:
            self._say(str(exc))
            return False
        self.model.replace_at(row, line)
        self._update()
        return True

    @Slot()
    def _on_remove_button_clicked(self) -> None:
        selected = self.table.selectionModel().selectedRows()
        if selected:
            rows = self.model.rows()
            del rows[selected[0].row()]
            self.model.set_rows(rows)
            self._update()

    def _update(self) -> None:
        lines = self.lines()
        total = sum(x.quantity * x.unit_cost_minor for x in lines)
        self.total_label.setText(
            f"{len(lines)} line(s), {sum(x.quantity for x in lines)} unit(s), {self._money(total)}"
        )
        ready = bool(lines) and self.supplier_combo.currentIndex() >= 0
        self.create_button.setEnabled(ready and self.location_combo.currentIndex() >= 0)
        self.remove_button.setEnabled(bool(lines))

    def _say(self, text: str) -> None:
        self.message_label.setText(text)

    # -- create ------------------------------------------------------------------------------

    def create(self) -> None:
        supplier_id = self.supplier_combo.currentData()
        location_id = self.location_combo.currentData()
        if supplier_id is None or location_id is None or not self.lines():
            self._say("Choose a supplier and a location and add at least one line.")
            return
        lines = [POLineInput(x.product_id, x.quantity, x.unit_cost_minor) for x in self.lines()]
        notes = self.notes_edit.text()
        actor = default_actor()
        self.create_button.setEnabled(False)
        MutationOp(
            self,
            lambda s: create_purchase_order(
                s, supplier_id, location_id, lines, notes=notes, actor=actor
            ),
            self._on_create_succeeded,
            self._on_create_failed,
        ).run(self.ops)

    @Slot()
    def _on_buttons_accepted(self) -> None:
        self.create()

    def _on_create_succeeded(self, saved: PurchaseOrderSaved) -> None:
        self.created.emit(saved.id)
        self.accept()

    def _on_create_failed(self, exc: BaseException) -> None:
        self._update()
        self._say(user_message(exc, self.ops.log_path))
        if not isinstance(exc, DomainError):
            show_error(self, exc, self.ops.log_path)
