"""OrdersPanel: the lazy orders table with filters, a detail pane, and single and bulk actions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QItemSelection, QModelIndex, Qt, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QWidget,
)

from app.audit import default_actor, list_events
from app.errors import NotFound
from app.orders.dto import OrderRow
from app.orders.queries import OrderFilter, get_order
from app.orders.rules import ALLOCATABLE, HOLDABLE, TRANSITIONS
from app.reports.extra import list_report_channels
from app.reports.queries import LATE_STATUSES
from app.settings import get_setting
from ui.errors import show_error
from ui.ops import MutationOp, Ops, QueryOp
from ui.orders import order_commands as commands
from ui.orders import prompts
from ui.orders.detail_models import short_lines
from ui.orders.formatting import STATUS_LABELS, plural
from ui.orders.order_detail import OrderDetailPane
from ui.orders.order_filters import LinkedStatuses, OrderFilterBar
from ui.orders.order_table import (
    COLUMN_WIDTHS,
    ORDER_COLUMNS,
    OrderTableModel,
    count_function,
    page_function,
)
from ui.panel import Panel

if TYPE_CHECKING:
    from ui.orders.order_entry import OrderEntryDialog
    from ui.orders.order_import import ImportPreviewDialog

SPLITTABLE = frozenset({"draft", "open", "picking", "packed", "partially_shipped"})


class OrdersPanel(Panel):
    """Everything about orders: find them, read them, act on one or many."""

    refresh_on = ("orders",)

    def __init__(self, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(ops, "Orders", parent=parent)
        self.actor = default_actor()
        self._sort: tuple[str, bool] = ("placed_at", True)
        self._count_generation = 0
        self._detail_generation = 0
        self._restore_ids: set[int] = set()
        self._pending_select: tuple[int, str] | None = None
        self._busy = False
        self.count: int | None = None

        self.filter_bar = OrderFilterBar()
        self.count_label = QLabel("", objectName="hint")
        self.filter_bar.extra_layout.addWidget(self.count_label)
        self.new_button = QPushButton("&New order…")
        self.import_button = QPushButton("&Import orders…")
        self.filter_bar.first_row.addWidget(self.new_button)
        self.filter_bar.first_row.addWidget(self.import_button)
        self.body.addWidget(self.filter_bar)

        self.model = OrderTableModel(ops, self)
        self.view = QTableView(objectName="ordersTable")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setTabKeyNavigation(False)
        self.view.setWordWrap(False)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(24)
        self.view.horizontalHeader().setHighlightSections(False)
        self.view.horizontalHeader().setStretchLastSection(False)
        for column, spec in enumerate(ORDER_COLUMNS):
            self.view.setColumnWidth(column, COLUMN_WIDTHS[spec.key])
        customer = [c.key for c in ORDER_COLUMNS].index("customer")
        self.view.horizontalHeader().setSectionResizeMode(customer, QHeaderView.ResizeMode.Stretch)
        placed = [c.key for c in ORDER_COLUMNS].index("placed")
        self.view.horizontalHeader().setSortIndicator(placed, Qt.SortOrder.DescendingOrder)
        self._sort_column = placed

        self._make_actions()
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        for action in (*self.order_actions, self.pick_action):
            self.view.addAction(action)
        self.detail = OrderDetailPane(
            self.order_actions,
            [self.link_action],
            [self.backorder_action, self.purchase_action],
        )
        self.notice_label = QLabel(objectName="orderNotice")
        self.notice_label.setWordWrap(True)
        self.notice_label.setTextFormat(Qt.TextFormat.PlainText)
        self.notice_label.hide()

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.view)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 5)
        self.splitter.setStretchFactor(1, 4)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([440, 320])  # the list first; details below
        self.body.addWidget(self.notice_label)
        self.body.addWidget(self.splitter, 1)

        self.filter_bar.filters_changed.connect(self._on_filter_bar_filters_changed)
        self.model.sort_requested.connect(self._on_model_sort_requested)
        self.model.page_loaded.connect(self._on_model_page_loaded)
        self.view.horizontalHeader().sortIndicatorChanged.connect(
            self._on_header_sort_indicator_changed
        )
        self.view.setSortingEnabled(True)  # after the indicator: no extra query at start
        self.view.selectionModel().selectionChanged.connect(self._on_view_selection_changed)
        self.view.selectionModel().currentRowChanged.connect(self._on_view_current_row_changed)
        self.detail.lines_view.selectionModel().currentRowChanged.connect(
            self._on_lines_current_row_changed
        )
        self.new_button.clicked.connect(self._on_new_button_clicked)
        self.import_button.clicked.connect(self._on_import_button_clicked)
        self.setTabOrder(self.filter_bar.search_edit, self.new_button)
        self.setTabOrder(self.new_button, self.import_button)
        self._update_actions()

    # -- actions ------------------------------------------------------------------------------

    def _action(self, text: str, shortcut: str | None, slot: Callable[[], None]) -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.setToolTip(f"{text.replace('&', '')} ({shortcut})")
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _make_actions(self) -> None:
        a = self._action
        self.confirm_action = a("Confirm", "Ctrl+Shift+C", self._on_confirm_action_triggered)
        self.allocate_action = a("Allocate", "Ctrl+Shift+A", self._on_allocate_action_triggered)
        self.pick_action = a("Add to pick list", "Ctrl+Shift+P", self._on_pick_action_triggered)
        self.hold_action = a("Hold…", "Ctrl+H", self._on_hold_action_triggered)
        self.release_action = a("Release hold", "Ctrl+Shift+H", self._on_release_action_triggered)
        self.cancel_action = a("Cancel…", "Ctrl+Shift+X", self._on_cancel_action_triggered)
        self.split_action = a("Split…", "Ctrl+Shift+S", self._on_split_action_triggered)
        self.backorder_action = a(
            "Split off short part", "Ctrl+Shift+B", self._on_backorder_action_triggered
        )
        self.purchase_action = a("Create purchase order", None, self._on_purchase_action_triggered)
        self.link_action = a("Link to product…", "Ctrl+L", self._on_link_action_triggered)
        self.new_action = a("New order…", "Ctrl+N", self._on_new_button_clicked)
        self.import_action = a("Import orders…", "Ctrl+I", self._on_import_button_clicked)
        self.find_action = a("Find", "Ctrl+F", self._on_find_action_triggered)
        self.order_actions = [
            self.confirm_action,
            self.allocate_action,
            self.hold_action,
            self.release_action,
            self.cancel_action,
            self.split_action,
        ]

    def selected_rows(self) -> list[OrderRow]:
        rows = sorted(index.row() for index in self.view.selectionModel().selectedRows())
        return [self.model.row_at(row) for row in rows if row < self.model.rowCount()]

    def selected_ids(self) -> list[int]:
        return [row.id for row in self.selected_rows()]

    def _update_actions(self) -> None:
        rows = [] if self._busy else self.selected_rows()
        one = rows[0] if len(rows) == 1 else None
        order = self.detail.order if one is not None and self.detail.order is not None else None
        if order is not None and order.id != one.id:
            order = None
        status = one.status if one else None
        self.confirm_action.setEnabled(status == "draft")
        self.allocate_action.setEnabled(any(r.status in ALLOCATABLE for r in rows))
        self.pick_action.setEnabled(
            any(r.status in ("open", "partially_shipped") and not r.on_hold for r in rows)
        )
        self.hold_action.setEnabled(any(r.status in HOLDABLE and not r.on_hold for r in rows))
        self.release_action.setEnabled(any(r.on_hold for r in rows))
        self.cancel_action.setEnabled(
            status is not None and "cancelled" in {str(s) for s in TRANSITIONS.get(status, ())}
        )
        self.split_action.setEnabled(
            order is not None
            and order.status in SPLITTABLE
            and sum(line.quantity - line.shipped for line in order.lines) > 1
        )
        short = bool(short_lines(order))
        self.backorder_action.setEnabled(short)
        self.purchase_action.setEnabled(short and bool(order and order.fulfil_location))
        self.link_action.setEnabled(
            order is not None and commands.unmatched(self.detail.selected_line())
        )

    # -- loading ------------------------------------------------------------------------------

    def refresh(self) -> None:
        super().refresh()
        self._restore_ids = set(self.selected_ids())
        self._query()
        QueryOp(self, _channel_choices, self.filter_bar.set_channels).run(self.ops)

    def show_filtered(
        self, *, statuses: tuple[str, ...] = (), on_hold: bool | None = None, late: bool = False
    ) -> None:
        """Show the orders behind a dashboard number (see ui/dashboard/links.py)."""
        if late:
            QueryOp(self, lambda s: get_setting(s, "orders.late_after_days"), self._show_late).run(
                self.ops
            )
            return
        if statuses:
            label = "Dashboard: " + ", ".join(STATUS_LABELS.get(x, x) for x in statuses)
            if on_hold is False:
                label += " (not held)"
            self.filter_bar.show_link(LinkedStatuses(label, tuple(statuses), on_hold))
        else:
            self.filter_bar.reset()
            if on_hold:
                self.filter_bar.held_check.setChecked(True)

    def _show_late(self, days: int) -> None:
        cutoff = datetime.now(UTC) - timedelta(days=int(days))
        self.filter_bar.show_link(
            LinkedStatuses(
                f"Dashboard: late (placed over {days} day(s) ago)",
                LATE_STATUSES,
                placed_before=cutoff,
            )
        )

    def filters(self) -> list[OrderFilter]:
        """What the table shows now: the filter bar's filters with the header's sort."""
        return self.filter_bar.filters(*self._sort)

    def _query(self) -> None:
        filters = self.filters()
        self.model.set_query(page_function(filters))
        self._count_generation += 1
        generation = self._count_generation
        self.count_label.setText("Counting…")
        QueryOp(
            self,
            count_function(filters),
            lambda count: self._on_count_loaded(generation, count),
            lambda exc: self._on_count_failed(generation, exc),
        ).run(self.ops)

    def _on_count_loaded(self, generation: int, count: int) -> None:
        if generation == self._count_generation:
            self.count = count
            self.count_label.setText(plural(count, "order"))

    def _on_count_failed(self, generation: int, exc: BaseException) -> None:
        if generation == self._count_generation:
            self.count_label.setText("Count unavailable")
            show_error(self, exc, self.ops.log_path)

    @Slot(int)
    def _on_model_page_loaded(self, _rows: int) -> None:
        if self._pending_select is not None:
            order_id, number = self._pending_select
            row = self.model.row_of_id(order_id)
            if row is not None:
                self._pending_select = None
                self._select_rows([row])
            elif self.filter_bar.search_edit.text() != number:
                # Not among the rows shown: search for it rather than page through everything.
                self.filter_bar.reset(number)
            else:
                self._pending_select = None
            return
        if self._restore_ids:
            rows = [self.model.row_of_id(i) for i in self._restore_ids]
            self._restore_ids = set()
            found = [row for row in rows if row is not None]
            if found:
                self._select_rows(found)
            else:
                self.detail.clear()
                self._update_actions()

    def select_order(self, order_id: int, number: str) -> None:
        """Select the order in the table, widening the filters to its number if needed."""
        row = self.model.row_of_id(order_id)
        if row is not None:
            self._select_rows([row])
            return
        self._pending_select = (order_id, number)
        if not self.model.loading:
            self._on_model_page_loaded(self.model.rowCount())

    def _select_rows(self, rows: list[int]) -> None:
        selection = QItemSelection()
        last = self.model.columnCount() - 1
        for row in rows:
            selection.select(self.model.index(row, 0), self.model.index(row, last))
        flags = (
            self.view.selectionModel().SelectionFlag.ClearAndSelect
            | self.view.selectionModel().SelectionFlag.Rows
        )
        already_current = self.view.currentIndex().row() == rows[0]
        self.view.selectionModel().setCurrentIndex(
            self.model.index(rows[0], 0), self.view.selectionModel().SelectionFlag.NoUpdate
        )
        self.view.selectionModel().select(selection, flags)
        self.view.scrollTo(self.model.index(rows[0], 0))
        if already_current:  # no currentRowChanged: reload what may have changed
            self.load_detail(self.model.row_at(rows[0]).id)

    def load_detail(self, order_id: int) -> None:
        self._detail_generation += 1
        generation = self._detail_generation

        def load(session: Any) -> tuple:
            order = get_order(session, order_id)
            return order, list_events(session, entity_type="order", entity_id=order_id)

        QueryOp(
            self,
            load,
            lambda value: self._on_detail_loaded(generation, value),
            lambda exc: self._on_detail_failed(generation, exc),
        ).run(self.ops)

    def _on_detail_loaded(self, generation: int, value: tuple) -> None:
        if generation != self._detail_generation:
            return
        order, events = value
        self.detail.show_order(order, events)
        self._update_actions()

    def _on_detail_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._detail_generation:
            return
        self.detail.clear()
        self._update_actions()
        if not isinstance(exc, NotFound):
            show_error(self, exc, self.ops.log_path)

    # -- running commands ---------------------------------------------------------------------

    def run_command(self, op: Callable[[Any], Any]) -> None:
        """Run an order command on the writer; its result goes to the notice line."""
        self._busy = True
        self._update_actions()
        MutationOp(self, op, self._on_command_succeeded, self._on_command_failed).run(self.ops)

    def _on_command_succeeded(self, result: Any) -> None:
        self._busy = False
        self.show_notice(commands.result_text(result), warning=commands.is_warning(result))
        self._update_actions()

    def _on_command_failed(self, exc: BaseException) -> None:
        self._busy = False
        self._update_actions()
        show_error(self, exc, self.ops.log_path)

    def show_notice(self, text: str, *, warning: bool = False) -> None:
        self.notice_label.setText(text)
        self.notice_label.setProperty("tone", "warning" if warning else "ok")
        self.notice_label.setStyleSheet(
            "color: #8d5a00; background: #fff4d6; padding: 4px 8px; border-radius: 3px;"
            if warning
            else "color: #1b5e20; background: #e8f5e9; padding: 4px 8px; border-radius: 3px;"
        )
        self.notice_label.setVisible(bool(text))

    def _one(self) -> OrderRow | None:
        rows = self.selected_rows()
        return rows[0] if len(rows) == 1 else None

    @Slot()
    def _on_confirm_action_triggered(self) -> None:
        row = self._one()
        if row is not None:
            self.run_command(commands.confirm_op(row.id, self.actor))

    @Slot()
    def _on_allocate_action_triggered(self) -> None:
        ids = self.selected_ids()
        if ids:
            self.run_command(commands.allocate_op(ids, self.actor))

    @Slot()
    def _on_pick_action_triggered(self) -> None:
        ids = self.selected_ids()
        if ids:
            self.run_command(commands.pick_list_op(ids, self.actor))

    @Slot()
    def _on_hold_action_triggered(self) -> None:
        rows = self.selected_rows()
        if not rows:
            return
        request = prompts.ask_hold(self, [row.number for row in rows])
        if request is not None:
            ids = [row.id for row in rows]
            self.run_command(commands.hold_op(ids, request.reason, request.until, self.actor))

    @Slot()
    def _on_release_action_triggered(self) -> None:
        ids = self.selected_ids()
        if ids:
            self.run_command(commands.release_op(ids, self.actor))

    @Slot()
    def _on_cancel_action_triggered(self) -> None:
        row = self._one()
        if row is None:
            return
        reason = prompts.ask_cancel_reason(self, row.number)
        if reason:
            self.run_command(commands.cancel_op(row.id, reason, self.actor))

    @Slot()
    def _on_split_action_triggered(self) -> None:
        order = self.detail.order
        if order is None or self._one() is None:
            return
        quantities = prompts.ask_split(self, order)
        if quantities:
            self.run_command(commands.split_op(order.id, quantities, self.actor))

    @Slot()
    def _on_backorder_action_triggered(self) -> None:
        if self.detail.order is not None:
            self.run_command(commands.backorder_op(self.detail.order.id, self.actor))

    @Slot()
    def _on_purchase_action_triggered(self) -> None:
        if self.detail.order is not None:
            self.run_command(commands.purchase_op(self.detail.order, self.actor))

    @Slot()
    def _on_link_action_triggered(self) -> None:
        line = self.detail.selected_line()
        if not commands.unmatched(line):
            return
        product = prompts.pick_product(self, self.ops, line.sku, f"Link {line.sku} to a product")
        if product is not None:
            self.run_command(commands.link_op(line.id, product.id, self.actor))

    @Slot()
    def _on_find_action_triggered(self) -> None:
        self.filter_bar.search_edit.setFocus()
        self.filter_bar.search_edit.selectAll()

    # -- new orders ---------------------------------------------------------------------------

    def open_entry_dialog(self) -> OrderEntryDialog:
        """Open the phone / counter order dialog (window-modal, returns at once)."""
        from ui.orders.order_entry import OrderEntryDialog

        dialog = OrderEntryDialog(self.ops, self)
        dialog.order_saved.connect(self._on_entry_dialog_order_saved)
        dialog.finished.connect(dialog.deleteLater)  # one per order: do not keep them around
        dialog.open()
        return dialog

    @Slot()
    def _on_new_button_clicked(self) -> None:
        self.open_entry_dialog()

    @Slot(object)
    def _on_entry_dialog_order_saved(self, saved: Any) -> None:
        self.show_notice(commands.created_text(saved), warning=commands.is_warning(saved))
        self.select_order(saved.id, saved.number)

    def open_import_dialog(self) -> ImportPreviewDialog | None:
        """Ask for an order CSV and open its preview (window-modal, returns at once)."""
        path = prompts.ask_import_file(self)
        if path is None:
            return None
        from ui.orders.order_import import ImportPreviewDialog

        dialog = ImportPreviewDialog(self.ops, path, self)
        dialog.import_finished.connect(self._on_import_dialog_import_finished)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    @Slot()
    def _on_import_button_clicked(self) -> None:
        self.open_import_dialog()

    @Slot(object, object)
    def _on_import_dialog_import_finished(self, result: Any, allocation: Any) -> None:
        from ui.orders.order_import import import_summary

        warning = bool(
            result.unmatched_lines
            or result.skipped_orders
            or result.skipped_lines
            or allocation is None
            or allocation.short
        )
        self.show_notice(import_summary(result, allocation), warning=warning)

    # -- signals ------------------------------------------------------------------------------

    @Slot()
    def _on_filter_bar_filters_changed(self) -> None:
        self._restore_ids = set(self.selected_ids())
        self._query()

    @Slot(str, bool)
    def _on_model_sort_requested(self, key: str, descending: bool) -> None:
        if (key, descending) != self._sort:
            self._sort = (key, descending)
            self._restore_ids = set(self.selected_ids())
            self._query()

    @Slot(int, Qt.SortOrder)
    def _on_header_sort_indicator_changed(self, column: int, order: Qt.SortOrder) -> None:
        if ORDER_COLUMNS[column].sort_key is None:
            # Not sortable in SQL: put the arrow back where the rows really are sorted.
            header = self.view.horizontalHeader()
            header.blockSignals(True)
            descending = (
                Qt.SortOrder.DescendingOrder if self._sort[1] else Qt.SortOrder.AscendingOrder
            )
            header.setSortIndicator(self._sort_column, descending)
            header.blockSignals(False)
        else:
            self._sort_column = column

    @Slot(QItemSelection, QItemSelection)
    def _on_view_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection):
        self._update_actions()

    @Slot(QModelIndex, QModelIndex)
    def _on_view_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.load_detail(self.model.row_at(current.row()).id)
        elif not (self.model.loading and self._restore_ids):
            # (While a reload brings the selection back, the old detail stays up.)
            self.detail.clear()
            self._update_actions()

    @Slot(QModelIndex, QModelIndex)
    def _on_lines_current_row_changed(self, _current: QModelIndex, _previous: QModelIndex):
        self._update_actions()


def _channel_choices(session: Any) -> list[tuple[int, str]]:
    return [(channel.id, channel.name) for channel in list_report_channels(session)]
