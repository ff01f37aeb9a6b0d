"""ChannelsPanel: channel list, connection test, sync now / dry run, sync history and outbox."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QItemSelection, Qt, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.audit import default_actor
from app.channels.dto import SYNC_CHANGES, ChannelView, OutboxRow, RunSyncReport, SyncRunView
from app.channels.outbox import retry_outbox_message
from app.channels.service import (
    list_channels,
    list_outbox,
    list_sync_runs,
    run_sync,
    test_channel_connection,
)
from app.errors import DomainError
from ui.channels.channel_dialog import ChannelDialog
from ui.channels.models import (
    ChannelRow,
    channel_model,
    outbox_model,
    run_model,
)
from ui.errors import show_error
from ui.ops import BackgroundOp, MutationOp, Ops, QueryOp, TaskState
from ui.panel import Panel
from ui.widgets.list_table import ListTableModel
from ui.widgets.tables import make_table

STEPS = 1000
# What a real (not dry) run may have changed: pulled orders reserve stock, pushes mark the outbox.


@dataclass(frozen=True, slots=True)
class ChannelsData:
    channels: list[ChannelRow]
    runs: list[SyncRunView]
    outbox: list[OutboxRow]


def load_channels_data(session, *, problems_only: bool) -> ChannelsData:
    """Everything the panel shows, read in one transaction."""
    rows = [
        ChannelRow(view, next(iter(list_sync_runs(session, channel_id=view.id, limit=1)), None))
        for view in list_channels(session)
    ]
    return ChannelsData(
        rows,
        list_sync_runs(session, limit=100),
        list_outbox(session, problems_only=problems_only),
    )


def progress_reporter(task: TaskState) -> Callable[[str, float], None]:
    """A run_sync progress callback that never raises (run_sync stops via `cancelled`)."""

    def report(text: str, fraction: float) -> None:
        if not task.cancelled:
            task.report(text, fraction)

    return report


class ChannelsPanel(Panel):
    """Connections to online shops: set up, test, sync by hand, and watch what was sent."""

    refresh_on = ("channels", "orders")

    def __init__(self, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(
            ops,
            "Channels",
            "Shopify and WooCommerce shops: orders are pulled in and stock levels pushed out.",
            parent,
        )
        self.task: TaskState | None = None
        self.channel_dialog: ChannelDialog | None = None
        self.tabs = QTabWidget()
        self.body.addWidget(self.tabs, 1)
        self._build_channels_tab()
        self._build_history_tab()
        self._build_outbox_tab()
        self._update_buttons()

    # -------------------------------------------------------------------------------- layout
    def _build_channels_tab(self) -> None:
        self.add_button = QPushButton("Add channel…")
        self.edit_button = QPushButton("Edit…")
        self.test_button = QPushButton("Test connection")
        self.sync_button = QPushButton("Sync now")
        self.dry_run_button = QPushButton("Dry run")
        self.refresh_button = QPushButton("Refresh")
        for button in (self.sync_button, self.dry_run_button):
            button.setToolTip("The selected channel; with none selected, every enabled channel")
        self.dry_run_button.setToolTip("Show what a sync would do without changing anything")
        bar = QHBoxLayout()
        for button in (self.add_button, self.edit_button, self.test_button):
            bar.addWidget(button)
        bar.addSpacing(16)
        bar.addWidget(self.sync_button)
        bar.addWidget(self.dry_run_button)
        bar.addStretch(1)
        bar.addWidget(self.refresh_button)
        self.channel_model = channel_model(self)
        self.channel_table = make_table(self.channel_model, (170, 110, -1, 70, 140, 260))
        self.progress_label = QLabel(objectName="hint")
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, STEPS)
        self.cancel_button = QPushButton("Cancel")
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress_label, 1)
        progress_row.addWidget(self.progress_bar, 1)
        progress_row.addWidget(self.cancel_button)
        self.progress_box = QWidget()
        self.progress_box.setLayout(progress_row)
        progress_row.setContentsMargins(0, 0, 0, 0)
        self.progress_box.hide()
        self.results_edit = QPlainTextEdit(readOnly=True)
        self.results_edit.setPlaceholderText("Connection tests and sync results appear here.")
        results = QWidget()
        results_layout = QVBoxLayout(results)
        results_layout.setContentsMargins(0, 0, 0, 0)
        results_title = QLabel("Results", objectName="sectionTitle")
        results_title.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        results_layout.addWidget(results_title)
        results_layout.addWidget(self.progress_box)
        results_layout.addWidget(self.results_edit, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.channel_table)
        splitter.addWidget(results)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)
        self.tabs.addTab(page, "Channels")
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.edit_button.clicked.connect(self._on_edit_button_clicked)
        self.test_button.clicked.connect(self._on_test_button_clicked)
        self.sync_button.clicked.connect(self._on_sync_button_clicked)
        self.dry_run_button.clicked.connect(self._on_dry_run_button_clicked)
        self.refresh_button.clicked.connect(self._on_refresh_button_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        self.channel_table.doubleClicked.connect(self._on_channel_table_double_clicked)
        self.channel_table.selectionModel().selectionChanged.connect(
            self._on_channel_selection_changed
        )

    def _build_history_tab(self) -> None:
        self.run_model = run_model(self)
        self.run_table = make_table(self.run_model, (140, 130, 90, 60, 65, 65, 60, 55, 80))
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(self.run_table)
        self.tabs.addTab(page, "Sync history")

    def _build_outbox_tab(self) -> None:
        self.problems_check = QCheckBox("Problems only (gave up, or failed and waiting)")
        self.retry_button = QPushButton("Retry")
        self.retry_button.setToolTip("Send this message again at the next sync")
        bar = QHBoxLayout()
        bar.addWidget(self.problems_check)
        bar.addStretch(1)
        bar.addWidget(self.retry_button)
        self.outbox_model = outbox_model(self)
        self.outbox_table = make_table(self.outbox_model, (140, 260, 90, 70, 70, 130))
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addLayout(bar)
        layout.addWidget(self.outbox_table, 1)
        self.tabs.addTab(page, "Outbox")
        self.problems_check.toggled.connect(self._on_problems_check_toggled)
        self.retry_button.clicked.connect(self._on_retry_button_clicked)
        self.outbox_table.selectionModel().selectionChanged.connect(
            self._on_outbox_selection_changed
        )

    # ------------------------------------------------------------------------------- loading
    def refresh(self) -> None:
        super().refresh()
        problems_only = self.problems_check.isChecked()
        QueryOp(
            self,
            lambda session: load_channels_data(session, problems_only=problems_only),
            success=self._loaded,
        ).run(self.ops)

    def _loaded(self, data: ChannelsData) -> None:
        selected_channel = self.selected_channel()
        selected_message = self.selected_message()
        self.channel_model.set_rows(data.channels)
        self.run_model.set_rows(data.runs)
        self.outbox_model.set_rows(data.outbox)
        if selected_channel is not None:
            self._select(self.channel_table, self.channel_model, selected_channel.id)
        if selected_message is not None:
            self._select(self.outbox_table, self.outbox_model, selected_message.id)
        self._update_buttons()

    @staticmethod
    def _select(table: QTableView, model: ListTableModel, row_id: int) -> None:
        row = model.row_of_id(row_id)
        if row is not None:
            table.selectRow(row)

    def selected_channel(self) -> ChannelView | None:
        rows = self.channel_table.selectionModel().selectedRows()
        return self.channel_model.row_at(rows[0].row()).channel if rows else None

    def selected_message(self) -> OutboxRow | None:
        rows = self.outbox_table.selectionModel().selectedRows()
        return self.outbox_model.row_at(rows[0].row()) if rows else None

    def _update_buttons(self) -> None:
        channel = self.selected_channel()
        syncing = self.task is not None
        self.edit_button.setEnabled(channel is not None)
        self.test_button.setEnabled(channel is not None and channel.kind != "csv")
        self.sync_button.setEnabled(not syncing)
        self.dry_run_button.setEnabled(not syncing)
        message = self.selected_message()
        self.retry_button.setEnabled(message is not None and message.status != "sent")

    def show_results(self, lines: list[str]) -> None:
        self.results_edit.setPlainText("\n".join(lines))

    # --------------------------------------------------------------------------- channel edits
    def open_channel_dialog(self, channel: ChannelView | None = None) -> ChannelDialog:
        """Open the add/edit dialog (not modal, so tests can fill it in)."""
        dialog = ChannelDialog(self.ops, channel, self)
        self.channel_dialog = dialog
        dialog.saved.connect(self._on_dialog_saved)
        dialog.setModal(True)
        dialog.show()
        return dialog

    @Slot()
    def _on_add_button_clicked(self) -> None:
        self.open_channel_dialog()

    @Slot()
    def _on_edit_button_clicked(self) -> None:
        channel = self.selected_channel()
        if channel is not None:
            self.open_channel_dialog(channel)

    @Slot()
    def _on_channel_table_double_clicked(self, *_args) -> None:
        self._on_edit_button_clicked()

    @Slot(int)
    def _on_dialog_saved(self, channel_id: int) -> None:
        problems_only = self.problems_check.isChecked()
        QueryOp(
            self,
            lambda session: load_channels_data(session, problems_only=problems_only),
            success=lambda data: self._loaded_selecting(data, channel_id),
        ).run(self.ops)

    def _loaded_selecting(self, data: ChannelsData, channel_id: int) -> None:
        self._loaded(data)
        self._select(self.channel_table, self.channel_model, channel_id)
        self._update_buttons()

    @Slot(QItemSelection, QItemSelection)
    def _on_channel_selection_changed(self, *_args) -> None:
        self._update_buttons()

    @Slot(QItemSelection, QItemSelection)
    def _on_outbox_selection_changed(self, *_args) -> None:
        self._update_buttons()

    @Slot()
    def _on_refresh_button_clicked(self) -> None:
        self.refresh()

    @Slot(bool)
    def _on_problems_check_toggled(self, _checked: bool) -> None:
        self.refresh()

    # --------------------------------------------------------------------------- network work
    @Slot()
    def _on_test_button_clicked(self) -> None:
        channel = self.selected_channel()
        if channel is None:
            return
        self.test_button.setEnabled(False)
        self.show_results([f"Testing the connection to {channel.name}…"])
        factory, channel_id, name = self.ops.session_factory, channel.id, channel.name
        BackgroundOp(
            self,
            lambda: test_channel_connection(factory, channel_id),
            success=lambda text: self._tested(name, f"Connection OK: {text}"),
            failure=lambda exc: self._test_failed(name, exc),
        ).run(self.ops)

    def _tested(self, name: str, text: str) -> None:
        self.show_results([f"{name}: {text}"])
        self._update_buttons()

    def _test_failed(self, name: str, exc: BaseException) -> None:
        self._update_buttons()
        if isinstance(exc, DomainError):  # channel errors never carry a secret
            self.show_results([f"{name}: connection failed — {exc}"])
            return
        self.show_results([f"{name}: connection failed (unexpected error, see the log)"])
        show_error(self, exc, self.ops.log_path)

    @Slot()
    def _on_sync_button_clicked(self) -> None:
        self.start_sync(dry_run=False)

    @Slot()
    def _on_dry_run_button_clicked(self) -> None:
        self.start_sync(dry_run=True)

    def start_sync(self, *, dry_run: bool) -> None:
        """Sync the selected channel (or every enabled one) on the network pool."""
        if self.task is not None:
            return
        channel = self.selected_channel()
        channel_id = channel.id if channel is not None else None
        what = channel.name if channel is not None else "every enabled channel"
        task = TaskState()
        self.task = task
        task.add_listener(self._on_task_progressed)
        self.progress_label.setText(f"{'Dry run of' if dry_run else 'Syncing'} {what}…")
        self.progress_bar.setRange(0, 0)
        self.cancel_button.setEnabled(True)
        self.progress_box.show()
        self.show_results([])
        self._update_buttons()
        factory, actor = self.ops.session_factory, default_actor()

        def work() -> RunSyncReport:
            return run_sync(
                factory,
                channel_id,
                dry_run=dry_run,
                progress=progress_reporter(task),
                cancelled=lambda: task.cancelled,
                actor=actor,
            )

        BackgroundOp(
            self,
            work,
            success=self._synced,
            failure=self._sync_failed,
            task=task,
            cancelled=self._sync_cancelled,
        ).run(self.ops)

    def _on_task_progressed(self, text: str, fraction: float | None) -> None:
        if self.task is None or self.task.cancelled:
            return
        self.progress_label.setText(text)
        if fraction is None:
            self.progress_bar.setRange(0, 0)
        else:
            self.progress_bar.setRange(0, STEPS)
            self.progress_bar.setValue(round(fraction * STEPS))

    @Slot()
    def _on_cancel_button_clicked(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.progress_label.setText("Cancelling after the current page…")
            self.cancel_button.setEnabled(False)

    def _sync_over(self) -> bool:
        """Hide the progress row; True when the user cancelled."""
        cancelled = self.task is not None and self.task.cancelled
        self.task = None
        self.progress_box.hide()
        self._update_buttons()
        return cancelled

    def _synced(self, report: RunSyncReport) -> None:
        cancelled = self._sync_over()
        lines = report.lines()
        if cancelled:
            lines.append("Stopped on request: what was pulled before stopping is kept.")
        if report.dry_run:
            lines.insert(0, "Dry run — nothing was changed.")
        elif not report.ok:
            lines.insert(0, "Sync finished with problems:")
        self.show_results(lines)
        if not report.dry_run and report.channels:
            self.ops.changes_applied.emit(report.changes)
        elif report.dry_run:
            self.refresh()

    def _sync_failed(self, exc: BaseException) -> None:
        self._sync_over()
        if isinstance(exc, DomainError):
            self.show_results([f"Sync failed: {exc}"])
            return
        self.show_results(["Sync failed (unexpected error, see the log)"])
        show_error(self, exc, self.ops.log_path)

    def _sync_cancelled(self) -> None:
        self._sync_over()
        self.show_results(["Sync cancelled."])
        self.ops.changes_applied.emit(SYNC_CHANGES)

    # -------------------------------------------------------------------------------- outbox
    @Slot()
    def _on_retry_button_clicked(self) -> None:
        message = self.selected_message()
        if message is None or message.status == "sent":
            return
        message_id, actor = message.id, default_actor()
        MutationOp(
            self,
            lambda session: retry_outbox_message(session, message_id, actor=actor),
            success=lambda _changes: self.show_results(
                [f"{message.summary}: queued again, it goes out with the next sync."]
            ),
        ).run(self.ops)
