"""MailTab: customer mails that failed or gave up, Retry, and Send now off the GUI thread."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.audit import default_actor
from app.changes import ChangeSet
from app.errors import DomainError
from app.notifications import (
    MailRow,
    SendReport,
    list_mail,
    mail_problem_count,
    retry_mail,
    send_pending_mail,
)
from ui.errors import user_message
from ui.ops import BackgroundOp, MutationOp, Ops, QueryOp
from ui.shipping import prompts
from ui.shipping.formatting import MUTED, STATUS_COLOURS, local_time, status_text
from ui.widgets.list_table import ListTableModel
from ui.widgets.paged_table import Column

log = logging.getLogger(__name__)

COLUMNS = [
    Column("to", "To", lambda m: m.to_address),
    Column("subject", "Subject", lambda m: m.subject),
    Column("status", "Status", lambda m: status_text(m.status)),
    Column("attempts", "Attempts", lambda m: m.attempts, align_right=True),
    Column("error", "Last error", lambda m: m.last_error or "", tooltip=lambda m: m.last_error),
    Column(
        "next", "Next try", lambda m: local_time(m.next_attempt_at) if m.status == "pending" else ""
    ),
    Column("created", "Queued", lambda m: local_time(m.created_at)),
]


def _background(row: MailRow):
    return STATUS_COLOURS.get(row.status)


def _foreground(row: MailRow):
    return MUTED if row.status == "sent" else None


class MailTab(QWidget):
    """Shows problem mail by default (failed and retrying, or given up); "Show all" lists every
    mail. `problems_counted(n)` lets the panel put the count on the tab."""

    problems_counted = Signal(int)

    def __init__(self, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.actor = default_actor()
        self.model = ListTableModel(COLUMNS, row_background=_background, row_foreground=_foreground)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        for column, width in enumerate((190, 250, 80, 70, 0, 130, 130)):
            if width:
                header.resizeSection(column, width)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.all_box = QCheckBox("Show all mail")
        self.all_box.toggled.connect(self._on_all_box_toggled)
        self.retry_button = QPushButton("Retry selected")
        self.retry_button.clicked.connect(self._on_retry_button_clicked)
        self.send_button = QPushButton("Send now")
        self.send_button.setToolTip("Send every mail that is due, off the screen's thread")
        self.send_button.clicked.connect(self._on_send_button_clicked)
        self.status_label = QLabel(objectName="hint")
        self.status_label.setWordWrap(True)
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)

        top = QHBoxLayout()
        top.addWidget(QLabel("Customer mail that failed or is being retried", objectName="hint"))
        top.addStretch(1)
        top.addWidget(self.all_box)
        bottom = QHBoxLayout()
        bottom.addWidget(self.retry_button)
        bottom.addWidget(self.send_button)
        bottom.addWidget(self.status_label, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        self._update_buttons()

    def refresh(self) -> None:
        problems_only = not self.all_box.isChecked()
        QueryOp(
            self,
            lambda session: (
                list_mail(session, problems_only=problems_only),
                mail_problem_count(session),
            ),
            self._on_loaded,
        ).run(self.ops)

    def _on_loaded(self, loaded: tuple[list[MailRow], int]) -> None:
        rows, problems = loaded
        self.model.set_rows(rows)
        self.problems_counted.emit(problems)
        self._update_buttons()

    def selected_ids(self) -> list[int]:
        return [
            self.model.row_at(index.row()).id
            for index in self.table.selectionModel().selectedRows()
        ]

    @Slot()
    def _on_retry_button_clicked(self) -> None:
        ids, actor = self.selected_ids(), self.actor
        if not ids:
            return

        def retry(session) -> ChangeSet:
            changes = ChangeSet()
            for message_id in ids:
                changes = changes | retry_mail(session, message_id, actor=actor)
            return changes

        MutationOp(self, retry, lambda _c: self._say(f"{len(ids)} mail(s) queued again")).run(
            self.ops
        )

    @Slot()
    def _on_send_button_clicked(self) -> None:
        self.send_button.setEnabled(False)
        self._say("Sending…")
        session_factory = self.ops.session_factory

        def send() -> SendReport:
            password = prompts.smtp_password()  # the keyring may block: network pool
            return send_pending_mail(session_factory, password=password)

        BackgroundOp(self, send, self._on_sent, self._on_send_failed).run(self.ops)

    def _on_sent(self, report: SendReport) -> None:
        self.send_button.setEnabled(True)
        parts = [f"{report.sent} sent"]
        if report.failed:
            parts.append(f"{report.failed} failed (will retry)")
        if report.dead:
            parts.append(f"{report.dead} gave up")
        self._say("Mail: " + ", ".join(parts))
        if report.sent or report.failed or report.dead:
            # Sending writes through its own transactions, not a MutationOp: tell the views.
            self.ops.changes_applied.emit(report.changes)

    def _on_send_failed(self, exc: BaseException) -> None:
        self.send_button.setEnabled(True)
        if not isinstance(exc, DomainError):
            log.error("sending mail failed", exc_info=(type(exc), exc, exc.__traceback__))
        self._say(f"Not sent: {user_message(exc, self.ops.log_path)}")

    def _say(self, text: str) -> None:
        self.status_label.setText(text)

    def _update_buttons(self) -> None:
        self.retry_button.setEnabled(bool(self.table.selectionModel().selectedRows()))

    @Slot()
    def _on_table_selection_changed(self, *_args: object) -> None:
        self._update_buttons()

    @Slot(bool)
    def _on_all_box_toggled(self, _checked: bool) -> None:
        self.refresh()
