"""The main window's pages: key, title, shortcut and how to build each panel (built on demand)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import QWidget

from ui.ops import Ops


@dataclass(frozen=True, slots=True)
class PanelContext:
    """What a panel may need from the shell."""

    ops: Ops
    database_name: str
    log_path: Path | None = None


@dataclass(frozen=True, slots=True)
class PanelSpec:
    key: str
    title: str
    shortcut: str
    build: Callable[[PanelContext], QWidget]


def _dashboard(context: PanelContext) -> QWidget:
    from ui.dashboard.dashboard_panel import DashboardPanel

    return DashboardPanel(context.ops, database_name=context.database_name)


def _orders(context: PanelContext) -> QWidget:
    from ui.orders.orders_panel import OrdersPanel

    return OrdersPanel(context.ops)


def _settings(context: PanelContext) -> QWidget:
    from ui.settings.settings_panel import SettingsPanel

    return SettingsPanel(context.ops)


def _inventory(context: PanelContext) -> QWidget:
    from ui.inventory.inventory_panel import InventoryPanel

    return InventoryPanel(context.ops)


def _purchasing(context: PanelContext) -> QWidget:
    from ui.purchasing.purchasing_panel import PurchasingPanel

    return PurchasingPanel(context.ops)


def _returns(context: PanelContext) -> QWidget:
    from ui.returns.returns_panel import ReturnsPanel

    return ReturnsPanel(context.ops)


def _picking(context: PanelContext) -> QWidget:
    from ui.picking.picking_panel import PickingPanel

    return PickingPanel(context.ops)


def _packing(context: PanelContext) -> QWidget:
    from ui.packing.station_panel import PackingStationPanel

    return PackingStationPanel(context.ops)


def _shipments(context: PanelContext) -> QWidget:
    from ui.shipping.shipments_panel import ShipmentsPanel

    return ShipmentsPanel(context.ops)


def _reports(context: PanelContext) -> QWidget:
    from ui.reports.reports_panel import ReportsPanel

    return ReportsPanel(context.ops, exports_dir=context.ops.exports_dir)


def _channels(context: PanelContext) -> QWidget:
    from ui.channels.channels_panel import ChannelsPanel

    return ChannelsPanel(context.ops)


# Keys are stored in QSettings (the last panel shown); titles and shortcuts are the sidebar's.
PANELS: tuple[PanelSpec, ...] = (
    PanelSpec("dashboard", "Dashboard", "Ctrl+1", _dashboard),
    PanelSpec("orders", "Orders", "Ctrl+2", _orders),
    PanelSpec("inventory", "Inventory", "Ctrl+3", _inventory),
    PanelSpec("picking", "Picking", "Ctrl+4", _picking),
    PanelSpec("packing", "Packing", "Ctrl+5", _packing),
    PanelSpec("shipments", "Shipments", "Ctrl+6", _shipments),
    PanelSpec("returns", "Returns", "Ctrl+7", _returns),
    PanelSpec("purchasing", "Purchasing", "Ctrl+8", _purchasing),
    PanelSpec("channels", "Channels", "Ctrl+9", _channels),
    PanelSpec("reports", "Reports", "Ctrl+0", _reports),
    PanelSpec("settings", "Settings", "Ctrl+,", _settings),
)
