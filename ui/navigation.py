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


def _settings(context: PanelContext) -> QWidget:
    from ui.settings.settings_panel import SettingsPanel

    return SettingsPanel(context.ops)


def _placeholder(title: str, coming: str) -> Callable[[PanelContext], QWidget]:
    def build(context: PanelContext) -> QWidget:
        from ui.placeholder import PlaceholderPanel

        return PlaceholderPanel(context.ops, title, coming)

    return build


# Replace a placeholder's builder when its workflow lands; keys are stored in QSettings.
PANELS: tuple[PanelSpec, ...] = (
    PanelSpec("dashboard", "Dashboard", "Ctrl+1", _dashboard),
    PanelSpec(
        "orders",
        "Orders",
        "Ctrl+2",
        _placeholder(
            "Orders",
            "order list with search and filters, order details, phone and in-store orders, "
            "holds, CSV import.",
        ),
    ),
    PanelSpec(
        "inventory",
        "Inventory",
        "Ctrl+3",
        _placeholder("Inventory", "catalog, bins, stock ledger, counts, receiving."),
    ),
    PanelSpec(
        "picking",
        "Picking",
        "Ctrl+4",
        _placeholder("Picking", "batch pick lists grouped by bin in walk order, with barcodes."),
    ),
    PanelSpec(
        "packing",
        "Packing",
        "Ctrl+5",
        _placeholder(
            "Packing",
            "scan-driven packing station with sound and colour feedback, packing slips, labels.",
        ),
    ),
    PanelSpec(
        "shipments",
        "Shipments",
        "Ctrl+6",
        _placeholder("Shipments", "shipments, carriers, tracking numbers, shipping labels."),
    ),
    PanelSpec(
        "returns",
        "Returns",
        "Ctrl+7",
        _placeholder(
            "Returns", "RMAs, return slips, restock / quarantine / scrap, refunds and exchanges."
        ),
    ),
    PanelSpec(
        "purchasing",
        "Purchasing",
        "Ctrl+8",
        _placeholder(
            "Purchasing", "suppliers, purchase orders, reorder suggestions, receiving against POs."
        ),
    ),
    PanelSpec(
        "channels",
        "Channels",
        "Ctrl+9",
        _placeholder(
            "Channels", "Shopify and WooCommerce connections, order and stock sync, outbox."
        ),
    ),
    PanelSpec(
        "reports",
        "Reports",
        "Ctrl+0",
        _placeholder("Reports", "sales, stock value, reorder list, late orders, exports."),
    ),
    PanelSpec("settings", "Settings", "Ctrl+,", _settings),
)
