"""DashboardPanel: the morning numbers as tiles that open filtered lists (see links.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from PySide6.QtCharts import QChartView
from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from app.documents.formatting import format_money
from app.reports.queries import Dashboard, ReportFilter, SalesRow, dashboard, sales_by_day
from app.settings import get_setting
from ui.dashboard import links
from ui.dashboard.tiles import TILE_STYLE, DashboardTile
from ui.errors import show_error
from ui.ops import Ops, QueryOp
from ui.panel import Panel
from ui.reports.charts import bar_line_chart, configure_view, empty_chart
from ui.reports.formatting import major, plural
from ui.reports.layout import scroll_area

COLUMNS = 5
RECENT_DAYS = 14


@dataclass(frozen=True, slots=True)
class TodaySales:
    """Today's sales in one currency."""

    currency: str
    orders: int
    units: int
    revenue_minor: int


@dataclass(frozen=True, slots=True)
class DashboardData:
    board: Dashboard
    today: date
    currency: str  # the shop's currency, shown first
    sales: tuple[TodaySales, ...]  # the shop currency first, then by revenue
    by_channel: tuple[SalesRow, ...]  # today's rows, biggest first
    recent: tuple[SalesRow, ...]  # the last RECENT_DAYS days, today included


def load_dashboard(session: Any, now: datetime) -> DashboardData:
    """Worker thread: the dashboard figures and today's sales."""
    today = now.astimezone(UTC).date()
    first = today - timedelta(days=RECENT_DAYS - 1)
    recent = sales_by_day(session, ReportFilter(date_from=first, date_to=today))
    rows = [row for row in recent if row.day == today.isoformat()]
    currency = str(get_setting(session, "currency"))
    totals: dict[str, list[int]] = {}
    for row in rows:
        total = totals.setdefault(row.currency, [0, 0, 0])
        total[0] += row.orders
        total[1] += row.units
        total[2] += row.revenue_minor
    sales = sorted(
        (TodaySales(cur, *values) for cur, values in totals.items()),
        key=lambda s: (s.currency != currency, -s.revenue_minor),
    )
    return DashboardData(
        board=dashboard(session, now=now),
        today=today,
        currency=currency,
        sales=tuple(sales),
        by_channel=tuple(sorted(rows, key=lambda r: -r.revenue_minor)),
        recent=tuple(recent),
    )


def _tone(value: int, bad: str = "attention") -> str:
    return bad if value else "good"


