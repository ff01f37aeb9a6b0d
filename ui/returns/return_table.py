"""The RMA table: columns over list_return_page, its lazy model, and the filter bar above it."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QWidget

from app.returns.dto import ReturnFilter, ReturnRow
from app.returns.queries import list_return_page
from ui.ops import Ops
from ui.returns.common import MUTED_FOREGROUND
from ui.returns.formatting import (
    REASON_LABELS,
    RESOLUTION_LABELS,
    STATUS_LABELS,
    label,
    local_time,
    money,
)
from ui.widgets.paged_table import Column, PagedTableModel, PageFetcher

SEARCH_DELAY_MS = 250
DONE_STATUSES = ("closed", "rejected")


def _amounts(row: ReturnRow) -> str:
    parts = []
    if row.refund_minor:
        parts.append(f"{money(row.refund_minor, row.currency)} refund")
    if row.store_credit_minor:
        parts.append(f"{money(row.store_credit_minor, row.currency)} credit")
    return " · ".join(parts)


def _units(row: ReturnRow) -> str:
    return f"{row.received_units} / {row.units}"


RETURN_COLUMNS = [
    Column("number", "RMA", lambda r: r.number),
    Column("created", "Created", lambda r: local_time(r.created_at)),
    Column("order", "Order", lambda r: r.order_number),
    Column("customer", "Customer", lambda r: r.customer),
    Column("status", "Status", lambda r: label(STATUS_LABELS, r.status)),
    Column("resolution", "Resolution", lambda r: label(RESOLUTION_LABELS, r.resolution)),
    Column(
        "units",
        "Received",
        _units,
        align_right=True,
        tooltip=lambda r: f"{r.received_units} of {r.units} unit(s) received",
    ),
    Column("reasons", "Reasons", lambda r: ", ".join(label(REASON_LABELS, x) for x in r.reasons)),
    Column("money", "Refund / credit", _amounts, align_right=True),
]
# Pixels; -1: the column shares the width left over (free text), so the table fits its view.
COLUMN_WIDTHS = {
    "number": 95,
    "created": 120,
    "order": 90,
    "customer": -1,
    "status": 85,
    "resolution": 95,
    "units": 70,
    "reasons": -1,
    "money": 130,
}


def page_function(filt: ReturnFilter) -> PageFetcher:
    def fetch(session: Any, after: Any, limit: int) -> Any:
        return list_return_page(session, filt, after, limit)

    return fetch


def _foreground(row: ReturnRow) -> Any:
    return MUTED_FOREGROUND if row.status in DONE_STATUSES else None


class ReturnTableModel(PagedTableModel):
    """RMAs newest first, fetched a page at a time; closed and rejected ones greyed."""

    def __init__(self, ops: Ops, parent: QObject | None = None) -> None:
        super().__init__(ops, RETURN_COLUMNS, row_foreground=_foreground, parent=parent)


class ReturnFilterBar(QWidget):
    """Search (RMA or order number, customer, email, SKU), status and reason filters."""

    filters_changed = Signal(object)  # ReturnFilter

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("Search RMA or order number, customer, email or SKU")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setMinimumWidth(220)
        self.status_combo = QComboBox()
        self.status_combo.addItem("All statuses", None)
        for value, text in STATUS_LABELS.items():
            self.status_combo.addItem(text, value)
        self.reason_combo = QComboBox()
        self.reason_combo.addItem("All reasons", None)
        for value, text in REASON_LABELS.items():
            self.reason_combo.addItem(text, value)
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(0, 0, 0, 0)
        self.row.addWidget(self.search_edit, 1)
        self.row.addWidget(self.status_combo)
        self.row.addWidget(self.reason_combo)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self.search_edit.textChanged.connect(self._on_search_edit_text_changed)
        self.search_edit.returnPressed.connect(self._on_search_edit_return_pressed)
        self.status_combo.currentIndexChanged.connect(self._on_status_combo_current_index_changed)
        self.reason_combo.currentIndexChanged.connect(self._on_reason_combo_current_index_changed)

    def current_filter(self) -> ReturnFilter:
        return ReturnFilter(
            status=self.status_combo.currentData(),
            search=self.search_edit.text().strip(),
            reason=self.reason_combo.currentData(),
        )

    def apply(self) -> None:
        """Announce the filter now (typing waits a moment first, so fast typing is one query)."""
        self._timer.stop()
        self.filters_changed.emit(self.current_filter())

    def set_status(self, status: str | None) -> None:
        index = self.status_combo.findData(status)
        self.status_combo.setCurrentIndex(max(index, 0))

    @Slot(str)
    def _on_search_edit_text_changed(self, _text: str) -> None:
        self._timer.start()

    @Slot()
    def _on_search_edit_return_pressed(self) -> None:
        self.apply()

    @Slot()
    def _on_timer_timeout(self) -> None:
        self.apply()

    @Slot(int)
    def _on_status_combo_current_index_changed(self, _index: int) -> None:
        self.apply()

    @Slot(int)
    def _on_reason_combo_current_index_changed(self, _index: int) -> None:
        self.apply()
