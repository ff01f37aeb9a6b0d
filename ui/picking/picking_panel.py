"""PickingPanel: ready orders batched into pick lists, and pick lists picked by scanning."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.picking.services import list_pick_lists
from ui.ops import Ops, QueryOp
from ui.packing.feedback import SoundPlayer
from ui.panel import Panel
from ui.picking.pick_list_pane import PickListPane
from ui.picking.ready_orders import ReadyOrdersTab
from ui.shipping.formatting import status_text
from ui.widgets.list_table import ListTableModel
from ui.widgets.paged_table import Column

READY, LISTS = 0, 1
LIST_COLUMNS = [
    Column("number", "Pick list", lambda r: r[1]),
    Column("status", "Status", lambda r: status_text(r[2])),
    Column("orders", "Orders", lambda r: r[3], align_right=True),
]


class PickingPanel(Panel):
    """Two tabs: "Ready to pick" (select orders → Create pick list) and "Pick lists" (the
    active lists on the left, the chosen one on the right with its scan field)."""

    refresh_on = ("orders", "pick_lists")

    def __init__(
        self, ops: Ops, parent: QWidget | None = None, *, sounds: SoundPlayer | None = None
    ) -> None:
        super().__init__(ops, "Picking", parent=parent)
        self.tabs = QTabWidget()
        self.ready_tab = ReadyOrdersTab(ops)
        self.ready_tab.pick_list_created.connect(self._on_ready_tab_pick_list_created)
        self.tabs.addTab(self.ready_tab, "Ready to pick")
        self.tabs.addTab(self._build_lists_tab(sounds), "Pick lists")
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)
        self.body.addWidget(self.tabs, 1)
        self._stale_tabs = {READY, LISTS}

    def _build_lists_tab(self, sounds: SoundPlayer | None) -> QWidget:
        self.lists_model = ListTableModel(LIST_COLUMNS, id_of=lambda r: r[0], parent=self)
        self.lists_table = QTableView()
        self.lists_table.setModel(self.lists_model)
        self.lists_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.lists_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.lists_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.lists_table.verticalHeader().setVisible(False)
        lists_header = self.lists_table.horizontalHeader()
        lists_header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        lists_header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.lists_table.clicked.connect(self._on_lists_table_clicked)
        self.finished_box = QCheckBox("Show finished lists")
        self.finished_box.toggled.connect(self._on_finished_box_toggled)
        self.pane = PickListPane(self.ops, sounds=sounds)
        self.pane.opened.connect(self._on_pane_opened)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 8, 0, 0)
        left_layout.addWidget(QLabel("Pick lists", objectName="fieldCaption"))
        left_layout.addWidget(self.lists_table, 1)
        left_layout.addWidget(self.finished_box)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(8, 8, 0, 0)
        right_layout.addWidget(self.pane)
        left.setMinimumWidth(150)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([230, 810])
        return splitter

    # -- refresh -----------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload the visible tab now and the other one when it is shown."""
        super().refresh()
        self._stale_tabs = {READY, LISTS}
        self._refresh_tab(self.tabs.currentIndex())

    def _refresh_tab(self, index: int) -> None:
        self._stale_tabs.discard(index)
        if index == READY:
            self.ready_tab.refresh()
        else:
            self.reload_lists()

    def reload_lists(self) -> None:
        active_only = not self.finished_box.isChecked()
        QueryOp(
            self,
            lambda session: list_pick_lists(session, active_only=active_only),
            self._on_lists_loaded,
        ).run(self.ops)

    def _on_lists_loaded(self, rows: list[tuple[int, str, str, int]]) -> None:
        self.lists_model.set_rows(rows)
        self._select_shown_list()

    def _select_shown_list(self) -> None:
        shown = self.pane.pick_list
        row = self.lists_model.row_of_id(shown.id) if shown is not None else None
        if row is None:
            self.lists_table.clearSelection()
            return
        self.lists_table.selectionModel().setCurrentIndex(
            self.lists_model.index(row, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )

    def open_pick_list(self, pick_list_id: int) -> None:
        self.tabs.setCurrentIndex(LISTS)
        self.pane.open(pick_list_id)
        self.pane.scan_field.setFocus()

    # -- slots -------------------------------------------------------------------------------

    @Slot(int)
    def _on_tabs_current_changed(self, index: int) -> None:
        if index in self._stale_tabs:
            self._refresh_tab(index)
        if index == LISTS:
            self.pane.scan_field.setFocus()

    @Slot(int)
    def _on_ready_tab_pick_list_created(self, pick_list_id: int) -> None:
        self.open_pick_list(pick_list_id)

    @Slot(object)
    def _on_lists_table_clicked(self, index) -> None:
        self.pane.open(self.lists_model.row_at(index.row())[0])

    @Slot(bool)
    def _on_finished_box_toggled(self, _checked: bool) -> None:
        self.reload_lists()

    @Slot(int)
    def _on_pane_opened(self, _pick_list_id: int) -> None:
        self._select_shown_list()
