"""ReadyOrdersTab: orders that can be picked now (open or partly shipped, not held), batched."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.audit import default_actor
from app.errors import DomainError
from app.orders.queries import OrderFilter, list_order_page
from app.picking.dto import PickListSaved
from app.picking.services import create_pick_list
from ui.errors import show_error
from ui.ops import MutationOp, Ops
from ui.packing.widgets import ERROR, OK, WARNING, set_tone
from ui.shipping.formatting import local_time, status_text
from ui.widgets.paged_table import Column, PagedTableModel

READY_STATUSES = ("open", "partially_shipped")
COLUMNS = [
    Column("number", "Order", lambda o: o.number, sort_key="number"),
    Column("placed_at", "Placed", lambda o: local_time(o.placed_at), sort_key="placed_at"),
    Column("customer", "Customer", lambda o: o.customer, sort_key="customer"),
    Column("country", "Country", lambda o: o.ship_country or ""),
    Column("lines", "Lines", lambda o: o.line_count, align_right=True),
    Column("units", "Units", lambda o: o.units, align_right=True),
    Column("status", "Status", lambda o: status_text(o.status)),
    Column("channel", "Channel", lambda o: o.channel or "manual"),
]
RESULT_STYLE = """
QLabel#pickResult { font-size: 15px; padding: 6px 10px; border-radius: 4px; }
QLabel#pickResult[tone="ok"] { background: #d7f5dd; color: #145a1f; }
QLabel#pickResult[tone="warning"] { background: #fff1cc; color: #6b4500; }
QLabel#pickResult[tone="error"] { background: #fde3e0; color: #9b1c1c; }
"""


def ready_filter(search: str = "", sort: str = "placed_at", descending: bool = False):
    """Oldest first: the orders waiting longest are picked first."""
    return OrderFilter(
        statuses=READY_STATUSES, on_hold=False, search=search, sort=sort, descending=descending
    )


class ReadyOrdersTab(QWidget):
    """Select orders (Ctrl/Shift-click, Ctrl+A) and make one batch pick list of them."""

    pick_list_created = Signal(int)  # pick list id

    def __init__(self, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.actor = default_actor()
        self.setStyleSheet(RESULT_STYLE)
        self._sort = ("placed_at", False)
        self.search_field = QLineEdit(placeholderText="Search order number, customer or SKU")
        self.search_field.setClearButtonEnabled(True)
        self._search_timer = QTimer(self, singleShot=True, interval=250)
        self._search_timer.timeout.connect(self._on_search_timer_timeout)
        self.search_field.textChanged.connect(self._on_search_field_text_changed)
        self.count_label = QLabel(objectName="hint")
        self.model = PagedTableModel(ops, COLUMNS, parent=self)
        self.model.page_loaded.connect(self._on_model_page_loaded)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(1, Qt.SortOrder.AscendingOrder)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        for column, width in enumerate((110, 140, 0, 70, 60, 60, 130, 110)):
            if width:
                header.resizeSection(column, width)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.model.sort_requested.connect(self._on_model_sort_requested)
        self.create_button = QPushButton("Create pick list")
        self.create_button.setDefault(True)
        self.create_button.clicked.connect(self._on_create_button_clicked)
        self.result_label = QLabel(objectName="pickResult")
        self.result_label.setWordWrap(True)
        self.result_label.setTextFormat(Qt.TextFormat.PlainText)
        self.result_label.hide()

        top = QHBoxLayout()
        top.addWidget(self.search_field, 1)
        top.addWidget(self.count_label)
        bottom = QHBoxLayout()
        bottom.addWidget(QLabel("Select the orders to batch, then", objectName="hint"))
        bottom.addWidget(self.create_button)
        bottom.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.result_label)
        layout.addLayout(bottom)
        self._update_button()

    def refresh(self) -> None:
        search = self.search_field.text().strip()
        filt = ready_filter(search, *self._sort)
        self.model.set_query(
            lambda session, after, limit: list_order_page(session, filt, after=after, limit=limit)
        )
        self._update_button()

    def selected_ids(self) -> list[int]:
        rows = sorted(index.row() for index in self.table.selectionModel().selectedRows())
        return [self.model.row_at(row).id for row in rows]

    @Slot()
    def _on_create_button_clicked(self) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        actor = self.actor
        MutationOp(
            self,
            lambda session: create_pick_list(session, ids, actor=actor),
            self._on_created,
            self._on_create_failed,
        ).run(self.ops)

    def _on_created(self, saved: PickListSaved) -> None:
        text = f"Created {saved.number} for {len(saved.orders)} order(s)."
        if saved.skipped:
            skipped = "; ".join(f"{number}: {why}" for number, why in saved.skipped)
            text += f" Skipped {len(saved.skipped)}: {skipped}"
        self._show_result(text, WARNING if saved.skipped else OK)
        self.pick_list_created.emit(saved.id)

    def _on_create_failed(self, exc: BaseException) -> None:
        if isinstance(exc, DomainError):
            self._show_result(str(exc), ERROR)
        else:
            show_error(self, exc, self.ops.log_path)

    def _show_result(self, text: str, tone: str) -> None:
        self.result_label.setText(text)
        self.result_label.show()
        set_tone(self.result_label, tone)

    def _update_button(self) -> None:
        count = len(self.table.selectionModel().selectedRows())
        self.create_button.setEnabled(count > 0)
        self.create_button.setText(
            f"Create pick list ({count} order{'s' if count != 1 else ''})"
            if count
            else "Create pick list"
        )

    @Slot()
    def _on_table_selection_changed(self, *_args: object) -> None:
        self._update_button()

    @Slot(int)
    def _on_model_page_loaded(self, rows: int) -> None:
        more = "+" if self.model.canFetchMore() else ""
        self.count_label.setText(f"{rows}{more} order(s) ready")
        self._update_button()

    @Slot(str, bool)
    def _on_model_sort_requested(self, key: str, descending: bool) -> None:
        self._sort = (key, descending)
        self.refresh()

    @Slot(str)
    def _on_search_field_text_changed(self, _text: str) -> None:
        self._search_timer.start()

    @Slot()
    def _on_search_timer_timeout(self) -> None:
        self.refresh()
