"""OrderEntryDialog: phone and counter orders, typed and scanned without touching the mouse."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.audit import default_actor
from app.errors import ValidationError
from app.inventory.locations import list_locations
from app.money import parse_amount, plain_amount
from app.orders.address import Address
from app.orders.customers import CustomerMatch
from app.orders.dto import OrderInput, OrderSaved
from app.orders.services import create_order
from app.settings import get_setting
from ui.errors import show_error
from ui.ops import MutationOp, Ops, QueryOp
from ui.orders import prompts
from ui.orders.customer_lookup import CustomerLookup
from ui.orders.entry_lines import QTY, EntryLinesModel
from ui.orders.formatting import money
from ui.orders.product_picker import PickedProduct, lookup_code
from ui.widgets.scan_line_edit import ScanLineEdit

ADDRESS_FIELDS = ("company", "address1", "address2", "city", "region", "postal_code", "country")
MONEY_FIELDS = ("discount_minor", "shipping_minor", "tax_minor")
LINE_FIELDS = {"lines", "quantity", "sku", "product_id", "name_line", "unit_price_minor"}


@dataclass(frozen=True, slots=True)
class EntryContext:
    currency: str
    stores: tuple[tuple[int, str], ...]  # (location id, "CODE — name")
    default_country: str


def load_entry_context(session: Any) -> EntryContext:
    locations = list_locations(session)
    stores = tuple((loc.id, f"{loc.code} — {loc.name}") for loc in locations if loc.kind == "store")
    # The shop's home country: where most of its locations are (the oldest breaks a tie).
    countries = Counter(loc.country for loc in sorted(locations, key=lambda loc: loc.id))
    country = countries.most_common(1)[0][0] if countries else "US"
    return EntryContext(get_setting(session, "currency"), stores, country)


class OrderEntryDialog(QDialog):
    """Customer, ship-to or pickup store, lines by scan or search, charges, payment, notes.

    Ctrl+Return saves and confirms (allocating stock), Save as draft keeps a draft; the service
    validates everything and a bad field is focused and highlighted with nothing written.
    """

    order_saved = Signal(object)  # app.orders.dto.OrderSaved

    def __init__(self, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.actor = default_actor()
        self.currency = "USD"
        self.saved: OrderSaved | None = None
        self._saving = False
        self._default_country = ""
        self.setWindowTitle("New order")
        self.resize(1080, 680)

        self.edits: dict[str, QLineEdit] = {}
        customer = QGroupBox("Customer")
        form = QFormLayout(customer)
        self._add_edit(form, "email", "&Email:", "name@example.com")
        self._add_edit(form, "name", "&Name:", "Full name (also the ship-to name)")
        self._add_edit(form, "phone", "&Phone:", "")
        self.method_combo = QComboBox()
        self.method_combo.addItem("Ship to address", "ship")
        self.method_combo.addItem("Pick up in store", "pickup")
        self.store_combo = QComboBox()
        self.store_combo.setEnabled(False)
        _add_row(form, "&Delivery:", self.method_combo)
        _add_row(form, "&Store:", self.store_combo)

        ship = QGroupBox("Ship to")
        ship_form = QFormLayout(ship)
        self._add_edit(ship_form, "company", "Compan&y:", "optional")
        self._add_edit(ship_form, "address1", "&Address:", "Street and number")
        self._add_edit(ship_form, "address2", "", "Apartment, suite (optional)")
        self._add_edit(ship_form, "city", "&City:", "")
        self._add_edit(ship_form, "region", "State/re&gion:", "e.g. CA (where required)")
        self._add_edit(ship_form, "postal_code", "Posta&l code:", "")
        self._add_edit(ship_form, "country", "Co&untry:", "two letters: US, GB, DE…")
        self.edits["country"].setMaxLength(2)
        self.edits["country"].setMaximumWidth(60)

        self.scan_edit = ScanLineEdit(placeholder="Scan a barcode or type a SKU, then Enter")
        self.scan_edit.setObjectName("scanLine")
        self.lines_model = EntryLinesModel(self.currency, self)
        self.lines_view = QTableView()
        self.lines_view.setModel(self.lines_model)
        self.lines_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.lines_view.setTabKeyNavigation(False)  # Tab leaves the table; arrows move inside
        self.lines_view.setEditTriggers(
            QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.DoubleClicked
        )
        self.lines_view.verticalHeader().hide()
        self.lines_view.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.lines_view.setWordWrap(False)
        self.lines_view.verticalHeader().setDefaultSectionSize(24)
        for column, width in enumerate((96, 0, 44, 80, 70, 84, 66)):
            if column != 1:
                self.lines_view.setColumnWidth(column, width)
        delete = QShortcut(QKeySequence(Qt.Key.Key_Delete), self.lines_view)
        delete.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete.activated.connect(self._on_delete_shortcut_activated)
        self.scan_hint = QLabel(
            "Enter adds one more of a product already listed · Delete removes the selected line "
            "· F2 edits quantity, price or discount",
            objectName="hint",
        )
        self.scan_hint.setWordWrap(True)
        lines = QGroupBox("Lines")
        lines_layout = QVBoxLayout(lines)
        lines_layout.addWidget(self.scan_edit)
        lines_layout.addWidget(self.lines_view, 1)
        lines_layout.addWidget(self.scan_hint)

        charges = QGroupBox("Charges and payment")
        charges_form = QFormLayout(charges)
        self._add_edit(charges_form, "discount_minor", "Order disc&ount:", "0.00")
        self._add_edit(charges_form, "shipping_minor", "S&hipping:", "0.00")
        self._add_edit(charges_form, "tax_minor", "Ta&x:", "0.00")
        for key in MONEY_FIELDS:
            self.edits[key].setAlignment(Qt.AlignmentFlag.AlignRight)
            self.edits[key].setMaximumWidth(120)
        self.payment_combo = QComboBox()
        self.payment_combo.addItem("Pending", "pending")
        self.payment_combo.addItem("Paid", "paid")
        _add_row(charges_form, "Pay&ment:", self.payment_combo)
        self.notes_edit = QPlainTextEdit()
        self.notes_edit.setTabChangesFocus(True)
        self.notes_edit.setFixedHeight(self.notes_edit.fontMetrics().lineSpacing() * 3 + 14)
        _add_row(charges_form, "No&tes:", self.notes_edit)
        self.totals_labels = self._totals_grid()
        charges_row = QHBoxLayout()
        charges_row.addWidget(charges, 1)
        charges_row.addWidget(self.totals_box)

        self.error_label = QLabel(objectName="fieldError")
        self.error_label.setWordWrap(True)
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.hide()
        self.cancel_button = QPushButton("Cancel")
        self.draft_button = QPushButton("Save as d&raft")
        self.confirm_button = QPushButton("Save && con&firm (Ctrl+Enter)")
        for button in (self.cancel_button, self.draft_button, self.confirm_button):
            button.setAutoDefault(False)  # Enter belongs to the scan field, never "save"
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.draft_button)
        buttons.addWidget(self.confirm_button)

        left = QVBoxLayout()
        left.addWidget(customer)
        left.addWidget(ship)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(lines, 1)
        right.addLayout(charges_row)
        columns = QHBoxLayout()
        columns.addLayout(left, 2)
        columns.addLayout(right, 3)
        layout = QVBoxLayout(self)
        layout.addLayout(columns, 1)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)

        order = [
            self.edits["email"],
            self.edits["name"],
            self.edits["phone"],
            self.method_combo,
            self.store_combo,
            *(self.edits[key] for key in ADDRESS_FIELDS),
            self.scan_edit,
            self.lines_view,
            *(self.edits[key] for key in MONEY_FIELDS),
            self.payment_combo,
            self.notes_edit,
            self.confirm_button,
            self.draft_button,
            self.cancel_button,
        ]
        for first, second in pairwise(order):
            QWidget.setTabOrder(first, second)

        for sequence in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(sequence), self)
            shortcut.activated.connect(self._on_confirm_shortcut_activated)
        self.scan_edit.scanned.connect(self._on_scan_edit_scanned)
        self.method_combo.currentIndexChanged.connect(self._on_method_combo_current_index_changed)
        self.edits["country"].textEdited.connect(self._on_country_edit_text_edited)
        for key in MONEY_FIELDS:
            self.edits[key].textChanged.connect(self._on_money_edit_text_changed)
        for edit in self.edits.values():
            edit.textEdited.connect(self._on_any_edit_text_edited)
        self.lines_model.lines_changed.connect(self._on_lines_model_lines_changed)
        self.confirm_button.clicked.connect(self._on_confirm_button_clicked)
        self.draft_button.clicked.connect(self._on_draft_button_clicked)
        self.cancel_button.clicked.connect(self.reject)
        self.customer_id: int | None = None
        self.lookups = [CustomerLookup(ops, self.edits[key], self) for key in ("email", "name")]
        for lookup in self.lookups:
            lookup.picked.connect(self.use_customer)
        # A different email means a different customer than the one picked.
        self.edits["email"].textEdited.connect(self._on_email_edit_text_edited)
        self.edits["email"].setFocus()
        self._update_totals()
        QueryOp(self, load_entry_context, self._on_context_loaded).run(ops)

    @Slot(str)
    def _on_email_edit_text_edited(self, _text: str) -> None:
        self.customer_id = None

    def use_customer(self, match: CustomerMatch) -> None:
        """Fill the customer and ship-to fields from an existing customer."""
        self.customer_id = match.id
        values = {
            "email": match.email,
            "name": match.name,
            "phone": match.phone,
            "company": match.company,
            "address1": match.address1,
            "address2": match.address2,
            "city": match.city,
            "region": match.region,
            "postal_code": match.postal_code,
            "country": match.country,
        }
        for key, value in values.items():
            if key in self.edits:
                self.edits[key].setText(value or "")
        self.scan_edit.setFocus()

    def _add_edit(self, form: QFormLayout, key: str, label: str, placeholder: str) -> QLineEdit:
        edit = QLineEdit(objectName=f"entry:{key}")
        edit.setPlaceholderText(placeholder)
        self.edits[key] = edit
        _add_row(form, label, edit)
        return edit

    def _totals_grid(self) -> dict[str, QLabel]:
        self.totals_box = QGroupBox("Totals")
        grid = QGridLayout(self.totals_box)
        labels = {}
        for row, (key, title) in enumerate(
            (
                ("subtotal_minor", "Subtotal"),
                ("discount_minor", "Discount"),
                ("shipping_minor", "Shipping"),
                ("tax_minor", "Tax"),
                ("total_minor", "Total"),
            )
        ):
            name = QLabel(title)
            value = QLabel(objectName=f"total:{key}")
            value.setAlignment(Qt.AlignmentFlag.AlignRight)
            value.setMinimumWidth(100)
            if key == "total_minor":
                name.setStyleSheet("font-weight: 600;")
                value.setStyleSheet("font-weight: 600;")
            grid.addWidget(name, row, 0)
            grid.addWidget(value, row, 1)
            labels[key] = value
        grid.setRowStretch(len(labels), 1)
        return labels

    # -- context ------------------------------------------------------------------------------

    def _on_context_loaded(self, context: EntryContext) -> None:
        self.currency = context.currency
        self.lines_model.set_currency(context.currency)
        for key in MONEY_FIELDS:
            self.edits[key].setPlaceholderText(plain_amount(0, context.currency))
        self.store_combo.clear()
        for location_id, label in context.stores:
            self.store_combo.addItem(label, location_id)
        pickup = self.method_combo.findData("pickup")
        self.method_combo.model().item(pickup).setEnabled(bool(context.stores))
        if not self.edits["country"].text():
            self.edits["country"].setText(context.default_country)
        self._default_country = context.default_country
        self._update_totals()

    # -- state --------------------------------------------------------------------------------

    def is_dirty(self) -> bool:
        """True once anything was typed or added that Cancel would throw away."""
        typed = any(
            edit.text().strip() for key, edit in self.edits.items() if key != "country"
        ) or self.edits["country"].text().strip().upper() not in ("", self._default_country)
        return bool(typed or self.lines_model.rowCount() or self.notes_edit.toPlainText().strip())

    def _amount(self, key: str) -> int:
        try:
            return parse_amount(self.edits[key].text(), self.currency)
        except ValueError as exc:
            raise ValidationError(str(exc), field=key) from None

    def _update_totals(self) -> None:
        amounts = {}
        for key in MONEY_FIELDS:
            try:
                amounts[key] = self._amount(key)
                _set_invalid(self.edits[key], False)
            except ValidationError:
                amounts[key] = 0
                _set_invalid(self.edits[key], True)
        totals = self.lines_model.totals(**amounts)
        for key, label in self.totals_labels.items():
            value = totals[key]
            text = money(value, self.currency)
            label.setText(f"−{text}" if key == "discount_minor" and value else text)

    def order_input(self, *, confirm: bool) -> OrderInput:
        """What was typed, as the service's input; raises ValidationError for bad amounts."""
        text = {key: edit.text().strip() for key, edit in self.edits.items()}
        pickup = self.method_combo.currentData() == "pickup"
        has_address = any(text[key] for key in ADDRESS_FIELDS if key != "country")
        ship_to = None
        if not pickup or has_address or text["name"]:
            ship_to = Address(
                name=text["name"],
                address1=text["address1"],
                city=text["city"],
                postal_code=text["postal_code"],
                country=text["country"].upper(),
                region=text["region"],
                address2=text["address2"],
                company=text["company"],
                phone=text["phone"],
            )
        return OrderInput(
            lines=self.lines_model.line_inputs(),
            ship_to=ship_to,
            customer_id=self.customer_id,
            email=text["email"] or None,
            phone=text["phone"] or None,
            delivery_method="pickup" if pickup else "ship",
            pickup_location_id=self.store_combo.currentData() if pickup else None,
            payment_status=self.payment_combo.currentData(),
            discount_minor=self._amount("discount_minor"),
            shipping_minor=self._amount("shipping_minor"),
            tax_minor=self._amount("tax_minor"),
            currency=self.currency,
            notes=self.notes_edit.toPlainText().strip() or None,
            confirm=confirm,
        )

    # -- saving -------------------------------------------------------------------------------

    def save(self, *, confirm: bool) -> None:
        if self._saving:
            return
        self.show_problem(None)
        try:
            data = self.order_input(confirm=confirm)
        except ValidationError as exc:
            self.show_problem(exc)
            return
        self._set_saving(True)
        actor = self.actor
        MutationOp(
            self,
            lambda session: create_order(session, data, actor=actor),
            self._on_save_succeeded,
            self._on_save_failed,
        ).run(self.ops)

    def _set_saving(self, saving: bool) -> None:
        self._saving = saving
        for button in (self.confirm_button, self.draft_button):
            button.setEnabled(not saving)

    def _on_save_succeeded(self, saved: OrderSaved) -> None:
        self._set_saving(False)
        self.saved = saved
        self.order_saved.emit(saved)
        self.done(QDialog.DialogCode.Accepted)

    def _on_save_failed(self, exc: BaseException) -> None:
        self._set_saving(False)
        if isinstance(exc, ValidationError):
            self.show_problem(exc)
        else:
            show_error(self, exc, self.ops.log_path)

    def field_widget(self, field: str | None) -> QWidget | None:
        """The widget to fix for a ValidationError's field."""
        if field in self.edits:
            return self.edits[field]
        if field == "ship_to":
            return self.edits["name"] if not self.edits["name"].text().strip() else None
        if field == "pickup_location_id":
            return self.store_combo
        if field == "delivery_method":
            return self.method_combo
        if field in ("payment_status", "paid_minor"):
            return self.payment_combo
        if field == "customer_id":
            return self.edits["email"]
        if field in LINE_FIELDS:
            return self.lines_view if self.lines_model.rowCount() else self.scan_edit
        return None

    def show_problem(self, exc: ValidationError | None) -> None:
        """Show `exc` under the form and highlight its field (None clears every mark)."""
        for widget in (*self.edits.values(), self.store_combo, self.lines_view, self.scan_edit):
            _set_invalid(widget, False)
        if exc is None:
            self.error_label.hide()
            return
        self.error_label.setText(str(exc))
        self.error_label.show()
        widget = self.field_widget(exc.field)
        if exc.field == "ship_to" and widget is None:
            widget = next(
                (self.edits[k] for k in ADDRESS_FIELDS if not self.edits[k].text().strip()),
                self.edits["address1"],
            )
        if widget is not None:
            _set_invalid(widget, True)
            widget.setFocus()

    # -- closing ------------------------------------------------------------------------------

    def reject(self) -> None:
        if self._saving:
            return
        if self.is_dirty() and not prompts.confirm_discard(self):
            return
        super().reject()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Plain Enter ends a scan; it must never press a button the user did not choose.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not (
            event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            event.accept()
            return
        super().keyPressEvent(event)

    # -- scanning -----------------------------------------------------------------------------

    def add_code(self, code: str) -> None:
        """Add one unit of the product a scanned or typed code names; search when unknown."""
        code = code.strip()
        if not code:
            return
        QueryOp(
            self,
            lambda session: lookup_code(session, code),
            lambda product: self._on_code_looked_up(code, product),
        ).run(self.ops)

    def _on_code_looked_up(self, code: str, product: PickedProduct | None) -> None:
        if product is not None and product.archived:
            self.scan_edit.flash_error()
            self.show_problem(
                ValidationError(f"{product.sku} is archived and cannot be sold", field="sku")
            )
            return
        if product is None:
            self.scan_edit.flash_warning()
            product = prompts.pick_product(self, self.ops, code, f"No product “{code}” — search")
            if product is None:
                self.scan_edit.setFocus()
                return
        self.scan_edit.flash_ok()
        self.show_problem(None)
        row = self.lines_model.add_product(product)
        # Current cell on the quantity: F2 or typing a digit changes it straight away.
        self.lines_view.setCurrentIndex(self.lines_model.index(row, QTY))
        self.scan_edit.setFocus()

    @Slot(str)
    def _on_scan_edit_scanned(self, code: str) -> None:
        self.add_code(code)  # the field is already clear for the next scan

    @Slot()
    def _on_delete_shortcut_activated(self) -> None:
        rows = [index.row() for index in self.lines_view.selectionModel().selectedRows()]
        if not rows and self.lines_view.currentIndex().isValid():
            rows = [self.lines_view.currentIndex().row()]
        self.lines_model.remove_rows(rows)
        if self.lines_model.rowCount():
            self.lines_view.selectRow(min(min(rows, default=0), self.lines_model.rowCount() - 1))

    @Slot()
    def _on_confirm_shortcut_activated(self) -> None:
        self.save(confirm=True)

    @Slot()
    def _on_confirm_button_clicked(self) -> None:
        self.save(confirm=True)

    @Slot()
    def _on_draft_button_clicked(self) -> None:
        self.save(confirm=False)

    @Slot(int)
    def _on_method_combo_current_index_changed(self, _index: int) -> None:
        pickup = self.method_combo.currentData() == "pickup"
        self.store_combo.setEnabled(pickup)

    @Slot(str)
    def _on_country_edit_text_edited(self, text: str) -> None:
        edit = self.edits["country"]
        if text != text.upper():
            position = edit.cursorPosition()
            edit.setText(text.upper())
            edit.setCursorPosition(position)

    @Slot(str)
    def _on_money_edit_text_changed(self, _text: str) -> None:
        self._update_totals()

    @Slot(str)
    def _on_any_edit_text_edited(self, _text: str) -> None:
        sender = self.sender()
        if isinstance(sender, QWidget) and sender.property("invalid"):
            _set_invalid(sender, False)

    @Slot()
    def _on_lines_model_lines_changed(self) -> None:
        self._update_totals()


def _add_row(form: QFormLayout, text: str, widget: QWidget) -> None:
    label = QLabel(text)
    label.setBuddy(widget)
    form.addRow(label, widget)


def _set_invalid(widget: QWidget, invalid: bool) -> None:
    if bool(widget.property("invalid")) == invalid:
        return
    widget.setProperty("invalid", invalid)
    # Dynamic properties only restyle after a re-polish.
    widget.style().unpolish(widget)
    widget.style().polish(widget)
