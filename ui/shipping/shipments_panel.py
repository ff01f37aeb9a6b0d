"""ShipmentsPanel: every shipment (lazy table, search, status), its detail and actions; mail."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.audit import default_actor
from app.errors import DomainError
from app.scanning import ScanKind, classify_scan
from app.shipping.dto import ShipmentRow, ShipmentView, ShipResult
from app.shipping.services import get_shipment, list_shipments, ship_shipment, void_shipment
from app.shipping.tracking import normalize_tracking
from ui.errors import show_error
from ui.ops import MutationOp, Ops, QueryOp
from ui.panel import Panel
from ui.shipping import prompts, tracking_import
from ui.shipping.formatting import MUTED, STATUS_COLOURS, local_time, status_text
from ui.shipping.mail_tab import MailTab
from ui.shipping.printing import LABEL, SLIP, DocumentPrinter, PrintJob
from ui.shipping.ship_form import carrier_name
from ui.shipping.shipment_detail import ShipmentDetail
from ui.widgets.paged_table import Column, PagedTableModel

SHIPMENTS, MAIL = 0, 1
STATUSES = (
    ("", "All statuses"),
    ("packing", "Packing"),
    ("packed", "Packed — to ship"),
    ("shipped", "Shipped"),
    ("voided", "Voided"),
)
COLUMNS = [
    Column("number", "Shipment", lambda r: r.number),
    Column("order", "Order", lambda r: r.order_number),
    Column("customer", "Customer", lambda r: r.customer),
    Column("status", "Status", lambda r: status_text(r.status)),
    Column("carrier", "Carrier", lambda r: carrier_name(r.carrier)),
    Column("tracking", "Tracking number", lambda r: r.tracking_number or ""),
    Column("units", "Units", lambda r: r.units, align_right=True),
    Column("created", "Created", lambda r: local_time(r.created_at)),
    Column("shipped", "Shipped", lambda r: local_time(r.shipped_at)),
]
WIDTHS = (100, 100, 0, 110, 90, 190, 55, 130, 130)


def search_text(text: str) -> str:
    """What list_shipments matches: document numbers as typed, tracking numbers normalised."""
    scan = classify_scan(text)
    if scan is None:
        return ""
    if scan.kind in (ScanKind.ORDER, ScanKind.SHIPMENT):
        return scan.value
    return normalize_tracking(text)


def _background(row: ShipmentRow) -> Any:
    return STATUS_COLOURS.get(row.status)


def _foreground(row: ShipmentRow) -> Any:
    return MUTED if row.status == "voided" else None


class ShipmentsPanel(Panel):
    """Search takes a tracking, shipment or order number (scan one into it). Packed shipments
    are tinted: they wait for a carrier. Ship…, Void… and printing act on the selected one."""

    refresh_on = ("shipments",)

    def __init__(self, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(ops, "Shipments", parent=parent)
        self.actor = default_actor()
        self._selected_id: int | None = None
        self.printer = DocumentPrinter(ops, self)
        self.printer.finished.connect(self._on_printer_finished)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_shipments_tab(), "Shipments")
        self.mail_tab = MailTab(ops)
        self.mail_tab.problems_counted.connect(self._on_mail_tab_problems_counted)
        self.tabs.addTab(self.mail_tab, "Mail")
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)
        self.body.addWidget(self.tabs, 1)

    def _build_shipments_tab(self) -> QWidget:
        self.search_field = QLineEdit(placeholderText="Tracking, shipment or order number")
        self.search_field.setClearButtonEnabled(True)
        self.search_field.returnPressed.connect(self._on_search_field_return_pressed)
        self._search_timer = QTimer(self, singleShot=True, interval=300)
        self._search_timer.timeout.connect(self.reload)
        self.search_field.textChanged.connect(self._on_search_field_text_changed)
        self.status_combo = QComboBox()
        for value, text in STATUSES:
            self.status_combo.addItem(text, value)
        self.status_combo.currentIndexChanged.connect(self._on_status_combo_index_changed)
        self.import_button = QPushButton("Import tracking numbers…")
        self.import_button.clicked.connect(self._on_import_button_clicked)
        self.count_label = QLabel(objectName="hint")
        self.message_label = QLabel(objectName="hint")
        self.message_label.setWordWrap(True)
        self.message_label.setTextFormat(Qt.TextFormat.PlainText)

        self.model = PagedTableModel(
            self.ops, COLUMNS, row_background=_background, row_foreground=_foreground, parent=self
        )
        self.model.page_loaded.connect(self._on_model_page_loaded)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        for column, width in enumerate(WIDTHS):
            if width:
                header.resizeSection(column, width)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().currentRowChanged.connect(self._on_table_current_row_changed)

        self.detail = ShipmentDetail()
        self.detail.ship_requested.connect(self._on_detail_ship_requested)
        self.detail.void_requested.connect(self._on_detail_void_requested)
        self.detail.tracking_requested.connect(self._on_detail_tracking_requested)
        self.detail.print_requested.connect(self._on_detail_print_requested)
        self.detail.preview_requested.connect(self._on_detail_preview_requested)

        top = QHBoxLayout()
        top.addWidget(self.search_field, 1)
        top.addWidget(self.status_combo)
        top.addWidget(self.import_button)
        top.addWidget(self.count_label)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.message_label)
        return tab

    # -- loading -----------------------------------------------------------------------------

    def refresh(self) -> None:
        super().refresh()
        self.reload()
        self.mail_tab.refresh()

    def reload(self) -> None:
        search = search_text(self.search_field.text())
        status = self.status_combo.currentData() or None
        self.model.set_query(
            lambda session, after, limit: list_shipments(
                session, search=search, status=status, after=after, limit=limit
            )
        )

    @Slot(int)
    def _on_model_page_loaded(self, rows: int) -> None:
        more = "+" if self.model.canFetchMore() else ""
        self.count_label.setText(f"{rows}{more} shipment(s)")
        row = self.model.row_of_id(self._selected_id) if self._selected_id else None
        if row is None and self.model.rowCount() and self.search_field.text().strip():
            row = 0  # a search that found something: show it
        if row is not None and not self.table.selectionModel().hasSelection():
            self.table.selectionModel().setCurrentIndex(
                self.model.index(row, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
        elif row is None and not self.model.rowCount():
            self.detail.show_shipment(None)

    @Slot(QModelIndex, QModelIndex)
    def _on_table_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        self.load_detail(self.model.row_at(current.row()).id)

    def load_detail(self, shipment_id: int) -> None:
        self._selected_id = shipment_id
        QueryOp(self, lambda s: get_shipment(s, shipment_id), self._on_detail_loaded).run(self.ops)

    def _on_detail_loaded(self, shipment: ShipmentView) -> None:
        if shipment.id == self._selected_id:
            self.detail.show_shipment(shipment)

    # -- actions -----------------------------------------------------------------------------

    @Slot()
    def _on_detail_ship_requested(self) -> None:
        shipment = self.detail.shipment
        if shipment is None:
            return
        request = prompts.ask_ship(self, shipment)
        if request is None:
            return
        actor = self.actor
        MutationOp(
            self,
            lambda session: ship_shipment(
                session,
                shipment.id,
                carrier=request.carrier,
                tracking_number=request.tracking_number,
                actor=actor,
                service=request.service,
                notify_customer=request.notify_customer,
            ),
            self._on_changed,
            self._on_failed,
        ).run(self.ops)

    @Slot()
    def _on_detail_void_requested(self) -> None:
        shipment = self.detail.shipment
        if shipment is None:
            return
        reason = prompts.ask_void_reason(self, shipment)
        if reason is None:
            return
        actor = self.actor
        MutationOp(
            self,
            lambda session: void_shipment(session, shipment.id, reason=reason, actor=actor),
            self._on_changed,
            self._on_failed,
        ).run(self.ops)

    def _on_changed(self, result: ShipResult) -> None:
        status = result.order_status.replace("_", " ")
        self.message_label.setText(
            f"{result.message}; order {result.shipment.order_number} is now {status}"
        )
        self.detail.show_shipment(result.shipment)

    def _on_failed(self, exc: BaseException) -> None:
        if isinstance(exc, DomainError):
            self.message_label.setText(str(exc))
        show_error(self, exc, self.ops.log_path)

    @Slot()
    def _on_detail_tracking_requested(self) -> None:
        shipment = self.detail.shipment
        if shipment is not None and shipment.tracking_url:
            prompts.open_url(shipment.tracking_url)

    @Slot(str)
    def _on_detail_print_requested(self, kind: str, *, preview: bool = False) -> None:
        shipment = self.detail.shipment
        if shipment is None:
            return
        self.message_label.setText("Preparing…" if preview else "Printing…")
        job = PrintJob(
            LABEL if kind == LABEL else SLIP, order_id=shipment.order_id, shipment_id=shipment.id
        )
        self.printer.print_document(job, preview=preview)

    @Slot(str)
    def _on_detail_preview_requested(self, kind: str) -> None:
        self._on_detail_print_requested(kind, preview=True)

    @Slot(bool, str)
    def _on_printer_finished(self, _printed: bool, message: str) -> None:
        self.message_label.setText(message)

    @Slot()
    def _on_import_button_clicked(self) -> None:
        tracking_import.show_import_dialog(self, self.ops)

    # -- filters and tabs --------------------------------------------------------------------

    def show_filtered(self, *, problems: str | None = None, shipped_on: object = None) -> None:
        """Show what a dashboard number counts (see ui/dashboard/links.py): the mail problems,
        or shipments (shipped ones when `shipped_on` is given)."""
        if problems == "mail":
            self.tabs.setCurrentIndex(MAIL)
            return
        self.tabs.setCurrentIndex(SHIPMENTS)
        self.search_field.clear()
        if shipped_on is not None:
            index = self.status_combo.findData("shipped")
            if index >= 0:
                self.status_combo.setCurrentIndex(index)

    @Slot()
    def _on_search_field_return_pressed(self) -> None:
        self._search_timer.stop()
        self._selected_id = None
        self.table.clearSelection()
        self.reload()

    @Slot(str)
    def _on_search_field_text_changed(self, _text: str) -> None:
        self._selected_id = None
        self.table.clearSelection()
        self._search_timer.start()

    @Slot(int)
    def _on_status_combo_index_changed(self, _index: int) -> None:
        self.reload()

    @Slot(int)
    def _on_tabs_current_changed(self, index: int) -> None:
        if index == MAIL:
            self.mail_tab.refresh()

    @Slot(int)
    def _on_mail_tab_problems_counted(self, problems: int) -> None:
        self.tabs.setTabText(
            MAIL, f"Mail ({problems} problem{'s' if problems != 1 else ''})" if problems else "Mail"
        )
