"""PagedTableModel: a lazy table over keyset-paged app queries, fetched off the GUI thread.

The model holds only the rows fetched so far. The view asks for more (canFetchMore/fetchMore) as
the user scrolls; each page is one QueryOp. Filtering and sorting happen in SQL: the panel calls
`set_query()` with a new page function and the model starts over. Results of a superseded query
are dropped (a generation counter), so fast typing never shows stale rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt, Signal

from ui.ops import Ops, QueryOp

PAGE_SIZE = 200

# fetch(session, after, limit) -> an object with `.rows` (sequence) and `.next_after` (or None)
PageFetcher = Callable[[Any, Any, int], Any]


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    title: str
    display: Callable[[Any], Any]
    align_right: bool = False
    sort_key: str | None = None  # the app query's sort name; None: not sortable
    tooltip: Callable[[Any], str] | None = None


class PagedTableModel(QAbstractTableModel):
    """Rows are app DTOs with an `id`. Roles: IdRole → row.id, RowRole → the DTO itself.

    `row_background`/`row_foreground` (optional callables row → QColor | None) colour whole rows,
    e.g. low stock or risky orders.
    """

    IdRole = Qt.ItemDataRole.UserRole + 1
    RowRole = Qt.ItemDataRole.UserRole + 2

    loading_changed = Signal(bool)
    page_loaded = Signal(int)  # rows now loaded
    sort_requested = Signal(str, bool)  # sort key, descending

    def __init__(
        self,
        ops: Ops,
        columns: list[Column],
        *,
        page_size: int = PAGE_SIZE,
        row_background: Callable[[Any], Any] | None = None,
        row_foreground: Callable[[Any], Any] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._ops = ops
        self._columns = columns
        self._page_size = page_size
        self._row_background = row_background
        self._row_foreground = row_foreground
        self._rows: list[Any] = []
        self._fetch: PageFetcher | None = None
        self._after: Any = None
        self._exhausted = True
        self._loading = False
        self._generation = 0

    # ------------------------------------------------------------------------------ queries
    def set_query(self, fetch: PageFetcher) -> None:
        """Start over with a new page function (new filter, search text or sort)."""
        self._generation += 1
        self.beginResetModel()
        self._rows = []
        self._fetch = fetch
        self._after = None
        self._exhausted = False
        self._loading = False
        self.endResetModel()
        self._load_page()

    def reload(self) -> None:
        if self._fetch is not None:
            self.set_query(self._fetch)

    def _load_page(self) -> None:
        if self._fetch is None or self._exhausted or self._loading:
            return
        self._set_loading(True)
        generation, fetch, after, limit = (
            self._generation,
            self._fetch,
            self._after,
            self._page_size,
        )
        QueryOp(
            self,
            lambda session: fetch(session, after, limit),
            success=lambda page: self._on_page(generation, page),
            failure=lambda exc: self._on_page_failed(generation, exc),
        ).run(self._ops)

    def _on_page(self, generation: int, page: Any) -> None:
        if generation != self._generation:
            return  # a newer query replaced this one
        self._set_loading(False)
        rows = list(page.rows)
        self._after = page.next_after
        self._exhausted = page.next_after is None
        if rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()
        self.page_loaded.emit(len(self._rows))

    def _on_page_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._set_loading(False)
        self._exhausted = True
        from ui.errors import show_error

        show_error(None, exc, self._ops.log_path)

    def _set_loading(self, loading: bool) -> None:
        if loading != self._loading:
            self._loading = loading
            self.loading_changed.emit(loading)

    @property
    def loading(self) -> bool:
        return self._loading

    # ----------------------------------------------------------------------------- helpers
    def row_at(self, row: int) -> Any:
        return self._rows[row]

    def rows(self) -> list[Any]:
        return list(self._rows)

    def row_of_id(self, row_id: int) -> int | None:
        for index, item in enumerate(self._rows):
            if item.id == row_id:
                return index
        return None

    # --------------------------------------------------------------------------- Qt model
    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def canFetchMore(self, parent: QModelIndex = QModelIndex()) -> bool:
        return not parent.isValid() and not self._exhausted and not self._loading

    def fetchMore(self, parent: QModelIndex = QModelIndex()) -> None:
        if not parent.isValid():
            self._load_page()

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        row = self._rows[index.row()]
        column = self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            value = column.display(row)
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column.align_right:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and column.tooltip is not None:
            return column.tooltip(row)
        if role == Qt.ItemDataRole.BackgroundRole and self._row_background is not None:
            return self._row_background(row)
        if role == Qt.ItemDataRole.ForegroundRole and self._row_foreground is not None:
            return self._row_foreground(row)
        if role == self.IdRole:
            return row.id
        if role == self.RowRole:
            return row
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        # Values are returned explicitly: never super().headerData() (PySide6 6.12 crash).
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            if 0 <= section < len(self._columns):
                return self._columns[section].title
            return None
        return str(section + 1)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not (0 <= column < len(self._columns)):
            return
        key = self._columns[column].sort_key
        if key is not None:
            self.sort_requested.emit(key, order == Qt.SortOrder.DescendingOrder)
