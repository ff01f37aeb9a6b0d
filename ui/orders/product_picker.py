"""ProductPickerDialog: find a catalog product by scanning a code or typing words of its name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.inventory.products import find_product_by_code, get_product
from app.inventory.queries import ProductFilter, list_product_page
from ui.ops import Ops, QueryOp
from ui.orders.detail_models import ListModel

SEARCH_DELAY_MS = 150
RESULTS = 50


@dataclass(frozen=True, slots=True)
class PickedProduct:
    id: int
    sku: str
    name: str
    price_minor: int
    available: int | None = None
    archived: bool = False


def lookup_code(session: Any, code: str) -> PickedProduct | None:
    """The product a scanned or typed code names (GTIN, extra code, SKU), with its price."""
    ref = find_product_by_code(session, code)
    if ref is None:
        return None
    detail = get_product(session, ref.id)
    available = sum(loc.on_hand - loc.reserved for loc in detail.locations)
    return PickedProduct(
        detail.id, detail.sku, detail.name, detail.price_minor, available, detail.archived
    )


def search_products(session: Any, text: str, limit: int = RESULTS) -> list[PickedProduct]:
    """Products (not archived) matching every typed word of SKU, name or GTIN."""
    if not text.strip():
        return []
    page = list_product_page(session, ProductFilter(search=text), limit=limit)
    return [PickedProduct(r.id, r.sku, r.name, r.price_minor, r.available) for r in page.rows]


class ProductResultsModel(ListModel):
    columns = (
        ("SKU", lambda p: p.sku, False),
        ("Name", lambda p: p.name, False),
        ("Available", lambda p: "" if p.available is None else p.available, True),
    )


class ProductPickerDialog(QDialog):
    """Type words or scan; Enter takes an exact code match, else moves to the results list."""

    def __init__(
        self, ops: Ops, text: str = "", title: str = "Find product", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ops = ops
        self.setWindowTitle(title)
        self.resize(560, 380)
        self.search_edit = QLineEdit(text)
        self.search_edit.setPlaceholderText("Scan a barcode or type SKU / name words")
        self.model = ProductResultsModel(self)
        self.results_view = QTableView()
        self.results_view.setModel(self.model)
        self.results_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.results_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.results_view.setTabKeyNavigation(False)
        self.results_view.verticalHeader().hide()
        header = self.results_view.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.results_view.setColumnWidth(0, 140)
        self.status_label = QLabel(objectName="hint")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Choose")
        self.ok_button.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search_edit)
        layout.addWidget(self.results_view, 1)
        layout.addWidget(self.status_label)
        layout.addWidget(self.buttons)
        self.chosen: PickedProduct | None = None
        self._generation = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self.search_edit.textChanged.connect(self._on_search_edit_text_changed)
        self.search_edit.returnPressed.connect(self._on_search_edit_return_pressed)
        self.search_edit.installEventFilter(self)
        self.results_view.activated.connect(self._on_results_view_activated)
        self.results_view.selectionModel().currentRowChanged.connect(
            self._on_results_current_row_changed
        )
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        if text.strip():
            self.search()

    # -- searching ----------------------------------------------------------------------------

    def search(self) -> None:
        self._timer.stop()
        self._generation += 1
        generation, text = self._generation, self.search_edit.text()
        QueryOp(
            self,
            lambda session: search_products(session, text),
            lambda rows: self._on_results_loaded(generation, rows),
        ).run(self.ops)

    def _on_results_loaded(self, generation: int, rows: list[PickedProduct]) -> None:
        if generation != self._generation:
            return
        self.model.set_rows(rows)
        if rows:
            self.results_view.selectRow(0)
        shown = len(rows)
        more = " (showing the first 50; type more words)" if shown >= RESULTS else ""
        self.status_label.setText(
            f"{shown} product(s) found{more}" if shown else "No product matches; try other words"
        )
        self._update_ok()

    def choose(self, product: PickedProduct) -> None:
        self.chosen = product
        self.accept()

    def current_product(self) -> PickedProduct | None:
        index = self.results_view.currentIndex()
        if not index.isValid():
            return None
        return self.model.row_at(index.row())

    def _update_ok(self) -> None:
        self.ok_button.setEnabled(self.current_product() is not None)

    # -- keys and signals ---------------------------------------------------------------------

    def eventFilter(self, watched: Any, event: Any) -> bool:
        # Down from the search box goes into the results, as in any type-ahead list.
        if (
            watched is self.search_edit
            and isinstance(event, QKeyEvent)
            and event.type() == QKeyEvent.Type.KeyPress
            and event.key() == Qt.Key.Key_Down
            and self.model.rowCount()
        ):
            self.results_view.setFocus()
            if not self.results_view.currentIndex().isValid():
                self.results_view.selectRow(0)
            return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Enter must never "click" a default button behind the user's back.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if self.results_view.hasFocus() and self.current_product() is not None:
                self.choose(self.current_product())
            return
        super().keyPressEvent(event)

    @Slot(str)
    def _on_search_edit_text_changed(self, _text: str) -> None:
        self._timer.start()

    @Slot()
    def _on_timer_timeout(self) -> None:
        self.search()

    @Slot()
    def _on_search_edit_return_pressed(self) -> None:
        code = self.search_edit.text().strip()
        if not code:
            return
        QueryOp(self, lambda session: lookup_code(session, code), self._on_code_looked_up).run(
            self.ops
        )

    def _on_code_looked_up(self, product: PickedProduct | None) -> None:
        if product is not None and not product.archived:
            self.choose(product)
            return
        self.search()
        if self.model.rowCount():
            self.results_view.setFocus()

    @Slot(QModelIndex)
    def _on_results_view_activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.choose(self.model.row_at(index.row()))

    @Slot(QModelIndex, QModelIndex)
    def _on_results_current_row_changed(self, _current: QModelIndex, _previous: QModelIndex):
        self._update_ok()

    @Slot()
    def _on_buttons_accepted(self) -> None:
        product = self.current_product()
        if product is not None:
            self.choose(product)
