"""The orders table: columns, row colours, and page/count functions over one or more filters.

"Needs attention" (on hold or risky) is a union that OrderFilter cannot say in one query, so it
is two disjoint keyset-paged queries (held; risky and not held) merged in the same sort order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, Qt
from PySide6.QtGui import QColor, QIcon
from PySide6.QtWidgets import QApplication, QStyle

from app.orders.dto import OrderRow
from app.orders.queries import OrderFilter, count_orders, list_order_page
from ui.ops import Ops
from ui.orders.formatting import PAYMENT_LABELS, local_time, money, status_text
from ui.widgets.paged_table import Column, PagedTableModel

HELD_BACKGROUND = QColor("#fff4d6")
RISKY_BACKGROUND = QColor("#fdecea")
MUTED_FOREGROUND = QColor("#7b8794")


def _risk_tip(row: OrderRow) -> str:
    if not row.risk_level:
        return ""
    return f"{row.risk_level} risk flag(s): open the order to see why"


ORDER_COLUMNS = [
    Column("number", "Number", lambda r: r.number, sort_key="number"),
    Column("placed", "Placed", lambda r: local_time(r.placed_at), sort_key="placed_at"),
    Column(
        "customer",
        "Customer",
        lambda r: r.customer,
        sort_key="customer",
        tooltip=lambda r: r.email or "",
    ),
    Column("country", "Country", lambda r: r.ship_country or ""),
    Column("channel", "Channel", lambda r: r.channel or "Manual"),
    Column("status", "Status", lambda r: status_text(r.status, r.on_hold), sort_key="status"),
    Column("payment", "Payment", lambda r: PAYMENT_LABELS.get(r.payment_status, r.payment_status)),
    Column("lines", "Lines", lambda r: r.line_count, align_right=True),
    Column("units", "Units", lambda r: r.units, align_right=True),
    Column(
        "total",
        "Total",
        lambda r: money(r.total_minor, r.currency),
        align_right=True,
        sort_key="total",
    ),
    Column(
        "risk",
        "Risk",
        lambda r: f"{r.risk_level}" if r.risk_level else "",
        align_right=True,
        tooltip=_risk_tip,
    ),
]
COLUMN_WIDTHS = {
    "number": 95,
    "placed": 125,
    "customer": 180,  # stretches to fill the view
    "country": 60,
    "channel": 90,
    "status": 130,
    "payment": 80,
    "lines": 45,
    "units": 45,
    "total": 95,
    "risk": 50,
}


def row_background(row: OrderRow) -> QColor | None:
    if row.on_hold:
        return HELD_BACKGROUND
    if row.risk_level:
        return RISKY_BACKGROUND
    return None


def row_foreground(row: OrderRow) -> QColor | None:
    return MUTED_FOREGROUND if row.status == "cancelled" else None


class OrderTableModel(PagedTableModel):
    """PagedTableModel over OrderRow with a warning icon in the Risk column of risky orders."""

    def __init__(self, ops: Ops, parent: QObject | None = None) -> None:
        super().__init__(
            ops,
            ORDER_COLUMNS,
            row_background=row_background,
            row_foreground=row_foreground,
            parent=parent,
        )
        self._risk_column = [c.key for c in ORDER_COLUMNS].index("risk")
        self._warning: QIcon | None = None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (
            role == Qt.ItemDataRole.DecorationRole
            and index.isValid()
            and index.column() == self._risk_column
            and 0 <= index.row() < self.rowCount()
        ):
            if self.row_at(index.row()).risk_level:
                return self._warning_icon()
            return None
        return super().data(index, role)

    def _warning_icon(self) -> QIcon:
        if self._warning is None:
            style = QApplication.style()
            self._warning = style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        return self._warning


# ------------------------------------------------------------------------------ page functions

_SORT_VALUE: dict[str, Callable[[OrderRow], Any]] = {
    "placed_at": lambda r: r.placed_at,
    "number": lambda r: r.number,
    "total": lambda r: r.total_minor,
    "customer": lambda r: r.customer,
    "status": lambda r: r.status,
}
_DONE = False  # a merged stream's cursor once it has no more rows (None means "from the start")


@dataclass(frozen=True, slots=True)
class MergedPage:
    rows: tuple[OrderRow, ...]
    next_after: tuple | None


def page_function(filters: Sequence[OrderFilter]) -> Callable[[Any, Any, int], Any]:
    """fetch(session, after, limit) for PagedTableModel over the union of disjoint filters."""
    filters = tuple(filters)
    if len(filters) == 1:
        only = filters[0]

        def fetch_one(session: Any, after: Any, limit: int) -> Any:
            return list_order_page(session, only, after=after, limit=limit)

        return fetch_one

    def fetch_merged(session: Any, after: Any, limit: int) -> MergedPage:
        return _merged_page(session, filters, after, limit)

    return fetch_merged


def _merged_page(
    session: Any, filters: tuple[OrderFilter, ...], after: tuple | None, limit: int
) -> MergedPage:
    # All filters share one sort, so each stream's rows interleave in one total order.
    sort, descending = filters[0].sort, filters[0].descending
    value = _SORT_VALUE[sort]
    cursors = list(after) if after else [None] * len(filters)
    pages = [
        None if cursor is _DONE else list_order_page(session, filt, after=cursor, limit=limit)
        for filt, cursor in zip(filters, cursors, strict=True)
    ]
    candidates = [
        (row, stream) for stream, page in enumerate(pages) if page is not None for row in page.rows
    ]
    candidates.sort(key=lambda item: (value(item[0]), item[0].id), reverse=descending)
    taken = candidates[:limit]
    for stream, page in enumerate(pages):
        if page is None:
            continue
        used = [row for row, source in taken if source == stream]
        if len(used) == len(page.rows):
            cursors[stream] = _DONE if page.next_after is None else page.next_after
        elif used:
            cursors[stream] = (value(used[-1]), used[-1].id)
    finished = all(cursor is _DONE for cursor in cursors)
    return MergedPage(tuple(row for row, _ in taken), None if finished else tuple(cursors))


def count_function(filters: Sequence[OrderFilter]) -> Callable[[Any], int]:
    filters = tuple(filters)

    def count(session: Any) -> int:
        return sum(count_orders(session, filt) for filt in filters)

    return count
