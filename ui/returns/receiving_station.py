"""Return receiving station: scan the RMA, then each item; condition, disposition and bin stick."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.audit import default_actor
from app.errors import DomainError
from app.inventory.dto import BinInfo
from app.returns.dto import ReceiveResult, ReturnView
from app.returns.services import receive_return_item, receive_return_line
from app.scanning import Command, Scan, ScanKind, classify_scan, command_barcode
from ui.errors import show_error
from ui.ops import MutationOp, Ops, QueryOp
from ui.returns.common import (
    HIGHLIGHT_BACKGROUND,
    OK_BACKGROUND,
    make_table,
    set_column_widths,
    show_toned,
)
from ui.returns.formatting import (
    CONDITION_LABELS,
    DISPOSITION_LABELS,
    QUARANTINE_KIND,
    RESTOCK,
    STATUS_LABELS,
    label,
    sentence,
)
from ui.returns.station_data import (
    Loaded,
    StationLine,
    load_rma,
    open_rma_for_order,
    open_rma_number,
    station_lines,
    waiting_rmas,
)
from ui.widgets.list_table import ListTableModel
from ui.widgets.paged_table import Column
from ui.widgets.scan_line_edit import ScanLineEdit
from ui.widgets.scan_queue import ScanQueue, nothing, then_done

IDLE_TEXT = "Scan the RMA barcode on the return slip (RMA-…) or pick a return to start."
# Alt+digit and function keys: a scan field always has focus, and plain digits are codes.
CONDITION_KEYS = {"new": "Alt+1", "opened": "Alt+2", "damaged": "Alt+3"}
DISPOSITION_KEYS = {"restock": "F6", "quarantine": "F7", "scrap": "F8", "return_to_vendor": "F9"}
OTHER_DOCUMENTS = {
    ScanKind.PICK_LIST: "a pick list",
    ScanKind.SHIPMENT: "a shipment",
    ScanKind.PURCHASE_ORDER: "a purchase order",
}


class ReturnReceivingStation(QWidget):
    """Everything works by scanning: the RMA label, each item (one unit per scan unless the
    quantity box says more), bin labels (BIN/LOC/CODE) to choose where units go, CMD-DONE."""

    rma_opened = Signal(int)

    def __init__(self, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.view: ReturnView | None = None
        self.bins: list[BinInfo] = []
        self.last_order_line_id: int | None = None
        self.queue = ScanQueue(self._run)

        self.heading_label = QLabel(objectName="stationHeading")
        # A long customer name must not set the window's minimum width; it is clipped instead.
        self.heading_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.open_combo = QComboBox()
        self.open_combo.setMinimumWidth(220)
        self.open_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.open_combo.setPlaceholderText("Open a return waiting for its items…")
        self.done_button = QPushButton("Done")
        heading = QHBoxLayout()
        heading.addWidget(self.heading_label, 1)
        heading.addWidget(self.open_combo)
        heading.addWidget(self.done_button)

        self.scan_edit = ScanLineEdit(
            keep_focus=True, placeholder="Scan the RMA, then each item — or a bin label"
        )
        self.scan_edit.setMinimumHeight(44)
        self.quantity_spin = QSpinBox()
        self.quantity_spin.setRange(1, 10_000)
        self.quantity_spin.setPrefix("units per scan: ")
        self.quantity_spin.setToolTip("Several identical units? Set the number, then scan once.")
        scan_row = QHBoxLayout()
        scan_row.addWidget(self.scan_edit, 1)
        scan_row.addWidget(self.quantity_spin)
        self.message_label = QLabel(IDLE_TEXT, objectName="stationMessage")
        self.message_label.setWordWrap(True)
        self.message_label.setMinimumHeight(48)

        self.condition_group, self.condition_buttons = self._toggles(
            CONDITION_LABELS, CONDITION_KEYS, "cond"
        )
        self.disposition_group, self.disposition_buttons = self._toggles(
            DISPOSITION_LABELS, DISPOSITION_KEYS, "disp"
        )
        self.condition_buttons["new"].setChecked(True)
        self.disposition_buttons[RESTOCK].setChecked(True)
        self.restock_combo = QComboBox()
        self.quarantine_combo = QComboBox()
        for combo in (self.restock_combo, self.quarantine_combo):
            combo.setMinimumWidth(180)
            combo.setToolTip("Choose here, or scan a bin label (BIN/…) into the scan field")
        choosers = QGridLayout()
        choosers.setHorizontalSpacing(8)
        choosers.addWidget(QLabel("Condition", objectName="chooserLabel"), 0, 0)
        for column, button in enumerate(self.condition_buttons.values(), start=1):
            choosers.addWidget(button, 0, column)
        choosers.addWidget(QLabel("Disposition", objectName="chooserLabel"), 1, 0)
        for column, button in enumerate(self.disposition_buttons.values(), start=1):
            choosers.addWidget(button, 1, column)
        choosers.setColumnStretch(6, 1)
        bins_row = QHBoxLayout()
        bins_row.addWidget(QLabel("Restock into", objectName="chooserLabel"))
        bins_row.addWidget(self.restock_combo)
        bins_row.addSpacing(16)
        bins_row.addWidget(QLabel("Quarantine into", objectName="chooserLabel"))
        bins_row.addWidget(self.quarantine_combo)
        bins_row.addStretch(1)
        self.target_label = QLabel(objectName="stationTarget")

        self.lines_model = ListTableModel(
            [
                Column("sku", "SKU", lambda x: x.sku),
                Column("name", "Product", lambda x: x.name),
                Column("authorized", "Authorized", lambda x: x.authorized, align_right=True),
                Column("received", "Received", lambda x: x.received, align_right=True),
                Column("outstanding", "To come", lambda x: x.outstanding, align_right=True),
                Column(
                    "received_as",
                    "Received as",
                    lambda x: x.received_as,
                    tooltip=lambda x: x.received_as.replace("; ", "\n"),
                ),
            ],
            row_background=self._line_background,
            row_bold=lambda x: x.order_line_id == self.last_order_line_id,
            parent=self,
        )
        self.lines_view = make_table(self.lines_model, station=True)
        set_column_widths(self.lines_view, [110, 210, 95, 85, 80])

        self.receive_line_button = QPushButton("Receive selected line")
        self.receive_line_button.setToolTip(
            "For items without a readable code: receives the units-per-scan number of the "
            "selected line with the chosen condition and disposition"
        )
        self.progress_label = QLabel(objectName="stationTarget")
        bottom = QHBoxLayout()
        bottom.addWidget(self.receive_line_button)
        bottom.addStretch(1)
        bottom.addWidget(self.progress_label)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addLayout(heading)
        layout.addLayout(scan_row)
        layout.addWidget(self.message_label)
        layout.addLayout(choosers)
        layout.addLayout(bins_row)
        layout.addWidget(self.target_label)
        layout.addWidget(self.lines_view, 1)
        layout.addLayout(bottom)

        self.scan_edit.scanned.connect(self._on_scan_edit_scanned)
        self.open_combo.activated.connect(self._on_open_combo_activated)
        self.done_button.clicked.connect(self._on_done_button_clicked)
        self.receive_line_button.clicked.connect(self._on_receive_line_button_clicked)
        self.condition_group.idClicked.connect(self._on_condition_group_id_clicked)
        self.disposition_group.idClicked.connect(self._on_disposition_group_id_clicked)
        self.restock_combo.currentIndexChanged.connect(self._on_bin_combo_current_index_changed)
        self.quarantine_combo.currentIndexChanged.connect(self._on_bin_combo_current_index_changed)
        self.quantity_spin.valueChanged.connect(self._on_quantity_spin_value_changed)
        # After typing a quantity, Enter hands the keyboard back to the scanner.
        self.quantity_spin.editingFinished.connect(self._on_quantity_spin_editing_finished)
        self._add_shortcuts()
        self._show(None, [])

    def _toggles(
        self, labels: dict[str, str], keys: dict[str, str], prefix: str
    ) -> tuple[QButtonGroup, dict[str, QPushButton]]:
        group = QButtonGroup(self)
        group.setExclusive(True)
        buttons = {}
        for number, (value, text) in enumerate(labels.items()):
            button = QPushButton(f"{text}\n{keys[value]}", objectName=f"{prefix}_{value}")
            button.setCheckable(True)
            button.setProperty("toggle", True)
            button.setProperty("value", value)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setToolTip(f"{text} ({keys[value]})")
            group.addButton(button, number)
            buttons[value] = button
        return group, buttons

    def _add_shortcuts(self) -> None:
        """Alt+1…3 and F6…F9 press the toggle buttons (their text shows the keys)."""
        self.shortcuts: dict[str, QShortcut] = {}
        for keys, buttons in (
            (CONDITION_KEYS, self.condition_buttons),
            (DISPOSITION_KEYS, self.disposition_buttons),
        ):
            for value, key in keys.items():
                shortcut = QShortcut(QKeySequence(key), self)
                shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                shortcut.activated.connect(buttons[value].click)
                self.shortcuts[key] = shortcut

    # -- sticky choices ----------------------------------------------------------------------

    @property
    def condition(self) -> str:
        button = self.condition_group.checkedButton()
        return str(button.property("value")) if button else "new"

    @property
    def disposition(self) -> str:
        button = self.disposition_group.checkedButton()
        return str(button.property("value")) if button else RESTOCK

    def set_condition(self, value: str) -> None:
        self.condition_buttons[value].setChecked(True)
        self._show_target()

    def set_disposition(self, value: str) -> None:
        self.disposition_buttons[value].setChecked(True)
        self._show_target()

    def bin_id(self) -> int | None:
        """The bin the next units go to; None lets the service choose (default bin, first
        quarantine bin)."""
        combo = self.restock_combo if self.disposition == RESTOCK else self.quarantine_combo
        return combo.currentData()

    def _fill_bins(self, bins: list[BinInfo], keep: bool) -> None:
        chosen = (self.restock_combo.currentData(), self.quarantine_combo.currentData())
        self.bins = bins
        for combo, default, wanted, picked in (
            (self.restock_combo, "Product's default bin", False, chosen[0]),
            (self.quarantine_combo, "First quarantine bin", True, chosen[1]),
        ):
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(default, None)
            for info in bins:
                if (info.kind == QUARANTINE_KIND) == wanted:
                    extra = f" · {info.kind}" if info.kind not in ("storage", "quarantine") else ""
                    combo.addItem(f"{info.code}{extra}", info.id)
            index = combo.findData(picked) if keep and picked is not None else 0
            combo.setCurrentIndex(max(index, 0))
            combo.blockSignals(False)

    def _show_target(self) -> None:
        view = self.view
        if view is None:
            self.target_label.setText("")
            return
        condition = label(CONDITION_LABELS, self.condition)
        disposition = self.disposition
        if disposition == RESTOCK:
            where = (
                f"into {self.restock_combo.currentText()}"
                if self.restock_combo.currentData() is not None
                else "into each product's default bin"
            )
        else:
            where = (
                f"via {self.quarantine_combo.currentText()}"
                if self.quarantine_combo.currentData() is not None
                else "via the first quarantine bin"
            )
            if disposition != "scrap":
                where = where.replace("via", "into")
        quantity = self.quantity_spin.value()
        units = f"{quantity} units" if quantity > 1 else "each unit"
        self.target_label.setText(
            f"Next scan: {units} {condition.lower()} → "
            f"{label(DISPOSITION_LABELS, disposition).lower()} {where} at {view.location_code}"
        )

    # -- showing -----------------------------------------------------------------------------

    def _show(self, view: ReturnView | None, bins: list[BinInfo], *, keep: bool = False) -> None:
        self.view = view
        self._fill_bins(bins, keep)
        self.lines_model.set_rows(station_lines(view) if view else ())
        if view is None:
            self.heading_label.setText("Receiving returns — no return open")
            self.heading_label.setToolTip("")
            self.progress_label.setText("")
        else:
            heading = (
                f"{view.number} · {view.order_number} · {label(STATUS_LABELS, view.status)} · "
                f"{view.customer}"
            )
            self.heading_label.setText(heading)
            self.heading_label.setToolTip(f"{heading}; units go back to {view.location_code}")
            self.progress_label.setText(
                f"{view.received_units} of {view.units} units received · "
                f"{view.outstanding_units} to come"
            )
        self._select_last_line()
        self._show_target()
        receiving = view is not None and view.status == "authorized"
        self.receive_line_button.setEnabled(receiving)
        self.done_button.setEnabled(view is not None)

    def _select_last_line(self) -> None:
        for row, line in enumerate(self.lines_model.rows()):
            if line.order_line_id == self.last_order_line_id:
                self.lines_view.selectRow(row)
                self.lines_view.scrollTo(self.lines_model.index(row, 0))
                return
        self.lines_view.clearSelection()

    def _line_background(self, line: StationLine) -> QColor | None:
        if line.order_line_id == self.last_order_line_id:
            return HIGHLIGHT_BACKGROUND
        return OK_BACKGROUND if line.outstanding <= 0 else None

    def refresh(self) -> None:
        if self.queue.when_idle(self.refresh):  # once, after the burst of scans
            return
        QueryOp(self, waiting_rmas, self._on_waiting_loaded).run(self.ops)
        if self.view is not None:
            rma_id = self.view.id
            QueryOp(self, lambda s: load_rma(s, rma_id), self._on_reloaded).run(self.ops)

    def _on_waiting_loaded(self, rows: list[Any]) -> None:
        self.open_combo.clear()
        for row in rows:
            self.open_combo.addItem(
                f"{row.number} · {row.order_number} · {row.customer} · "
                f"{row.units - row.received_units} to come",
                row.id,
            )
        self.open_combo.setCurrentIndex(-1)

    def _on_reloaded(self, loaded: Loaded) -> None:
        if self.view is not None and loaded[0].id == self.view.id:
            self._show(*loaded, keep=True)

    # -- scans -------------------------------------------------------------------------------

    @Slot(str)
    def _on_scan_edit_scanned(self, code: str) -> None:
        self.scan(code)

    def scan(self, code: str) -> None:
        """Queue one scan. Scans are handled strictly in order, each after the previous one
        finished, so an item scanned right after the RMA slip waits for the return to open."""
        self.queue.push(code)

    def _run(self, code: object, done: Callable[[], None]) -> None:
        """Route one scan: RMA, order (its one waiting RMA), bin label, command, or an item."""
        scan = classify_scan(str(code))
        if scan is None:
            done()
        elif scan.kind == ScanKind.RMA:
            self.open_number(scan.value, done)
        elif scan.kind == ScanKind.ORDER:
            number = scan.value
            QueryOp(
                self,
                lambda s: open_rma_for_order(s, number),
                then_done(self._on_opened, done),
                then_done(self._failed, done),
            ).run(self.ops)
        elif scan.kind == ScanKind.BIN:
            self._set_bin(scan)
            done()
        elif scan.kind == ScanKind.COMMAND:
            self._command(scan.value)
            done()
        elif scan.kind in OTHER_DOCUMENTS:
            self._refuse(f"{scan.value} is {OTHER_DOCUMENTS[scan.kind]}; scan a return or an item.")
            done()
        elif self.view is None:
            self._refuse("Scan the return's RMA barcode first (RMA-… on the return slip).")
            done()
        else:
            self._receive(scan.value, done)

    def open_number(self, number: str, done: Callable[[], None] = nothing) -> None:
        QueryOp(
            self,
            lambda s: open_rma_number(s, number),
            then_done(self._on_opened, done),
            then_done(self._failed, done),
        ).run(self.ops)

    def open_rma(self, rma_id: int) -> None:
        QueryOp(self, lambda s: load_rma(s, rma_id), self._on_opened, self._failed).run(self.ops)

    def _on_opened(self, loaded: Loaded) -> None:
        view = loaded[0]
        self.last_order_line_id = None
        self.quantity_spin.setValue(1)
        self._show(*loaded, keep=self.view is not None and self.view.id == view.id)
        self.rma_opened.emit(view.id)
        if view.status == "authorized":
            self.scan_edit.flash_ok()
            show_toned(
                self.message_label,
                f"Opened {view.number} ({view.outstanding_units} unit(s) to come): scan each item.",
                "ok",
            )
            return
        self.scan_edit.flash_warning()
        why = {
            "requested": "is not authorized yet: authorize it before receiving",
            "received": "is fully received already",
            "closed": "is closed",
            "rejected": "was rejected",
        }.get(view.status, f"is {view.status}")
        show_toned(self.message_label, f"{view.number} {why}; nothing can be received.", "warning")

    def close_rma(self) -> None:
        self.view = None
        self.last_order_line_id = None
        self._show(None, [])
        show_toned(self.message_label, IDLE_TEXT)

    def _set_bin(self, scan: Scan) -> None:
        view = self.view
        if view is None:
            self._refuse("Open a return first, then scan the bin its units go into.")
            return
        if scan.location_code != view.location_code:
            self._refuse(
                f"Bin {scan.value} is at {scan.location_code}, but {view.number} goes back to "
                f"{view.location_code}; scan a bin there."
            )
            return
        info = next((b for b in self.bins if b.code == scan.value), None)
        if info is None:
            self._refuse(f"There is no active bin {scan.value} at {view.location_code}.")
            return
        quarantine = info.kind == QUARANTINE_KIND
        combo = self.quarantine_combo if quarantine else self.restock_combo
        combo.setCurrentIndex(max(combo.findData(info.id), 0))
        if quarantine and self.disposition == RESTOCK:
            self.set_disposition("quarantine")
        elif not quarantine and self.disposition != RESTOCK:
            self.set_disposition(RESTOCK)
        self._show_target()
        self.scan_edit.flash_ok()
        what = "Quarantined, scrapped and vendor" if quarantine else "Restocked"
        show_toned(self.message_label, f"{what} units now go into bin {info.code}.", "ok")

    def _command(self, name: str) -> None:
        if name in (Command.DONE, Command.CANCEL):
            self.close_rma()
        else:
            self._refuse(f"{name} does nothing at the returns station.")

    def _receive(self, code: str, done: Callable[[], None]) -> None:
        view = self.view
        assert view is not None
        rma_id, quantity, actor = view.id, self.quantity_spin.value(), default_actor()
        condition, disposition, bin_id = self.condition, self.disposition, self.bin_id()
        MutationOp(
            self,
            lambda s: receive_return_item(
                s,
                rma_id,
                code,
                condition=condition,
                disposition=disposition,
                bin_id=bin_id,
                quantity=quantity,
                actor=actor,
            ),
            then_done(self._on_received, done),
            then_done(self._failed, done),
        ).run(self.ops)

    def receive_selected_line(self) -> None:
        view = self.view
        index = self.lines_view.currentIndex()
        if view is None or not index.isValid():
            self._refuse("Choose the line to receive first.")
            return
        line: StationLine = self.lines_model.row_at(index.row())
        rma_id, row_id, quantity = view.id, line.row_id, self.quantity_spin.value()
        actor = default_actor()
        condition, disposition, bin_id = self.condition, self.disposition, self.bin_id()
        MutationOp(
            self,
            lambda s: receive_return_line(
                s,
                rma_id,
                row_id,
                quantity,
                condition=condition,
                disposition=disposition,
                bin_id=bin_id,
                actor=actor,
            ),
            self._on_received,
            self._failed,
        ).run(self.ops)

    def _on_received(self, result: ReceiveResult) -> None:
        rows = {line.id: line for line in result.rma.lines}
        first = rows.get(result.return_line_ids[0]) if result.return_line_ids else None
        self.last_order_line_id = first.order_line_id if first else None
        self.quantity_spin.setValue(1)
        self._show(result.rma, self.bins, keep=True)
        self.scan_edit.flash_ok()
        done = f" — {result.rma.number} is fully received." if result.complete else ""
        show_toned(self.message_label, result.message + done, "ok")

    # -- controls ----------------------------------------------------------------------------

    @Slot(int)
    def _on_condition_group_id_clicked(self, _id: int) -> None:
        self._show_target()

    @Slot(int)
    def _on_disposition_group_id_clicked(self, _id: int) -> None:
        self._show_target()

    @Slot(int)
    def _on_bin_combo_current_index_changed(self, _index: int) -> None:
        self._show_target()

    @Slot()
    def _on_quantity_spin_editing_finished(self) -> None:
        if self.isVisible():
            self.scan_edit.setFocus()

    @Slot(int)
    def _on_quantity_spin_value_changed(self, _value: int) -> None:
        self._show_target()

    @Slot(int)
    def _on_open_combo_activated(self, index: int) -> None:
        rma_id = self.open_combo.itemData(index)
        if rma_id is not None:
            self.open_rma(int(rma_id))
        self.scan_edit.setFocus()

    @Slot()
    def _on_done_button_clicked(self) -> None:
        # Queued like a scanned DONE: items scanned before the click are received first.
        self.scan(command_barcode(Command.DONE))

    @Slot()
    def _on_receive_line_button_clicked(self) -> None:
        self.receive_selected_line()

    def _refuse(self, text: str) -> None:
        self.scan_edit.flash_error()
        show_toned(self.message_label, text, "error")

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, DomainError):
            self._refuse(sentence(str(exc)))
            return
        self._refuse("Unexpected error — see the message.")
        show_error(self, exc, self.ops.log_path)
