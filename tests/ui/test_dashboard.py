"""Dashboard: hand-computed tile numbers, refresh on changes and F5, tiles open filtered lists."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.changes import ChangeSet
from app.orders.services import release_hold
from app.settings import update_settings
from app.uow import unit_of_work
from tests.ui.test_reports_panel import NOW, build_shop
from ui.dashboard.dashboard_panel import DashboardPanel
from ui.main_window import MainWindow
from ui.navigation import PanelContext, PanelSpec
from ui.reports.reports_panel import ReportsPanel


class FilteredPanel(QWidget):
    """Stands in for a list panel that narrows itself to the criteria it is given."""

    def __init__(self) -> None:
        super().__init__()
        QVBoxLayout(self).addWidget(QLabel("list"))
        self.calls: list[dict] = []

    def show_filtered(self, **criteria) -> None:
        self.calls.append(criteria)


def _dashboard(context: PanelContext) -> QWidget:
    return DashboardPanel(context.ops, database_name=context.database_name, clock=lambda: NOW)


def _panels(exports: Path) -> tuple[PanelSpec, ...]:
    def reports(context: PanelContext) -> QWidget:
        return ReportsPanel(context.ops, exports_dir=exports, clock=lambda: NOW)

    return (
        PanelSpec("dashboard", "Dashboard", "Ctrl+1", _dashboard),
        PanelSpec("orders", "Orders", "Ctrl+2", lambda context: FilteredPanel()),
        PanelSpec("inventory", "Inventory", "Ctrl+3", lambda context: FilteredPanel()),
        PanelSpec("shipments", "Shipments", "Ctrl+6", lambda context: FilteredPanel()),
        PanelSpec("channels", "Channels", "Ctrl+9", lambda context: QWidget()),
        PanelSpec("reports", "Reports", "Ctrl+0", reports),
    )


@pytest.fixture
def shop(session_factory):
    return build_shop(session_factory)


@pytest.fixture
def window(qtbot, ops, ui_settings, shop, tmp_path) -> MainWindow:
    win = MainWindow(ops, ui_settings, database_name="shop.sqlite3", panels=_panels(tmp_path))
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    return win


@pytest.fixture
def dashboard(window) -> DashboardPanel:
    panel = window.show_panel("dashboard")
    assert isinstance(panel, DashboardPanel)
    return panel


def values(panel: DashboardPanel) -> dict[str, str]:
    return {key: tile.value_text for key, tile in panel.tiles.items()}


def test_tiles_show_the_hand_computed_numbers(dashboard):
    # To pick: SO-1, SO-2, SO-5, SO-6 (open, not held); SO-3 is held, SO-4 cancelled.
    # Late (older than 2 days on 10 Mar noon, held or not): SO-1, SO-2, SO-3.
    # Low stock: mug (20 on the shelf less what is reserved ≤ reorder point 50).
    # Shipped today: SH-3 (08:00). Sales today: SO-5 50.00 + SO-6 20.00, 3 units.
    assert values(dashboard) == {
        "to_pick": "4",
        "picking": "0",
        "to_ship": "0",
        "on_hold": "1",
        "late": "3",
        "low_stock": "1",
        "sync": "0",
        "mail": "0",
        "shipped_today": "1",
        "sales_today": "$70.00",
    }
    assert dashboard.tiles["late"].detail_text == "older than 2 days"
    assert dashboard.tiles["late"].tone == "problem"
    assert dashboard.tiles["sync"].tone == "good"
    assert dashboard.tiles["sales_today"].detail_text == "2 orders · 3 units"
    assert dashboard.channels_label.text() == (
        "Today by channel: Manual $50.00 (1 order) · Web $20.00 (1 order)"
    )
    chart = dashboard.chart_view.chart()
    assert chart.title() == "Sales, last 14 days (USD)"
    revenue = chart.series()[0].barSets()[0]
    assert revenue.count() == 14 and revenue.at(13) == 70.0 and revenue.at(5) == 60.0


def test_late_threshold_follows_the_setting_and_changes_refresh(dashboard, ops, session_factory):
    with unit_of_work(session_factory) as s:
        update_settings(s, {"orders.late_after_days": 10}, actor="owner")
    assert dashboard.tiles["late"].value_text == "3"  # not told yet
    ops.changes_applied.emit(ChangeSet(settings=True))
    assert dashboard.tiles["late"].value_text == "0"
    assert dashboard.tiles["late"].detail_text == "older than 10 days"
    assert dashboard.tiles["late"].tone == "good"


def test_f5_and_hidden_refresh(qtbot, window, dashboard, ops, session_factory, shop):
    with unit_of_work(session_factory) as s:
        release_hold(s, shop["o3"], actor="owner")
    qtbot.keyClick(window.sidebar, Qt.Key.Key_F5)
    assert dashboard.tiles["on_hold"].value_text == "0"
    assert dashboard.tiles["to_pick"].value_text == "5"
    window.show_panel("orders")
    ops.changes_applied.emit(ChangeSet(orders=True))
    assert dashboard.stale
    window.show_panel("dashboard")
    assert not dashboard.stale


LINKS = [
    ("to_pick", "orders", {"statuses": ("open", "partially_shipped"), "on_hold": False}),
    ("picking", "orders", {"statuses": ("picking",), "on_hold": False}),
    ("to_ship", "orders", {"statuses": ("packed",), "on_hold": False}),
    ("on_hold", "orders", {"on_hold": True}),
    ("late", "orders", {"late": True}),
    ("low_stock", "inventory", {"low_stock_only": True}),
    ("mail", "shipments", {"problems": "mail"}),
    ("shipped_today", "shipments", {"shipped_on": date(2026, 3, 10)}),
]


@pytest.mark.parametrize(("tile", "key", "criteria"), LINKS)
def test_clicking_a_tile_opens_its_filtered_list(qtbot, window, dashboard, tile, key, criteria):
    qtbot.mouseClick(dashboard.tiles[tile], Qt.MouseButton.LeftButton)
    assert window.current_panel_key() == key
    assert window.current_panel().calls == [criteria]


@pytest.mark.parametrize("key", [Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space])
def test_tiles_open_from_the_keyboard(qtbot, window, dashboard, key):
    tile = dashboard.tiles["late"]
    tile.setFocus()
    qtbot.waitUntil(tile.hasFocus)
    qtbot.keyClick(tile, key)
    assert window.current_panel_key() == "orders"
    assert window.current_panel().calls == [{"late": True}]


def test_panels_without_show_filtered_are_just_shown(qtbot, window, dashboard):
    qtbot.mouseClick(dashboard.tiles["sync"], Qt.MouseButton.LeftButton)
    assert window.current_panel_key() == "channels"


def test_sales_tile_opens_todays_sales_report(qtbot, window, dashboard):
    qtbot.mouseClick(dashboard.tiles["sales_today"], Qt.MouseButton.LeftButton)
    reports = window.current_panel()
    assert isinstance(reports, ReportsPanel)
    assert reports.filter_bar.preset == "today"
    assert reports.current_tab().key == "sales_by_day"
    assert [row[-1] for row in reports.current_tab().model.display_rows()] == ["$50.00", "$20.00"]


def test_open_link_passes_criteria_only_to_panels_that_filter(window):
    orders = window.open_link("orders", statuses=("packed",), on_hold=False)
    assert orders.calls == [{"statuses": ("packed",), "on_hold": False}]
    assert window.open_link("channels") is window.current_panel()
    with pytest.raises(KeyError):
        window.open_link("nope")


def test_tiles_are_focusable_in_order(dashboard):
    keys = list(dashboard.tiles)
    assert keys[0] == "to_pick" and keys[-1] == "sales_today"
    for tile in dashboard.tiles.values():
        assert tile.focusPolicy() == Qt.FocusPolicy.StrongFocus
        assert tile.accessibleName().startswith(tile.caption)


def test_failed_load_says_so(qtbot, ops, monkeypatch, messages):
    import ui.dashboard.dashboard_panel as module

    def broken(session, now):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(module, "load_dashboard", broken)
    panel = DashboardPanel(ops, database_name="x", clock=lambda: NOW)
    qtbot.addWidget(panel)
    panel.refresh()
    assert panel.tiles["to_pick"].value_text == "—"
    assert len(messages) == 1 and "Unexpected error" in messages[0][1]


def test_every_tile_has_a_link(dashboard):
    assert {key: dashboard.link_for(key).key for key in dashboard.tiles} == {
        "to_pick": "orders",
        "picking": "orders",
        "to_ship": "orders",
        "on_hold": "orders",
        "late": "orders",
        "low_stock": "inventory",
        "sync": "channels",
        "mail": "shipments",
        "shipped_today": "shipments",
        "sales_today": "reports",
    }
