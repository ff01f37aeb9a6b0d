"""Stock count station: scan a bin label, then its items, fix counts by hand, post differences."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.audit import default_actor
from app.errors import Conflict, DomainError, NotFound
from app.inventory.counts import (
    BinCountSheet,
    CountLine,
    CountResult,
    count_differences,
    count_scan,
    post_count,
    set_counted,
    start_bin_count,
)
from app.inventory.dto import LocationInfo
from app.inventory.locations import list_locations
from app.scanning import Command, ScanKind, classify_scan, command_barcode
from ui.errors import show_error, user_message
from ui.formatting import local_time
from ui.ops import MutationOp, Ops, QueryOp
from ui.purchasing.common import (
    ERROR_BACKGROUND,
    HIGHLIGHT_BACKGROUND,
    MUTED_FOREGROUND,
    OK_BACKGROUND,
    WARN_BACKGROUND,
    Confirm,
    heading_label,
    make_table,
    set_column_widths,
    show_toned,
)
from ui.widgets.list_table import ListTableModel
from ui.widgets.paged_table import Column
from ui.widgets.questions import confirm
from ui.widgets.scan_line_edit import ScanLineEdit
from ui.widgets.scan_queue import ScanQueue, nothing, then_done

IDLE_TEXT = "Scan a bin label (BIN/…) to count that bin, or type a bin code + Enter."


def _start(session: Any, code: str, location_code: str | None, location_id: int | None):
    """start_bin_count, with the location named by code (from a bin label) or by id."""
    if location_code is not None:
        match = [x for x in list_locations(session) if x.code == location_code]
        if not match:
            raise NotFound(f"no location {location_code} (from the bin label)")
        location_id = match[0].id
    return start_bin_count(session, code, location_id)


def _difference_text(line: CountLine) -> str:
    return f"{line.difference:+d}" if line.difference else "0"


class CountStation(QWidget):
    """Counting one bin at a time; nothing is written until Post count (or a CMD-DONE scan)."""

    def __init__(self, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.confirm: Confirm = lambda title, text: confirm(self, title, text)
        self.sheet: BinCountSheet | None = None
        self.history: list[BinCountSheet] = []
        self.queue = ScanQueue(self._route)

        self.heading_label = heading_label()
        self.location_combo = QComboBox()
        self.location_combo.setToolTip("Where typed bin codes are looked up (labels say it).")
        heading = QHBoxLayout()
        heading.addWidget(self.heading_label, 1)
        heading.addWidget(QLabel("Typed bins at:"))
        heading.addWidget(self.location_combo)

        self.scan_edit = ScanLineEdit(
            keep_focus=True, placeholder="Scan a bin label, then each item — or type + Enter"
        )
        self.scan_edit.setMinimumHeight(44)
        self.quantity_spin = QSpinBox()
        self.quantity_spin.setRange(1, 100_000)
        self.quantity_spin.setPrefix("units per scan: ")
        scan_row = QHBoxLayout()
        scan_row.addWidget(self.scan_edit, 1)
        scan_row.addWidget(self.quantity_spin)
        self.message_label = QLabel(IDLE_TEXT, objectName="stationMessage")
        self.message_label.setWordWrap(True)
        self.message_label.setMinimumHeight(48)

        self.model = ListTableModel(
            [
                Column("sku", "SKU", self._sku_text),
                Column("name", "Product", lambda x: x.name),
                Column("expected", "Expected", lambda x: x.expected, align_right=True),
                Column(
                    "counted",
                    "Counted",
                    lambda x: x.counted,
                    align_right=True,
                    tooltip=lambda x: "" if x.scanned else "Not counted yet: counts as 0",
                ),
                Column("difference", "Difference", _difference_text, align_right=True),
            ],
            cell_background=self._cell_background,
            row_foreground=lambda x: None if x.scanned else MUTED_FOREGROUND,
            row_bold=lambda x: (
                self.sheet is not None and x.product_id == self.sheet.last_product_id
            ),
            editable=lambda _x, key: key == "counted",
            edit_value=lambda x, _key: x.counted,
            commit=self._commit_count,
            parent=self,
        )
        self.table = make_table(self.model, station=True)
        set_column_widths(self.table, [170, -1, 120, 120, 140])

        self.undo_button = QPushButton("Undo last scan")
        self.discard_button = QPushButton("Discard count")
        self.post_button = QPushButton("Post count…")
        self.summary_label = QLabel(objectName="stationTarget")
        bottom = QHBoxLayout()
        bottom.addWidget(self.undo_button)
        bottom.addWidget(self.discard_button)
        bottom.addStretch(1)
        bottom.addWidget(self.summary_label)
        bottom.addWidget(self.post_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addLayout(heading)
        layout.addLayout(scan_row)
        layout.addWidget(self.message_label)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)

        self.scan_edit.scanned.connect(self._on_scan_edit_scanned)
        # After typing a quantity, Enter hands the keyboard back to the scanner.
        self.quantity_spin.editingFinished.connect(self._on_quantity_spin_editing_finished)
        self.undo_button.clicked.connect(self._on_undo_button_clicked)
        self.discard_button.clicked.connect(self._on_discard_button_clicked)
        self.post_button.clicked.connect(self._on_post_button_clicked)
        self._show()

    # -- loading and display -----------------------------------------------------------------

    def refresh(self) -> None:
        """Reload the locations; a count in progress is kept (Post checks it is still valid)."""
        QueryOp(self, list_locations, self._on_locations_loaded).run(self.ops)

    def _on_locations_loaded(self, locations: list[LocationInfo]) -> None:
        chosen = self.location_combo.currentData()
        self.location_combo.clear()
        self.location_combo.addItem("any location", None)
        for location in locations:
            self.location_combo.addItem(location.code, location.id)
        index = self.location_combo.findData(chosen)
        self.location_combo.setCurrentIndex(max(index, 0) if chosen is not None else 0)
        if len(locations) == 1:
            self.location_combo.setCurrentIndex(1)

    def _set_sheet(self, sheet: BinCountSheet | None, *, keep_history: bool = False) -> None:
        if not keep_history:
            self.history = []
        self.sheet = sheet
        self._show()

    def _show(self) -> None:
        sheet = self.sheet
        self.model.set_rows(sheet.lines if sheet else ())
        if sheet is None:
            self.heading_label.setText("Stock count — no bin open")
            self.summary_label.setText("")
        else:
            self.heading_label.setText(
                f"Counting {sheet.location_code}/{sheet.bin_code} · started "
                f"{local_time(sheet.started_at)}"
            )
            differ = len(count_differences(sheet))
            self.summary_label.setText(
                f"expected {sheet.expected_units} · counted {sheet.counted_units} · "
                f"{differ} difference(s)"
            )
            for row, line in enumerate(sheet.lines):
                if line.product_id == sheet.last_product_id:
                    self.table.scrollTo(self.model.index(row, 0))
        self.undo_button.setEnabled(bool(self.history))
        self.discard_button.setEnabled(sheet is not None)
        self.post_button.setEnabled(sheet is not None)

    def _sku_text(self, line: CountLine) -> str:
        last = self.sheet is not None and line.product_id == self.sheet.last_product_id
        return f"▶ {line.sku}" if last else line.sku

    def _cell_background(self, line: CountLine, key: str):
        if key == "difference" or key == "counted":
            if line.difference < 0:
                return ERROR_BACKGROUND
            if line.difference > 0:
                return WARN_BACKGROUND
            if line.scanned:
                return OK_BACKGROUND
        if self.sheet is not None and line.product_id == self.sheet.last_product_id:
            return HIGHLIGHT_BACKGROUND
        return None

    def _has_counts(self) -> bool:
        return self.sheet is not None and any(x.scanned for x in self.sheet.lines)

    # -- scans -------------------------------------------------------------------------------

    @Slot(str)
    def _on_scan_edit_scanned(self, code: str) -> None:
        self.scan(code)

    @Slot()
    def _on_quantity_spin_editing_finished(self) -> None:
        if self.isVisible():
            self.scan_edit.setFocus()

    def scan(self, code: str) -> None:
        """Queue one scan: bin label, command, or an item of the bin being counted. Scans (and
        the buttons, which send the same commands) run one after another: each builds on the
        sheet the previous one made."""
        self.queue.push(code)

    def _route(self, code: object, done: Callable[[], None]) -> None:
        scan = classify_scan(str(code))
        if scan is None:
            done()
        elif scan.kind == ScanKind.BIN:
            self.start(scan.value, done, location_code=scan.location_code)
        elif scan.kind == ScanKind.COMMAND and scan.value == Command.DONE:
            self.post(done)
        elif scan.kind == ScanKind.COMMAND:
            if scan.value == Command.UNDO:
                self.undo_scan()
            elif scan.value == Command.CANCEL:
                self.discard()
            else:
                self._refuse(f"{scan.value} does nothing at the count station.")
            done()
        elif scan.kind != ScanKind.PRODUCT:
            self._refuse(f"{scan.value} is a document, not a bin or an item.")
            done()
        elif self.sheet is None:
            self.start(scan.value, done, location_id=self.location_combo.currentData())
        else:
            self._count(scan.value, done)

    def start(
        self,
        code: str,
        done: Callable[[], None] = nothing,
        *,
        location_code: str | None = None,
        location_id: int | None = None,
    ) -> None:
        """Open the count sheet of a bin (after confirming to drop a count in progress)."""
        if self._has_counts() and not self.confirm(
            "Discard count", f"Discard the count of {self.sheet.bin_code} and count {code}?"
        ):
            done()
            return
        QueryOp(
            self,
            lambda s: _start(s, code, location_code, location_id),
            then_done(self._on_started, done),
            then_done(self._failed, done),
        ).run(self.ops)

    def _on_started(self, sheet: BinCountSheet) -> None:
        self._set_sheet(sheet)
        self.scan_edit.flash_ok()
        expected = f"{len(sheet.lines)} product(s) expected" if sheet.lines else "expected empty"
        show_toned(
            self.message_label,
            f"Counting {sheet.location_code}/{sheet.bin_code} ({expected}): scan every item.",
            "ok",
        )

    def _count(self, code: str, done: Callable[[], None]) -> None:
        sheet, quantity = self.sheet, self.quantity_spin.value()
        assert sheet is not None
        QueryOp(
            self,
            lambda s: count_scan(sheet, s, code, quantity=quantity),
            then_done(lambda new: self._on_counted(sheet, new), done),
            then_done(self._failed, done),
        ).run(self.ops)

    def _on_counted(self, before: BinCountSheet, sheet: BinCountSheet) -> None:
        if self.sheet is before:  # else the count was discarded or posted meanwhile
            self.history.append(before)
            self._set_sheet(sheet, keep_history=True)
            self.quantity_spin.setValue(1)
            line = sheet.line(sheet.last_product_id)
            self.scan_edit.flash_ok()
            if line is not None:
                extra = "" if line.expected else " — not expected in this bin"
                show_toned(
                    self.message_label,
                    f"{line.sku}: counted {line.counted} (expected {line.expected}){extra}",
                    "warning" if extra else "ok",
                )

    # -- editing, undo, discard --------------------------------------------------------------

    def _commit_count(self, row: int, _key: str, value: Any) -> bool:
        if self.sheet is None:
            return False
        line = self.model.row_at(row)
        try:
            sheet = set_counted(self.sheet, line.product_id, int(value))
        except (TypeError, ValueError, DomainError) as exc:
            self._refuse(str(exc))
            return False
        self.history.append(self.sheet)
        self._set_sheet(sheet, keep_history=True)
        show_toned(self.message_label, f"{line.sku}: count set to {int(value)}.", "ok")
        return True

    def undo_scan(self) -> None:
        if not self.history:
            self._refuse("Nothing to undo.")
            return
        self._set_sheet(self.history.pop(), keep_history=True)
        show_toned(self.message_label, "Undid the last scan.", "ok")

    def discard(self) -> None:
        if self.sheet is None:
            return
        if self._has_counts() and not self.confirm(
            "Discard count", f"Discard the count of {self.sheet.bin_code}?"
        ):
            return
        self._set_sheet(None)
        show_toned(self.message_label, IDLE_TEXT)

    @Slot()
    def _on_undo_button_clicked(self) -> None:
        self.scan(command_barcode(Command.UNDO))  # in turn, after any scan still running

    @Slot()
    def _on_discard_button_clicked(self) -> None:
        self.scan(command_barcode(Command.CANCEL))

    # -- post --------------------------------------------------------------------------------

    def post(self, done: Callable[[], None] = nothing) -> None:
        """Book the differences after the person confirms them."""
        sheet = self.sheet
        if sheet is None:
            self._refuse("Scan a bin label first.")
            done()
            return
        differences = count_differences(sheet)
        if differences:
            shown = "\n".join(
                f"{d.sku}: expected {d.expected}, counted {d.counted} ({d.difference:+d})"
                for d in differences[:15]
            )
            more = f"\n… and {len(differences) - 15} more" if len(differences) > 15 else ""
            text = f"Correct the stock of {sheet.location_code}/{sheet.bin_code}?\n\n{shown}{more}"
            if not self.confirm("Post count", text):
                done()
                return
        actor = default_actor()
        MutationOp(  # later scans wait in the queue: they belong to the next bin
            self,
            lambda s: post_count(s, sheet, actor=actor),
            then_done(self._on_posted, done),
            lambda exc: self._on_post_failed(sheet, exc, done),
        ).run(self.ops)

    def _on_posted(self, result: CountResult) -> None:
        self._set_sheet(None)
        self.scan_edit.flash_ok()
        show_toned(self.message_label, f"{result.message}. Scan the next bin.", "ok")

    def _on_post_failed(
        self, sheet: BinCountSheet, exc: BaseException, done: Callable[[], None]
    ) -> None:
        try:
            self._failed(exc)
            restart = isinstance(exc, Conflict) and self.confirm(
                "Stock changed", f"{exc}.\n\nStart the count of {sheet.bin_code} again?"
            )
        except BaseException:
            done()
            raise
        if not restart:
            done()
            return
        bin_id = sheet.bin_id
        QueryOp(
            self,
            lambda s: start_bin_count(s, bin_id),
            then_done(self._on_started, done),
            then_done(self._failed, done),
        ).run(self.ops)

    @Slot()
    def _on_post_button_clicked(self) -> None:
        self.scan(command_barcode(Command.DONE))

    def _refuse(self, text: str) -> None:
        self.scan_edit.flash_error()
        show_toned(self.message_label, text, "error")

    def _failed(self, exc: BaseException) -> None:
        self._refuse(user_message(exc, self.ops.log_path))
        if not isinstance(exc, DomainError):
            show_error(self, exc, self.ops.log_path)
