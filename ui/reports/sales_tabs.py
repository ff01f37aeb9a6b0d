"""Sales reports: sales by day, by channel, top products and fulfilment time."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QComboBox, QLabel

from app.documents.formatting import format_money
from app.reports.queries import (
    ChannelSales,
    ProductSales,
    SalesRow,
    fulfilment_times,
    sales_by_channel,
    sales_by_day,
    top_products,
)
from app.settings import get_setting
from ui.reports.charts import bar_chart, bar_line_chart, empty_chart, pie_chart
from ui.reports.formatting import Money, major, plural, product_label
from ui.reports.report_tab import ReportRequest, ReportTab
from ui.reports.table_model import Column

NO_SALES = "no sales in this range"


def main_currency(shop_currency: str, revenue: dict[str, int]) -> str:
    """The currency charts are drawn in: the shop's when it sold anything, else the biggest."""
    if shop_currency in revenue or not revenue:
        return shop_currency
    return max(revenue, key=lambda cur: revenue[cur])


def chart_periods(first: date, last: date) -> tuple[str, list[tuple[date, str]]]:
    """Chart buckets over [first, last]: days up to 45 days, weeks up to 200, else months.
    Returns the unit and (bucket start, label) in order."""
    span = (last - first).days + 1
    if span <= 45:
        return "day", [
            (first + timedelta(days=n), f"{first + timedelta(days=n):%d %b}") for n in range(span)
        ]
    if span <= 200:
        start = first - timedelta(days=first.weekday())
        weeks = []
        while start <= last:
            weeks.append((start, f"wk {start:%d %b}"))
            start += timedelta(days=7)
        return "week", weeks
    months = []
    start = first.replace(day=1)
    while start <= last:
        months.append((start, f"{start:%b %Y}"))
        start = (start + timedelta(days=32)).replace(day=1)
    return "month", months


def bucket_of(day: date, unit: str) -> date:
    if unit == "week":
        return day - timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    return day


class SalesByDayTab(ReportTab):
    key = "sales_by_day"
    title = "Sales by day"
    columns = (
        Column("Day"),
        Column("Channel"),
        Column("Currency"),
        Column("Orders", "int"),
        Column("Units", "int"),
        Column("Revenue", "money"),
    )

    def query(self, request: ReportRequest) -> Callable[[Any], Any]:
        filt = request.filter

        def run(session: Any) -> tuple[list[SalesRow], str]:
            return sales_by_day(session, filt), str(get_setting(session, "currency"))

        return run

    def present(self, result: tuple[list[SalesRow], str]) -> None:
        rows, shop_currency = result
        self.set_rows(
            [
                (
                    r.day,
                    r.channel,
                    r.currency,
                    r.orders,
                    r.units,
                    Money(r.revenue_minor, r.currency),
                )
                for r in rows
            ]
        )
        revenue: dict[str, int] = {}
        for r in rows:
            revenue[r.currency] = revenue.get(r.currency, 0) + r.revenue_minor
        currency = main_currency(shop_currency, revenue)
        orders = sum(r.orders for r in rows)
        units = sum(r.units for r in rows)
        money = ", ".join(format_money(v, c) for c, v in sorted(revenue.items())) or "nothing"
        self.set_note(
            f"{self.period_text()}: {plural(orders, 'order')}, {plural(units, 'unit')}, {money}."
        )
        filt = self.request.filter if self.request else None
        days = [date.fromisoformat(r.day) for r in rows]
        first = filt.date_from if filt and filt.date_from else min(days, default=None)
        last = filt.date_to if filt and filt.date_to else max(days, default=None)
        if not rows or first is None or last is None:
            self.set_chart(empty_chart(self.title, NO_SALES))
            return
        unit, periods = chart_periods(first, last)
        index = {start: n for n, (start, _label) in enumerate(periods)}
        money_per = [0.0] * len(periods)
        orders_per = [0.0] * len(periods)
        for r, day in zip(rows, days, strict=True):
            n = index.get(bucket_of(day, unit))
            if n is None:
                continue
            orders_per[n] += r.orders
            if r.currency == currency:
                money_per[n] += major(r.revenue_minor, currency)
        self.set_chart(
            bar_line_chart(
                f"Revenue and orders per {unit} ({currency})",
                [label for _start, label in periods],
                (f"Revenue ({currency})", money_per),
                ("Orders", orders_per),
                bar_title=currency,
                line_title="Orders",
            )
        )


