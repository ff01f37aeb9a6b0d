"""PickListPane: one pick list in walk order, picked by scanning a bin label and then its items."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Signal, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.audit import default_actor
from app.errors import DomainError, NotFound
from app.inventory.dto import BinInfo
from app.inventory.locations import find_bin
from app.picking.dto import PickLineView, PickListSaved, PickListView, PickResult
from app.picking.services import (
    cancel_pick_list,
    complete_pick_list,
    find_pick_list,
    get_pick_list,
    record_pick,
    record_short,
    take_back_pick,
)
from app.scanning import Command, Scan, ScanKind, classify_scan, command_barcode
from ui.errors import user_message
from ui.ops import MutationOp, Ops, QueryOp
from ui.packing.feedback import DONE, ERROR, OK, WARNING, SoundPlayer
from ui.packing.widgets import (
    ACTIVE,
    IDLE,
    STATION_STYLE,
    StationScanField,
    StatusBanner,
    station_button,
)
from ui.picking import prompts
from ui.shipping.formatting import status_text
from ui.shipping.printing import PICK_LIST, DocumentPrinter, PrintJob
from ui.widgets.list_table import ListTableModel
from ui.widgets.paged_table import Column
from ui.widgets.scan_queue import ScanQueue, then_done

log = logging.getLogger(__name__)

ACTIVE_STATUSES = ("open", "in_progress")
DONE_BACKGROUND = QColor("#d7f5dd")
SHORT_BACKGROUND = QColor("#fff1cc")
BIN_BACKGROUND = QColor("#dbeafe")

LINE_COLUMNS = [
    Column("bin", "Bin", lambda li: li.bin_code or "—"),
    Column("sku", "SKU", lambda li: li.sku),
    Column("name", "Product", lambda li: li.name),
    Column("quantity", "Qty", lambda li: li.quantity, align_right=True),
    Column("picked", "Picked", lambda li: li.picked, align_right=True),
    Column("short", "Short", lambda li: li.short or "", align_right=True),
    Column("slot", "Slot / tote", lambda li: li.slot, align_right=True),
    Column("order", "Order", lambda li: li.order_number),
]


def _open_pick_list(session: Any, number: str) -> PickListView:
    pick_list_id = find_pick_list(session, number)
    if pick_list_id is None:
        raise NotFound(f"pick list {number} does not exist")
    return get_pick_list(session, pick_list_id)


class PickListPane(QWidget):
    """Scanning a bin label (BIN/<location>/<bin>) makes it the current bin; each item scan then
    records one pick from that bin and says which slot (tote) it goes into. Scans run in order."""

    opened = Signal(int)  # pick list id

    def __init__(
        self, ops: Ops, parent: QWidget | None = None, *, sounds: SoundPlayer | None = None
    ) -> None:
        super().__init__(parent)
        self.ops = ops
        self.actor = default_actor()
        self.pick_list: PickListView | None = None
        self.current_bin: BinInfo | None = None
        self.picked_lines: list[int] = []  # lines picked on this bench, newest last (for UNDO)
        self.sounds = sounds or SoundPlayer(self)
        self.printer = DocumentPrinter(ops, self)
        self.printer.finished.connect(self._on_printer_finished)
        self.queue = ScanQueue(self._run)
        self.setStyleSheet(STATION_STYLE)

        self.title_label = QLabel("No pick list open", objectName="orderNumber")
        self.title_label.setStyleSheet("font-size: 26px;")
        self.bin_chip = QLabel(objectName="chip")
        self.bin_chip.hide()
        self.remaining_label = QLabel(objectName="fieldCaption")
        self.print_status = QLabel(objectName="hint")
        self.print_status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.scan_field = StationScanField(placeholder="Scan a bin label, then its items")
        self.scan_field.scanned.connect(self._on_scan_field_scanned)
        self.banner = StatusBanner()
        self.banner.floor_height = 70
        self.banner.setStyleSheet("font-size: 24px;")
        self.lines_model = ListTableModel(LINE_COLUMNS, row_background=self._line_background)
        self.lines_view = QTableView(objectName="pickLines")
        self.lines_view.setModel(self.lines_model)
        self.lines_view.setStyleSheet("QTableView#pickLines { font-size: 17px; }")
        self.lines_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.lines_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.lines_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.lines_view.verticalHeader().setVisible(False)
        self.lines_view.verticalHeader().setDefaultSectionSize(36)
        self.lines_view.setWordWrap(False)
        header = self.lines_view.horizontalHeader()
        for column, width in enumerate((90, 120, 0, 60, 75, 65, 100, 115)):
            if width:
                header.resizeSection(column, width)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.short_button = station_button("Short…", "The bin does not hold enough of this line")
        self.complete_button = station_button("Complete list", "Close the list (CMD-DONE)")
        self.cancel_button = station_button("Cancel list…", "Abandon the list; orders go back")
        self.print_button = station_button("Print pick list", "Print the list (CMD-PRINT)")
        self.undo_button = station_button("Undo pick", "Take back the last unit picked (CMD-UNDO)")
        self.undo_button.clicked.connect(self._on_undo_button_clicked)
        self.short_button.clicked.connect(self._on_short_button_clicked)
        self.complete_button.clicked.connect(self._on_complete_button_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        self.print_button.clicked.connect(self._on_print_button_clicked)

        heading = QHBoxLayout()
        heading.addWidget(self.title_label)
        heading.addWidget(self.bin_chip)
        heading.addStretch(1)
        buttons = QHBoxLayout()
        for button in (self.undo_button, self.short_button, self.print_button):
            buttons.addWidget(button)
        buttons.addWidget(self.print_status, 1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.complete_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addLayout(heading)
        layout.addWidget(self.remaining_label)
        layout.addWidget(self.scan_field)
        layout.addWidget(self.banner)
        layout.addWidget(self.lines_view, 1)
        layout.addLayout(buttons)
        self.banner.show_message("Scan a pick list (PL-…) or choose one on the left", IDLE)
        self._update_controls()

    # -- loading -----------------------------------------------------------------------------

    def open(self, pick_list_id: int) -> None:
        """Show the list (keeps the current bin when it is the list already shown)."""
        QueryOp(
            self,
            lambda session: get_pick_list(session, pick_list_id),
            self._on_loaded,
        ).run(self.ops)

    def reload(self) -> None:
        if self.pick_list is not None:
            self.open(self.pick_list.id)

    def _on_loaded(self, pick_list: PickListView) -> None:
        if self.pick_list is None or self.pick_list.id != pick_list.id:
            self.current_bin = None
            self.picked_lines = []
            self.banner.show_message(
                f"{pick_list.number}: scan the first bin label ({self._first_bin(pick_list)})",
                ACTIVE,
            )
            self.opened.emit(pick_list.id)
        self.pick_list = pick_list
        self.lines_model.set_rows(pick_list.lines)
        self._update_controls()

    @staticmethod
    def _first_bin(pick_list: PickListView) -> str:
        return next((li.bin_code or "?" for li in pick_list.lines if li.remaining), "all picked")

    # -- scans -------------------------------------------------------------------------------

    def submit(self, code: str) -> None:
        self.queue.push(code)

    @Slot(str)
    def _on_scan_field_scanned(self, code: str) -> None:
        self.submit(code)

    def _run(self, item: object, done: Callable[[], None]) -> None:
        if isinstance(item, _Job):
            self._mutate(item.op, item.success, done)
            return
        code = str(item)
        scan = classify_scan(code)
        if scan is None:
            done()
            return
        if scan.kind == ScanKind.PICK_LIST:
            self._query(lambda s: _open_pick_list(s, scan.value), self._on_loaded, done)
            return
        if self.pick_list is None:
            self._finish_refused("scan a pick list (PL-…) first", done)
            return
        if scan.kind == ScanKind.BIN:
            self._scan_bin(scan, done)
        elif scan.kind == ScanKind.PRODUCT:
            pick_list_id, actor = self.pick_list.id, self.actor
            bin_id = self.current_bin.id if self.current_bin else None
            self._mutate(
                lambda s: record_pick(s, pick_list_id, code, actor=actor, bin_id=bin_id),
                self._on_picked,
                done,
            )
        elif scan.kind == ScanKind.COMMAND and scan.value == Command.DONE:
            self._complete(done)
        elif scan.kind == ScanKind.COMMAND and scan.value == Command.PRINT:
            self._print()
            done()
        elif scan.kind == ScanKind.COMMAND and scan.value == Command.UNDO:
            self._take_back(done)
        elif scan.kind == ScanKind.COMMAND and scan.value == Command.CANCEL:
            self.current_bin = None
            self.banner.show_message("No current bin: scan a bin label", IDLE)
            self._update_controls()
            done()
        elif scan.kind == ScanKind.COMMAND:
            self._finish_refused(f"{scan.value} is not used when picking", done)
        else:
            kind = scan.kind.replace("_", " ")
            self._finish_refused(f"{kind} codes are not used when picking", done)

    def _scan_bin(self, scan: Scan, done: Callable[[], None]) -> None:
        assert self.pick_list is not None
        here = self.pick_list.location_code
        if here and scan.location_code != here:
            self._finish_refused(
                f"bin {scan.value} is at {scan.location_code}; this list picks at {here}", done
            )
            return
        location_id = self.pick_list.location_id
        self._query(lambda s: find_bin(s, scan.value, location_id), self._on_bin_found, done)

    def _on_bin_found(self, found: BinInfo | None) -> None:
        if found is None:
            self._refused("no such bin at this location")
            return
        self.current_bin = found
        assert self.pick_list is not None
        lines = [li for li in self.lines_model.rows() if li.bin_id == found.id and li.remaining]
        if lines:
            wanted = ", ".join(f"{li.sku} ×{li.remaining}" for li in lines)
            self.banner.show_message(f"Bin {found.code}: pick {wanted}", ACTIVE)
            self.sounds.play(OK)
            self.scan_field.flash(OK)
        else:
            self.banner.show_message(f"Nothing left to pick in bin {found.code}", WARNING)
            self.sounds.play(WARNING)
        self.lines_view.viewport().update()
        self._update_controls()

    def _on_picked(self, result: PickResult) -> None:
        line = result.line
        self.picked_lines.append(line.id)
        if self.pick_list is not None and self.pick_list.status == "open":
            self.pick_list = replace(self.pick_list, status="in_progress")  # as the service did
        row = self.lines_model.replace_row(line)
        if row is not None:
            self.lines_view.scrollTo(self.lines_model.index(row, 0))
        if result.list_remaining == 0:
            self.banner.show_message(
                f"{line.sku} → slot {line.slot}. All picked — scan DONE to complete the list", OK
            )
            self.sounds.play(DONE)
        else:
            self.banner.show_message(
                f"{line.sku} → SLOT {line.slot}   ({line.picked}/{line.quantity}, "
                f"{result.list_remaining} left on the list)",
                ACTIVE,
            )
            self.sounds.play(OK)
        self.scan_field.flash(OK)
        self._update_controls(result.list_remaining)

    # -- commands ----------------------------------------------------------------------------

    def _take_back(self, done: Callable[[], None]) -> None:
        assert self.pick_list is not None
        if not self.picked_lines:
            self._finish_refused("nothing picked here to take back", done)
            return
        pick_list_id, line_id, actor = self.pick_list.id, self.picked_lines[-1], self.actor
        self._mutate(
            lambda s: take_back_pick(s, pick_list_id, line_id, actor=actor),
            self._on_taken_back,
            done,
        )

    def _on_taken_back(self, result: PickResult) -> None:
        self.picked_lines.pop()
        row = self.lines_model.replace_row(result.line)
        if row is not None:
            self.lines_view.scrollTo(self.lines_model.index(row, 0))
        self.banner.show_message(f"{result.message} — put it back", WARNING)
        self.sounds.play(WARNING)
        self._update_controls(result.list_remaining)

    @Slot()
    def _on_undo_button_clicked(self) -> None:
        self.submit(command_barcode(Command.UNDO))

    def _complete(self, done: Callable[[], None]) -> None:
        assert self.pick_list is not None
        pick_list_id, actor = self.pick_list.id, self.actor
        self._mutate(
            lambda s: complete_pick_list(s, pick_list_id, actor=actor), self._on_closed, done
        )

    def _on_closed(self, saved: PickListSaved) -> None:
        warning = "not picked" in saved.message
        self.banner.show_message(saved.message, WARNING if warning else OK)
        self.sounds.play(WARNING if warning else DONE)
        self.current_bin = None
        self.reload()

    @Slot()
    def _on_complete_button_clicked(self) -> None:
        if self.pick_list is None:
            return
        remaining = sum(li.remaining for li in self.lines_model.rows())
        if remaining and not prompts.confirm(
            self,
            "Complete pick list",
            f"{remaining} unit(s) are neither picked nor marked short. Complete anyway?",
        ):
            return
        self.submit("CMD-DONE")

    @Slot()
    def _on_cancel_button_clicked(self) -> None:
        if self.pick_list is None:
            return
        number = self.pick_list.number
        if not prompts.confirm(
            self,
            "Cancel pick list",
            f"Cancel {number}? Its orders go back to open and picked counts are undone "
            "(put the picked goods back on the shelf).",
        ):
            return
        pick_list_id, actor = self.pick_list.id, self.actor
        self.queue.push(
            _Job(lambda s: cancel_pick_list(s, pick_list_id, actor=actor), self._on_closed)
        )

    @Slot()
    def _on_short_button_clicked(self) -> None:
        line = self._selected_line()
        if self.pick_list is None or line is None:
            self._refused("select the line the bin is short of")
            return
        quantity = prompts.ask_short_quantity(self, line)
        self.scan_field.setFocus()
        if quantity is None:
            return
        pick_list_id, actor = self.pick_list.id, self.actor
        self.queue.push(
            _Job(
                lambda s: record_short(s, pick_list_id, line.id, quantity, actor=actor),
                self._on_shorted,
            )
        )

    def _on_shorted(self, result: PickResult) -> None:
        self.lines_model.replace_row(result.line)
        self.banner.show_message(f"{result.message}; order held", WARNING)
        self.sounds.play(WARNING)
        self._update_controls(result.list_remaining)

    @Slot()
    def _on_print_button_clicked(self) -> None:
        self._print()

    def _print(self) -> None:
        if self.pick_list is not None:
            self.print_status.setText("Printing the pick list…")
            self.printer.print_document(PrintJob(PICK_LIST, pick_list_id=self.pick_list.id))

    @Slot(bool, str)
    def _on_printer_finished(self, printed: bool, message: str) -> None:
        self.print_status.setText(message)
        self.print_status.setToolTip(message)
        if not printed:
            self.sounds.play(WARNING)

    # -- plumbing ----------------------------------------------------------------------------

    def _query(self, op: Callable[[Any], Any], success: Callable[[Any], None], done) -> None:
        QueryOp(self, op, then_done(success, done), then_done(self._failed, done)).run(self.ops)

    def _mutate(self, op: Callable[[Any], Any], success: Callable[[Any], None], done) -> None:
        MutationOp(self, op, then_done(success, done), then_done(self._failed, done)).run(self.ops)

    def _failed(self, exc: BaseException) -> None:
        if not isinstance(exc, DomainError):
            log.error("pick scan failed", exc_info=(type(exc), exc, exc.__traceback__))
        self._refused(user_message(exc, self.ops.log_path))

    def _refused(self, message: str) -> None:
        self.banner.show_message(message, ERROR)
        self.scan_field.flash(ERROR)
        self.sounds.play(ERROR)

    def _finish_refused(self, message: str, done: Callable[[], None]) -> None:
        self._refused(message)
        done()

    def _selected_line(self) -> PickLineView | None:
        rows = self.lines_view.selectionModel().selectedRows()
        return self.lines_model.row_at(rows[0].row()) if rows else None

    def _line_background(self, line: PickLineView) -> QColor | None:
        if line.short:
            return SHORT_BACKGROUND
        if not line.remaining:
            return DONE_BACKGROUND
        if self.current_bin is not None and line.bin_id == self.current_bin.id:
            return BIN_BACKGROUND
        return None

    def _update_controls(self, remaining: int | None = None) -> None:
        pick_list = self.pick_list
        active = pick_list is not None and pick_list.status in ACTIVE_STATUSES
        for button in (self.short_button, self.complete_button, self.cancel_button):
            button.setEnabled(active)
        self.print_button.setEnabled(pick_list is not None)
        self.undo_button.setEnabled(active and bool(self.picked_lines))
        if pick_list is None:
            self.title_label.setText("No pick list open")
            self.remaining_label.setText("")
        else:
            if remaining is None:
                remaining = sum(li.remaining for li in self.lines_model.rows())
            self.title_label.setText(f"{pick_list.number} · {status_text(pick_list.status)}")
            where = f" at {pick_list.location_code}" if pick_list.location_code else ""
            self.remaining_label.setText(
                f"{len(pick_list.orders)} order(s){where} · {remaining} unit(s) to pick"
            )
        self.bin_chip.setText(f"Bin {self.current_bin.code}" if self.current_bin else "")
        self.bin_chip.setVisible(self.current_bin is not None)


class _Job:
    """A button's mutation queued behind the scans: op(session), then success(result)."""

    def __init__(self, op: Callable[[Any], Any], success: Callable[[Any], None]) -> None:
        self.op = op
        self.success = success
