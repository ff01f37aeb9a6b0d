"""Suppliers tab: the supplier list, and a dialog to add or edit one."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.audit import default_actor
from app.errors import DomainError, ValidationError
from app.purchasing.dto import SupplierInfo, SupplierInput
from app.purchasing.suppliers import MAX_LEAD_TIME_DAYS, create_supplier, list_suppliers
from app.purchasing.suppliers import update_supplier as update_supplier_service
from ui.errors import show_error
from ui.ops import MutationOp, Ops, QueryOp
from ui.purchasing.common import make_table, set_column_widths
from ui.widgets.list_table import ListTableModel
from ui.widgets.paged_table import Column

SUPPLIER_COLUMNS = [
    Column("name", "Name", lambda s: s.name),
    Column("email", "E-mail", lambda s: s.email or ""),
    Column("phone", "Phone", lambda s: s.phone or ""),
    Column("lead", "Lead time", lambda s: f"{s.lead_time_days} d", align_right=True),
    Column("currency", "Currency", lambda s: s.currency),
    Column("products", "Products", lambda s: s.product_count, align_right=True),
    Column("open", "Open POs", lambda s: s.open_po_count, align_right=True),
]


class SupplierDialog(QDialog):
    """Add (supplier=None) or edit a supplier; saves itself and closes on success."""

    saved = Signal(int)  # supplier id

    def __init__(
        self, ops: Ops, supplier: SupplierInfo | None = None, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.ops = ops
        self.supplier = supplier
        self.setWindowTitle("Edit supplier" if supplier else "New supplier")
        self.setMinimumWidth(440)
        self.name_edit = QLineEdit()
        self.email_edit = QLineEdit()
        self.phone_edit = QLineEdit()
        self.lead_spin = QSpinBox()
        self.lead_spin.setRange(0, MAX_LEAD_TIME_DAYS)
        self.lead_spin.setSuffix(" days")
        self.lead_spin.setValue(7)
        self.currency_edit = QLineEdit("USD")
        self.currency_edit.setMaxLength(3)
        self.notes_edit = QPlainTextEdit()
        self.notes_edit.setTabChangesFocus(True)
        self.notes_edit.setFixedHeight(70)
        form = QFormLayout()
        form.addRow("Name:", self.name_edit)
        form.addRow("E-mail:", self.email_edit)
        form.addRow("Phone:", self.phone_edit)
        form.addRow("Lead time:", self.lead_spin)
        form.addRow("Currency:", self.currency_edit)
        form.addRow("Notes:", self.notes_edit)
        self.fields = {
            "name": self.name_edit,
            "email": self.email_edit,
            "phone": self.phone_edit,
            "lead_time_days": self.lead_spin,
            "currency": self.currency_edit,
            "notes": self.notes_edit,
        }
        self.error_label = QLabel(objectName="fieldError")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        if supplier is not None:
            self.name_edit.setText(supplier.name)
            self.email_edit.setText(supplier.email or "")
            self.phone_edit.setText(supplier.phone or "")
            self.lead_spin.setValue(supplier.lead_time_days)
            self.currency_edit.setText(supplier.currency)
            self.notes_edit.setPlainText(supplier.notes or "")

    def supplier_input(self) -> SupplierInput:
        return SupplierInput(
            name=self.name_edit.text(),
            email=self.email_edit.text(),
            phone=self.phone_edit.text(),
            lead_time_days=self.lead_spin.value(),
            currency=self.currency_edit.text(),
            notes=self.notes_edit.toPlainText(),
        )

    def save(self) -> None:
        data = self.supplier_input()
        actor = default_actor()
        supplier_id = self.supplier.id if self.supplier is not None else None

        def run(session: Any):
            if supplier_id is None:
                return create_supplier(session, data, actor=actor)
            return update_supplier_service(session, supplier_id, data, actor=actor)

        self.save_button.setEnabled(False)
        MutationOp(self, run, self._on_save_succeeded, self._on_save_failed).run(self.ops)

    @Slot()
    def _on_buttons_accepted(self) -> None:
        self.save()

    def _on_save_succeeded(self, result: Any) -> None:
        self.save_button.setEnabled(True)
        self.saved.emit(result.id)
        self.accept()

    def _on_save_failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        if isinstance(exc, DomainError):
            self.error_label.setText(str(exc))
            self.error_label.show()
            if isinstance(exc, ValidationError) and exc.field in self.fields:
                self.fields[exc.field].setFocus()
            return
        show_error(self, exc, self.ops.log_path)


class SuppliersTab(QWidget):
    """Who we buy from: lead times drive reordering; double-click to edit."""

    def __init__(self, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.dialog: SupplierDialog | None = None
        self.model = ListTableModel(SUPPLIER_COLUMNS, parent=self)
        self.table = make_table(self.model)
        set_column_widths(self.table, [-1, 240, 150, 90, 90, 90, 90])
        self.add_button = QPushButton("New supplier…")
        self.edit_button = QPushButton("Edit…")
        self.edit_button.setEnabled(False)
        self.count_label = QLabel(objectName="hint")
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.edit_button)
        buttons.addStretch(1)
        buttons.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.edit_button.clicked.connect(self._on_edit_button_clicked)
        self.table.doubleClicked.connect(self._on_table_double_clicked)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)

    def refresh(self) -> None:
        QueryOp(self, list_suppliers, self._on_suppliers_loaded).run(self.ops)

    def _on_suppliers_loaded(self, suppliers: list[SupplierInfo]) -> None:
        selected = self.selected_supplier()
        self.model.set_rows(suppliers)
        self.count_label.setText(f"{len(suppliers)} supplier(s)")
        if selected is not None:
            for row, supplier in enumerate(suppliers):
                if supplier.id == selected.id:
                    self.table.selectRow(row)
        self._on_table_selection_changed()

    def selected_supplier(self) -> SupplierInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def open_dialog(self, supplier: SupplierInfo | None = None) -> SupplierDialog:
        """Open the add/edit dialog (window-modal, not blocking) and return it."""
        self.dialog = SupplierDialog(self.ops, supplier, self)
        self.dialog.open()
        return self.dialog

    @Slot()
    def _on_add_button_clicked(self) -> None:
        self.open_dialog()

    @Slot()
    def _on_edit_button_clicked(self) -> None:
        supplier = self.selected_supplier()
        if supplier is not None:
            self.open_dialog(supplier)

    @Slot(QModelIndex)
    def _on_table_double_clicked(self, index: QModelIndex) -> None:
        self.open_dialog(self.model.row_at(index.row()))

    @Slot()
    def _on_table_selection_changed(self, *_args: Any) -> None:
        self.edit_button.setEnabled(self.selected_supplier() is not None)
