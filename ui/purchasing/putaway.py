"""Putaway: stock waiting in receiving bins, and a dialog to move it into a storage bin by scan."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.audit import default_actor
from app.errors import DomainError
from app.inventory.dto import BinInfo
from app.inventory.locations import find_bin
from app.purchasing.dto import PutawayResult, PutawayRow
from app.purchasing.receiving import list_awaiting_putaway, putaway
from app.scanning import ScanKind, classify_scan
from ui.errors import show_error, user_message
from ui.ops import MutationOp, Ops, QueryOp
from ui.purchasing.common import make_table, set_column_widths, show_toned
from ui.widgets.list_table import ListTableModel
from ui.widgets.paged_table import Column
from ui.widgets.scan_line_edit import ScanLineEdit

PUTAWAY_COLUMNS = [
    Column("bin", "In bin", lambda r: r.bin_code),
    Column("sku", "SKU", lambda r: r.sku),
    Column("name", "Product", lambda r: r.name),
    Column("on_hand", "Units", lambda r: r.on_hand, align_right=True),
    Column("default", "Goes to", lambda r: r.default_bin_code or "— no default bin —"),
]


class PutawayDialog(QDialog):
    """Move units of one product out of a receiving bin: scan the target bin, then Put away."""

    moved = Signal(object)  # PutawayResult

    def __init__(self, ops: Ops, row: PutawayRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.row = row
        self.target: BinInfo | None = None
        self.setWindowTitle(f"Put away {row.sku}")
        self.setMinimumWidth(460)
        self.quantity_spin = QSpinBox()
        self.quantity_spin.setRange(1, max(row.on_hand, 1))
        self.quantity_spin.setValue(row.on_hand)
        self.scan_edit = ScanLineEdit(placeholder="Scan the target bin label (or type its code)")
        self.target_label = QLabel(objectName="stationTarget")
        self.message_label = QLabel(objectName="fieldError")
        self.message_label.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Product:", QLabel(f"{row.sku} — {row.name}"))
        form.addRow("From bin:", QLabel(f"{row.bin_code} ({row.on_hand} unit(s))"))
        form.addRow("Units:", self.quantity_spin)
        form.addRow("Target bin:", self.scan_edit)
        form.addRow("", self.target_label)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.put_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.put_button.setText("Put away")
        for button in buttons.buttons():
            button.setAutoDefault(False)
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message_label)
        layout.addWidget(buttons)
        self.scan_edit.scanned.connect(self._on_scan_edit_scanned)
        self._show_target()
        self.scan_edit.setFocus()

    def _show_target(self) -> None:
        if self.target is not None:
            self.target_label.setText(f"→ {self.target.code}")
        elif self.row.default_bin_code:
            self.target_label.setText(f"→ {self.row.default_bin_code} (default bin)")
        else:
            self.target_label.setText("Scan where it goes (no default bin).")
        self.put_button.setEnabled(self.target is not None or self.row.default_bin_id is not None)

    @Slot(str)
    def _on_scan_edit_scanned(self, code: str) -> None:
        scan = classify_scan(code)
        if scan is None:
            return
        location_code = scan.location_code if scan.kind == ScanKind.BIN else None
        bin_code = scan.value if scan.kind == ScanKind.BIN else code.strip()
        location_id = self.row.location_id

        def found(info: BinInfo | None) -> None:
            if info is None or (location_code and info.location_code != location_code):
                self.scan_edit.flash_error()
                self.message_label.setText(f"No bin {bin_code} where {self.row.sku} is.")
                return
            self.target = info
            self.message_label.setText("")
            self.scan_edit.flash_ok()
            self._show_target()

        QueryOp(self, lambda s: find_bin(s, bin_code, location_id), found).run(self.ops)

    def put_away(self) -> None:
        row, quantity, actor = self.row, self.quantity_spin.value(), default_actor()
        to_bin_id = self.target.id if self.target is not None else None
        self.put_button.setEnabled(False)
        MutationOp(
            self,
            lambda s: putaway(s, row.product_id, row.bin_id, to_bin_id, quantity, actor=actor),
            self._on_put_away,
            self._on_put_away_failed,
        ).run(self.ops)

    @Slot()
    def _on_buttons_accepted(self) -> None:
        self.put_away()

    def _on_put_away(self, result: PutawayResult) -> None:
        self.moved.emit(result)
        self.accept()

    def _on_put_away_failed(self, exc: BaseException) -> None:
        self._show_target()
        self.message_label.setText(user_message(exc, self.ops.log_path))
        if not isinstance(exc, DomainError):
            show_error(self, exc, self.ops.log_path)


class PutawayTab(QWidget):
    """What sits in receiving bins; double-click a row (or Put away…) to move it."""

    def __init__(self, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.dialog: PutawayDialog | None = None
        self.model = ListTableModel(PUTAWAY_COLUMNS, parent=self)
        self.table = make_table(self.model, station=True)
        set_column_widths(self.table, [110, 150, 320, 80])
        self.put_button = QPushButton("Put away…")
        self.message_label = QLabel(objectName="stationMessage")
        self.message_label.setWordWrap(True)
        self.message_label.hide()
        self.count_label = QLabel(objectName="hint")
        buttons = QHBoxLayout()
        buttons.addWidget(self.put_button)
        buttons.addStretch(1)
        buttons.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.message_label)
        layout.addWidget(self.table, 1)
        self.put_button.clicked.connect(self._on_put_button_clicked)
        self.table.doubleClicked.connect(self._on_table_double_clicked)

    def refresh(self) -> None:
        QueryOp(self, list_awaiting_putaway, self._on_rows_loaded).run(self.ops)

    def _on_rows_loaded(self, rows: list[PutawayRow]) -> None:
        self.model.set_rows(rows)
        units = sum(r.on_hand for r in rows)
        self.count_label.setText(f"{len(rows)} product(s), {units} unit(s) waiting")
        self.put_button.setEnabled(bool(rows))
        if rows:
            self.table.selectRow(0)

    def open_dialog(self, row: int) -> PutawayDialog:
        self.dialog = PutawayDialog(self.ops, self.model.row_at(row), self)
        self.dialog.moved.connect(self._on_dialog_moved)
        self.dialog.open()
        return self.dialog

    @Slot()
    def _on_put_button_clicked(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.open_dialog(rows[0].row())

    @Slot(QModelIndex)
    def _on_table_double_clicked(self, index: QModelIndex) -> None:
        self.open_dialog(index.row())

    @Slot(object)
    def _on_dialog_moved(self, result: Any) -> None:
        show_toned(self.message_label, result.message + ".", "ok")
        self.message_label.show()
