"""ImportPreviewDialog: check an order CSV, list every problem, then import and allocate it.

The preview runs as a read; the import is one all-or-nothing mutation with progress and Cancel,
and reserving stock for the new orders is a second step with its own progress (as
app.orders.csv_import advises: allocation is slower than the import itself).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QRadioButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.audit import default_actor
from app.errors import DataImportError, ValidationError
from app.orders.csv_import import (
    FORMAT_LABELS,
    ImportAllocationResult,
    OrderImportPreview,
    OrderImportResult,
    allocate_imported,
    import_orders,
    preview_order_import,
)
from ui.errors import show_error
from ui.ops import MutationOp, Ops, QueryOp, TaskState
from ui.orders.detail_models import ListModel
from ui.orders.formatting import money, plural
from ui.progress import TaskProgressDialog

NOT_RESERVED = "; stock is not reserved yet: allocate the imported orders next"


class ProblemsModel(ListModel):
    columns = (
        ("Row", lambda p: p.row, True),
        ("Column", lambda p: p.column, False),
        ("Problem", lambda p: p.reason, False),
    )


def _action_text(row: Any) -> str:
    if row.action == "create":
        return "New order"
    if row.action == "existing":
        return f"Already imported as {row.reason}" if row.reason else "Already imported"
    return f"Skipped: {row.reason}" if row.reason else "Skipped"


class ImportOrdersModel(ListModel):
    """What the file would do, one row per order in it."""

    columns = (
        ("Row", lambda o: o.row, True),
        ("Order", lambda o: o.external_id, False),
        ("What happens", _action_text, False),
        ("Lines", lambda o: o.lines if o.action == "create" else "", True),
        ("Total", lambda o: money(o.total_minor, o.currency) if o.currency else "", True),
    )


def import_summary(result: OrderImportResult, allocation: ImportAllocationResult | None) -> str:
    """One sentence for the orders page after an import (and its allocation step)."""
    if allocation is None:
        return result.message
    return result.message.replace(NOT_RESERVED, "") + f"; {allocation.message}"


class ImportPreviewDialog(QDialog):
    """Shows what the file would create; Import stays off while the file has problems."""

    import_finished = Signal(object, object)  # OrderImportResult, ImportAllocationResult | None

    def __init__(self, ops: Ops, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.path = Path(path)
        self.actor = default_actor()
        self.preview: OrderImportPreview | None = None
        self.import_result: OrderImportResult | None = None
        self.progress_dialog: TaskProgressDialog | None = None
        self._generation = 0
        self._checking = False
        self._importing = False
        self.setWindowTitle(f"Import orders — {self.path.name}")
        self.resize(760, 520)

        self.summary_label = QLabel("Checking the file…")
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextFormat(Qt.TextFormat.PlainText)
        self.problems_label = QLabel(objectName="fieldError")
        self.problems_label.setWordWrap(True)
        self.problems_model = ProblemsModel(self)
        self.orders_model = ImportOrdersModel(self)
        # One table: the problems while there are any, else what happens to each order.
        self.table_view = QTableView()
        self.table_view.verticalHeader().hide()
        self.table_view.setTabKeyNavigation(False)
        self.table_view.setWordWrap(False)
        self.table_view.verticalHeader().setDefaultSectionSize(24)
        self._show_table(self.orders_model)
        self.unknown_label = QLabel()
        self.unknown_label.setWordWrap(True)
        self.unknown_label.setTextFormat(Qt.TextFormat.PlainText)
        self.unmatched_radio = QRadioButton("Import them as &unmatched lines (link them later)")
        self.skip_radio = QRadioButton("&Skip those lines")
        self.unmatched_radio.setChecked(True)
        self.policy_group = QButtonGroup(self)
        self.policy_group.addButton(self.unmatched_radio)
        self.policy_group.addButton(self.skip_radio)
        self.import_button = QPushButton("&Import")
        self.import_button.setEnabled(False)
        self.import_button.setAutoDefault(False)
        self.close_button = QPushButton("Close")
        self.close_button.setAutoDefault(False)

        unknown = QVBoxLayout()
        unknown.setContentsMargins(0, 0, 0, 0)
        unknown.addWidget(self.unknown_label)
        unknown.addWidget(self.unmatched_radio)
        unknown.addWidget(self.skip_radio)
        self.unknown_box = QWidget()
        self.unknown_box.setLayout(unknown)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.import_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.problems_label)
        layout.addWidget(self.table_view, 1)
        layout.addWidget(self.unknown_box)
        layout.addLayout(buttons)
        self.problems_label.hide()
        self.unknown_box.hide()

        self.unmatched_radio.toggled.connect(self._on_unmatched_radio_toggled)
        self.import_button.clicked.connect(self._on_import_button_clicked)
        self.close_button.clicked.connect(self.reject)
        self.check()

    @property
    def unknown_skus(self) -> str:
        return "unmatched" if self.unmatched_radio.isChecked() else "skip"

    # -- preview ------------------------------------------------------------------------------

    def check(self) -> None:
        """(Re)read the file with the chosen policy for unknown SKUs; writes nothing."""
        self._generation += 1
        generation, path, policy = self._generation, self.path, self.unknown_skus
        self._checking = True
        self.summary_label.setText(f"Checking {path.name}…")
        self._update_buttons()
        QueryOp(
            self,
            lambda session: preview_order_import(session, path, unknown_skus=policy),
            lambda preview: self._on_preview_loaded(generation, preview),
            lambda exc: self._on_preview_failed(generation, exc),
        ).run(self.ops)

    def _on_preview_loaded(self, generation: int, preview: OrderImportPreview) -> None:
        if generation != self._generation:
            return
        self._checking = False
        self.preview = preview
        parts = [
            f"{FORMAT_LABELS.get(preview.format, preview.format)} for channel "
            f"“{preview.channel}”: {plural(preview.new_orders, 'new order')}"
        ]
        totals = ", ".join(money(v, cur) for cur, v in sorted(preview.totals.items()))
        if preview.ok:  # with problems, lines and totals of the bad orders are not known
            parts[0] += f" with {plural(preview.lines, 'line')}"
            parts[0] += f", worth {totals}" if totals else ""
        if preview.already_imported:
            parts.append(f"{preview.already_imported:,} already imported (left as they are)")
        if preview.skipped:
            reasons = sorted({o.reason for o in preview.orders if o.action == "skip"})
            parts.append(f"{preview.skipped:,} skipped ({'; '.join(reasons)})")
        parts += list(preview.warnings)
        self.summary_label.setText("; ".join(parts) + ".")
        problems = list(preview.problems)
        self.problems_model.set_rows(problems)
        self.orders_model.set_rows(preview.orders)
        self._show_table(self.problems_model if problems else self.orders_model)
        self.problems_label.setVisible(bool(problems))
        self.problems_label.setText(
            f"{plural(len(problems), 'problem')} to fix in the file before it can be imported:"
        )
        skus = sorted({sku for _row, sku in preview.unknown_skus})
        self.unknown_box.setVisible(bool(skus) or self.skip_radio.isChecked())
        self.unknown_label.setText(
            f"{plural(len(skus), 'SKU')} not in the catalog: {', '.join(skus[:10])}"
            + (" …" if len(skus) > 10 else "")
            if skus
            else "Every SKU is in the catalog."
        )
        self._update_buttons()

    def _show_table(self, model: ListModel) -> None:
        if self.table_view.model() is model:
            return
        self.table_view.setModel(model)
        header = self.table_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table_view.setColumnWidth(0, 60)
        self.table_view.setColumnWidth(1, 140)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)

    def _on_preview_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._checking = False
        self.preview = None
        self._update_buttons()
        if isinstance(exc, ValidationError):
            self.summary_label.setText(f"This file cannot be imported: {exc}")
        else:
            self.summary_label.setText("The file could not be checked.")
            show_error(self, exc, self.ops.log_path)

    def can_import(self) -> bool:
        preview = self.preview
        return bool(
            preview is not None
            and preview.ok
            and preview.new_orders
            and not self._checking
            and not self._importing
        )

    def _update_buttons(self) -> None:
        self.import_button.setEnabled(self.can_import())
        self.unmatched_radio.setEnabled(not self._importing)
        self.skip_radio.setEnabled(not self._importing)

    # -- import -------------------------------------------------------------------------------

    def start_import(self) -> None:
        if not self.can_import():
            return
        self._importing = True
        self._update_buttons()
        task = TaskState()
        self._open_progress(task, "Importing orders")
        path, policy, actor = self.path, self.unknown_skus, self.actor

        def work(session: Any) -> OrderImportResult:
            return import_orders(
                session,
                path,
                actor=actor,
                unknown_skus=policy,
                progress=task.report,
                cancelled=lambda: task.cancelled,
            )

        MutationOp(
            self,
            work,
            self._on_import_succeeded,
            self._on_import_failed,
            task=task,
            cancelled=self._on_import_cancelled,
        ).run(self.ops)

    def _open_progress(self, task: TaskState, title: str) -> None:
        self.progress_dialog = TaskProgressDialog(task, title, self)
        self.progress_dialog.open()

    def _close_progress(self) -> None:
        if self.progress_dialog is not None:
            self.progress_dialog.finish()
            self.progress_dialog = None

    def _on_import_succeeded(self, result: OrderImportResult) -> None:
        self._close_progress()
        self.import_result = result
        if not result.order_ids:
            self._finish(None)
            return
        task = TaskState()
        self._open_progress(task, "Reserving stock for the imported orders")
        ids, actor = result.order_ids, self.actor

        def work(session: Any) -> ImportAllocationResult:
            return allocate_imported(
                session, ids, actor=actor, progress=task.report, cancelled=lambda: task.cancelled
            )

        MutationOp(
            self,
            work,
            self._finish,
            self._on_allocation_failed,
            task=task,
            cancelled=self._on_allocation_cancelled,
        ).run(self.ops)

    def _finish(self, allocation: ImportAllocationResult | None) -> None:
        self._close_progress()
        self._importing = False
        self.import_finished.emit(self.import_result, allocation)
        self.accept()

    def _on_allocation_failed(self, exc: BaseException) -> None:
        # The orders are in; only reserving failed. Say so and let the clerk allocate later.
        show_error(self, exc, self.ops.log_path)
        self._finish(None)

    def _on_allocation_cancelled(self) -> None:
        self._finish(None)

    def _on_import_failed(self, exc: BaseException) -> None:
        self._close_progress()
        self._importing = False
        self._update_buttons()
        if isinstance(exc, DataImportError):
            self.check()  # the file changed since the preview: show its problems again
        show_error(self, exc, self.ops.log_path)

    def _on_import_cancelled(self) -> None:
        self._close_progress()
        self._importing = False
        self._update_buttons()
        self.summary_label.setText("Import cancelled; nothing was written.")

    def reject(self) -> None:
        if not self._importing:
            super().reject()

    @Slot(bool)
    def _on_unmatched_radio_toggled(self, _checked: bool) -> None:
        self.check()

    @Slot()
    def _on_import_button_clicked(self) -> None:
        self.start_import()
