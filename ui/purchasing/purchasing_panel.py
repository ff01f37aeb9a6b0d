"""PurchasingPanel: tabs for POs, suppliers, reorder, receiving, putaway and stock counts."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QTabWidget, QWidget

from ui.ops import Ops
from ui.panel import Panel
from ui.purchasing.common import STATION_STYLE
from ui.purchasing.count_station import CountStation
from ui.purchasing.orders_tab import PurchaseOrdersTab
from ui.purchasing.putaway import PutawayTab
from ui.purchasing.receiving_station import ReceivingStation
from ui.purchasing.reorder_tab import ReorderTab
from ui.purchasing.suppliers_tab import SuppliersTab


class PurchasingPanel(Panel):
    """Only the visible tab reloads after a change; the others reload when they are opened."""

    refresh_on = ("purchasing", "stock", "products")

    def __init__(self, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(
            ops,
            "Purchasing",
            "Order from suppliers, receive deliveries by scanning, put stock away, count bins.",
            parent,
        )
        self.setStyleSheet(STATION_STYLE)
        self.orders_tab = PurchaseOrdersTab(ops)
        self.suppliers_tab = SuppliersTab(ops)
        self.reorder_tab = ReorderTab(ops)
        self.receiving_tab = ReceivingStation(ops)
        self.putaway_tab = PutawayTab(ops)
        self.count_tab = CountStation(ops)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.orders_tab, "Purchase orders")
        self.tabs.addTab(self.suppliers_tab, "Suppliers")
        self.tabs.addTab(self.reorder_tab, "Reorder")
        self.tabs.addTab(self.receiving_tab, "Receiving")
        self.tabs.addTab(self.putaway_tab, "Putaway")
        self.tabs.addTab(self.count_tab, "Stock count")
        self.body.addWidget(self.tabs, 1)
        self._stale_tabs: set[QWidget] = set()
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)
        self.orders_tab.receive_requested.connect(self._on_orders_tab_receive_requested)
        self.reorder_tab.purchase_orders_created.connect(
            self._on_reorder_tab_purchase_orders_created
        )

    def refresh(self) -> None:
        """Reload the current tab now and the others when they are next shown."""
        super().refresh()
        current = self.tabs.currentWidget()
        self._stale_tabs = {self.tabs.widget(i) for i in range(self.tabs.count())} - {current}
        current.refresh()

    def show_tab(self, tab: QWidget) -> None:
        self.tabs.setCurrentWidget(tab)

    @Slot(int)
    def _on_tabs_current_changed(self, index: int) -> None:
        tab = self.tabs.widget(index)
        if tab in self._stale_tabs:
            self._stale_tabs.discard(tab)
            tab.refresh()
        if tab in (self.receiving_tab, self.count_tab):
            tab.scan_edit.setFocus()

    @Slot(str)
    def _on_orders_tab_receive_requested(self, number: str) -> None:
        self.show_tab(self.receiving_tab)
        self.receiving_tab.open_po(number)

    @Slot(list)
    def _on_reorder_tab_purchase_orders_created(self, po_ids: list) -> None:
        if po_ids:
            self.orders_tab.set_status_filter("Draft")
            self.show_tab(self.orders_tab)
            self.orders_tab.select_po(po_ids[-1])
