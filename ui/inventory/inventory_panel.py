"""InventoryPanel: the product table with stock figures, search and filters, details and actions."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, QTimer, Slot
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QSizePolicy,
    QSplitter,
    QTableView,
    QToolBar,
    QToolButton,
    QWidget,
)

from app.audit import default_actor
from app.inventory.dto import BinInfo, LocationInfo
from app.inventory.locations import list_bins, list_locations
from app.inventory.products import set_archived
from app.inventory.queries import ProductFilter, list_product_page
from app.settings import get_settings
from ui.inventory import prompts
from ui.inventory.csv_transfer import CsvTransfer
from ui.inventory.detail_pane import ProductDetailPane
from ui.inventory.forms import RETURN_KEYS
from ui.inventory.locations_dialog import LocationsDialog
from ui.inventory.product_dialog import ProductDialog
from ui.inventory.product_table import (
    NAME_WIDTHS,
    column_width,
    product_columns,
    row_background,
    row_foreground,
)
from ui.inventory.stock_dialogs import AdjustDialog, ReceiveDialog, ScrapDialog, TransferDialog
from ui.ops import MutationOp, Ops, QueryOp
from ui.panel import Panel
from ui.widgets.paged_table import Column, PagedTableModel

SEARCH_DELAY_MS = 150
TOOLBAR_STYLE = """
QToolBar { border: none; spacing: 6px; }
QToolButton {
    border: 1px solid #c5ced8; border-radius: 4px; background: #ffffff; padding: 3px 10px;
}
QToolButton:hover { background: #eef2f6; }
QToolButton:disabled { color: #9aa5b1; background: #f5f7fa; }
"""
STOCK_DIALOGS = {
    "receive": ReceiveDialog,
    "adjust": AdjustDialog,
    "transfer": TransferDialog,
    "scrap": ScrapDialog,
}


@dataclass(frozen=True, slots=True)
class InventoryContext:
    """What the table needs besides products: currency, locations (columns) and bins."""

    currency: str
    locations: tuple[LocationInfo, ...]
    bins: tuple[BinInfo, ...]


def load_context(session: Any) -> InventoryContext:
    return InventoryContext(
        str(get_settings(session)["currency"]),
        tuple(list_locations(session)),
        tuple(list_bins(session)),
    )


class _TableEvents(QObject):
    """Enter on a row opens it; a resized view gives the name column the room left over."""

    def __init__(self, panel: InventoryPanel) -> None:
        super().__init__(panel)
        self._panel = panel

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self._panel.fit_name_column()
        elif (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in RETURN_KEYS
            and event.modifiers() == Qt.KeyboardModifier.NoModifier
        ):
            self._panel.edit_product()
            return True
        return False


class InventoryPanel(Panel):
    """Owners see stock at a glance; staff add products and book stock from here."""

    refresh_on = ("products", "stock", "locations")

    def __init__(self, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(ops, "Inventory", parent=parent)
        self.context = InventoryContext("USD", (), ())
        self.sort = "sku"
        self.descending = False
        self.dialog: QDialog | None = None
        self._reselect_id: int | None = None

        self.search_edit = QLineEdit(clearButtonEnabled=True)
        self.search_edit.setPlaceholderText("Search SKU, name or GTIN  (Ctrl+F)")
        self.search_edit.setMinimumWidth(140)
        self.location_combo = QComboBox()
        self.location_combo.addItem("All locations", None)
        self.location_combo.setMinimumContentsLength(8)
        self.location_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.low_check = QCheckBox("Low stock only")
        self.archived_check = QCheckBox("Include archived")
        self.count_label = QLabel("Loading…", objectName="hint")
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.count_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        filters = QHBoxLayout()
        filters.addWidget(self.search_edit, 2)
        filters.addWidget(self.location_combo)
        filters.addWidget(self.low_check)
        filters.addWidget(self.archived_check)
        filters.addWidget(self.count_label, 1)
        self.body.addLayout(filters)

        # A toolbar rather than a row of buttons: on a narrow window the rest folds into ».
        self.toolbar = QToolBar()
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.toolbar.setStyleSheet(TOOLBAR_STYLE)
        self.new_action = self.toolbar.addAction("New product")
        self.new_action.setToolTip("New product (Ctrl+N)")
        self.edit_action = self.toolbar.addAction("Edit…")
        self.edit_action.setToolTip("Edit the product (Enter or double-click a row)")
        self.archive_action = self.toolbar.addAction("Archive")
        self.archive_action.setToolTip("Archive or restore the product (Delete)")
        self.toolbar.addSeparator()
        self.stock_actions = {
            kind: self.toolbar.addAction(text)
            for kind, text in (
                ("receive", "Receive…"),
                ("adjust", "Adjust…"),
                ("transfer", "Transfer…"),
                ("scrap", "Scrap…"),
            )
        }
        self.toolbar.addSeparator()
        self.locations_action = self.toolbar.addAction("Locations && bins…")
        self.csv = CsvTransfer(ops, self)
        menu = QMenu("Import / Export", self)
        self.csv_actions = {
            ("import", "products"): menu.addAction("Import products from CSV…"),
            ("import", "stock"): menu.addAction("Import stock counts from CSV…"),
            ("export", "products"): menu.addAction("Export products to CSV…"),
            ("export", "stock"): menu.addAction("Export stock to CSV…"),
        }
        menu.insertSeparator(self.csv_actions[("export", "products")])
        self.toolbar.addAction(menu.menuAction())
        csv_button = self.toolbar.widgetForAction(menu.menuAction())
        if isinstance(csv_button, QToolButton):
            csv_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.note_label = QLabel(objectName="savedNote")
        self.note_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        actions = QHBoxLayout()
        actions.addWidget(self.toolbar)
        actions.addWidget(self.note_label, 1)
        self.body.addLayout(actions)

        self.table = QTableView()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setHighlightSections(False)
        self.detail_pane = ProductDetailPane(ops)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.detail_pane)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        self.body.addWidget(self.splitter, 1)

        self.columns: list[Column] = []
        self.model: PagedTableModel | None = None
        self._install_model(product_columns(self.context.currency, ()))

        self.search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self.search_timer.timeout.connect(self._on_search_timer_timeout)
        self.search_edit.textEdited.connect(self._on_search_edit_text_edited)
        self.search_edit.returnPressed.connect(self._on_search_edit_return_pressed)
        self.location_combo.activated.connect(self._on_location_combo_activated)
        self.low_check.toggled.connect(self._on_low_check_toggled)
        self.archived_check.toggled.connect(self._on_archived_check_toggled)
        header.sectionClicked.connect(self._on_header_section_clicked)
        self.table.doubleClicked.connect(self._on_table_double_clicked)
        self._table_events = _TableEvents(self)
        self.table.installEventFilter(self._table_events)
        self.table.viewport().installEventFilter(self._table_events)
        self.new_action.triggered.connect(self._on_new_action_triggered)
        self.edit_action.triggered.connect(self._on_edit_action_triggered)
        self.archive_action.triggered.connect(self._on_archive_action_triggered)
        for kind, action in self.stock_actions.items():
            action.triggered.connect(partial(self.open_stock_dialog, kind))
        self.locations_action.triggered.connect(self._on_locations_action_triggered)
        for (direction, kind), action in self.csv_actions.items():
            handler = self.csv.ask_import if direction == "import" else self.csv.ask_export
            action.triggered.connect(partial(handler, kind))
        self.csv.message.connect(self._on_csv_message)
        self.detail_pane.product_loaded.connect(self._on_detail_pane_product_loaded)
        self.detail_pane.message.connect(self._on_detail_pane_message)
        self._add_shortcuts()
        self._update_actions()

    def _add_shortcuts(self) -> None:
        # Window-wide, but only while this panel is the visible page (hidden widgets' shortcuts
        # do not fire), so other panels may use the same keys.
        self.shortcuts = {
            "find": QShortcut(QKeySequence.StandardKey.Find, self),
            "new": QShortcut(QKeySequence.StandardKey.New, self),
            "archive": QShortcut(QKeySequence(Qt.Key.Key_Delete), self.table),
        }
        self.shortcuts["archive"].setContext(Qt.ShortcutContext.WidgetShortcut)
        self.shortcuts["find"].activated.connect(self._on_find_shortcut_activated)
        self.shortcuts["new"].activated.connect(self._on_new_action_triggered)
        self.shortcuts["archive"].activated.connect(self._on_archive_action_triggered)

    # -- loading -----------------------------------------------------------------------------

    def show_filtered(self, *, low_stock_only: bool = False) -> None:
        """Show what a dashboard number counts (see ui/dashboard/links.py)."""
        self.low_check.setChecked(low_stock_only)

    def refresh(self) -> None:
        """Reload locations (columns), the table (keeping the selection) and the details."""
        super().refresh()
        QueryOp(self, load_context, self._on_context_loaded).run(self.ops)

    def _on_context_loaded(self, context: InventoryContext) -> None:
        columns_changed = (
            context.locations != self.context.locations or context.currency != self.context.currency
        )
        self.context = context
        self.detail_pane.currency = context.currency
        self._fill_location_combo()
        if columns_changed:
            self._install_model(product_columns(context.currency, context.locations))
        self.apply_filter()
        self.detail_pane.reload()

    def _fill_location_combo(self) -> None:
        current = self.location_combo.currentData()
        self.location_combo.clear()
        self.location_combo.addItem("All locations", None)
        for location in self.context.locations:
            self.location_combo.addItem(f"{location.code} — {location.name}", location.id)
        self.location_combo.setCurrentIndex(max(self.location_combo.findData(current), 0))

    def _install_model(self, columns: list[Column]) -> None:
        old = self.model
        self.columns = columns
        self.model = PagedTableModel(
            self.ops,
            columns,
            row_background=row_background,
            row_foreground=row_foreground,
            parent=self,
        )
        self.table.setModel(self.model)
        if old is not None:
            old.deleteLater()
        metrics = self.table.horizontalHeader().fontMetrics()
        for section, column in enumerate(columns):
            title = max(column.title.split("\n"), key=metrics.horizontalAdvance)
            width = column_width(column.key, metrics.horizontalAdvance(title))
            if column.key == "gtin":  # thirteen digits and the cell's padding
                width = self.table.fontMetrics().horizontalAdvance("0" * 13) + 16
            self.table.setColumnWidth(section, width)
        self.fit_name_column()
        self._show_sort_indicator()
        self.model.loading_changed.connect(self._on_model_loading_changed)
        self.model.page_loaded.connect(self._on_model_page_loaded)
        self.model.sort_requested.connect(self._on_model_sort_requested)
        self.table.selectionModel().currentRowChanged.connect(self._on_table_current_row_changed)

    def fit_name_column(self) -> None:
        """Give the name column the width the other columns leave (never resized to contents:
        that would read every row)."""
        keys = [column.key for column in self.columns]
        if "name" not in keys:
            return
        name = keys.index("name")
        header = self.table.horizontalHeader()
        others = sum(header.sectionSize(i) for i in range(len(keys)) if i != name)
        spare = self.table.viewport().width() - others
        header.resizeSection(name, min(max(spare, NAME_WIDTHS[0]), NAME_WIDTHS[1]))

    def current_filter(self) -> ProductFilter:
        return ProductFilter(
            search=self.search_edit.text().strip(),
            low_stock_only=self.low_check.isChecked(),
            include_archived=self.archived_check.isChecked(),
            location_id=self.location_combo.currentData(),
            sort=self.sort,
            descending=self.descending,
        )

    def apply_filter(self) -> None:
        """Query the table again with the current search, filters and sort (SQL does it all)."""
        assert self.model is not None
        self.search_timer.stop()
        filt = self.current_filter()
        if self._reselect_id is None:
            self._reselect_id = self.detail_pane.product_id
        self._show_sort_indicator()
        self.model.set_query(
            lambda session, after, limit: list_product_page(session, filt, after=after, limit=limit)
        )

    def set_search_delay(self, milliseconds: int) -> None:
        """The pause after a keystroke before searching; 0 searches on every keystroke."""
        self.search_timer.setInterval(milliseconds)

    def _show_sort_indicator(self) -> None:
        header = self.table.horizontalHeader()
        if self.search_edit.text().strip():  # search results come in the index's order
            header.setSortIndicatorShown(False)
            return
        header.setSortIndicatorShown(True)
        section = next((i for i, c in enumerate(self.columns) if c.sort_key == self.sort), 0)
        order = Qt.SortOrder.DescendingOrder if self.descending else Qt.SortOrder.AscendingOrder
        header.blockSignals(True)
        header.setSortIndicator(section, order)
        header.blockSignals(False)

    def _update_count(self) -> None:
        assert self.model is not None
        rows = self.model.rowCount()
        if self.model.loading and rows == 0:
            self.count_label.setText("Loading…")
            return
        more = self.model.canFetchMore(QModelIndex())
        text = f"{rows:,}{'+' if more else ''} product{'' if rows == 1 else 's'}"
        if self.model.loading:
            text += " · loading more…"
        self.count_label.setText(text)

    # -- selection ---------------------------------------------------------------------------

    def selected_product_id(self) -> int | None:
        return self.detail_pane.product_id

    def select_product(self, product_id: int) -> bool:
        """Make `product_id` the current row if it is loaded; details follow either way."""
        assert self.model is not None
        row = self.model.row_of_id(product_id)
        if row is not None:
            self.table.setCurrentIndex(self.model.index(row, 0))
            self.table.scrollTo(self.model.index(row, 0))
        elif self.detail_pane.product_id != product_id:
            self.detail_pane.set_product(product_id)
        return row is not None

    def _update_actions(self) -> None:
        detail = self.detail_pane.detail
        has = detail is not None
        self.edit_action.setEnabled(has)
        self.archive_action.setEnabled(has)
        self.archive_action.setText("Restore" if has and detail.archived else "Archive")
        for action in self.stock_actions.values():
            action.setEnabled(has and bool(self.context.bins))

    # -- actions -----------------------------------------------------------------------------

    def focus_search(self) -> None:
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    def new_product(self) -> ProductDialog:
        return self._open(ProductDialog(self.ops, None, self), self._on_product_saved)

    def edit_product(self) -> ProductDialog | None:
        product_id = self.selected_product_id()
        if product_id is None:
            return None
        return self._open(ProductDialog(self.ops, product_id, self), self._on_product_saved)

    def open_stock_dialog(self, kind: str) -> QDialog | None:
        """Receive, adjust, transfer or scrap the selected product."""
        detail = self.detail_pane.detail
        if detail is None:
            return None
        dialog = STOCK_DIALOGS[kind](self.ops, detail, self.context.bins, self)
        return self._open(dialog, self._on_dialog_saved)

    def open_locations(self) -> LocationsDialog:
        return self._open(LocationsDialog(self.ops, self), None)

    def toggle_archived(self) -> None:
        """Archive the selected product (after confirmation) or restore an archived one."""
        detail = self.detail_pane.detail
        if detail is None:
            return
        archive = not detail.archived
        if archive and not prompts.confirm(
            self,
            "Archive product",
            f"Archive {detail.sku} — {detail.name}?\n\nIt leaves the lists and cannot be put on "
            "new orders; its stock and history stay. Tick “Include archived” to restore it.",
        ):
            return
        product_id, actor = detail.id, default_actor()
        MutationOp(
            self,
            lambda session: set_archived(session, product_id, archive, actor=actor),
            self._on_dialog_saved,
        ).run(self.ops)

    def _open(self, dialog: Any, on_saved: Any) -> Any:
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = dialog
        if on_saved is not None:
            dialog.saved.connect(on_saved)
        dialog.open()
        return dialog

    def _on_product_saved(self, saved: Any) -> None:
        self._on_dialog_saved(saved)
        self._reselect_id = saved.id
        assert self.model is not None
        if not self.model.loading:
            self._reselect()

    def _on_dialog_saved(self, result: Any) -> None:
        self.note_label.setText(getattr(result, "message", "") or "Saved.")

    def _reselect(self) -> None:
        product_id, self._reselect_id = self._reselect_id, None
        if product_id is not None:
            self.select_product(product_id)

    # -- slots -------------------------------------------------------------------------------

    @Slot(str)
    def _on_search_edit_text_edited(self, _text: str) -> None:
        if self.search_timer.interval() <= 0:
            self.apply_filter()
        else:
            self.search_timer.start()

    @Slot()
    def _on_search_timer_timeout(self) -> None:
        self.apply_filter()

    @Slot()
    def _on_search_edit_return_pressed(self) -> None:
        if self.search_timer.isActive():
            self.apply_filter()
        assert self.model is not None
        if self.model.rowCount():
            self.table.setFocus()
            self.table.setCurrentIndex(self.model.index(0, 0))

    @Slot(int)
    def _on_location_combo_activated(self, _index: int) -> None:
        self.apply_filter()

    @Slot(bool)
    def _on_low_check_toggled(self, _checked: bool) -> None:
        self.apply_filter()

    @Slot(bool)
    def _on_archived_check_toggled(self, _checked: bool) -> None:
        self.apply_filter()

    @Slot(int)
    def _on_header_section_clicked(self, section: int) -> None:
        assert self.model is not None
        column = self.columns[section] if 0 <= section < len(self.columns) else None
        if column is None or column.sort_key is None:
            self._show_sort_indicator()  # undo the header's own flip: not sortable
            return
        descending = column.sort_key == self.sort and not self.descending
        order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
        self.model.sort(section, order)

    @Slot(str, bool)
    def _on_model_sort_requested(self, key: str, descending: bool) -> None:
        self.sort, self.descending = key, descending
        self.apply_filter()

    @Slot(bool)
    def _on_model_loading_changed(self, _loading: bool) -> None:
        self._update_count()

    @Slot(int)
    def _on_model_page_loaded(self, _rows: int) -> None:
        self._update_count()
        self._reselect()

    @Slot(QModelIndex, QModelIndex)
    def _on_table_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        assert self.model is not None
        product_id = self.model.row_at(current.row()).id
        if product_id != self.detail_pane.product_id:
            self.detail_pane.set_product(product_id)

    @Slot(QModelIndex)
    def _on_table_double_clicked(self, _index: QModelIndex) -> None:
        self.edit_product()

    @Slot(object)
    def _on_detail_pane_product_loaded(self, _detail: Any) -> None:
        self._update_actions()

    @Slot(str)
    def _on_detail_pane_message(self, text: str) -> None:
        self.note_label.setText(text)

    @Slot(str)
    def _on_csv_message(self, text: str) -> None:
        self.note_label.setText(text)

    @Slot()
    def _on_find_shortcut_activated(self) -> None:
        self.focus_search()

    @Slot()
    def _on_new_action_triggered(self) -> None:
        self.new_product()

    @Slot()
    def _on_edit_action_triggered(self) -> None:
        self.edit_product()

    @Slot()
    def _on_archive_action_triggered(self) -> None:
        self.toggle_archived()

    @Slot()
    def _on_locations_action_triggered(self) -> None:
        self.open_locations()