class DashboardPanel(Panel):
    """Reloads when orders, stock, shipments, returns or channels change, and on F5."""

    refresh_on = (
        "orders",
        "products",
        "stock",
        "shipments",
        "returns",
        "channels",
        "pick_lists",
        "settings",
    )

    def __init__(
        self,
        ops: Ops,
        *,
        database_name: str,
        clock: Callable[[], datetime] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            ops, "Dashboard", "What needs doing today. Open a tile for its list.", parent
        )
        self.setStyleSheet(TILE_STYLE)
        self._clock = clock or (lambda: datetime.now(UTC))
        self._generation = 0
        self.data: DashboardData | None = None
        self.tiles: dict[str, DashboardTile] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(14)
        specs = (
            ("to_pick", "To pick", "Open orders waiting to be picked (not on hold)."),
            ("picking", "Picking", "Orders on a pick list now."),
            ("to_ship", "To ship", "Packed orders waiting for the carrier."),
            ("on_hold", "On hold", "Orders on hold that have not shipped."),
            ("late", "Late", "Unshipped orders older than the late-order setting."),
            ("low_stock", "Low stock", "Products at or below their reorder point."),
            ("sync", "Sync problems", "Failed channel syncs (24 h) and undeliverable pushes."),
            ("mail", "Mail problems", "Customer notification mail that could not be sent."),
            ("shipped_today", "Shipped today", "Shipments that left today (UTC day)."),
            ("sales_today", "Sales today", "Today's sales report (UTC day)."),
        )
        for key, caption, hint in specs:
            tile = DashboardTile(caption, hint)
            tile.setProperty("link", key)
            tile.activated.connect(self._on_tile_activated)
            self.tiles[key] = tile
        self.grid = grid
        self._columns = 0
        self._arrange_tiles(COLUMNS)
        # Small windows scroll instead of forcing the main window's minimum size up.
        self.scroll_area = scroll_area(self.body)
        content = self.scroll_area.widget().layout()
        content.addLayout(grid)
        self.channels_label = QLabel("", objectName="hint")
        self.channels_label.setWordWrap(True)
        content.addWidget(self.channels_label)
        self.chart_view = QChartView(empty_chart("Sales, last 14 days", ""))
        configure_view(self.chart_view)
        self.chart_view.setMinimumHeight(200)
        self.chart_view.setMaximumHeight(320)
        content.addWidget(self.chart_view, 1)
        self.status_label = QLabel("", objectName="hint")
        content.addWidget(self.status_label)
        self.database_label = QLabel(f"Database: {database_name}", objectName="hint")
        self.database_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.database_label.setWordWrap(True)
        content.addWidget(self.database_label)
        hint = QLabel(
            "Tab to a tile and press Enter to open it. Switch pages with Ctrl+1 … Ctrl+0; "
            "F5 reloads a page.",
            objectName="hint",
        )
        hint.setWordWrap(True)
        content.addWidget(hint)

    # -- loading -----------------------------------------------------------------------------

    def _arrange_tiles(self, columns: int) -> None:
        """Lay the tiles out in `columns` columns (fewer when the window is narrow)."""
        if columns == self._columns:
            return
        for tile in self.tiles.values():
            self.grid.removeWidget(tile)
        for index, tile in enumerate(self.tiles.values()):
            self.grid.addWidget(tile, index // columns, index % columns)
        for column in range(max(columns, self._columns)):
            self.grid.setColumnStretch(column, 1 if column < columns else 0)
        self._columns = columns

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        spacing = self.grid.horizontalSpacing()
        # The panel's own width: the scroll area is only resized after this event.
        margins = self.body.contentsMargins()
        room = self.width() - margins.left() - margins.right() - 24  # a scroll bar's room
        tile = next(iter(self.tiles.values())).minimumWidth()
        self._arrange_tiles(max(2, min(COLUMNS, (room + spacing) // (tile + spacing))))

    def refresh(self) -> None:
        super().refresh()
        self._generation += 1
        generation = self._generation
        now = self._clock()
        QueryOp(
            self,
            lambda session: load_dashboard(session, now),
            lambda data: self._on_loaded(generation, data),
            lambda exc: self._on_failed(generation, exc),
        ).run(self.ops)

    def _on_loaded(self, generation: int, data: DashboardData) -> None:
        if generation != self._generation:
            return  # a newer refresh is on its way; this one is out of date
        self.data = data
        self._show(data)

    def _on_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        for tile in self.tiles.values():
            tile.set_value("—", "could not load")
        self.status_label.setText("The numbers could not be loaded; press F5 to try again.")
        show_error(self, exc, self.ops.log_path)

    def _show(self, data: DashboardData) -> None:
        b = data.board
        self.tiles["to_pick"].set_value(f"{b.to_pick:,}", "open, not on hold", "neutral")
        self.tiles["picking"].set_value(f"{b.picking:,}", "on pick lists", "neutral")
        self.tiles["to_ship"].set_value(f"{b.to_ship:,}", "packed, awaiting carrier", "neutral")
        self.tiles["on_hold"].set_value(f"{b.on_hold:,}", "held orders", _tone(b.on_hold))
        self.tiles["late"].set_value(
            f"{b.late:,}",
            f"older than {plural(b.late_after_days, 'day')}",
            _tone(b.late, "problem"),
        )
        self.tiles["low_stock"].set_value(
            f"{b.low_stock:,}", "at or below reorder point", _tone(b.low_stock)
        )
        self.tiles["sync"].set_value(
            f"{b.sync_errors + b.outbox_dead:,}",
            f"{plural(b.sync_errors, 'failed sync')} (24 h) · {plural(b.outbox_dead, 'dead push')}",
            _tone(b.sync_errors + b.outbox_dead, "problem"),
        )
        self.tiles["mail"].set_value(
            f"{b.mail_problems:,}", "notifications not sent", _tone(b.mail_problems, "problem")
        )
        self.tiles["shipped_today"].set_value(
            f"{b.shipped_today:,}", f"on {data.today:%a %d %b}", "neutral"
        )
        self._show_sales(data)
        local = b.generated_at.astimezone()
        self.status_label.setText(f"Updated {local:%H:%M:%S}.")

    def _show_sales(self, data: DashboardData) -> None:
        main = next((s for s in data.sales if s.currency == data.currency), None)
        others = [s for s in data.sales if s.currency != data.currency]
        revenue = format_money(main.revenue_minor if main else 0, data.currency)
        orders = sum(s.orders for s in data.sales)
        units = sum(s.units for s in data.sales)
        detail = f"{plural(orders, 'order')} · {plural(units, 'unit')}"
        if others:
            detail += " · also " + ", ".join(
                format_money(s.revenue_minor, s.currency) for s in others
            )
        self.tiles["sales_today"].set_value(revenue, detail, "neutral")
        if data.by_channel:
            parts = [
                f"{row.channel} {format_money(row.revenue_minor, row.currency)} "
                f"({plural(row.orders, 'order')})"
                for row in data.by_channel
            ]
            self.channels_label.setText("Today by channel: " + " · ".join(parts))
        else:
            self.channels_label.setText("No sales yet today.")
        self._show_recent(data)

    def _show_recent(self, data: DashboardData) -> None:
        first = data.today - timedelta(days=RECENT_DAYS - 1)
        days = [first + timedelta(days=n) for n in range(RECENT_DAYS)]
        index = {day.isoformat(): n for n, day in enumerate(days)}
        revenue = [0.0] * RECENT_DAYS
        orders = [0.0] * RECENT_DAYS
        for row in data.recent:
            n = index.get(row.day)
            if n is None:
                continue
            orders[n] += row.orders
            if row.currency == data.currency:
                revenue[n] += major(row.revenue_minor, data.currency)
        chart = bar_line_chart(
            f"Sales, last {RECENT_DAYS} days ({data.currency})",
            [f"{day:%d %b}" for day in days],
            (f"Revenue ({data.currency})", revenue),
            ("Orders", orders),
            bar_title=data.currency,
            line_title="Orders",
        )
        old = self.chart_view.chart()
        self.chart_view.setChart(chart)
        if old is not None and old is not chart:
            old.deleteLater()

    # -- links -------------------------------------------------------------------------------

    def link_for(self, key: str) -> links.Link:
        """Where the tile `key` leads (see ui/dashboard/links.py)."""
        today = self.data.today if self.data else self._clock().astimezone(UTC).date()
        return {
            "to_pick": links.to_pick,
            "picking": links.picking,
            "to_ship": links.to_ship,
            "on_hold": links.on_hold,
            "late": links.late,
            "low_stock": links.low_stock,
            "sync": links.sync_problems,
            "mail": links.mail_problems,
            "shipped_today": lambda: links.shipped_on(today),
            "sales_today": links.sales_today,
        }[key]()

    @Slot()
    def _on_tile_activated(self) -> None:
        tile = self.sender()
        key = tile.property("link") if tile is not None else None
        if isinstance(key, str):
            self.open_tile(key)

    def open_tile(self, key: str) -> None:
        """Open the list behind tile `key` through the main window (no-op outside one)."""
        link = self.link_for(key)
        open_link = getattr(self.window(), "open_link", None)
        if callable(open_link):
            open_link(link.key, **link.criteria)
