"""The product table's columns and row colours (a PagedTableModel over list_product_page)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtGui import QColor

from app.inventory.dto import LocationInfo
from app.inventory.queries import StockRow
from ui.inventory.formatting import (
    ARCHIVED_FOREGROUND,
    LOW_STOCK_BACKGROUND,
    LOW_STOCK_FOREGROUND,
    money_text,
)
from ui.widgets.paged_table import Column

# Widths in pixels; the name column takes what is left of the view (within NAME_WIDTHS) and
# location columns are sized to their titles.
WIDTHS = {
    "sku": 90,
    "gtin": 106,
    "on_hand": 66,
    "reserved": 68,
    "available": 72,
    "incoming": 68,
    "quarantined": 82,
    "price": 70,
}
NAME_WIDTHS = (160, 420)
LOCATION_WIDTH = 74


def _number(value: int) -> str:
    return f"{value:,}"


def _location_available(location_id: int) -> Callable[[StockRow], str]:
    def available(row: StockRow) -> str:
        for stock in row.locations:
            if stock.location_id == location_id:
                return _number(stock.available)
        return "0"

    return available


def _location_tooltip(location: LocationInfo) -> Callable[[StockRow], str]:
    def tooltip(row: StockRow) -> str:
        for stock in row.locations:
            if stock.location_id == location.id:
                return (
                    f"{location.code} — {location.name}: {stock.on_hand:,} on hand, "
                    f"{stock.reserved:,} reserved, {stock.incoming:,} incoming, "
                    f"{stock.quarantined:,} quarantined"
                )
        return f"{location.code} — {location.name}: no stock"

    return tooltip


def _stock_tooltip(row: StockRow) -> str:
    if row.low:
        return f"Low stock: {row.available:,} available, reorder point {row.reorder_point:,}"
    return ""


def product_columns(currency: str, locations: Sequence[LocationInfo]) -> list[Column]:
    """SKU … Price, then "Available @CODE" for each active location."""
    columns = [
        Column("sku", "SKU", lambda r: r.sku, sort_key="sku"),
        Column("name", "Name", lambda r: r.name, sort_key="name", tooltip=lambda r: r.name),
        Column("gtin", "GTIN", lambda r: r.gtin or ""),
        Column("on_hand", "On hand", lambda r: _number(r.on_hand), align_right=True),
        Column("reserved", "Reserved", lambda r: _number(r.reserved), align_right=True),
        Column(
            "available",
            "Available",
            lambda r: _number(r.available),
            align_right=True,
            tooltip=_stock_tooltip,
        ),
        Column("incoming", "Incoming", lambda r: _number(r.incoming), align_right=True),
        Column("quarantined", "Quarantined", lambda r: _number(r.quarantined), align_right=True),
        Column("price", "Price", lambda r: money_text(r.price_minor, currency), align_right=True),
    ]
    for location in locations:
        columns.append(
            Column(
                f"available@{location.code}",
                f"Available\n@{location.code}",  # two lines keep the column narrow
                _location_available(location.id),
                align_right=True,
                tooltip=_location_tooltip(location),
            )
        )
    return columns


def column_width(key: str, title_width: int = 0) -> int:
    """A fixed column's width; location columns fit their title (`title_width` pixels)."""
    if key == "name":
        return NAME_WIDTHS[0]
    return WIDTHS.get(key, max(LOCATION_WIDTH, title_width + 16))


def row_background(row: StockRow) -> QColor | None:
    return LOW_STOCK_BACKGROUND if row.low and not row.archived else None


def row_foreground(row: StockRow) -> Any:
    if row.archived:
        return ARCHIVED_FOREGROUND
    return LOW_STOCK_FOREGROUND if row.low else None
