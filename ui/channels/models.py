"""Table models and display text for channels, sync runs and outbox messages."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from app.channels.dto import ChannelView, OutboxRow, SyncRunView
from ui.formatting import local_time

KIND_TEXT = {"shopify": "Shopify", "woocommerce": "WooCommerce", "csv": "CSV"}
OK_BACKGROUND = QColor("#e3f6e6")
WARN_BACKGROUND = QColor("#fff1cc")
ERROR_BACKGROUND = QColor("#fde3e0")
MUTED_FOREGROUND = QColor("#7b8794")


@dataclass(frozen=True, slots=True)
class Column:
    title: str
    display: Callable[[Any], Any]
    align_right: bool = False
    tooltip: Callable[[Any], str] | None = None


@dataclass(frozen=True, slots=True)
class ChannelRow:
    """A channel with the status of its newest recorded sync run."""

    channel: ChannelView
    last_run: SyncRunView | None

    @property
    def id(self) -> int:
        return self.channel.id


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return "running"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def first_line(text: str | None, size: int = 160) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return line if len(line) <= size else line[: size - 1] + "…"


def run_status_text(run: SyncRunView | None) -> str:
    if run is None:
        return "never synced"
    text = run.status
    if run.errors:
        text += f", {run.errors} error(s)"
    return f"{text} ({local_time(run.started_at)})"


def _status_colour(status: str | None, errors: int = 0) -> QColor | None:
    if status in ("failed", "dead"):
        return ERROR_BACKGROUND
    if status in ("cancelled", "running") or errors:
        return WARN_BACKGROUND
    return None


CHANNEL_COLUMNS = [
    Column("Name", lambda r: r.channel.name),
    Column("Kind", lambda r: KIND_TEXT.get(r.channel.kind, r.channel.kind)),
    Column("Shop address", lambda r: r.channel.base_url or ""),
    Column("Enabled", lambda r: "yes" if r.channel.enabled else "no"),
    Column("Last pulled", lambda r: local_time(r.channel.last_pulled_at) or "never"),
    Column(
        "Last run",
        lambda r: run_status_text(r.last_run),
        tooltip=lambda r: (r.last_run.error_text or "") if r.last_run else "",
    ),
]

RUN_COLUMNS = [
    Column("Channel", lambda r: r.channel),
    Column("Started", lambda r: local_time(r.started_at)),
    Column("Status", lambda r: r.status),
    Column("Pulled", lambda r: r.pulled, align_right=True),
    Column("Created", lambda r: r.created, align_right=True),
    Column("Updated", lambda r: r.updated, align_right=True),
    Column("Pushed", lambda r: r.pushed, align_right=True),
    Column("Errors", lambda r: r.errors, align_right=True),
    Column("Duration", lambda r: duration_text(r.duration_s), align_right=True),
    Column("Error", lambda r: first_line(r.error_text), tooltip=lambda r: r.error_text or ""),
]

OUTBOX_COLUMNS = [
    Column("Channel", lambda r: r.channel),
    Column("Message", lambda r: r.summary),
    Column("Kind", lambda r: r.kind),
    Column("Status", lambda r: r.status),
    Column("Attempts", lambda r: r.attempts, align_right=True),
    Column(
        "Next attempt", lambda r: local_time(r.next_attempt_at) if r.status == "pending" else ""
    ),
    Column("Last error", lambda r: first_line(r.last_error), tooltip=lambda r: r.last_error or ""),
]


class RowsModel(QAbstractTableModel):
    """A read-only table over a short list of DTOs; `background(row)` colours whole rows."""

    RowRole = Qt.ItemDataRole.UserRole + 2

    def __init__(
        self,
        columns: list[Column],
        *,
        background: Callable[[Any], QColor | None] | None = None,
        foreground: Callable[[Any], QColor | None] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._columns = columns
        self._rows: list[Any] = []
        self._background = background
        self._foreground = foreground

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[Any]:
        return list(self._rows)

    def row_at(self, row: int) -> Any:
        return self._rows[row]

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        item = self._rows[index.row()]
        column = self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            value = column.display(item)
            return value if isinstance(value, int | str) else str(value)
        if role == Qt.ItemDataRole.ToolTipRole and column.tooltip is not None:
            return column.tooltip(item) or None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = (
                Qt.AlignmentFlag.AlignRight if column.align_right else Qt.AlignmentFlag.AlignLeft
            )
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.BackgroundRole and self._background is not None:
            return self._background(item)
        if role == Qt.ItemDataRole.ForegroundRole and self._foreground is not None:
            return self._foreground(item)
        if role == self.RowRole:
            return item
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        # Never super().headerData(): see DESIGN.md §3.
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self._columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._columns[section].title
        return None


def channel_model(parent: QObject | None = None) -> RowsModel:
    return RowsModel(
        CHANNEL_COLUMNS,
        background=lambda r: _status_colour(r.last_run.status if r.last_run else None),
        foreground=lambda r: None if r.channel.enabled else MUTED_FOREGROUND,
        parent=parent,
    )


def run_model(parent: QObject | None = None) -> RowsModel:
    return RowsModel(
        RUN_COLUMNS, background=lambda r: _status_colour(r.status, r.errors), parent=parent
    )


def outbox_model(parent: QObject | None = None) -> RowsModel:
    def colour(row: OutboxRow) -> QColor | None:
        if row.status == "dead":
            return ERROR_BACKGROUND
        if row.status == "pending" and row.attempts:
            return WARN_BACKGROUND
        return None

    return RowsModel(OUTBOX_COLUMNS, background=colour, parent=parent)


def make_table(model: QAbstractTableModel, widths: Sequence[int] = ()) -> QTableView:
    """A read-only table view: whole-row single selection, last column stretched."""
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(26)
    header = view.horizontalHeader()
    header.setStretchLastSection(True)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    for column, width in enumerate(widths):
        if width > 0:
            header.resizeSection(column, width)
        elif width < 0:
            header.setStretchLastSection(False)
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
    return view