class SalesByChannelTab(ReportTab):
    key = "sales_by_channel"
    title = "Sales by channel"
    columns = (
        Column("Channel"),
        Column("Currency"),
        Column("Orders", "int"),
        Column("Revenue", "money"),
        Column("Average order", "money"),
        Column("Share", "percent"),
    )

    def query(self, request: ReportRequest) -> Callable[[Any], Any]:
        filt = request.filter

        def run(session: Any) -> tuple[list[ChannelSales], str]:
            return sales_by_channel(session, filt), str(get_setting(session, "currency"))

        return run

    def present(self, result: tuple[list[ChannelSales], str]) -> None:
        rows, shop_currency = result
        revenue: dict[str, int] = {}
        for r in rows:
            revenue[r.currency] = revenue.get(r.currency, 0) + r.revenue_minor
        self.set_rows(
            [
                (
                    r.channel,
                    r.currency,
                    r.orders,
                    Money(r.revenue_minor, r.currency),
                    Money(r.average_minor, r.currency),
                    r.revenue_minor / revenue[r.currency] if revenue[r.currency] else None,
                )
                for r in rows
            ]
        )
        currency = main_currency(shop_currency, revenue)
        slices = [
            (r.channel, major(r.revenue_minor, currency))
            for r in rows
            if r.currency == currency and r.revenue_minor > 0
        ]
        self.set_note(
            f"{self.period_text()}: {plural(sum(r.orders for r in rows), 'order')} over "
            f"{plural(len({r.channel for r in rows}), 'channel')}. Share is of the revenue in "
            "the same currency."
        )
        if not slices:
            self.set_chart(empty_chart(self.title, NO_SALES))
            return
        self.set_chart(pie_chart(f"Revenue by channel ({currency})", slices))


class TopProductsTab(ReportTab):
    key = "top_products"
    title = "Top products"
    stretch_column = 2
    columns = (
        Column("#", "int"),
        Column("SKU"),
        Column("Product"),
        Column("Units", "int"),
        Column("Revenue", "money"),
    )
    chart_rows = 12

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.options_layout.addWidget(QLabel("Rank by"))
        self.by_combo = QComboBox()
        self.by_combo.addItem("Units sold", "units")
        self.by_combo.addItem("Revenue", "revenue")
        self.options_layout.addWidget(self.by_combo)
        self.options_layout.addWidget(QLabel("Show"))
        self.limit_combo = QComboBox()
        for limit in (10, 20, 50, 100):
            self.limit_combo.addItem(f"top {limit}", limit)
        self.limit_combo.setCurrentIndex(1)
        self.options_layout.addWidget(self.limit_combo)
        self.by_combo.currentIndexChanged.connect(self._on_by_combo_current_index_changed)
        self.limit_combo.currentIndexChanged.connect(self._on_limit_combo_current_index_changed)

    @property
    def ranked_by(self) -> str:
        return str(self.by_combo.currentData())

    def set_ranked_by(self, by: str) -> None:
        self.by_combo.setCurrentIndex(max(self.by_combo.findData(by), 0))

    def options(self) -> tuple:
        return (self.ranked_by, int(self.limit_combo.currentData()))

    def query(self, request: ReportRequest) -> Callable[[Any], Any]:
        filt = request.filter
        by, limit = self.options()

        def run(session: Any) -> tuple[list[ProductSales], str, str]:
            rows = top_products(session, filt, by=by, limit=limit)
            return rows, str(get_setting(session, "currency")), by

        return run

    def present(self, result: tuple[list[ProductSales], str, str]) -> None:
        rows, currency, by = result
        self.set_rows(
            [
                (n, r.sku, r.name, r.units, Money(r.revenue_minor, currency))
                for n, r in enumerate(rows, 1)
            ]
        )
        self.set_note(
            f"{self.period_text()}. Revenue is line totals after line discounts, in {currency}."
        )
        shown = rows[: self.chart_rows]
        if not shown:
            self.set_chart(empty_chart(self.title, NO_SALES))
            return
        if by == "revenue":
            values: Sequence[float] = [major(r.revenue_minor, currency) for r in shown]
            title, axis = f"Top products by revenue ({currency})", f"Revenue ({currency})"
        else:
            values = [float(r.units) for r in shown]
            title, axis = "Top products by units sold", "Units"
        self.set_chart(
            bar_chart(
                title,
                [product_label(r.sku, r.name) for r in shown],
                [(axis, values)],
                value_title=axis,
                horizontal=True,
                labels=True,
            )
        )

    @Slot(int)
    def _on_by_combo_current_index_changed(self, _index: int) -> None:
        if self.isVisible():
            self.load()

    @Slot(int)
    def _on_limit_combo_current_index_changed(self, _index: int) -> None:
        if self.isVisible():
            self.load()


class FulfilmentTab(ReportTab):
    key = "fulfilment"
    title = "Fulfilment time"
    columns = (
        Column("Placed to first shipment"),
        Column("Orders", "int"),
        Column("Share", "percent"),
    )

    def query(self, request: ReportRequest) -> Callable[[Any], Any]:
        filt = request.filter
        return lambda session: fulfilment_times(session, filt)

    def present(self, result: tuple[list, float | None]) -> None:
        buckets, median = result
        total = sum(b.orders for b in buckets)
        self.set_rows([(b.label, b.orders, b.orders / total if total else None) for b in buckets])
        median_text = "—" if median is None else f"{median:.1f} days"
        self.set_note(
            f"Orders whose first shipment left in {self.period_text()}: {total:,}. "
            f"Median time from placed to shipped: {median_text}."
        )
        if not total:
            self.set_chart(empty_chart(self.title, "nothing shipped in this range"))
            return
        self.set_chart(
            bar_chart(
                f"Time to ship — median {median_text}",
                [b.label for b in buckets],
                [("Orders", [float(b.orders) for b in buckets])],
                value_title="Orders",
                labels=True,
            )
        )
