"""ProductDialog: create or edit a product, its extra scan codes and default bins, in one save."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.audit import default_actor
from app.errors import ValidationError
from app.inventory.dto import BinInfo, LocationInfo, ProductDetail, ProductInput, Saved
from app.inventory.gtin import GTIN_LENGTHS, normalize_gtin
from app.inventory.locations import list_bins, list_locations
from app.inventory.products import (
    add_scan_code,
    create_product,
    get_product,
    remove_scan_code,
    set_default_bin,
    update_product,
)
from app.purchasing.dto import SupplierInfo
from app.purchasing.suppliers import list_suppliers
from app.settings import get_settings
from ui.inventory.formatting import decimal_text, parse_money
from ui.inventory.forms import FormDialog, ReturnKeyFilter, error_label
from ui.ops import Ops, QueryOp

MAX_QUANTITY = 1_000_000_000


@dataclass(frozen=True, slots=True)
class ProductForm:
    """Everything the dialog needs, read in one query."""

    currency: str
    suppliers: tuple[SupplierInfo, ...]
    locations: tuple[LocationInfo, ...]
    bins: tuple[BinInfo, ...]
    product: ProductDetail | None


def load_product_form(session: Any, product_id: int | None) -> ProductForm:
    return ProductForm(
        currency=str(get_settings(session)["currency"]),
        suppliers=tuple(list_suppliers(session)),
        locations=tuple(list_locations(session)),
        bins=tuple(list_bins(session)),
        product=get_product(session, product_id) if product_id is not None else None,
    )


def _spin(maximum: int = MAX_QUANTITY, suffix: str = "") -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(0, maximum)
    spin.setGroupSeparatorShown(True)
    spin.setSuffix(suffix)
    return spin


def product_saver(
    product_id: int | None,
    data: ProductInput,
    codes_added: list[str],
    codes_removed: list[str],
    default_bins: dict[int, int | None],
    actor: str,
):
    """The one transaction behind Save: product fields, then codes, then default bins."""

    def save(session: Any) -> Saved:
        if product_id is None:
            saved = create_product(session, data, actor=actor)
        else:
            saved = update_product(session, product_id, data, actor=actor)
        changes = saved.changes
        for code in codes_removed:
            changes = changes | remove_scan_code(session, saved.id, code, actor=actor).changes
        for code in codes_added:
            changes = changes | add_scan_code(session, saved.id, code, actor=actor).changes
        for location_id, bin_id in default_bins.items():
            result = set_default_bin(session, saved.id, location_id, bin_id, actor=actor)
            changes = changes | result.changes
        message = saved.message if product_id is None else f"Saved {data.sku.strip()}"
        return Saved(saved.id, changes, message)

    return save


class ProductDialog(FormDialog):
    """New product (product_id None) or edit one; Save writes everything or nothing."""

    def __init__(self, ops: Ops, product_id: int | None = None, parent: QWidget | None = None):
        super().__init__(ops, "New product" if product_id is None else "Edit product", parent)
        self.product_id = product_id
        self.form_data: ProductForm | None = None
        self.currency = "USD"

        self.sku_edit = QLineEdit(maxLength=64)
        self.name_edit = QLineEdit(maxLength=300)
        self.name_edit.setMinimumWidth(320)
        self.gtin_edit = QLineEdit(maxLength=20)
        self.gtin_edit.setPlaceholderText("EAN-13, UPC-A, EAN-8 or GTIN-14 (optional)")
        self.weight_spin = _spin(10_000_000, " g")
        self.price_edit = QLineEdit()
        self.cost_edit = QLineEdit()
        self.price_currency = QLabel()
        self.cost_currency = QLabel()
        self.reorder_point_spin = _spin()
        self.reorder_quantity_spin = _spin()
        self.backorder_check = QCheckBox("Sell when out of stock (backorder)")
        self.supplier_combo = QComboBox()
        self.supplier_sku_edit = QLineEdit(maxLength=64)

        self.add_field("sku", "SKU:", self.sku_edit)
        self.add_field("name", "Name:", self.name_edit)
        self.add_field("gtin", "GTIN:", self.gtin_edit)
        self.add_field("weight_g", "Weight:", self.weight_spin)
        self.add_field(
            "price_minor",
            "Price:",
            _with_suffix(self.price_edit, self.price_currency),
            field_widget=self.price_edit,
        )
        self.add_field(
            "cost_minor",
            "Cost:",
            _with_suffix(self.cost_edit, self.cost_currency),
            field_widget=self.cost_edit,
        )
        self.add_field("reorder_point", "Reorder point:", self.reorder_point_spin)
        self.add_field("reorder_quantity", "Reorder quantity:", self.reorder_quantity_spin)
        self.form.addRow("", self.backorder_check)
        self.add_field("supplier_id", "Supplier:", self.supplier_combo)
        self.add_field("supplier_sku", "Supplier's SKU:", self.supplier_sku_edit)

        side = QVBoxLayout()
        codes_box = QGroupBox("Other codes that scan to this product")
        codes_layout = QVBoxLayout(codes_box)
        self.codes_list = QListWidget()
        self.codes_list.setMaximumHeight(110)
        self.code_edit = QLineEdit(maxLength=64)
        self.code_edit.setPlaceholderText("Type or scan a code, Enter to add")
        self.add_code_button = QPushButton("Add")
        self.remove_code_button = QPushButton("Remove")
        code_row = QHBoxLayout()
        code_row.addWidget(self.code_edit, 1)
        code_row.addWidget(self.add_code_button)
        code_row.addWidget(self.remove_code_button)
        codes_layout.addWidget(self.codes_list)
        codes_layout.addLayout(code_row)
        code_error = error_label()
        codes_layout.addWidget(code_error)
        self.fields["code"] = self.code_edit
        self.field_errors["code"] = code_error
        self.bins_box = QGroupBox("Default bin per location (put-away and picking)")
        self.bins_form = QFormLayout(self.bins_box)
        self.bin_combos: dict[int, QComboBox] = {}
        side.addWidget(codes_box)
        side.addWidget(self.bins_box)
        side.addStretch(1)
        self.content.addLayout(side, 1)

        self._code_filter = ReturnKeyFilter(self.code_edit, self._add_typed_code)
        self.gtin_edit.textChanged.connect(self._on_gtin_edit_text_changed)
        self.add_code_button.clicked.connect(self._on_add_code_button_clicked)
        self.remove_code_button.clicked.connect(self._on_remove_code_button_clicked)
        self.save_button.setEnabled(False)  # until the form data is loaded
        QueryOp(
            self, lambda session: load_product_form(session, product_id), self._on_form_loaded
        ).run(ops)

    # -- loading -----------------------------------------------------------------------------

    def _on_form_loaded(self, form: ProductForm) -> None:
        self.form_data = form
        self.currency = form.currency
        self.price_currency.setText(form.currency)
        self.cost_currency.setText(form.currency)
        self.supplier_combo.clear()
        self.supplier_combo.addItem("No supplier", None)
        for supplier in form.suppliers:
            self.supplier_combo.addItem(supplier.name, supplier.id)
        for location in form.locations:
            combo = QComboBox()
            combo.addItem("No default bin", None)
            for info in form.bins:
                if info.location_id == location.id:
                    kind = "" if info.kind == "storage" else f" · {info.kind}"
                    combo.addItem(f"{info.code}{kind}", info.id)
            self.bins_form.addRow(f"{location.code}:", combo)
            self.bin_combos[location.id] = combo
        if not form.locations:
            self.bins_form.addRow(QLabel("No locations yet."))
        product = form.product
        if product is not None:
            self.sku_edit.setText(product.sku)
            self.name_edit.setText(product.name)
            self.gtin_edit.setText(product.gtin or "")
            self.weight_spin.setValue(product.weight_g)
            self.price_edit.setText(decimal_text(product.price_minor, form.currency))
            self.cost_edit.setText(decimal_text(product.cost_minor, form.currency))
            self.reorder_point_spin.setValue(min(product.reorder_point, MAX_QUANTITY))
            self.reorder_quantity_spin.setValue(min(product.reorder_quantity, MAX_QUANTITY))
            self.backorder_check.setChecked(product.allow_backorder)
            index = self.supplier_combo.findData(product.supplier_id)
            self.supplier_combo.setCurrentIndex(max(index, 0))
            self.supplier_sku_edit.setText(product.supplier_sku or "")
            self.codes_list.addItems(list(product.scan_codes))
            for default in product.default_bins:
                combo = self.bin_combos.get(default.location_id)
                if combo is not None:
                    combo.setCurrentIndex(max(combo.findData(default.bin_id), 0))
        self.save_button.setEnabled(True)
        self.sku_edit.setFocus()

    # -- GTIN as you type --------------------------------------------------------------------

    def gtin_problem(self) -> str | None:
        """Why the typed GTIN is refused (naming the expected check digit), or None."""
        text = self.gtin_edit.text().strip()
        if not text:
            return None
        try:
            normalize_gtin(text)
        except ValidationError as exc:
            return str(exc)
        return None

    @Slot(str)
    def _on_gtin_edit_text_changed(self, text: str) -> None:
        self.clear_field_error("gtin")
        problem = self.gtin_problem()
        if problem is not None:
            self.show_hint("gtin", problem, ok=False)
        elif text.strip():
            compact = "".join(text.split()).replace("-", "")
            self.show_hint("gtin", f"{GTIN_LENGTHS[len(compact)]} ✓", ok=True)
        else:
            self.show_hint("gtin", "", ok=True)

    # -- scan codes --------------------------------------------------------------------------

    def codes(self) -> list[str]:
        return [self.codes_list.item(i).text() for i in range(self.codes_list.count())]

    def _add_typed_code(self) -> None:
        code = self.code_edit.text().strip()
        self.clear_field_error("code")
        if not code:
            return
        if code in self.codes():
            self.show_field_error("code", f"{code} is already in the list")
            return
        self.codes_list.addItem(code)
        self.code_edit.clear()

    @Slot()
    def _on_add_code_button_clicked(self) -> None:
        self._add_typed_code()

    @Slot()
    def _on_remove_code_button_clicked(self) -> None:
        for item in self.codes_list.selectedItems():
            self.codes_list.takeItem(self.codes_list.row(item))

    # -- saving ------------------------------------------------------------------------------

    def product_input(self) -> ProductInput:
        """The typed values; ValidationError (naming the field) for unreadable money."""
        return ProductInput(
            sku=self.sku_edit.text(),
            name=self.name_edit.text(),
            gtin=self.gtin_edit.text().strip() or None,
            weight_g=self.weight_spin.value(),
            price_minor=parse_money(self.price_edit.text(), self.currency, field="price_minor"),
            cost_minor=parse_money(self.cost_edit.text(), self.currency, field="cost_minor"),
            reorder_point=self.reorder_point_spin.value(),
            reorder_quantity=self.reorder_quantity_spin.value(),
            allow_backorder=self.backorder_check.isChecked(),
            supplier_id=self.supplier_combo.currentData(),
            supplier_sku=self.supplier_sku_edit.text().strip() or None,
        )

    def save(self) -> None:
        if self.form_data is None:
            return
        problem = self.gtin_problem()
        if problem is not None:
            self.show_field_error("gtin", problem)
            return
        try:
            data = self.product_input()
        except ValidationError as exc:
            self.refuse(exc)
            return
        if self.code_edit.text().strip():
            self._add_typed_code()  # a typed code the user did not press Add for still counts
        product = self.form_data.product
        old_codes = list(product.scan_codes) if product else []
        new_codes = self.codes()
        old_bins = {d.location_id: d.bin_id for d in product.default_bins} if product else {}
        bins = {
            location_id: combo.currentData()
            for location_id, combo in self.bin_combos.items()
            if combo.currentData() != old_bins.get(location_id)
        }
        self.submit(
            product_saver(
                self.product_id,
                data,
                [c for c in new_codes if c not in old_codes],
                [c for c in old_codes if c not in new_codes],
                bins,
                default_actor(),
            )
        )


def _with_suffix(edit: QLineEdit, suffix: QLabel) -> QWidget:
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(edit, 1)
    layout.addWidget(suffix)
    return row
