"""NewReturnDialog: find a shipped order, pick units and reasons, create the RMA, print its slip."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.audit import default_actor
from app.errors import DomainError, NotFound
from app.orders.dto import OrderView
from app.orders.queries import OrderFilter, find_order_by_number, get_order, list_order_page
from app.returns.dto import ReturnableLine, ReturnLineInput, ReturnSaved
from app.returns.queries import returnable_lines
from app.returns.services import create_return
from app.scanning import ScanKind, classify_scan
from ui.errors import show_error
from ui.ops import MutationOp, Ops, QueryOp
from ui.returns.common import RETURNS_STYLE, show_toned
from ui.returns.formatting import (
    ORDER_STATUS_LABELS,
    OTHER_REASON,
    REASON_LABELS,
    RETURNABLE_ORDER_STATUSES,
    label,
    local_time,
    plural,
    sentence,
)
from ui.widgets.scan_line_edit import ScanLineEdit

ID_ROLE = Qt.ItemDataRole.UserRole
MATCH_LIMIT = 20
HEADERS = ("#", "SKU", "Product", "Shipped", "Already returned", "Can return", "Return", "Reason")
START_TEXT = "Scan the packing slip (SO-…) or search for the order by number, customer or email."

Loaded = tuple[OrderView, list[ReturnableLine]]


def _load(session: Any, order_id: int) -> Loaded:
    return get_order(session, order_id), returnable_lines(session, order_id)


def _open_number(session: Any, number: str) -> Loaded:
    order_id = find_order_by_number(session, number)
    if order_id is None:
        raise NotFound(f"no order {number.strip().upper()}")
    return _load(session, order_id)


def _search(session: Any, text: str) -> list[Any]:
    filt = OrderFilter(statuses=RETURNABLE_ORDER_STATUSES, search=text)
    return list(list_order_page(session, filt, limit=MATCH_LIMIT).rows)


def _set_invalid(widget: QWidget, invalid: bool) -> None:
    if bool(widget.property("invalid")) != invalid:
        widget.setProperty("invalid", invalid)
        widget.style().unpolish(widget)
        widget.style().polish(widget)


@dataclass
class LineRow:
    """The inputs of one order line: units to return (at most returnable), reason, note."""

    line: ReturnableLine
    spin: QSpinBox
    reason: QComboBox
    note: QLineEdit

    def quantity(self) -> int:
        return self.spin.value()

    def reason_value(self) -> str | None:
        return self.reason.currentData() if self.reason.currentIndex() >= 0 else None


class NewReturnDialog(QDialog):
    """Non-blocking (open it with open()); emits `return_created` after the RMA is saved."""

    return_created = Signal(object)  # ReturnSaved
    print_requested = Signal(int)  # RMA id

    def __init__(self, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.order: OrderView | None = None
        self.rows: list[LineRow] = []
        self.saved: ReturnSaved | None = None
        self.setWindowTitle("New return")
        self.setStyleSheet(RETURNS_STYLE)
        self.resize(1000, 640)

        self.scan_edit = ScanLineEdit(
            placeholder="Scan the packing slip (SO-…) or type an order number, name or email"
        )
        self.message_label = QLabel(START_TEXT, objectName="stationMessage")
        self.message_label.setWordWrap(True)
        self.matches_list = QListWidget()
        self.matches_list.setMaximumHeight(130)
        self.matches_list.hide()
        self.order_label = QLabel(objectName="detailHeading")
        self.order_label.setWordWrap(True)

        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(10)
        self.grid.setVerticalSpacing(6)
        grid_box = QWidget()
        grid_outer = QVBoxLayout(grid_box)
        grid_outer.addLayout(self.grid)
        grid_outer.addStretch(1)
        self.lines_area = QScrollArea()
        self.lines_area.setWidgetResizable(True)
        self.lines_area.setWidget(grid_box)
        self.notes_edit = QPlainTextEdit()
        self.notes_edit.setPlaceholderText("Notes for this return (optional)")
        self.notes_edit.setMaximumHeight(64)
        self.authorize_check = QCheckBox("Authorize now: the customer may send the items back")
        self.authorize_check.setChecked(True)
        self.hint_label = QLabel(objectName="hint")
        self.hint_label.setWordWrap(True)

        self.entry = QWidget()
        entry_layout = QVBoxLayout(self.entry)
        entry_layout.setContentsMargins(0, 0, 0, 0)
        entry_layout.addWidget(self.scan_edit)
        entry_layout.addWidget(self.message_label)
        entry_layout.addWidget(self.matches_list)
        entry_layout.addWidget(self.order_label)
        entry_layout.addWidget(self.lines_area, 1)
        entry_layout.addWidget(self.notes_edit)
        entry_layout.addWidget(self.authorize_check)
        entry_layout.addWidget(self.hint_label)

        self.rma_label = QLabel(objectName="rmaNumber")
        self.rma_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        self.print_button = QPushButton("&Print return slip")
        self.another_button = QPushButton("&Another return")
        result_buttons = QHBoxLayout()
        result_buttons.addWidget(self.print_button)
        result_buttons.addWidget(self.another_button)
        result_buttons.addStretch(1)
        self.result = QFrame()
        result_layout = QVBoxLayout(self.result)
        result_layout.addWidget(QLabel("Return created", objectName="sectionTitle"))
        result_layout.addWidget(self.rma_label)
        result_layout.addWidget(self.result_label)
        result_layout.addLayout(result_buttons)
        result_layout.addStretch(1)
        self.result.hide()

        self.create_button = QPushButton("&Create return")
        self.close_button = QPushButton("Cancel")
        for button in (self.create_button, self.close_button):
            button.setAutoDefault(False)  # Enter in a spin box must not create the return
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.create_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.entry, 1)
        layout.addWidget(self.result, 1)
        layout.addLayout(buttons)

        self.scan_edit.scanned.connect(self._on_scan_edit_scanned)
        self.matches_list.itemActivated.connect(self._on_matches_list_item_activated)
        self.matches_list.itemClicked.connect(self._on_matches_list_item_activated)
        self.create_button.clicked.connect(self._on_create_button_clicked)
        self.close_button.clicked.connect(self._on_close_button_clicked)
        self.print_button.clicked.connect(self._on_print_button_clicked)
        self.another_button.clicked.connect(self._on_another_button_clicked)
        self._show_lines([])
        self.scan_edit.setFocus()

    # -- finding the order -------------------------------------------------------------------

    @Slot(str)
    def _on_scan_edit_scanned(self, code: str) -> None:
        self.lookup(code)

    def lookup(self, text: str) -> None:
        """An order number (scanned SO-… or typed) opens the order; other text searches."""
        scan = classify_scan(text)
        if scan is None:
            return
        if scan.kind == ScanKind.ORDER:
            self.open_number(scan.value)
        elif scan.kind == ScanKind.PRODUCT:
            QueryOp(self, lambda s: _search(s, text), self._on_searched, self._failed).run(self.ops)
        else:
            self._refuse(f"{scan.value} is not an order: scan the packing slip (SO-…).")

    def open_number(self, number: str) -> None:
        QueryOp(self, lambda s: _open_number(s, number), self._on_loaded, self._failed).run(
            self.ops
        )

    def open_order(self, order_id: int) -> None:
        QueryOp(self, lambda s: _load(s, order_id), self._on_loaded, self._failed).run(self.ops)

    def _on_searched(self, rows: list[Any]) -> None:
        self.matches_list.clear()
        if not rows:
            self.matches_list.hide()
            self._refuse("No shipped order matches that; try the order number or email.")
            return
        if len(rows) == 1:
            self.matches_list.hide()
            self.open_order(rows[0].id)
            return
        for row in rows:
            item = QListWidgetItem(
                f"{row.number} · {row.customer or row.email or ''} · "
                f"{local_time(row.placed_at)} · {label(ORDER_STATUS_LABELS, row.status)}"
            )
            item.setData(ID_ROLE, row.id)
            self.matches_list.addItem(item)
        self.matches_list.show()
        more = " (the newest shown)" if len(rows) == MATCH_LIMIT else ""
        show_toned(self.message_label, f"{len(rows)} orders match{more}: choose one.", "warning")

    @Slot(QListWidgetItem)
    def _on_matches_list_item_activated(self, item: QListWidgetItem) -> None:
        order_id = item.data(ID_ROLE)
        if order_id is not None:
            self.open_order(int(order_id))

    def _on_loaded(self, loaded: Loaded, keep: dict[int, tuple[int, int, str]] | None = None):
        order, lines = loaded
        self.order = order
        self.matches_list.hide()
        status = label(ORDER_STATUS_LABELS, order.status)
        who = order.ship_to.name if order.ship_to and order.ship_to.name else order.email or ""
        self.order_label.setText(f"{order.number} · {who} · {status}")
        self._show_lines(lines, keep)
        if order.status not in RETURNABLE_ORDER_STATUSES:
            self.scan_edit.flash_error()
            show_toned(
                self.message_label,
                f"{order.number} is {order.status.replace('_', ' ')}: only shipped or delivered "
                "orders can be returned.",
                "error",
            )
        elif not any(line.returnable for line in lines):
            self.scan_edit.flash_warning()
            show_toned(
                self.message_label,
                f"Nothing on {order.number} can be returned any more (already returned or on "
                "open returns).",
                "warning",
            )
        elif keep is None:
            self.scan_edit.flash_ok()
            show_toned(self.message_label, f"{order.number}: choose what comes back and why.", "ok")

    # -- the lines -----------------------------------------------------------------------------

    def _show_lines(
        self, lines: list[ReturnableLine], keep: dict[int, tuple[int, int, str]] | None = None
    ) -> None:
        while self.grid.count():
            widget = self.grid.takeAt(0).widget()
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        self.rows = []
        for column, title in enumerate(HEADERS):
            head = QLabel(title, objectName="sectionTitle")
            self.grid.addWidget(head, 0, column)
        self.grid.addWidget(QLabel("Note", objectName="sectionTitle"), 0, len(HEADERS))
        for number, line in enumerate(lines, start=1):
            self._add_line(number, line, (keep or {}).get(line.order_line_id))
        self.grid.setColumnStretch(2, 1)
        self.grid.setColumnStretch(len(HEADERS), 1)
        self._update_state()

    def _add_line(
        self, grid_row: int, line: ReturnableLine, kept: tuple[int, int, str] | None
    ) -> None:
        spin = QSpinBox()
        spin.setRange(0, line.returnable)
        spin.setEnabled(line.returnable > 0)
        spin.setMinimumWidth(70)
        if line.product_id is None:
            spin.setToolTip("Not linked to a product: link it on the order first")
        elif not line.returnable:
            spin.setToolTip("Nothing left to return on this line")
        reason = QComboBox()
        reason.setPlaceholderText("Choose…")
        for value, text in REASON_LABELS.items():
            reason.addItem(text, value)
        reason.setCurrentIndex(-1)
        note = QLineEdit()
        note.setPlaceholderText("Required for Other")
        if kept is not None:
            spin.setValue(kept[0])  # clamped to the new maximum
            reason.setCurrentIndex(kept[1])
            note.setText(kept[2])
        held = [
            f"{line.returned} received" if line.returned else "",
            f"{line.on_open_returns} on open RMAs" if line.on_open_returns else "",
        ]
        cells: list[QWidget] = [
            QLabel(str(line.line_no)),
            QLabel(line.sku),
            QLabel(line.name),
            QLabel(str(line.shipped)),
            QLabel(", ".join(filter(None, held)) or "—"),
            QLabel(str(line.returnable)),
            spin,
            reason,
            note,
        ]
        for column, cell in enumerate(cells):
            if isinstance(cell, QLabel) and 3 <= column <= 5:
                cell.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.grid.addWidget(cell, grid_row, column)
        row = LineRow(line, spin, reason, note)
        self.rows.append(row)
        spin.valueChanged.connect(self._on_line_input_changed)
        reason.currentIndexChanged.connect(self._on_line_input_changed)
        note.textChanged.connect(self._on_line_input_changed)

    @Slot()
    def _on_line_input_changed(self, *_args: Any) -> None:
        self._update_state()

    def problems(self) -> list[str]:
        """What keeps the return from being created, in order; empty when it can be."""
        if self.order is None:
            return ["Scan or find an order first."]
        chosen = [row for row in self.rows if row.quantity() > 0]
        if not chosen:
            return ["Choose how many units of which line come back."]
        found = []
        for row in chosen:
            name = f"Line {row.line.line_no} {row.line.sku}"
            if row.reason_value() is None:
                found.append(f"{name}: choose a reason.")
            elif row.reason_value() == OTHER_REASON and not row.note.text().strip():
                found.append(f"{name}: say why in the note (reason Other).")
        return found

    def _update_state(self) -> None:
        for row in self.rows:
            active = row.quantity() > 0
            row.reason.setEnabled(active)
            row.note.setEnabled(active)
            _set_invalid(row.reason, active and row.reason_value() is None)
            _set_invalid(
                row.note,
                active and row.reason_value() == OTHER_REASON and not row.note.text().strip(),
            )
        problems = self.problems()
        units = sum(row.quantity() for row in self.rows)
        self.create_button.setEnabled(not problems)
        self.hint_label.setText(problems[0] if problems else f"{plural(units, 'unit')} to return.")

    # -- creating ------------------------------------------------------------------------------

    def line_inputs(self) -> list[ReturnLineInput]:
        return [
            ReturnLineInput(
                row.line.order_line_id,
                row.quantity(),
                row.reason_value() or "",
                row.note.text().strip() or None,
            )
            for row in self.rows
            if row.quantity() > 0
        ]

    def create(self) -> None:
        if self.order is None or self.problems():
            return
        order_id, lines = self.order.id, self.line_inputs()
        notes = self.notes_edit.toPlainText().strip() or None
        authorize, actor = self.authorize_check.isChecked(), default_actor()
        self.create_button.setEnabled(False)
        MutationOp(
            self,
            lambda s: create_return(
                s, order_id, lines, actor=actor, notes=notes, authorize=authorize
            ),
            self._on_created,
            self._on_create_failed,
        ).run(self.ops)

    def _on_created(self, saved: ReturnSaved) -> None:
        self.saved = saved
        units = sum(row.quantity() for row in self.rows)
        order = self.order.number if self.order else ""
        self.rma_label.setText(saved.number)
        self.result_label.setText(
            f"{plural(units, 'unit')} of {order}, {saved.status}. Print the return slip and "
            "send it to the customer; its barcode opens the return at the receiving station."
        )
        self.entry.hide()
        self.result.show()
        self.create_button.hide()
        self.close_button.setText("Close")
        self.return_created.emit(saved)

    def _on_create_failed(self, exc: BaseException) -> None:
        if not isinstance(exc, DomainError):
            self._update_state()
            show_error(self, exc, self.ops.log_path)
            return
        self._refuse(sentence(str(exc)))
        if self.order is not None:
            # What can be returned changed behind our back: show the new maxima, keep choices.
            keep = {
                r.line.order_line_id: (r.quantity(), r.reason.currentIndex(), r.note.text())
                for r in self.rows
            }
            order_id, message = self.order.id, sentence(str(exc))

            def reloaded(loaded: Loaded) -> None:
                self._on_loaded(loaded, keep)
                show_toned(self.message_label, message, "error")

            QueryOp(self, lambda s: _load(s, order_id), reloaded, self._failed).run(self.ops)

    def reset(self) -> None:
        """Start over for another order."""
        self.order = None
        self.saved = None
        self.order_label.setText("")
        self.notes_edit.clear()
        self._show_lines([])
        self.result.hide()
        self.entry.show()
        self.create_button.show()
        self.close_button.setText("Cancel")
        show_toned(self.message_label, START_TEXT)
        self.scan_edit.setFocus()

    # -- buttons and errors ----------------------------------------------------------------------

    @Slot()
    def _on_create_button_clicked(self) -> None:
        self.create()

    @Slot()
    def _on_close_button_clicked(self) -> None:
        if self.saved is not None:
            self.accept()
        else:
            self.reject()

    @Slot()
    def _on_print_button_clicked(self) -> None:
        if self.saved is not None:
            self.print_requested.emit(self.saved.id)

    @Slot()
    def _on_another_button_clicked(self) -> None:
        self.reset()

    def _refuse(self, text: str) -> None:
        self.scan_edit.flash_error()
        show_toned(self.message_label, text, "error")

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, DomainError):
            self._refuse(sentence(str(exc)))
        else:
            show_error(self, exc, self.ops.log_path)
