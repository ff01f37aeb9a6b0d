"""ReportsPanel: a date range and channel over tabs of charts and tables; the shown tab loads."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QTabWidget, QWidget

from app.reports.extra import ReportChannel, list_report_channels
from ui.ops import Ops, QueryOp
from ui.panel import Panel
from ui.reports.filter_bar import ALL_CHANNELS, MANUAL, ReportFilterBar
from ui.reports.layout import scroll_area
from ui.reports.report_tab import ReportRequest, ReportTab
from ui.reports.sales_tabs import FulfilmentTab, SalesByChannelTab, SalesByDayTab, TopProductsTab
from ui.reports.stock_tabs import ReorderTab, ReturnsTab, SlowMoversTab, StockValueTab

TAB_CLASSES: tuple[type[ReportTab], ...] = (
    SalesByDayTab,
    SalesByChannelTab,
    TopProductsTab,
    FulfilmentTab,
    ReturnsTab,
    StockValueTab,
    SlowMoversTab,
    ReorderTab,
)


class ReportsPanel(Panel):
    """Any change to the range or channel goes to every tab; only the visible one queries.
    Hidden tabs catch up when shown. F5 and relevant data changes reload."""

    refresh_on = (
        "orders",
        "products",
        "stock",
        "shipments",
        "returns",
        "purchasing",
        "channels",
        "settings",
    )

    def __init__(
        self,
        ops: Ops,
        *,
        exports_dir: Path,
        clock: Callable[[], datetime] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            ops,
            "Reports",
            "Sales, fulfilment, returns and stock. Every table exports to CSV, every chart to "
            "PNG and PDF.",
            parent,
        )
        self._clock = clock or (lambda: datetime.now(UTC))
        self._holding = False
        self._wanted_channel: int | None = None
        self._channels_generation = 0
        self.channels: list[ReportChannel] = []
        self.filter_bar = ReportFilterBar(self._today())
        self.scroll_area = scroll_area(self.body)
        content = self.scroll_area.widget().layout()
        content.addWidget(self.filter_bar)
        self.tab_widget = QTabWidget()
        self.tab_widget.setDocumentMode(True)
        self.tabs: dict[str, ReportTab] = {}
        for tab_class in TAB_CLASSES:
            tab = tab_class(ops, exports_dir)
            self.tabs[tab.key] = tab
            self.tab_widget.addTab(tab, tab.title)
        content.addWidget(self.tab_widget, 1)
        self.filter_bar.filter_changed.connect(self._on_filter_bar_filter_changed)
        self.tab_widget.currentChanged.connect(self._on_tab_widget_current_changed)

    def _today(self) -> date:
        return self._clock().astimezone(UTC).date()

    def current_tab(self) -> ReportTab:
        tab = self.tab_widget.currentWidget()
        assert isinstance(tab, ReportTab)
        return tab

    def show_tab(self, key: str) -> ReportTab:
        """Switch to the tab `key` (loading it if needed); KeyError for unknown keys."""
        tab = self.tabs[key]
        self.tab_widget.setCurrentWidget(tab)
        return tab

    # -- loading -----------------------------------------------------------------------------

    def refresh(self) -> None:
        super().refresh()
        self._channels_generation += 1
        generation = self._channels_generation
        QueryOp(
            self,
            list_report_channels,
            lambda channels: self._on_channels_loaded(generation, channels),
        ).run(self.ops)
        self.filter_bar.set_today(self._today())
        for tab in self.tabs.values():
            tab.invalidate()
        self._apply_request()

    def _on_channels_loaded(self, generation: int, channels: list[ReportChannel]) -> None:
        if generation != self._channels_generation:
            return
        self.channels = list(channels)
        self.filter_bar.set_channels(self.channels)
        if self._wanted_channel is not None:
            wanted, self._wanted_channel = self._wanted_channel, None
            if self.filter_bar.channel_combo.findData(wanted) >= 0:
                self.filter_bar.set_channel(wanted)

    def _apply_request(self) -> None:
        """Hand the bar's filter to every tab and load the visible one."""
        if self._holding:
            return
        request = ReportRequest(
            self.filter_bar.report_filter(),
            self.filter_bar.today,
            self.filter_bar.channel_name(),
        )
        for tab in self.tabs.values():
            tab.set_request(request)
        self._show_applicable()
        self.current_tab().load()

    def _show_applicable(self) -> None:
        tab = self.current_tab()
        self.filter_bar.preset_combo.setEnabled(tab.uses_dates)
        custom = self.filter_bar.preset == "custom"
        self.filter_bar.from_edit.setEnabled(tab.uses_dates and custom)
        self.filter_bar.to_edit.setEnabled(tab.uses_dates and custom)
        self.filter_bar.channel_combo.setEnabled(tab.uses_channel)

    # -- links -------------------------------------------------------------------------------

    def show_filtered(
        self,
        *,
        preset: str | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        channel_id: int | None = None,
        manual_only: bool = False,
        tab: str | None = None,
    ) -> None:
        """Open the reports on a range and channel (MainWindow.open_link's criteria).

        preset: "today", "last_7_days", "last_30_days", "this_month", "last_month";
        date_from/date_to: a custom range of UTC days (either alone means that one day);
        channel_id: one channel; manual_only: orders without a channel (neither: all channels);
        tab: a report key ("sales_by_day", "sales_by_channel", "top_products", "fulfilment",
        "returns", "stock_value", "slow_movers", "reorder"). Unknown values raise KeyError.
        """
        if tab is not None and tab not in self.tabs:
            raise KeyError(tab)
        self._holding = True
        try:
            if date_from is not None or date_to is not None:
                first = date_from or date_to
                last = date_to or date_from
                assert first is not None and last is not None
                self.filter_bar.set_range(first, last)
            elif preset is not None:
                self.filter_bar.set_preset(preset)
            choice = MANUAL if manual_only else (channel_id or ALL_CHANNELS)
            if self.filter_bar.channel_combo.findData(choice) < 0:
                self._wanted_channel = choice  # the channel list is still loading
                choice = ALL_CHANNELS
            self.filter_bar.set_channel(choice)
            if tab is not None:
                self.show_tab(tab)
        finally:
            self._holding = False
        self._apply_request()

    # -- slots -------------------------------------------------------------------------------

    @Slot()
    def _on_filter_bar_filter_changed(self) -> None:
        self._apply_request()

    @Slot(int)
    def _on_tab_widget_current_changed(self, _index: int) -> None:
        if self._holding:
            return
        self._show_applicable()
        self.current_tab().load()
