"""PackingStationPanel: the packer's day by scanning — order, items, DONE, tracking, DONE again."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from functools import partial

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.audit import default_actor
from app.errors import DomainError
from app.packing.station import Outcome, StationResult, StationState, handle_scan, link_code
from app.scanning import Command, ScanKind, classify_scan, command_barcode
from app.shipping.dto import PackageInput, PackResult, ShipmentView, ShipResult
from app.shipping.services import complete_packing, ship_shipment
from ui.errors import user_message
from ui.ops import MutationOp, Ops
from ui.packing import prompts
from ui.packing.feedback import DONE, ERROR, OK, WARNING, SoundPlayer
from ui.packing.order_header import OrderHeader
from ui.packing.prompts import LinkRequest, OverrideRequest
from ui.packing.station_lines import StationLinesModel, make_lines_view
from ui.packing.widgets import (
    ACTIVE,
    IDLE,
    STATION_STYLE,
    StationScanField,
    StatusBanner,
    station_button,
)
from ui.panel import Panel
from ui.shipping.printing import LABEL, SLIP, DocumentPrinter, PrintJob
from ui.shipping.ship_form import ShipForm, carrier_name
from ui.widgets.scan_queue import ScanQueue, then_done

log = logging.getLogger(__name__)

IDLE_TEXT = "Scan an order, pick list or packing slip to start"
IDLE_HELP = (
    "1.  Scan the order, pick list (PL-…) or packing slip\n"
    "2.  Scan every item as it goes in the box\n"
    "3.  Weigh the parcel, then scan DONE\n"
    "4.  Scan the carrier label's tracking number, then DONE to ship\n\n"
    "UNDO takes back the last item · PRINT prints the slip · CANCEL puts the order aside · "
    "NEXT opens the pick list's next order\n\n"
    "An item code nobody knows? F7 links it to one of the order's items"
)
BOX_TYPES = ("", "Envelope", "Small box", "Medium box", "Large box", "Pallet")
_WEIGHT = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(kg|g)?\s*$", re.IGNORECASE)


def parse_weight(text: str) -> int | None:
    """Grams from what a person or a USB scale typed: "720", "720 g", "0.72 kg", "0.720".

    Whole numbers are grams, decimals without a unit are kilograms. None when empty; raises
    ValueError for anything else.
    """
    if not text.strip():
        return None
    match = _WEIGHT.match(text)
    if match is None:
        raise ValueError(f"{text.strip()!r} is not a weight: type grams (720) or kilograms (0.72)")
    number, unit = float(match.group(1).replace(",", ".")), (match.group(2) or "").lower()
    if unit == "kg" or (not unit and not match.group(1).isdigit()):
        number *= 1000
    return round(number)


class PackingStationPanel(Panel):
    """Everything works by scanning into one big field; buttons and F-keys do the same.

    The station's state (app.packing.station.StationState) lives here and goes back with each
    scan, one MutationOp per scan, strictly in order (ScanQueue). After DONE the packed parcel
    waits for its tracking number: a scan that is not a document or command is taken as the
    tracking number, and DONE ships it.
    """

    refresh_on = ()  # the station shows what its own scans return; nothing else to reload

    def __init__(
        self, ops: Ops, parent: QWidget | None = None, *, sounds: SoundPlayer | None = None
    ) -> None:
        super().__init__(ops, "Packing station", parent=parent)
        self.actor = default_actor()
        self.state = StationState()
        self.shipment: ShipmentView | None = None  # on the bench, being verified
        self.packed: ShipmentView | None = None  # packed, waiting for its tracking number
        self.last_result: StationResult | None = None
        self.pick_list_number: str | None = None  # as scanned, for the heading
        self._scan_kind: str | None = None
        self._scanned_pick_list: str | None = None
        self.unknown_code: str | None = None  # the last scan, when no product answered to it
        self.sounds = sounds or SoundPlayer(self)
        self.printer = DocumentPrinter(ops, self)
        self.printer.finished.connect(self._on_printer_finished)
        self.queue = ScanQueue(self._run)
        self.setStyleSheet(STATION_STYLE)
        self._build()
        self._add_shortcuts()
        self._show_idle(IDLE_TEXT)

    # -- layout ------------------------------------------------------------------------------

    def _build(self) -> None:
        self.body.setSpacing(10)
        self.body.removeWidget(self.title_label)
        self.pick_list_chip = QLabel(objectName="chip")
        self.pick_list_chip.hide()
        self.print_status = QLabel(objectName="hint")
        # A long "saved as <path>" must not widen the window: clipped, full text in the tooltip.
        self.print_status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.print_status.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        title_row = QHBoxLayout()
        title_row.addWidget(self.title_label)
        title_row.addWidget(self.pick_list_chip)
        title_row.addWidget(self.print_status, 1)
        self.body.addLayout(title_row)

        self.scan_field = StationScanField(placeholder="Scan order, item or command — then Enter")
        self.scan_field.scanned.connect(self._on_scan_field_scanned)
        self.body.addWidget(self.scan_field)
        self.banner = StatusBanner()
        self.body.addWidget(self.banner)
        self.header = OrderHeader()
        self.lines_model = StationLinesModel(self)
        self.lines_view = make_lines_view(self.lines_model)
        left = QVBoxLayout()
        left.setSpacing(10)
        left.addWidget(self.header)
        self.idle_help = QLabel(IDLE_HELP, objectName="idleHelp")
        self.idle_help.setWordWrap(True)
        self.idle_help.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        left.addWidget(self.idle_help, 1)
        left.addWidget(self.lines_view, 1)
        left.addWidget(self._build_ship_section(), 1)
        middle = QHBoxLayout()
        middle.setSpacing(14)
        middle.addLayout(left, 1)
        middle.addWidget(self._build_side_column())
        self.body.addLayout(middle, 1)

    def _build_side_column(self) -> QWidget:
        self.box_combo = QComboBox(objectName="boxCombo")
        self.box_combo.setEditable(True)
        self.box_combo.addItems(BOX_TYPES)
        self.box_combo.lineEdit().setPlaceholderText("box type")
        self.box_combo.activated.connect(self._on_box_combo_activated)
        self.weight_field = QLineEdit(objectName="weightField", placeholderText="weight, grams")
        self.weight_field.setToolTip("Weight in grams (0.72 = kg); a USB scale can type it (F6)")
        self.weight_field.returnPressed.connect(self._on_weight_field_return_pressed)
        self.undo_button = station_button("Undo · F9", "Take back the last scanned item (CMD-UNDO)")
        self.print_button = station_button("Print · F10", "Print the packing slip (CMD-PRINT)")
        self.leave_button = station_button("Leave · F8", "Put the order aside (CMD-CANCEL)")
        self.next_button = station_button("Next · F11", "Next order of the pick list (CMD-NEXT)")
        self.override_button = station_button(
            "Override…", "A supervisor confirms packing without every item scanned"
        )
        self.done_button = station_button("DONE · F12", "Pack (CMD-DONE)", name="doneButton")
        self.done_button.setMinimumHeight(56)
        self.undo_button.clicked.connect(partial(self.submit, command_barcode(Command.UNDO)))
        self.print_button.clicked.connect(partial(self.submit, command_barcode(Command.PRINT)))
        self.leave_button.clicked.connect(partial(self.submit, command_barcode(Command.CANCEL)))
        self.next_button.clicked.connect(partial(self.submit, command_barcode(Command.NEXT)))
        self.done_button.clicked.connect(partial(self.submit, command_barcode(Command.DONE)))
        self.override_button.clicked.connect(self._on_override_button_clicked)
        self.link_button = station_button(
            "Link code… · F7", "Make the unknown code just scanned scan to one of the order's items"
        )
        self.link_button.clicked.connect(self._on_link_button_clicked)

        column = QWidget()
        column.setFixedWidth(220)
        layout = QVBoxLayout(column)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(QLabel("Parcel", objectName="fieldCaption"))
        layout.addWidget(self.box_combo)
        layout.addWidget(self.weight_field)
        layout.addSpacing(6)
        for button in (
            self.undo_button,
            self.print_button,
            self.leave_button,
            self.next_button,
            self.override_button,
            self.link_button,
        ):
            layout.addWidget(button)
        layout.addStretch(1)
        layout.addWidget(self.done_button)
        return column

    def _build_ship_section(self) -> QFrame:
        self.ship_section = QFrame(objectName="shipSection")
        self.ship_title = QLabel(objectName="shipTitle")
        self.ship_title.setWordWrap(True)
        self.ship_form = ShipForm(large=True)
        self.ship_form.tracking_field.returnPressed.connect(self._on_tracking_field_return_pressed)
        layout = QVBoxLayout(self.ship_section)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(10)
        layout.addWidget(self.ship_title)
        layout.addWidget(self.ship_form)
        layout.addStretch(1)
        self.ship_section.hide()
        return self.ship_section

    def _add_shortcuts(self) -> None:
        keys: list[tuple[Qt.Key, Callable[[], None]]] = [
            (Qt.Key.Key_F12, partial(self.submit, command_barcode(Command.DONE))),
            (Qt.Key.Key_F9, partial(self.submit, command_barcode(Command.UNDO))),
            (Qt.Key.Key_F10, partial(self.submit, command_barcode(Command.PRINT))),
            (Qt.Key.Key_F8, partial(self.submit, command_barcode(Command.CANCEL))),
            (Qt.Key.Key_F11, partial(self.submit, command_barcode(Command.NEXT))),
            (Qt.Key.Key_F6, self.weight_field.setFocus),
            (Qt.Key.Key_F7, self._on_link_button_clicked),
        ]
        self.shortcuts: dict[str, QShortcut] = {}
        for key, action in keys:
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(action)
            self.shortcuts[QKeySequence(key).toString()] = shortcut

    # -- scans -------------------------------------------------------------------------------

    def submit(self, code: str) -> None:
        """Handle `code` as if scanned (buttons and shortcuts use the command codes)."""
        self.queue.push(code)
        self.refocus()

    @Slot(str)
    def _on_scan_field_scanned(self, code: str) -> None:
        self.submit(code)

    def _run(self, item: object, done: Callable[[], None]) -> None:
        if isinstance(item, OverrideRequest):
            self._run_override(item, done)
            return
        if isinstance(item, LinkRequest):
            self._run_link(item, done)
            return
        code = str(item)
        scan = classify_scan(code)
        if scan is None:
            done()
            return
        if self.packed is not None and self.state.shipment_id is None:
            if scan.kind == ScanKind.PRODUCT:
                self._take_tracking(code)
                done()
                return
            if scan.kind == ScanKind.COMMAND and scan.value in (Command.DONE, Command.PRINT):
                if scan.value == Command.DONE:
                    self._ship(done)
                else:
                    self._print(LABEL, self.packed)
                    done()
                return
            if scan.kind == ScanKind.COMMAND and scan.value == Command.CANCEL:
                self._show_idle(f"{self.packed.order_number} stays packed; ship it from Shipments")
                done()
                return
        packages: tuple[PackageInput, ...] = ()
        if scan.kind == ScanKind.COMMAND and scan.value == Command.DONE:
            try:
                packages = self._packages()
            except ValueError as exc:
                self._refused(str(exc))
                done()
                return
        self._scan_kind = scan.kind
        if scan.kind == ScanKind.PICK_LIST:
            self._scanned_pick_list = scan.value
        state, actor = self.state, self.actor
        MutationOp(
            self,
            lambda session: handle_scan(session, state, code, actor=actor, packages=packages),
            then_done(self._on_result, done),
            then_done(self._on_failure, done),
        ).run(self.ops)

    def _packages(self) -> tuple[PackageInput, ...]:
        weight = parse_weight(self.weight_field.text())
        box = self.box_combo.currentText().strip() or None
        if weight is None and box is None:
            return ()
        return (PackageInput(weight_g=weight, box_type=box),)

    def _on_result(self, result: StationResult) -> None:
        self.last_result = result
        if result.ok and self._scan_kind == ScanKind.PICK_LIST:
            self.pick_list_number = self._scanned_pick_list
        self.state = result.state
        if self.state.pick_list_id is None:
            self.pick_list_number = None
        self.unknown_code = result.unknown_code if self.shipment is not None else None
        outcome = result.outcome
        if outcome == Outcome.ERROR:
            self._refused(result.message)
            if self.unknown_code is not None:
                # Short enough for one banner line at the station's large type.
                self.banner.show_message(
                    f"Unknown code {self.unknown_code} — F7 links it to an item", ERROR
                )
        elif outcome == Outcome.OPENED:
            self._opened(result)
        elif outcome in (Outcome.COUNTED, Outcome.UNDONE, Outcome.COMPLETE):
            self._counted(result)
        elif outcome == Outcome.PACKED:
            self._packed(result.shipment, result.warnings)
        elif outcome == Outcome.LEFT:
            self._show_idle(result.message)
            self.sounds.play(OK)
        elif outcome == Outcome.PRINT:
            self.scan_field.flash(OK)  # the print status line says how printing went
        if result.print_request and result.shipment is not None:
            self._print(SLIP if result.print_request == "slip" else LABEL, result.shipment)
        self._update_controls()

    def _on_failure(self, exc: BaseException) -> None:
        if not isinstance(exc, DomainError):
            log.error("station scan failed", exc_info=(type(exc), exc, exc.__traceback__))
        self.unknown_code = None
        self._refused(user_message(exc, self.ops.log_path))
        self._update_controls()

    # -- what the packer sees ----------------------------------------------------------------

    def _opened(self, result: StationResult) -> None:
        shipment = result.shipment
        assert shipment is not None
        self.packed = None
        self._show_ship_section(False)
        self.shipment = shipment
        self.lines_model.set_lines(shipment.lines)
        self.header.show_shipment(shipment)
        if shipment.all_verified:
            self._complete(shipment)
            return
        self.banner.show_message(f"{result.message} — scan the items", ACTIVE)
        self.scan_field.flash(OK)
        self.sounds.play(OK)

    def _counted(self, result: StationResult) -> None:
        shipment = result.shipment
        assert shipment is not None
        self.shipment = shipment
        row = self.lines_model.set_lines(shipment.lines)
        if row is not None:
            self.lines_view.scrollTo(self.lines_model.index(row, 0))
        self.header.show_shipment(shipment)
        if shipment.all_verified:
            self._complete(shipment)
            return
        left = shipment.units - shipment.verified_units
        self.banner.show_message(f"{result.message}   ({left} to go)", ACTIVE)
        self.scan_field.flash(OK)
        self.sounds.play(OK)

    def _complete(self, shipment: ShipmentView) -> None:
        self.banner.show_message(f"All {shipment.units} item(s) verified — scan DONE to pack", OK)
        self.scan_field.flash(OK)
        self.sounds.play(DONE)

    def _packed(self, shipment: ShipmentView | None, warnings: tuple[str, ...] = ()) -> None:
        assert shipment is not None
        self.shipment = None
        self.packed = shipment
        self.lines_model.set_lines(shipment.lines)
        self.header.show_shipment(shipment, packed=True)
        self.weight_field.clear()
        self.ship_form.reset(shipment)
        self.ship_title.setText(
            f"Ship {shipment.order_number} ({shipment.number}): scan the carrier label's "
            "tracking number, then DONE"
        )
        self._show_ship_section(True)
        text = f"{shipment.order_number} packed — scan the tracking number, then DONE to ship"
        if warnings:
            self.banner.show_message("Packed, but " + "; ".join(warnings), WARNING)
            self.sounds.play(WARNING)
        else:
            self.banner.show_message(text, OK)
            self.sounds.play(DONE)
        self.scan_field.flash(OK)

    def _take_tracking(self, code: str) -> None:
        tone, message = self.ship_form.set_tracking(code)
        if tone == ERROR:
            self._refused(message)
            return
        self.banner.show_message(f"{message}\nScan DONE to ship", tone)
        self.scan_field.flash(tone)
        self.sounds.play(WARNING if tone == WARNING else OK)

    def _ship(self, done: Callable[[], None]) -> None:
        assert self.packed is not None
        problem = self.ship_form.problem()
        if problem:
            self._refused(problem)
            done()
            return
        request, shipment_id, actor = self.ship_form.request(), self.packed.id, self.actor
        MutationOp(
            self,
            lambda session: ship_shipment(
                session,
                shipment_id,
                carrier=request.carrier,
                tracking_number=request.tracking_number,
                actor=actor,
                service=request.service,
                notify_customer=request.notify_customer,
            ),
            then_done(self._on_shipped, done),
            then_done(self._on_failure, done),
        ).run(self.ops)

    def _on_shipped(self, result: ShipResult) -> None:
        shipment = result.shipment
        where = carrier_name(shipment.carrier) + (
            f" {shipment.tracking_number}" if shipment.tracking_number else ""
        )
        status = result.order_status.replace("_", " ")
        after = " — scan NEXT" if self.state.pick_list_id else " — scan the next order"
        text = f"{shipment.number} shipped with {where}; order {status}{after}"
        self._show_idle(text)
        self.banner.show_message(text, OK)
        self.sounds.play(DONE)
        self._update_controls()

    def _refused(self, message: str) -> None:
        self.banner.show_message(message, ERROR)
        self.scan_field.flash(ERROR)
        self.sounds.play(ERROR)

    def _show_idle(self, message: str) -> None:
        self.shipment = None
        self.unknown_code = None
        self.packed = None
        self._show_ship_section(False)
        self.lines_view.hide()
        self.idle_help.show()
        self.lines_model.clear()
        self.header.show_idle()
        self.banner.show_message(message, IDLE)
        self._update_controls()

    def _show_ship_section(self, shown: bool) -> None:
        self.idle_help.hide()
        self.lines_view.setVisible(not shown)
        self.ship_section.setVisible(shown)

    def _update_controls(self) -> None:
        on_bench = self.shipment is not None
        shipping = self.packed is not None and not on_bench
        self.undo_button.setEnabled(on_bench and bool(self.state.scans))
        self.print_button.setEnabled(on_bench or shipping)
        self.print_button.setText("Print label · F10" if shipping else "Print slip · F10")
        self.leave_button.setEnabled(on_bench or shipping)
        self.next_button.setEnabled(self.state.pick_list_id is not None)
        self.override_button.setEnabled(on_bench and not self.shipment.all_verified)
        self.link_button.setEnabled(on_bench and self.unknown_code is not None)
        self.done_button.setEnabled(on_bench or shipping)
        self.done_button.setText("SHIP · F12" if shipping else "DONE · F12")
        number = self.pick_list_number if self.state.pick_list_id is not None else None
        self.pick_list_chip.setText(f"Pick list {number} · NEXT for its next order")
        self.pick_list_chip.setVisible(bool(number))

    def refocus(self) -> None:
        """Back to the scan field unless a person is typing in one of the station's fields."""
        focus = QApplication.focusWidget()
        if focus in (self.weight_field, self.box_combo.lineEdit()) or (
            focus is not None and self.ship_form.isAncestorOf(focus)
        ):
            return
        if self.isVisible() and QApplication.activeModalWidget() is None:
            self.scan_field.setFocus(Qt.FocusReason.OtherFocusReason)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.scan_field.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- packages, override, printing --------------------------------------------------------

    @Slot()
    def _on_weight_field_return_pressed(self) -> None:
        try:
            grams = parse_weight(self.weight_field.text())
        except ValueError as exc:
            self._refused(str(exc))
            return
        if grams is not None:
            self.weight_field.setText(str(grams))
            self.banner.show_message(f"Weight {grams:,} g — kept for DONE", ACTIVE)
        self.scan_field.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot(int)
    def _on_box_combo_activated(self, _index: int) -> None:
        self.scan_field.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def _on_tracking_field_return_pressed(self) -> None:
        self._take_tracking(self.ship_form.tracking())
        self.scan_field.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def _on_override_button_clicked(self) -> None:
        if self.shipment is None:
            self._refused("scan an order first")
            return
        request = prompts.ask_override(self, self.shipment)
        self.scan_field.setFocus(Qt.FocusReason.OtherFocusReason)
        if request is not None:
            self.queue.push(request)

    def _run_override(self, request: OverrideRequest, done: Callable[[], None]) -> None:
        if self.shipment is None:
            done()
            return
        try:
            packages = self._packages()
        except ValueError as exc:
            self._refused(str(exc))
            done()
            return
        shipment_id, actor = self.shipment.id, self.actor
        MutationOp(
            self,
            lambda session: complete_packing(
                session,
                shipment_id,
                actor=actor,
                packages=packages,
                override_user=request.user,
                override_reason=request.reason,
            ),
            then_done(self._on_override_packed, done),
            then_done(self._on_failure, done),
        ).run(self.ops)

    @Slot()
    def _on_link_button_clicked(self) -> None:
        if self.shipment is None or self.unknown_code is None:
            self._refused("scan an unknown code on an open order first")
            return
        request = prompts.ask_link(self, self.shipment, self.unknown_code)
        self.scan_field.setFocus(Qt.FocusReason.OtherFocusReason)
        if request is not None:
            self.queue.push(request)

    def _run_link(self, request: LinkRequest, done: Callable[[], None]) -> None:
        self._scan_kind = ScanKind.PRODUCT
        state, actor = self.state, self.actor
        MutationOp(
            self,
            lambda session: link_code(
                session, state, request.code, request.product_id, actor=actor
            ),
            then_done(self._on_result, done),
            then_done(self._on_failure, done),
        ).run(self.ops)

    def _on_override_packed(self, result: PackResult) -> None:
        self.state = StationState(pick_list_id=self.state.pick_list_id)
        self._packed(result.shipment, result.warnings)
        self._update_controls()

    def _print(self, kind: str, shipment: ShipmentView) -> None:
        self.print_status.setText("Printing the " + ("slip…" if kind == SLIP else "label…"))
        self.printer.print_document(
            PrintJob(kind, order_id=shipment.order_id, shipment_id=shipment.id)
        )

    @Slot(bool, str)
    def _on_printer_finished(self, printed: bool, message: str) -> None:
        self.print_status.setText(message)
        self.print_status.setToolTip(message)
        if not printed:
            self.sounds.play(WARNING)
        self.refocus()
