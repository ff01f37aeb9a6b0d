"""ProductDetailPane: one product's fields, stock per location and bin, and its move history."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.audit import default_actor
from app.inventory.dto import MoveRow, ProductDetail
from app.inventory.ledger import list_moves, reverse_move
from app.inventory.products import get_product
from ui.formatting import local_time
from ui.inventory.formatting import ARCHIVED_FOREGROUND, money_text
from ui.ops import MutationOp, Ops, QueryOp
from ui.widgets.paged_table import Column, PagedTableModel

MOVE_PAGE_SIZE = 100
INFO_WIDTH = 440  # fits the per-location stock table
MOVE_WIDTHS = (122, 76, 44, 96, 96, 88, 160, 70)


@dataclass(frozen=True, slots=True)
class MovePage:
    rows: tuple[MoveRow, ...]
    next_after: int | None


def moves_fetcher(product_id: int):
    """Newest moves first, keyset-paged by id (list_moves' before_id)."""

    def fetch(session: Any, after: int | None, limit: int) -> MovePage:
        rows = tuple(list_moves(session, product_id=product_id, before_id=after, limit=limit))
        return MovePage(rows, rows[-1].id if len(rows) == limit else None)

    return fetch


def _signed_quantity(move: MoveRow) -> str:
    if move.to_bin and not move.from_bin:
        return f"+{move.quantity:,}"
    if move.from_bin and not move.to_bin:
        return f"−{move.quantity:,}"
    return f"{move.quantity:,}"


def _move_note(move: MoveRow) -> str:
    parts = [move.note or ""]
    if move.reversed_by_move_id is not None:
        parts.append(f"(reversed by #{move.reversed_by_move_id})")
    return " ".join(p for p in parts if p)


def _move_tooltip(move: MoveRow) -> str:
    if move.reversed_by_move_id is not None:
        return f"Move #{move.id}, reversed by move #{move.reversed_by_move_id}"
    return f"Move #{move.id}"


MOVE_COLUMNS = [
    Column("at", "When", lambda m: local_time(m.at), tooltip=_move_tooltip),
    Column("reason", "Reason", lambda m: m.reason.replace("_", " ").capitalize()),
    Column("quantity", "Qty", _signed_quantity, align_right=True),
    Column("from", "From", lambda m: m.from_bin or ""),
    Column("to", "To", lambda m: m.to_bin or ""),
    Column("reference", "Reference", lambda m: m.reference or ""),
    Column("note", "Note", _move_note, tooltip=lambda m: m.note or ""),
    Column("actor", "By", lambda m: m.actor),
]


def _move_foreground(move: MoveRow) -> QColor | None:
    return ARCHIVED_FOREGROUND if move.reversed_by_move_id is not None else None


def _table(rows: list[tuple[str, ...]], header: tuple[str, ...], right_from: int = 1) -> str:
    def cell(tag: str, index: int, text: str) -> str:
        align = ' align="right"' if index >= right_from else ""
        return f"<{tag}{align} style='padding: 1px 8px 1px 0'>{escape(text)}</{tag}>"

    head = "".join(cell("th", i, text) for i, text in enumerate(header))
    body = "".join(
        "<tr>" + "".join(cell("td", i, text) for i, text in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f"<table cellspacing='0'><tr>{head}</tr>{body}</table>"


def product_facts_html(detail: ProductDetail, currency: str) -> str:
    """The product's fields as a two-column table of label and value."""
    defaults = ", ".join(f"{d.location_code}/{d.bin_code}" for d in detail.default_bins)
    supplier = detail.supplier_name or "—"
    if detail.supplier_name and detail.supplier_sku:
        supplier += f" (their SKU {detail.supplier_sku})"
    facts = [
        ("GTIN", detail.gtin or "—"),
        ("Other codes", ", ".join(detail.scan_codes) or "—"),
        (
            "Price / cost",
            f"{money_text(detail.price_minor, currency)} / "
            f"{money_text(detail.cost_minor, currency)}",
        ),
        ("Weight", f"{detail.weight_g:,} g"),
        ("Reorder", f"at {detail.reorder_point:,}, order {detail.reorder_quantity:,}"),
        ("Backorders", "allowed" if detail.allow_backorder else "not allowed"),
        ("Supplier", supplier),
        ("Default bins", defaults or "—"),
    ]
    rows = "".join(
        f"<tr><td style='color:#616e7c; padding: 1px 10px 1px 0'>{escape(k)}</td>"
        f"<td>{escape(v)}</td></tr>"
        for k, v in facts
    )
    return f"<table cellspacing='0'>{rows}</table>"


def product_stock_html(detail: ProductDetail) -> str:
    """Figures per location, then the bins that hold the product."""
    if not detail.locations:
        return "<i>No stock anywhere yet.</i>"
    rows = [
        (
            loc.location_code,
            f"{loc.on_hand:,}",
            f"{loc.reserved:,}",
            f"{loc.available:,}",
            f"{loc.incoming:,}",
            f"{loc.quarantined:,}",
        )
        for loc in detail.locations
    ]
    header = ("Location", "On hand", "Reserved", "Available", "Incoming", "Quarantine")
    html = _table(rows, header)
    if detail.bins:
        bins = [
            (f"{b.location_code}/{b.bin_code}", b.bin_kind, f"{b.on_hand:,}") for b in detail.bins
        ]
        html += "<br>" + _table(bins, ("Bin", "Kind", "Qty"), right_from=2)
    else:
        html += "<br><i>Not in any bin.</i>"
    return html


class ProductDetailPane(QWidget):
    """Shows the product chosen in the table; `reverse_selected_move()` undoes a move."""

    product_loaded = Signal(object)  # ProductDetail or None
    message = Signal(str)  # a short note for the panel after an action

    def __init__(self, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.currency = "USD"
        self.product_id: int | None = None
        self.detail: ProductDetail | None = None
        self._generation = 0

        self.title_label = QLabel("Select a product to see its stock and history.")
        self.title_label.setObjectName("detailTitle")
        self.title_label.setWordWrap(True)
        self.title_label.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.facts_label = QLabel()
        self.stock_label = QLabel()
        for label in (self.facts_label, self.stock_label):
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        info = QWidget()
        info_layout = QVBoxLayout(info)
        info_layout.setContentsMargins(0, 0, 8, 0)
        info_layout.addWidget(self.title_label)
        info_layout.addWidget(self.facts_label)
        info_layout.addWidget(self.stock_label)
        info_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(info)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setMinimumWidth(220)
        scroll.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)

        self.moves_model = PagedTableModel(
            ops, MOVE_COLUMNS, page_size=MOVE_PAGE_SIZE, row_foreground=_move_foreground
        )
        self.moves_view = QTableView()
        self.moves_view.setModel(self.moves_model)
        self.moves_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.moves_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.moves_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.moves_view.verticalHeader().hide()
        self.moves_view.setAlternatingRowColors(True)
        self.moves_view.horizontalHeader().setStretchLastSection(True)
        self.moves_view.verticalHeader().setDefaultSectionSize(
            self.moves_view.fontMetrics().height() + 8
        )
        for column, width in enumerate(MOVE_WIDTHS):
            self.moves_view.setColumnWidth(column, width)
        self.reverse_button = QPushButton("Reverse move")
        self.reverse_button.setToolTip(
            "Post an opposite move that undoes the selected one (the history keeps both)"
        )
        self.reverse_button.setEnabled(False)
        moves_header = QHBoxLayout()
        moves_title = QLabel("<b>Stock moves</b>")
        moves_title.setToolTip("Newest first; every change to stock is a move")
        moves_header.addWidget(moves_title)
        moves_header.addStretch(1)
        moves_header.addWidget(self.reverse_button)
        moves = QVBoxLayout()
        moves.addLayout(moves_header)
        moves.addWidget(self.moves_view, 1)

        moves_host = QWidget()
        moves_host.setLayout(moves)
        moves.setContentsMargins(8, 0, 0, 0)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(scroll)
        self.splitter.addWidget(moves_host)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([INFO_WIDTH, 1000])
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addWidget(self.splitter)

        self.reverse_button.clicked.connect(self._on_reverse_button_clicked)
        self.moves_view.selectionModel().currentRowChanged.connect(
            self._on_moves_current_row_changed
        )
        self.moves_model.modelReset.connect(self._on_moves_model_reset)
        self._show(None)

    # -- loading -----------------------------------------------------------------------------

    def set_product(self, product_id: int | None) -> None:
        """Show `product_id` (None: nothing), loading its details and first page of moves."""
        self.product_id = product_id
        self.reload()

    def reload(self) -> None:
        self._generation += 1
        if self.product_id is None:
            self._show(None)
            self.moves_model.set_query(lambda _s, _a, _l: MovePage((), None))
            return
        generation, product_id = self._generation, self.product_id
        QueryOp(
            self,
            lambda session: get_product(session, product_id),
            lambda detail: self._on_product_loaded(generation, detail),
        ).run(self.ops)
        self.moves_model.set_query(moves_fetcher(product_id))

    def _on_product_loaded(self, generation: int, detail: ProductDetail) -> None:
        if generation == self._generation:
            self._show(detail)

    def _show(self, detail: ProductDetail | None) -> None:
        self.detail = detail
        if detail is None:
            self.title_label.setText("Select a product to see its stock and history.")
            self.facts_label.clear()
            self.stock_label.clear()
        else:
            archived = " <span style='color:#8a949e'>(archived)</span>" if detail.archived else ""
            self.title_label.setText(f"{escape(detail.sku)} — {escape(detail.name)}{archived}")
            self.facts_label.setText(product_facts_html(detail, self.currency))
            self.stock_label.setText(product_stock_html(detail))
        self.product_loaded.emit(detail)

    # -- reversing ---------------------------------------------------------------------------

    def selected_move(self) -> MoveRow | None:
        index = self.moves_view.currentIndex()
        if not index.isValid():
            return None
        return self.moves_model.row_at(index.row())

    def select_move(self, move_id: int) -> bool:
        row = self.moves_model.row_of_id(move_id)
        if row is None:
            return False
        self.moves_view.selectRow(row)
        return True

    def reverse_selected_move(self) -> None:
        """Undo the selected move with a reversal; refusals show the service's message."""
        move = self.selected_move()
        if move is None:
            return
        actor = default_actor()
        MutationOp(
            self,
            lambda session: reverse_move(session, move.id, actor=actor),
            self._on_reverse_succeeded,
        ).run(self.ops)

    def _on_reverse_succeeded(self, result: Any) -> None:
        self.message.emit(result.message)

    @Slot()
    def _on_reverse_button_clicked(self) -> None:
        self.reverse_selected_move()

    @Slot()
    def _on_moves_current_row_changed(self, *_args: Any) -> None:
        self.reverse_button.setEnabled(self.selected_move() is not None)

    @Slot()
    def _on_moves_model_reset(self) -> None:
        self.reverse_button.setEnabled(False)
