"""Purchase orders tab: list filtered by status, one PO's lines, and its commands."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QItemSelection, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.audit import default_actor
from app.errors import DomainError
from app.purchasing.dto import (
    POLineInput,
    PurchaseOrderDetail,
    PurchaseOrderLineInfo,
    PurchaseOrderSummary,
)
from app.purchasing.orders import (
    add_purchase_order_line,
    cancel_purchase_order,
    get_purchase_order,
    list_purchase_orders,
    mark_ordered,
    remove_purchase_order_line,
    update_purchase_order_line,
)
from ui.errors import show_error, user_message
from ui.formatting import local_time
from ui.ops import MutationOp, Ops, QueryOp
from ui.purchasing.common import (
    OK_BACKGROUND,
    WARN_BACKGROUND,
    Confirm,
    format_money,
    heading_label,
    make_table,
    parse_money,
    plain_money,
    set_column_widths,
    show_toned,
    status_text,
)
from ui.purchasing.po_dialog import NewPurchaseOrderDialog, lookup_product
from ui.widgets.list_table import ListTableModel
from ui.widgets.paged_table import Column, PagedTableModel
from ui.widgets.questions import confirm
from ui.widgets.scan_line_edit import ScanLineEdit

STATUS_FILTERS: tuple[tuple[str, tuple[str, ...] | None], ...] = (
    ("Open (draft, ordered, part-received)", ("draft", "ordered", "partially_received")),
    ("All", None),
    ("Draft", ("draft",)),
    ("Ordered", ("ordered",)),
    ("Partially received", ("partially_received",)),
    ("Received", ("received",)),
    ("Cancelled", ("cancelled",)),
)


@dataclass(frozen=True, slots=True)
class _Page:
    rows: tuple[PurchaseOrderSummary, ...]
    next_after: int | None


def _po_fetcher(statuses: tuple[str, ...] | None):
    def fetch(session: Any, after: int | None, limit: int) -> _Page:
        rows = list_purchase_orders(session, status=statuses, before_id=after, limit=limit)
        return _Page(tuple(rows), rows[-1].id if len(rows) == limit else None)

    return fetch


def _po_money(po: PurchaseOrderSummary) -> str:
    return format_money(po.total_cost_minor, po.currency)


PO_COLUMNS = [
    Column("number", "Number", lambda po: po.number),
    Column("supplier", "Supplier", lambda po: po.supplier_name),
    Column("status", "Status", lambda po: status_text(po.status)),
    Column("location", "Receive at", lambda po: po.location_code),
    Column("lines", "Lines", lambda po: po.line_count, align_right=True),
    Column("ordered", "Ordered", lambda po: po.ordered, align_right=True),
    Column("received", "Received", lambda po: po.received, align_right=True),
    Column("outstanding", "Outstanding", lambda po: po.outstanding, align_right=True),
    Column("total", "Total", _po_money, align_right=True),
    Column("created", "Created", lambda po: local_time(po.created_at)),
]


def line_background(line: PurchaseOrderLineInfo):
    if line.over_received:
        return WARN_BACKGROUND
    if line.received and line.received >= line.ordered:
        return OK_BACKGROUND
    return None


class PurchaseOrdersTab(QWidget):
    """List on top, the selected PO below; lines are edited in place while it is a draft."""

    receive_requested = Signal(str)  # PO number: open it in the receiving station

    def __init__(self, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.confirm: Confirm = lambda title, text: confirm(self, title, text)
        self.dialog: NewPurchaseOrderDialog | None = None
        self.detail: PurchaseOrderDetail | None = None
        self._po_id: int | None = None

        self.status_combo = QComboBox()
        for label, statuses in STATUS_FILTERS:
            self.status_combo.addItem(label, statuses)
        self.new_button = QPushButton("New purchase order…")
        self.count_label = QLabel(objectName="hint")
        top = QHBoxLayout()
        top.addWidget(QLabel("Show:"))
        top.addWidget(self.status_combo)
        top.addWidget(self.new_button)
        top.addStretch(1)
        top.addWidget(self.count_label)

        self.list_model = PagedTableModel(ops, PO_COLUMNS, parent=self)
        self.list_view = make_table(self.list_model)
        set_column_widths(self.list_view, [100, 180, 130, 90, 55, 70, 75, 90, 100])

        self.heading_label = heading_label("sectionTitle")
        self.info_label = QLabel(objectName="hint")
        self.info_label.setWordWrap(True)
        self.mark_button = QPushButton("Mark ordered")
        self.cancel_button = QPushButton("Cancel PO…")
        self.receive_button = QPushButton("Receive…")
        self.remove_button = QPushButton("Remove line")
        actions = QHBoxLayout()
        for button in (self.mark_button, self.receive_button, self.cancel_button):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.remove_button)

        self.add_edit = ScanLineEdit(placeholder="Add a product: scan or type SKU, then Enter")
        self.add_quantity = QSpinBox()
        self.add_quantity.setRange(1, 1_000_000)
        self.add_quantity.setPrefix("× ")
        self.add_row = QWidget()
        add_layout = QHBoxLayout(self.add_row)
        add_layout.setContentsMargins(0, 0, 0, 0)
        add_layout.addWidget(self.add_edit, 1)
        add_layout.addWidget(self.add_quantity)
        self.message_label = QLabel(objectName="stationMessage")
        self.message_label.setWordWrap(True)
        self.message_label.hide()

        self.lines_model = ListTableModel(
            [
                Column("sku", "SKU", lambda x: x.sku),
                Column("name", "Product", lambda x: x.name),
                Column("supplier_sku", "Supplier SKU", lambda x: x.supplier_sku or ""),
                Column("ordered", "Ordered", lambda x: x.ordered, align_right=True),
                Column("received", "Received", lambda x: x.received, align_right=True),
                Column("outstanding", "Outstanding", lambda x: x.outstanding, align_right=True),
                Column("cost", "Unit cost", lambda x: self._money(x.unit_cost_minor), True),
                Column("total", "Line total", lambda x: self._money(x.line_cost_minor), True),
            ],
            row_background=line_background,
            editable=self._line_editable,
            edit_value=self._line_edit_value,
            commit=self._commit_line_edit,
            parent=self,
        )
        self.lines_view = make_table(self.lines_model)
        set_column_widths(self.lines_view, [120, -1, 130, 80, 80, 95, 95, 110])

        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 6, 0, 0)
        detail_layout.addWidget(self.heading_label)
        detail_layout.addWidget(self.info_label)
        detail_layout.addLayout(actions)
        detail_layout.addWidget(self.add_row)
        detail_layout.addWidget(self.message_label)
        detail_layout.addWidget(self.lines_view, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.list_view)
        splitter.addWidget(detail)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)

        self.status_combo.currentIndexChanged.connect(self._on_status_combo_current_index_changed)
        self.new_button.clicked.connect(self._on_new_button_clicked)
        self.list_view.selectionModel().selectionChanged.connect(self._on_list_selection_changed)
        self.list_model.page_loaded.connect(self._on_list_model_page_loaded)
        self.mark_button.clicked.connect(self._on_mark_button_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        self.receive_button.clicked.connect(self._on_receive_button_clicked)
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        self.add_edit.scanned.connect(self._on_add_edit_scanned)
        self._show_detail(None)

    # -- list --------------------------------------------------------------------------------

    def refresh(self) -> None:
        self.list_model.set_query(_po_fetcher(self.status_combo.currentData()))
        self._load_detail()

    def set_status_filter(self, label: str) -> None:
        self.status_combo.setCurrentIndex(self.status_combo.findText(label))

    def select_po(self, po_id: int) -> None:
        """Show `po_id` below (and select it in the list if it is loaded)."""
        self._po_id = po_id
        self._select_loaded_row()
        self._load_detail()

    def _select_loaded_row(self) -> None:
        row = self.list_model.row_of_id(self._po_id) if self._po_id is not None else None
        if row is not None:
            self.list_view.selectionModel().blockSignals(True)
            self.list_view.selectRow(row)
            self.list_view.selectionModel().blockSignals(False)

    @Slot(int)
    def _on_list_model_page_loaded(self, count: int) -> None:
        self.count_label.setText(f"{count} purchase order(s)" + ("+" if count >= 200 else ""))
        self._select_loaded_row()

    @Slot(int)
    def _on_status_combo_current_index_changed(self, _index: int) -> None:
        self.list_model.set_query(_po_fetcher(self.status_combo.currentData()))

    @Slot(QItemSelection, QItemSelection)
    def _on_list_selection_changed(self, *_args: Any) -> None:
        rows = self.list_view.selectionModel().selectedRows()
        if rows:
            self._po_id = self.list_model.row_at(rows[0].row()).id
            self._load_detail()

    # -- detail ------------------------------------------------------------------------------

    def _load_detail(self) -> None:
        po_id = self._po_id
        if po_id is None:
            return
        QueryOp(
            self,
            lambda s: get_purchase_order(s, po_id),
            lambda detail: self._show_detail(detail) if po_id == self._po_id else None,
        ).run(self.ops)

    def _money(self, minor: int) -> str:
        return format_money(minor, self.detail.currency if self.detail else "USD")

    def _show_detail(self, detail: PurchaseOrderDetail | None) -> None:
        self.detail = detail
        draft = detail is not None and detail.status == "draft"
        self.lines_model.set_rows(detail.lines if detail else ())
        if detail is None:
            self.heading_label.setText("Select a purchase order")
            self.info_label.setText("")
        else:
            self.heading_label.setText(
                f"{detail.number} · {detail.supplier_name} · {status_text(detail.status)}"
            )
            parts = [
                f"Receive at {detail.location_code}",
                f"created {local_time(detail.created_at)}",
            ]
            if detail.ordered_at:
                parts.append(f"ordered {local_time(detail.ordered_at)}")
            if detail.expected_at:
                parts.append(f"expected {local_time(detail.expected_at, with_time=False)}")
            if detail.received_at:
                parts.append(f"received {local_time(detail.received_at)}")
            parts.append(
                f"{detail.ordered} ordered, {detail.received} received, "
                f"{detail.outstanding} outstanding · {self._money(detail.total_cost_minor)}"
            )
            if detail.notes:
                parts.append(f"Notes: {detail.notes}")
            self.info_label.setText(" · ".join(parts))
        self.mark_button.setEnabled(draft and bool(detail.lines))
        self.cancel_button.setEnabled(
            detail is not None and detail.status in ("draft", "ordered") and not detail.received
        )
        self.receive_button.setEnabled(
            detail is not None and detail.status in ("ordered", "partially_received")
        )
        self.remove_button.setVisible(draft)
        self.remove_button.setEnabled(draft and bool(detail.lines))
        self.add_row.setVisible(draft)

    def _say(self, text: str, tone: str = "") -> None:
        show_toned(self.message_label, text, tone)
        self.message_label.setVisible(bool(text))

    # -- line edits (drafts) -----------------------------------------------------------------

    def _line_editable(self, _line: PurchaseOrderLineInfo, key: str) -> bool:
        return (
            self.detail is not None
            and self.detail.status == "draft"
            and key
            in (
                "ordered",
                "cost",
            )
        )

    def _line_edit_value(self, line: PurchaseOrderLineInfo, key: str) -> Any:
        if key == "ordered":
            return line.ordered
        return plain_money(line.unit_cost_minor, self.detail.currency if self.detail else "USD")

    def _commit_line_edit(self, row: int, key: str, value: Any) -> bool:
        if self.detail is None:
            return False
        line = self.lines_model.row_at(row)
        try:
            if key == "ordered":
                changes = {"quantity": int(value)}
            else:
                changes = {"unit_cost_minor": parse_money(str(value), self.detail.currency) or 0}
        except (TypeError, ValueError) as exc:
            self._say(str(exc), "error")
            return False
        po_id, actor = self.detail.id, default_actor()
        self._mutate(
            lambda s: update_purchase_order_line(s, po_id, line.id, actor=actor, **changes)
        )
        return True

    @Slot(str)
    def _on_add_edit_scanned(self, code: str) -> None:
        if self.detail is None:
            return
        po_id, actor, quantity = self.detail.id, default_actor(), self.add_quantity.value()

        def add(session: Any):
            product = lookup_product(session, code)
            return add_purchase_order_line(
                session, po_id, POLineInput(product.id, quantity), actor=actor
            )

        def added(result: Any) -> None:
            self.add_edit.flash_ok()
            self.add_quantity.setValue(1)
            self._say(result.message, "ok")

        def refused(exc: BaseException) -> None:
            self.add_edit.flash_error()
            self._failed(exc)

        MutationOp(self, add, added, refused).run(self.ops)

    @Slot()
    def _on_remove_button_clicked(self) -> None:
        rows = self.lines_view.selectionModel().selectedRows()
        if self.detail is None or not rows:
            self._say("Select the line to remove.", "warning")
            return
        line = self.lines_model.row_at(rows[0].row())
        po_id, actor = self.detail.id, default_actor()
        self._mutate(lambda s: remove_purchase_order_line(s, po_id, line.id, actor=actor))

    # -- commands ----------------------------------------------------------------------------

    def open_new_dialog(self) -> NewPurchaseOrderDialog:
        """Open the New PO dialog (window-modal, not blocking) and return it."""
        self.dialog = NewPurchaseOrderDialog(self.ops, self)
        self.dialog.created.connect(self._on_dialog_created)
        self.dialog.open()
        return self.dialog

    @Slot()
    def _on_new_button_clicked(self) -> None:
        self.open_new_dialog()

    @Slot(int)
    def _on_dialog_created(self, po_id: int) -> None:
        self.select_po(po_id)

    @Slot()
    def _on_mark_button_clicked(self) -> None:
        if self.detail is not None:
            po_id, actor = self.detail.id, default_actor()
            self._mutate(lambda s: mark_ordered(s, po_id, actor=actor))

    @Slot()
    def _on_cancel_button_clicked(self) -> None:
        if self.detail is None:
            return
        number = self.detail.number
        if not self.confirm("Cancel purchase order", f"Cancel {number}? This cannot be undone."):
            return
        po_id, actor = self.detail.id, default_actor()
        self._mutate(lambda s: cancel_purchase_order(s, po_id, actor=actor))

    @Slot()
    def _on_receive_button_clicked(self) -> None:
        if self.detail is not None:
            self.receive_requested.emit(self.detail.number)

    def _mutate(self, op: Any) -> None:
        MutationOp(self, op, lambda result: self._say(result.message, "ok"), self._failed).run(
            self.ops
        )

    def _failed(self, exc: BaseException) -> None:
        self._say(user_message(exc, self.ops.log_path), "error")
        if not isinstance(exc, DomainError):
            show_error(self, exc, self.ops.log_path)
