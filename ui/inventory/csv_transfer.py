"""CSV import (dry run first, then all or nothing) and export of products and stock counts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.audit import default_actor
from app.errors import DataImportError, DomainError, RowProblem
from app.inventory.csv_io import (
    ImportPreview,
    StockImportPreview,
    export_products,
    export_stock,
    import_products,
    import_stock,
    preview_product_import,
    preview_stock_import,
)
from ui.errors import show_error
from ui.inventory import prompts
from ui.inventory.forms import error_label
from ui.ops import MutationOp, Ops, QueryOp

KINDS = ("products", "stock")
PREVIEWS = {"products": preview_product_import, "stock": preview_stock_import}
IMPORTS = {"products": import_products, "stock": import_stock}
EXPORTS = {"products": export_products, "stock": export_stock}
SUGGESTED = {"products": "products.csv", "stock": "stock.csv"}


def preview_summary(kind: str, preview: ImportPreview | StockImportPreview) -> str:
    if isinstance(preview, StockImportPreview):
        return (
            f"{len(preview.rows):,} counted bin(s): {preview.moves:,} to correct "
            f"(+{preview.units_added:,} / −{preview.units_removed:,} units)."
        )
    return (
        f"{preview.creates:,} new, {preview.updates:,} changed and "
        f"{preview.unchanged:,} unchanged product(s)."
    )


def _has_work(preview: ImportPreview | StockImportPreview) -> bool:
    if isinstance(preview, StockImportPreview):
        return preview.moves > 0
    return preview.creates + preview.updates > 0


class ImportDialog(QDialog):
    """A dry run's summary and problems; Import applies the file in one transaction."""

    imported = Signal(object)  # ImportResult or StockImportResult

    def __init__(
        self,
        ops: Ops,
        kind: str,
        path: str,
        preview: ImportPreview | StockImportPreview,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ops, self.kind, self.path, self.preview = ops, kind, path, preview
        self.result_value: Any = None
        self.setWindowTitle(f"Import {kind} — {Path(path).name}")
        self.resize(640, 420)
        self.summary_label = QLabel(preview_summary(kind, preview))
        self.summary_label.setWordWrap(True)
        self.problems_label = QLabel()
        self.problems_edit = QPlainTextEdit(readOnly=True)
        self.problems_edit.setFont(QFont("monospace"))
        self.error_label = error_label()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = self.buttons.addButton(
            "Import", QDialogButtonBox.ButtonRole.AcceptRole
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.problems_label)
        layout.addWidget(self.problems_edit, 1)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self._show_problems(list(preview.problems))
        self.import_button.setEnabled(preview.ok and _has_work(preview))
        if preview.ok and not _has_work(preview):
            self.problems_label.setText("Nothing to import: the database already matches.")
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self._on_buttons_rejected)

    def _show_problems(self, problems: list[RowProblem]) -> None:
        self.problems_edit.setVisible(bool(problems))
        if problems:
            self.problems_label.setText(
                f"{len(problems):,} problem(s); nothing will be imported until they are fixed:"
            )
            self.problems_edit.setPlainText("\n".join(str(p) for p in problems))
        else:
            self.problems_label.setText("No problems found.")

    def run_import(self) -> None:
        if not self.import_button.isEnabled():
            return
        self.import_button.setEnabled(False)
        self.error_label.hide()
        run, path, actor = IMPORTS[self.kind], self.path, default_actor()
        MutationOp(
            self,
            lambda session: run(session, path, actor=actor),
            self._on_import_succeeded,
            self._on_import_failed,
        ).run(self.ops)

    def _on_import_succeeded(self, result: Any) -> None:
        self.result_value = result
        self.imported.emit(result)
        self.accept()

    def _on_import_failed(self, exc: BaseException) -> None:
        if isinstance(exc, DataImportError):
            self._show_problems(list(exc.problems))
        if isinstance(exc, DomainError):
            self.error_label.setText(str(exc))
            self.error_label.show()
        else:
            show_error(self, exc, self.ops.log_path)
        self.import_button.setEnabled(True)

    @Slot()
    def _on_buttons_accepted(self) -> None:
        self.run_import()

    @Slot()
    def _on_buttons_rejected(self) -> None:
        self.reject()


class CsvTransfer(QObject):
    """Runs the file choice, dry run, import dialog and exports for a panel."""

    message = Signal(str)

    def __init__(self, ops: Ops, widget: QWidget) -> None:
        super().__init__(widget)
        self.ops = ops
        self.widget = widget
        self.dialog: ImportDialog | None = None

    def ask_import(self, kind: str) -> None:
        path = prompts.choose_open_file(self.widget, f"Import {kind} from CSV")
        if path:
            self.preview_import(kind, path)

    def ask_export(self, kind: str) -> None:
        path = prompts.choose_save_file(self.widget, f"Export {kind} to CSV", SUGGESTED[kind])
        if path:
            self.export(kind, path)

    def preview_import(self, kind: str, path: str) -> None:
        """Check the file (nothing written), then show what importing it would do."""
        preview = PREVIEWS[kind]
        QueryOp(
            self.widget,
            lambda session: preview(session, path),
            lambda result: self._on_preview_loaded(kind, path, result),
        ).run(self.ops)

    def export(self, kind: str, path: str) -> None:
        write = EXPORTS[kind]
        QueryOp(
            self.widget,
            lambda session: write(session, path),
            lambda count: self.message.emit(f"Exported {count:,} row(s) of {kind} to {path}"),
        ).run(self.ops)

    def _on_preview_loaded(self, kind: str, path: str, preview: Any) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = ImportDialog(self.ops, kind, path, preview, self.widget)
        self.dialog.imported.connect(self._on_dialog_imported)
        self.dialog.open()

    @Slot(object)
    def _on_dialog_imported(self, result: Any) -> None:
        self.message.emit(result.message or "Imported.")
