"""Receiving station: open a PO by scan, receive items by scan, bin labels, undo, receive rest."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.audit import default_actor
from app.errors import DomainError, NotFound
from app.inventory.dto import BinInfo
from app.inventory.locations import find_bin
from app.purchasing.dto import (
    PurchaseOrderDetail,
    PurchaseOrderLineInfo,
    PurchaseOrderSummary,
    ReceiptRow,
    ReceiveScanResult,
)
from app.purchasing.orders import find_purchase_order, get_purchase_order, list_purchase_orders
from app.purchasing.receiving import (
    OverReceipt,
    ReceivingScanner,
    list_receipts,
    receive_lines,
    undo_receipt,
)
from app.scanning import Command, Scan, ScanKind, classify_scan, command_barcode
from ui.errors import show_error, user_message
from ui.formatting import local_time
from ui.ops import MutationOp, Ops, QueryOp
from ui.purchasing.common import (
    HIGHLIGHT_BACKGROUND,
    MUTED_FOREGROUND,
    Confirm,
    heading_label,
    make_table,
    set_column_widths,
    show_toned,
    status_text,
)
from ui.purchasing.orders_tab import line_background
from ui.widgets.list_table import ListTableModel
from ui.widgets.paged_table import Column
from ui.widgets.questions import confirm
from ui.widgets.scan_line_edit import ScanLineEdit
from ui.widgets.scan_queue import ScanQueue, nothing, then_done

RECEIVABLE = ("ordered", "partially_received")
IDLE_TEXT = "Scan a purchase order number (PO-…) or pick one to start receiving."
OTHER_DOCUMENTS = {
    ScanKind.ORDER: "a sales order",
    ScanKind.PICK_LIST: "a pick list",
    ScanKind.SHIPMENT: "a shipment",
    ScanKind.RMA: "a return authorization",
}


def _load_po(session: Any, po_id: int) -> tuple[PurchaseOrderDetail, list[ReceiptRow]]:
    return get_purchase_order(session, po_id), list_receipts(session, po_id)


def _open_po(session: Any, number: str) -> tuple[PurchaseOrderDetail, list[ReceiptRow]]:
    detail = find_purchase_order(session, number)
    if detail is None:
        raise NotFound(f"no purchase order {number.strip().upper()}")
    return detail, list_receipts(session, detail.id)


class ReceivingStation(QWidget):
    """Everything works by scanning: PO label, items (one unit per scan unless the quantity box
    says more), bin labels (BIN/LOC/CODE) to choose where the next items go, CMD-UNDO, CMD-DONE."""

    def __init__(self, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.confirm: Confirm = lambda title, text: confirm(self, title, text)
        self.scanner: ReceivingScanner | None = None
        self.queue = ScanQueue(self._run)
        self.detail: PurchaseOrderDetail | None = None
        self.receipts: list[ReceiptRow] = []
        self.target_bin: BinInfo | None = None
        self.last_line_id: int | None = None

        self.heading_label = heading_label()
        self.open_combo = QComboBox()
        self.open_combo.setMinimumWidth(240)
        self.open_combo.setPlaceholderText("Open a purchase order…")
        self.close_button = QPushButton("Close PO")
        heading = QHBoxLayout()
        heading.addWidget(self.heading_label, 1)
        heading.addWidget(self.open_combo)
        heading.addWidget(self.close_button)

        self.scan_edit = ScanLineEdit(
            keep_focus=True, placeholder="Scan a PO, an item or a bin label — or type it + Enter"
        )
        self.scan_edit.setMinimumHeight(44)
        self.quantity_spin = QSpinBox()
        self.quantity_spin.setRange(1, 100_000)
        self.quantity_spin.setPrefix("units per scan: ")
        self.quantity_spin.setToolTip("A case of 12? Set 12, then scan once. Resets to 1.")
        scan_row = QHBoxLayout()
        scan_row.addWidget(self.scan_edit, 1)
        scan_row.addWidget(self.quantity_spin)

        self.message_label = QLabel(IDLE_TEXT, objectName="stationMessage")
        self.message_label.setWordWrap(True)
        self.message_label.setMinimumHeight(48)
        self.target_label = QLabel(objectName="stationTarget")
        self.default_bin_button = QPushButton("Use default bins")
        target_row = QHBoxLayout()
        target_row.addWidget(self.target_label, 1)
        target_row.addWidget(self.default_bin_button)

        self.lines_model = ListTableModel(
            [
                Column("sku", "SKU", self._sku_text),
                Column("name", "Product", lambda x: x.name),
                Column("ordered", "Ordered", lambda x: x.ordered, align_right=True),
                Column("received", "Received", lambda x: x.received, align_right=True),
                Column("outstanding", "To come", lambda x: x.outstanding, align_right=True),
            ],
            row_background=self._line_background,
            row_bold=lambda line: line.id == self.last_line_id,
            parent=self,
        )
        self.lines_view = make_table(self.lines_model, station=True)
        self.lines_view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        # Colours say complete / over-received; a selection would paint over them.
        self.lines_view.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        set_column_widths(self.lines_view, [150, -1, 95, 95, 95])
        self.receipts_model = ListTableModel(
            [
                Column("at", "When", lambda r: local_time(r.at, short=True)),
                Column("sku", "SKU", lambda r: r.sku),
                Column("quantity", "Qty", lambda r: r.quantity, align_right=True),
                Column("bin", "Bin", lambda r: r.bin_code),
                Column("state", "", lambda r: "undone" if r.undone else ""),
            ],
            row_foreground=lambda r: MUTED_FOREGROUND if r.undone else None,
            parent=self,
        )
        self.receipts_view = make_table(self.receipts_model)
        self.receipts_view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        set_column_widths(self.receipts_view, [70, -1, 50, 70, 70])
        receipts_box = QWidget()
        receipts_layout = QVBoxLayout(receipts_box)
        receipts_layout.setContentsMargins(0, 0, 0, 0)
        receipts_layout.addWidget(QLabel("Receipts on this PO", objectName="sectionTitle"))
        receipts_layout.addWidget(self.receipts_view, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.lines_view)
        splitter.addWidget(receipts_box)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([720, 330])

        self.undo_button = QPushButton("Undo last receipt")
        self.receive_all_button = QPushButton("Receive all outstanding…")
        self.progress_label = QLabel(objectName="stationTarget")
        bottom = QHBoxLayout()
        bottom.addWidget(self.undo_button)
        bottom.addWidget(self.receive_all_button)
        bottom.addStretch(1)
        bottom.addWidget(self.progress_label)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addLayout(heading)
        layout.addLayout(scan_row)
        layout.addWidget(self.message_label)
        layout.addLayout(target_row)
        layout.addWidget(splitter, 1)
        layout.addLayout(bottom)

        self.scan_edit.scanned.connect(self._on_scan_edit_scanned)
        # After typing a quantity, Enter hands the keyboard back to the scanner.
        self.quantity_spin.editingFinished.connect(self._on_quantity_spin_editing_finished)
        self.open_combo.activated.connect(self._on_open_combo_activated)
        self.close_button.clicked.connect(self._on_close_button_clicked)
        self.default_bin_button.clicked.connect(self._on_default_bin_button_clicked)
        self.undo_button.clicked.connect(self._on_undo_button_clicked)
        self.receive_all_button.clicked.connect(self._on_receive_all_button_clicked)
        self._show(None, [])

    # -- loading -----------------------------------------------------------------------------

    def refresh(self) -> None:
        if self.queue.when_idle(self.refresh):  # once, after the burst of scans
            return
        QueryOp(
            self,
            lambda s: list_purchase_orders(s, status=RECEIVABLE, limit=200),
            self._on_receivable_loaded,
        ).run(self.ops)
        if self.detail is not None:
            po_id = self.detail.id
            QueryOp(self, lambda s: _load_po(s, po_id), self._on_po_reloaded).run(self.ops)

    def _on_receivable_loaded(self, orders: list[PurchaseOrderSummary]) -> None:
        self.open_combo.clear()
        for po in orders:
            self.open_combo.addItem(
                f"{po.number} · {po.supplier_name} · {po.outstanding} to come", po.number
            )
        self.open_combo.setCurrentIndex(-1)

    def _on_po_reloaded(self, loaded: tuple[PurchaseOrderDetail, list[ReceiptRow]]) -> None:
        if self.detail is not None and loaded[0].id == self.detail.id:
            self._show(*loaded)

    def _show(self, detail: PurchaseOrderDetail | None, receipts: list[ReceiptRow]) -> None:
        self.detail = detail
        self.receipts = receipts
        self.lines_model.set_rows(detail.lines if detail else ())
        self.receipts_model.set_rows(receipts)
        if detail is None:
            self.heading_label.setText("Receiving — no purchase order open")
            self.progress_label.setText("")
        else:
            self.heading_label.setText(
                f"{detail.number} · {detail.supplier_name} · {status_text(detail.status)}"
            )
            self.heading_label.setToolTip(self.heading_label.text())
            self.progress_label.setText(
                f"{detail.received} of {detail.ordered} units received · "
                f"{detail.outstanding} to come"
            )
        self._select_last_line()
        self._show_target()
        self.close_button.setEnabled(detail is not None)
        self.undo_button.setEnabled(any(not r.undone for r in receipts))
        self.receive_all_button.setEnabled(detail is not None and detail.outstanding > 0)

    def _show_target(self) -> None:
        if self.detail is None:
            self.target_label.setText("")
        elif self.target_bin is None:
            self.target_label.setText(
                f"Receiving at {self.detail.location_code} · items go to each product's default "
                "bin, else the receiving bin (scan a bin label to choose)"
            )
        else:
            self.target_label.setText(
                f"Receiving at {self.detail.location_code} · items go to bin {self.target_bin.code}"
            )
        self.default_bin_button.setVisible(self.target_bin is not None)

    def _select_last_line(self) -> None:
        for row, line in enumerate(self.lines_model.rows()):
            if line.id == self.last_line_id:
                self.lines_view.scrollTo(self.lines_model.index(row, 0))
                return

    def _sku_text(self, line: PurchaseOrderLineInfo) -> str:
        return f"▶ {line.sku}" if line.id == self.last_line_id else line.sku

    def _line_background(self, line: PurchaseOrderLineInfo):
        status = line_background(line)  # complete / over-received say more than "last"
        if status is None and line.id == self.last_line_id:
            return HIGHLIGHT_BACKGROUND
        return status

    # -- scans -------------------------------------------------------------------------------

    @Slot(str)
    def _on_scan_edit_scanned(self, code: str) -> None:
        self.scan(code)

    @Slot()
    def _on_quantity_spin_editing_finished(self) -> None:
        if self.isVisible():
            self.scan_edit.setFocus()

    def scan(self, code: str) -> None:
        """Queue one scan. Scans are handled strictly in order, each after the previous one
        finished, so an item scanned right after its PO label waits for the PO to open."""
        self.queue.push(code)

    def _run(self, code: object, done: Callable[[], None]) -> None:
        """Route one scan: PO number, bin label, command, or an item of the open PO."""
        scan = classify_scan(str(code))
        if scan is None:
            done()
        elif scan.kind == ScanKind.PURCHASE_ORDER:
            self.open_po(scan.value, done)
        elif scan.kind == ScanKind.BIN:
            self._set_bin(scan, done)
        elif scan.kind == ScanKind.COMMAND:
            self._command(scan.value, done)
        elif scan.kind in OTHER_DOCUMENTS:
            self._refuse(
                f"{scan.value} is {OTHER_DOCUMENTS[scan.kind]}; scan a purchase order or an item."
            )
            done()
        elif self.scanner is None:
            self.open_po(scan.value, done)  # a PO number typed without its prefix ("12")
        else:
            self._receive(scan.value, done)

    def open_po(self, number: str, done: Callable[[], None] = nothing) -> None:
        QueryOp(
            self,
            lambda s: _open_po(s, number),
            then_done(self._on_po_opened, done),
            then_done(self._failed, done),
        ).run(self.ops)

    def _on_po_opened(self, loaded: tuple[PurchaseOrderDetail, list[ReceiptRow]]) -> None:
        detail = loaded[0]
        if detail.status == "draft":
            self._refuse(f"{detail.number} is a draft: mark it ordered before receiving it.")
            return
        if detail.status == "cancelled":
            self._refuse(f"{detail.number} was cancelled; nothing can be received on it.")
            return
        self.scanner = ReceivingScanner(detail.id)
        self.target_bin = None
        self.last_line_id = None
        self._show(*loaded)
        self.scan_edit.flash_ok()
        if detail.status == "received":
            show_toned(
                self.message_label,
                f"{detail.number} is fully received; any more units are over-receipts.",
                "warning",
            )
        else:
            show_toned(
                self.message_label,
                f"Opened {detail.number} from {detail.supplier_name}: scan the items.",
                "ok",
            )

    def close_po(self) -> None:
        self.scanner = None
        self.target_bin = None
        self.last_line_id = None
        self._show(None, [])
        show_toned(self.message_label, IDLE_TEXT)

    def _set_bin(self, scan: Scan, done: Callable[[], None]) -> None:
        if self.detail is None or self.scanner is None:
            self._refuse("Open a purchase order first, then scan the bin the items go into.")
            done()
            return
        if scan.location_code != self.detail.location_code:
            self._refuse(
                f"Bin {scan.value} is at {scan.location_code}, but {self.detail.number} is "
                f"received at {self.detail.location_code}; scan a bin there."
            )
            done()
            return
        location_id, code = self.detail.location_id, scan.value
        QueryOp(
            self,
            lambda s: find_bin(s, code, location_id),
            then_done(self._on_bin_found, done),
            then_done(self._failed, done),
        ).run(self.ops)

    def _on_bin_found(self, info: BinInfo | None) -> None:
        if self.scanner is None or self.detail is None:
            return
        if info is None or not info.active:
            what = "is inactive" if info is not None else "does not exist"
            self._refuse(f"That bin {what} at {self.detail.location_code}.")
            return
        self.target_bin = info
        self.scanner.bin_id = info.id
        self.scanner.pending_over = None
        self._show_target()
        self.scan_edit.flash_ok()
        show_toned(self.message_label, f"Next items go into bin {info.code}.", "ok")

    def _command(self, name: str, done: Callable[[], None]) -> None:
        if name == Command.UNDO:
            self.undo_last(done)
            return
        if name in (Command.DONE, Command.CANCEL):
            self.close_po()
        else:
            self._refuse(f"{name} does nothing at the receiving station.")
        done()

    def _receive(self, code: str, done: Callable[[], None]) -> None:
        scanner = self.scanner
        assert scanner is not None
        quantity, actor = self.quantity_spin.value(), default_actor()
        MutationOp(
            self,
            lambda s: scanner.scan(s, code, actor=actor, quantity=quantity),
            then_done(self._on_received, done),
            then_done(self._on_receive_failed, done),
        ).run(self.ops)

    def _on_received(self, result: ReceiveScanResult) -> None:
        self.quantity_spin.setValue(1)
        self.last_line_id = result.line_id
        rows = self.lines_model.rows()
        for row, line in enumerate(rows):
            if line.id == result.line_id:
                self.lines_model.replace_at(
                    row, _with_received(line, result.received, result.ordered)
                )
        self._select_last_line()
        self.scan_edit.flash_ok()
        done = ""
        if result.po_complete:
            done = f" — {result.po_number} is complete."
        elif result.line_complete:
            done = " — line complete."
        show_toned(self.message_label, result.message + done, "ok")

    def _on_receive_failed(self, exc: BaseException) -> None:
        if isinstance(exc, OverReceipt):
            self.scan_edit.flash_warning()
            show_toned(self.message_label, f"{exc}.", "warning")
            return
        self._failed(exc)

    # -- undo, receive the rest --------------------------------------------------------------

    def undo_last(self, done: Callable[[], None] = nothing) -> None:
        """Reverse the newest receipt of the open PO that is not undone yet."""
        if self.detail is None:
            self._refuse("Open a purchase order first.")
            done()
            return
        po_id, number, actor = self.detail.id, self.detail.number, default_actor()

        def undo(session: Any):
            last = next((r for r in list_receipts(session, po_id) if not r.undone), None)
            if last is None:
                raise NotFound(f"nothing to undo: {number} has no receipts")
            return undo_receipt(session, po_id, last.move_id, actor=actor)

        MutationOp(self, undo, then_done(self._on_undone, done), then_done(self._failed, done)).run(
            self.ops
        )

    def _on_undone(self, result: Any) -> None:
        if self.scanner is not None:
            self.scanner.pending_over = None
        self.scan_edit.flash_ok()
        show_toned(self.message_label, result.message + ".", "ok")

    @Slot()
    def _on_undo_button_clicked(self) -> None:
        # Through the queue, like a scanned UNDO: a scan still being received comes first.
        self.scan(command_barcode(Command.UNDO))

    @Slot()
    def _on_receive_all_button_clicked(self) -> None:
        if self.detail is None or self.scanner is None:
            return
        wanted = {line.id: line.outstanding for line in self.detail.lines if line.outstanding}
        where = f"bin {self.target_bin.code}" if self.target_bin else "their default bins"
        text = (
            f"Receive all {sum(wanted.values())} outstanding unit(s) of {self.detail.number} "
            f"into {where}?"
        )
        if not wanted or not self.confirm("Receive all outstanding", text):
            return
        po_id, bin_id, actor = self.detail.id, self.scanner.bin_id, default_actor()
        MutationOp(
            self,
            lambda s: receive_lines(s, po_id, wanted, bin_id, actor=actor),
            lambda result: show_toned(self.message_label, result.message + ".", "ok"),
            self._failed,
        ).run(self.ops)

    # -- other controls ----------------------------------------------------------------------

    @Slot(int)
    def _on_open_combo_activated(self, index: int) -> None:
        number = self.open_combo.itemData(index)
        if number:
            self.open_po(number)
        self.scan_edit.setFocus()

    @Slot()
    def _on_close_button_clicked(self) -> None:
        # Queued like a scanned DONE: items scanned before the click are received first.
        self.scan(command_barcode(Command.DONE))

    @Slot()
    def _on_default_bin_button_clicked(self) -> None:
        self.target_bin = None
        if self.scanner is not None:
            self.scanner.bin_id = None
        self._show_target()
        show_toned(self.message_label, "Next items go to their default or receiving bins.", "ok")

    def _refuse(self, text: str) -> None:
        self.scan_edit.flash_error()
        show_toned(self.message_label, text, "error")

    def _failed(self, exc: BaseException) -> None:
        self._refuse(user_message(exc, self.ops.log_path))
        if not isinstance(exc, DomainError):
            show_error(self, exc, self.ops.log_path)


def _with_received(line: PurchaseOrderLineInfo, received: int, ordered: int):
    return replace(line, received=received, ordered=ordered)
