"""Table models and display text for channels, sync runs and outbox messages."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject
from PySide6.QtGui import QColor

from app.channels.dto import ChannelView, OutboxRow, SyncRunView
from ui.formatting import local_time
from ui.widgets.list_table import ListTableModel
from ui.widgets.paged_table import Column

KIND_TEXT = {"shopify": "Shopify", "woocommerce": "WooCommerce", "csv": "CSV"}
OK_BACKGROUND = QColor("#e3f6e6")
WARN_BACKGROUND = QColor("#fff1cc")
ERROR_BACKGROUND = QColor("#fde3e0")
MUTED_FOREGROUND = QColor("#7b8794")


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
    Column("name", "Name", lambda r: r.channel.name),
    Column("kind", "Kind", lambda r: KIND_TEXT.get(r.channel.kind, r.channel.kind)),
    Column("shop_address", "Shop address", lambda r: r.channel.base_url or ""),
    Column("enabled", "Enabled", lambda r: "yes" if r.channel.enabled else "no"),
    Column("last_pulled", "Last pulled", lambda r: local_time(r.channel.last_pulled_at) or "never"),
    Column(
        "last_run",
        "Last run",
        lambda r: run_status_text(r.last_run),
        tooltip=lambda r: (r.last_run.error_text or "") if r.last_run else "",
    ),
]

RUN_COLUMNS = [
    Column("channel", "Channel", lambda r: r.channel),
    Column("started", "Started", lambda r: local_time(r.started_at)),
    Column("status", "Status", lambda r: r.status),
    Column("pulled", "Pulled", lambda r: r.pulled, align_right=True),
    Column("created", "Created", lambda r: r.created, align_right=True),
    Column("updated", "Updated", lambda r: r.updated, align_right=True),
    Column("pushed", "Pushed", lambda r: r.pushed, align_right=True),
    Column("errors", "Errors", lambda r: r.errors, align_right=True),
    Column("duration", "Duration", lambda r: duration_text(r.duration_s), align_right=True),
    Column(
        "error", "Error", lambda r: first_line(r.error_text), tooltip=lambda r: r.error_text or ""
    ),
]

OUTBOX_COLUMNS = [
    Column("channel", "Channel", lambda r: r.channel),
    Column("message", "Message", lambda r: r.summary),
    Column("kind", "Kind", lambda r: r.kind),
    Column("status", "Status", lambda r: r.status),
    Column("attempts", "Attempts", lambda r: r.attempts, align_right=True),
    Column(
        "next_attempt",
        "Next attempt",
        lambda r: local_time(r.next_attempt_at) if r.status == "pending" else "",
    ),
    Column(
        "last_error",
        "Last error",
        lambda r: first_line(r.last_error),
        tooltip=lambda r: r.last_error or "",
    ),
]


def channel_model(parent: QObject | None = None) -> ListTableModel:
    return ListTableModel(
        CHANNEL_COLUMNS,
        row_background=lambda r: _status_colour(r.last_run.status if r.last_run else None),
        row_foreground=lambda r: None if r.channel.enabled else MUTED_FOREGROUND,
        parent=parent,
    )


def run_model(parent: QObject | None = None) -> ListTableModel:
    return ListTableModel(
        RUN_COLUMNS, row_background=lambda r: _status_colour(r.status, r.errors), parent=parent
    )


def outbox_model(parent: QObject | None = None) -> ListTableModel:
    def colour(row: OutboxRow) -> QColor | None:
        if row.status == "dead":
            return ERROR_BACKGROUND
        if row.status == "pending" and row.attempts:
            return WARN_BACKGROUND
        return None

    return ListTableModel(OUTBOX_COLUMNS, row_background=colour, parent=parent)
