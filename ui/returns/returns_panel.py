"""ReturnsPanel: the RMA table, filters and detail pane, new returns, the receiving station."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.audit import default_actor
from app.errors import NotFound
from app.orders.dto import OrderView
from app.orders.queries import get_order
from app.returns.dto import ReturnFilter, ReturnSaved, ReturnView
from app.returns.queries import get_return
from app.returns.services import (
    authorize_return,
    close_return,
    exchange_return,
    refund_return,
    reject_return,
    store_credit_return,
)
from ui.errors import show_error
from ui.ops import MutationOp, Ops, QueryOp
from ui.panel import Panel
from ui.returns import prompts
from ui.returns.common import RETURNS_STYLE, set_column_widths
from ui.returns.detail_pane import ReturnDetailPane
from ui.returns.formatting import plural, sentence
from ui.returns.new_return_dialog import NewReturnDialog
from ui.returns.printing import ReturnSlipPrinter
from ui.returns.receiving_station import ReturnReceivingStation
from ui.returns.return_table import (
    COLUMN_WIDTHS,
    RETURN_COLUMNS,
    ReturnFilterBar,
    ReturnTableModel,
    page_function,
)

Detail = tuple[ReturnView, OrderView]


def _scrolling(page: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(page)
    return area


def _detail(session: Any, rma_id: int) -> Detail:
    view = get_return(session, rma_id)
    return view, get_order(session, view.order_id)


class ReturnsPanel(Panel):
    """Find RMAs, read one, act on it; create returns; receive them at the station tab."""

    refresh_on = ("returns", "orders", "stock")

    def __init__(
        self, ops: Ops, *, exports_dir: Path | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            ops,
            "Returns",
            "Authorize returns, receive them by scanning, then refund, exchange or give store "
            "credit.",
            parent,
        )
        self.setStyleSheet(RETURNS_STYLE)
        self.actor = default_actor()
        self.printer = ReturnSlipPrinter(ops, exports_dir or ops.exports_dir, self)
        self.selected_id: int | None = None
        self._detail_generation = 0
        self.new_return_dialog: NewReturnDialog | None = None

        self.filter_bar = ReturnFilterBar()
        self.count_label = QLabel("", objectName="hint")
        self.new_button = QPushButton("&New return…")
        self.new_button.setToolTip("Start a return from a shipped order (Ctrl+N)")
        self.filter_bar.row.addWidget(self.count_label)
        self.filter_bar.row.addWidget(self.new_button)

        self.model = ReturnTableModel(ops, self)
        self.table = QTableView(objectName="returnsTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.horizontalHeader().setHighlightSections(False)
        set_column_widths(self.table, [COLUMN_WIDTHS[spec.key] for spec in RETURN_COLUMNS])
        self.detail = ReturnDetailPane()
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 4)
        self.splitter.setStretchFactor(1, 5)
        self.splitter.setChildrenCollapsible(False)
        self.list_tab = QWidget()
        list_layout = QVBoxLayout(self.list_tab)
        list_layout.setContentsMargins(0, 8, 0, 0)
        list_layout.addWidget(self.filter_bar)
        list_layout.addWidget(self.splitter, 1)

        self.station = ReturnReceivingStation(ops)
        # In a small window the pages scroll rather than forcing the window wider.
        self.list_page = _scrolling(self.list_tab)
        self.station_page = _scrolling(self.station)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.list_page, "Returns")
        self.tabs.addTab(self.station_page, "Receiving")
        self.body.addWidget(self.tabs, 1)

        self.new_shortcut = QShortcut(QKeySequence("Ctrl+N"), self)
        self.new_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.new_shortcut.activated.connect(self._on_new_shortcut_activated)
        self.filter_bar.filters_changed.connect(self._on_filter_bar_filters_changed)
        self.model.page_loaded.connect(self._on_model_page_loaded)
        self.table.selectionModel().currentRowChanged.connect(self._on_table_current_row_changed)
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)
        self.new_button.clicked.connect(self._on_new_button_clicked)
        d = self.detail
        for button, slot in (
            (d.authorize_button, self._on_authorize_button_clicked),
            (d.reject_button, self._on_reject_button_clicked),
            (d.receive_button, self._on_receive_button_clicked),
            (d.refund_button, self._on_refund_button_clicked),
            (d.exchange_button, self._on_exchange_button_clicked),
            (d.credit_button, self._on_credit_button_clicked),
            (d.close_button, self._on_close_button_clicked),
            (d.close_missing_button, self._on_close_missing_button_clicked),
            (d.print_button, self._on_print_button_clicked),
        ):
            button.clicked.connect(slot)

    # -- loading -----------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload the table (keeping the selected RMA), the detail and the station."""
        super().refresh()
        self.model.set_query(page_function(self.filter_bar.current_filter()))
        self._load_detail()
        self.station.refresh()

    def set_filter(self, filt: ReturnFilter) -> None:
        self.filter_bar.search_edit.setText(filt.search)
        self.filter_bar.set_status(filt.status)
        index = self.filter_bar.reason_combo.findData(filt.reason)
        self.filter_bar.reason_combo.setCurrentIndex(max(index, 0))
        self.filter_bar.apply()

    def show_list(self) -> None:
        self.tabs.setCurrentWidget(self.list_page)

    def show_station(self) -> None:
        self.tabs.setCurrentWidget(self.station_page)

    def select_rma(self, rma_id: int) -> None:
        """Select an RMA in the table (when loaded) and show it in the detail pane."""
        self.selected_id = rma_id
        row = self.model.row_of_id(rma_id)
        if row is not None and self.table.currentIndex().row() != row:
            self.table.selectRow(row)
        self._load_detail()

    def _load_detail(self) -> None:
        self._detail_generation += 1
        generation, rma_id = self._detail_generation, self.selected_id
        if rma_id is None:
            self.detail.clear()
            return
        QueryOp(
            self,
            lambda s: _detail(s, rma_id),
            lambda loaded: self._on_detail_loaded(generation, loaded),
            lambda exc: self._on_detail_failed(generation, exc),
        ).run(self.ops)

    def _on_detail_loaded(self, generation: int, loaded: Detail) -> None:
        if generation == self._detail_generation:
            self.detail.show_return(*loaded)

    def _on_detail_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._detail_generation:
            return
        if isinstance(exc, NotFound):
            self.selected_id = None
            self.detail.clear("That return no longer exists")
        else:
            show_error(self, exc, self.ops.log_path)

    @Slot(object)
    def _on_filter_bar_filters_changed(self, filt: ReturnFilter) -> None:
        self.model.set_query(page_function(filt))

    @Slot(int)
    def _on_model_page_loaded(self, rows: int) -> None:
        more = "+" if self.model.canFetchMore() else ""
        self.count_label.setText(f"{plural(rows, 'return')}{more}")
        if self.selected_id is None:
            return
        row = self.model.row_of_id(self.selected_id)
        if row is not None and self.table.currentIndex().row() != row:
            self.table.selectRow(row)

    @Slot(QModelIndex, QModelIndex)
    def _on_table_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        rma_id = self.model.data(current, ReturnTableModel.IdRole)
        shown = self.detail.view
        if rma_id == self.selected_id and shown is not None and shown.id == rma_id:
            return
        self.selected_id = rma_id
        self._load_detail()

    @Slot(int)
    def _on_tabs_current_changed(self, _index: int) -> None:
        if self.tabs.currentWidget() is self.station_page:
            self.station.scan_edit.setFocus()

    # -- new returns -------------------------------------------------------------------------

    def open_new_return(self) -> NewReturnDialog:
        """Show the new-return dialog (window-modal, not blocking) and return it."""
        dialog = self.new_return_dialog
        if dialog is None:
            dialog = NewReturnDialog(self.ops, self)
            dialog.return_created.connect(self._on_new_return_dialog_return_created)
            dialog.print_requested.connect(self._on_new_return_dialog_print_requested)
            self.new_return_dialog = dialog
        else:
            dialog.reset()
        dialog.open()
        return dialog

    @Slot()
    def _on_new_button_clicked(self) -> None:
        self.open_new_return()

    @Slot()
    def _on_new_shortcut_activated(self) -> None:
        self.open_new_return()

    @Slot(object)
    def _on_new_return_dialog_return_created(self, saved: ReturnSaved) -> None:
        self.show_list()
        self.select_rma(saved.id)
        self.detail.set_notice(f"{sentence(saved.message)} Print the return slip for the customer.")

    @Slot(int)
    def _on_new_return_dialog_print_requested(self, rma_id: int) -> None:
        self.printer.print_slip(rma_id)

    # -- actions on the selected RMA ---------------------------------------------------------

    def _act(self, work: Callable[[Any], ReturnSaved]) -> None:
        MutationOp(self, work, self._on_saved).run(self.ops)

    def _on_saved(self, saved: ReturnSaved) -> None:
        if saved.id == self.selected_id:
            self.detail.set_notice(sentence(saved.message))

    @Slot()
    def _on_authorize_button_clicked(self) -> None:
        view, actor = self.detail.view, self.actor
        if view is not None:
            self._act(lambda s: authorize_return(s, view.id, actor=actor))

    @Slot()
    def _on_reject_button_clicked(self) -> None:
        view, actor = self.detail.view, self.actor
        if view is None:
            return
        reason = prompts.ask_reject_reason(self, view.number)
        if reason:
            self._act(lambda s: reject_return(s, view.id, reason=reason, actor=actor))

    @Slot()
    def _on_receive_button_clicked(self) -> None:
        view = self.detail.view
        if view is not None:
            self.show_station()
            self.station.open_rma(view.id)

    @Slot()
    def _on_refund_button_clicked(self) -> None:
        view, actor = self.detail.view, self.actor
        if view is None:
            return
        default = min(self.detail.value_minor, view.refundable_minor)
        request = prompts.ask_refund(self, view, default)
        if request is not None:
            self._act(
                lambda s: refund_return(
                    s, view.id, request.amount_minor, method=request.method, actor=actor
                )
            )

    @Slot()
    def _on_exchange_button_clicked(self) -> None:
        view, actor = self.detail.view, self.actor
        if view is None:
            return
        text = (
            f"Create a replacement order for {view.number}: the same products "
            f"({plural(view.units, 'unit')}), no charge, sent to the original address?"
        )
        if prompts.confirm(self, "Exchange", text):
            self._act(lambda s: exchange_return(s, view.id, actor=actor))

    @Slot()
    def _on_credit_button_clicked(self) -> None:
        view, actor = self.detail.view, self.actor
        if view is None:
            return
        amount = prompts.ask_store_credit(self, view, self.detail.value_minor)
        if amount:
            self._act(lambda s: store_credit_return(s, view.id, amount, actor=actor))

    @Slot()
    def _on_close_button_clicked(self) -> None:
        view, actor = self.detail.view, self.actor
        if view is not None:
            self._act(lambda s: close_return(s, view.id, actor=actor))

    @Slot()
    def _on_close_missing_button_clicked(self) -> None:
        view, actor = self.detail.view, self.actor
        if view is None:
            return
        text = (
            f"{plural(view.outstanding_units, 'unit')} of {view.number} never arrived. Close it "
            "anyway? The missing units are dropped from the return (they could be returned "
            "later on a new one)."
        )
        if prompts.confirm(self, "Close accepting missing units", text):
            self._act(lambda s: close_return(s, view.id, actor=actor, accept_missing=True))

    @Slot()
    def _on_print_button_clicked(self) -> None:
        view = self.detail.view
        if view is not None:
            self.printer.print_slip(view.id)
