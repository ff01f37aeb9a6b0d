"""MainWindow: navigation by sidebar and shortcuts, status bar counts, saved window state."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QKeySequence

from app.changes import ChangeSet
from app.database import Database
from app.uow import unit_of_work
from db.models import Product
from ui.dashboard.dashboard_panel import DashboardPanel
from ui.main_window import PANEL_KEY, MainWindow
from ui.navigation import PANELS
from ui.settings.settings_panel import SettingsPanel

KEYS = [spec.key for spec in PANELS]


@pytest.fixture
def window(qtbot, ops, ui_settings, database: Database) -> MainWindow:
    win = MainWindow(ops, ui_settings, database_name="/shop/packbench.sqlite3", log_path=None)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    return win


def add_product(database: Database, sku: str) -> None:
    # Products have no service yet; tests may reach the database directly (ui/ may not).
    with unit_of_work(database.session_factory) as session:
        session.add(Product(sku=sku, name=f"Product {sku}"))


def test_every_sidebar_entry_shows_its_panel(qtbot, window):
    assert window.panel_keys() == KEYS
    assert len(KEYS) == 11
    for row, key in enumerate(KEYS):
        item = window.sidebar.item(row)
        rect = window.sidebar.visualItemRect(item)
        qtbot.mouseClick(window.sidebar.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        assert window.current_panel_key() == key
        assert window.current_panel() is window.panel(key)
        assert window.current_panel().isVisible()
        assert window.sidebar.currentRow() == row


def test_each_workflow_has_its_panel(window):
    from ui.channels.channels_panel import ChannelsPanel
    from ui.inventory.inventory_panel import InventoryPanel
    from ui.orders.orders_panel import OrdersPanel
    from ui.packing.station_panel import PackingStationPanel
    from ui.picking.picking_panel import PickingPanel
    from ui.purchasing.purchasing_panel import PurchasingPanel
    from ui.reports.reports_panel import ReportsPanel
    from ui.returns.returns_panel import ReturnsPanel
    from ui.shipping.shipments_panel import ShipmentsPanel

    expected = {
        "dashboard": DashboardPanel,
        "orders": OrdersPanel,
        "inventory": InventoryPanel,
        "picking": PickingPanel,
        "packing": PackingStationPanel,
        "shipments": ShipmentsPanel,
        "returns": ReturnsPanel,
        "purchasing": PurchasingPanel,
        "channels": ChannelsPanel,
        "reports": ReportsPanel,
        "settings": SettingsPanel,
    }
    assert set(expected) == set(KEYS)
    for key in KEYS:
        assert isinstance(window.show_panel(key), expected[key]), key


@pytest.mark.parametrize(
    ("key", "sequence"),
    [(key, f"Ctrl+{(i + 1) % 10}") for i, key in enumerate(KEYS[:10])] + [("settings", "Ctrl+,")],
)
def test_shortcuts_switch_panels(qtbot, window, key, sequence):
    start = "settings" if key == "dashboard" else "dashboard"
    window.show_panel(start)
    combination = QKeySequence(sequence)[0]
    qtbot.keyClick(window.sidebar, combination.key(), combination.keyboardModifiers())
    assert window.current_panel_key() == key


def test_show_panel_rejects_unknown_keys(window):
    with pytest.raises(KeyError):
        window.show_panel("nope")


def test_status_bar_shows_database_and_counts(qtbot, window, ops, database):
    assert "/shop/packbench.sqlite3" in window.database_label.text()
    assert window.counts_label.text() == "0 products · 0 orders"
    add_product(database, "A-1")
    ops.changes_applied.emit(ChangeSet(settings=True))  # not about products: no reload
    assert window.counts_label.text() == "0 products · 0 orders"
    ops.changes_applied.emit(ChangeSet(products=True))
    assert window.counts_label.text() == "1 product · 0 orders"


def test_status_bar_counts_refresh_on_changes_and_f5(qtbot, window, ops, database):
    assert window.counts_label.text() == "0 products · 0 orders"
    add_product(database, "A-1")
    ops.changes_applied.emit(ChangeSet(products=True))
    assert window.counts_label.text() == "1 product · 0 orders"
    add_product(database, "A-2")  # behind the app's back: F5 picks it up
    qtbot.keyClick(window.sidebar, Qt.Key.Key_F5)
    assert window.counts_label.text() == "2 products · 0 orders"


def test_ctrl_q_closes_and_saves_state(qtbot, window, ui_settings):
    window.show_panel("packing")
    qtbot.keyClick(window.sidebar, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert not window.isVisible()
    assert ui_settings.value(PANEL_KEY) == "packing"


def test_geometry_and_panel_are_restored(qtbot, ops, tmp_path):
    path = str(tmp_path / "window.ini")
    first = MainWindow(ops, QSettings(path, QSettings.Format.IniFormat), database_name="db")
    qtbot.addWidget(first)
    first.show()
    qtbot.waitExposed(first)
    first.resize(720, 530)  # the offscreen screen is 800×600
    first.show_panel("returns")
    first.close()

    second = MainWindow(ops, QSettings(path, QSettings.Format.IniFormat), database_name="db")
    qtbot.addWidget(second)
    second.show()
    qtbot.waitExposed(second)
    assert second.current_panel_key() == "returns"
    assert (second.width(), second.height()) == (720, 530)


def test_unknown_saved_panel_falls_back_to_dashboard(qtbot, ops, ui_settings):
    ui_settings.setValue(PANEL_KEY, "removed-panel")
    win = MainWindow(ops, ui_settings, database_name="db")
    qtbot.addWidget(win)
    assert win.current_panel_key() == "dashboard"
