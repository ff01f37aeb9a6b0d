"""Stock and returns reports: returns by product, stock value, slow movers, reorder suggestions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QLabel, QSpinBox

from app.documents.formatting import format_money
from app.inventory.locations import list_locations
from app.inventory.reorder import SupplierSuggestion, reorder_suggestions
from app.reports.queries import SlowMover, StockValue, slow_movers, stock_value
from app.returns.dto import ProductReturnStats
from app.returns.queries import return_stats_by_product
from app.settings import get_setting
from ui.reports.charts import bar_chart, empty_chart
from ui.reports.formatting import Money, major, plural, product_label
from ui.reports.report_tab import ReportRequest, ReportTab
from ui.reports.table_model import Column


def short(text: str, width: int = 30) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def reason_label(reason: str) -> str:
    return reason.replace("_", " ").capitalize()


class _DaysTab(ReportTab):
    """A tab with a 'days' spin box in its option row; changing it reloads the tab."""

    def _add_days(self, label: str, value: int, tip: str) -> None:
        self.options_layout.addWidget(QLabel(label))
        self.days_spin = QSpinBox()
        self.days_spin.setRange(7, 730)
        self.days_spin.setSingleStep(7)
        self.days_spin.setValue(value)
        self.days_spin.setSuffix(" days")
        self.days_spin.setToolTip(tip)
        self.days_spin.setKeyboardTracking(False)  # typing "180" must not query 1, 18 and 180
        self.options_layout.addWidget(self.days_spin)
        self.days_spin.valueChanged.connect(self._on_days_spin_value_changed)

    @Slot(int)
    def _on_days_spin_value_changed(self, _value: int) -> None:
        if self.isVisible():
            self.load()


class ReturnsTab(ReportTab):
    key = "returns"
    title = "Returns"
    stretch_column = 5
    uses_channel = False
    columns = (
        Column("SKU"),
        Column("Product"),
        Column("Shipped", "int"),
        Column("Returned", "int"),
        Column("Return rate", "percent"),
        Column("Reasons"),
    )
    chart_rows = 10

    def query(self, request: ReportRequest) -> Callable[[Any], Any]:
        start, end = request.filter.bounds()
        return lambda session: return_stats_by_product(session, date_from=start, date_to=end)

    def present(self, result: list[ProductReturnStats]) -> None:
        self.set_rows(
            [
                (
                    r.sku,
                    r.name,
                    r.shipped_units,
                    r.returned_units,
                    r.rate,
                    ", ".join(f"{reason_label(k)} {v}" for k, v in r.reasons.items()),
                )
                for r in result
            ]
        )
        returned = sum(r.returned_units for r in result)
        self.set_note(
            f"{self.period_text()}: {plural(returned, 'unit')} returned across "
            f"{plural(len(result), 'product')} (RMAs created in the range, rejected ones left "
            "out; shipped = units that left in the range). The channel filter does not apply."
        )
        shown = result[: self.chart_rows]
        if not shown:
            self.set_chart(empty_chart(self.title, "no returns in this range"))
            return
        reasons = sorted({k for r in shown for k in r.reasons})
        self.set_chart(
            bar_chart(
                "Most returned products, by reason",
                [product_label(r.sku, r.name) for r in shown],
                [(reason_label(k), [float(r.reasons.get(k, 0)) for r in shown]) for k in reasons],
                value_title="Units returned",
                horizontal=True,
                stacked=True,
            )
        )


@dataclass(frozen=True, slots=True)
class LocationValue:
    name: str
    value: StockValue


class StockValueTab(ReportTab):
    key = "stock_value"
    title = "Stock value"
    uses_dates = False
    uses_channel = False
    columns = (
        Column("Location"),
        Column("Products", "int"),
        Column("Units", "int"),
        Column("Value at cost", "money"),
        Column("Value at price", "money"),
        Column("Quarantined units", "int"),
    )

    def query(self, request: ReportRequest) -> Callable[[Any], Any]:
        def run(session: Any) -> tuple[list[LocationValue], StockValue, str]:
            per_location = [
                LocationValue(f"{loc.code} — {loc.name}", stock_value(session, location_id=loc.id))
                for loc in list_locations(session, include_inactive=True)
            ]
            total = stock_value(session)
            held = [lv for lv in per_location if lv.value.units or lv.value.quarantined_units]
            return held, total, str(get_setting(session, "currency"))

        return run

    def present(self, result: tuple[list[LocationValue], StockValue, str]) -> None:
        locations, total, currency = result

        def row(name: str, v: StockValue) -> tuple:
            return (
                name,
                v.products,
                v.units,
                Money(v.cost_value_minor, currency),
                Money(v.retail_value_minor, currency),
                v.quarantined_units,
            )

        self.set_rows([row(lv.name, lv.value) for lv in locations] + [row("All locations", total)])
        margin = total.retail_value_minor - total.cost_value_minor
        self.set_note(
            f"On hand now: {plural(total.units, 'unit')} of {plural(total.products, 'product')}, "
            f"{format_money(total.cost_value_minor, currency)} at cost, "
            f"{format_money(total.retail_value_minor, currency)} at price "
            f"({format_money(margin, currency)} margin). "
            f"{plural(total.quarantined_units, 'quarantined unit')} not valued. "
            "Not affected by the date range or channel."
        )
        if not locations:
            self.set_chart(empty_chart(self.title, "no stock on hand"))
            return
        self.set_chart(
            bar_chart(
                f"Stock value by location ({currency})",
                [lv.name.split(" — ")[0] for lv in locations],
                [
                    ("At cost", [major(v.value.cost_value_minor, currency) for v in locations]),
                    ("At price", [major(v.value.retail_value_minor, currency) for v in locations]),
                ],
                value_title=currency,
            )
        )


class SlowMoversTab(_DaysTab):
    key = "slow_movers"
    title = "Slow movers"
    stretch_column = 1
    uses_dates = False
    uses_channel = False
    columns = (
        Column("SKU"),
        Column("Product"),
        Column("On hand", "int"),
        Column("Sold in window", "int"),
        Column("Cost tied up", "money"),
        Column("Last sold"),
    )
    chart_rows = 12

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._add_days("Sold in the last", 90, "How far back sales count")

    def options(self) -> tuple:
        return (self.days_spin.value(),)

    def query(self, request: ReportRequest) -> Callable[[Any], Any]:
        days, today = self.days_spin.value(), request.today

        def run(session: Any) -> tuple[list[SlowMover], str, int]:
            rows = slow_movers(session, days=days, today=today)
            return rows, str(get_setting(session, "currency")), days

        return run

    def present(self, result: tuple[list[SlowMover], str, int]) -> None:
        rows, currency, days = result
        self.set_rows(
            [
                (
                    r.sku,
                    r.name,
                    r.on_hand,
                    r.sold,
                    Money(r.cost_value_minor, currency),
                    r.last_sold or "never",
                )
                for r in rows
            ]
        )
        tied = sum(r.cost_value_minor for r in rows)
        self.set_note(
            f"Products holding stock that sold least in the last {days} days up to "
            f"{self.request.today if self.request else ''}, most money tied up first: "
            f"{format_money(tied, currency)} at cost in these {len(rows)}. "
            "Not affected by the date range or channel."
        )
        shown = rows[: self.chart_rows]
        if not shown:
            self.set_chart(empty_chart(self.title, "no stock on hand"))
            return
        self.set_chart(
            bar_chart(
                f"Cost tied up in slow movers ({currency})",
                [product_label(r.sku, r.name) for r in shown],
                [(f"At cost ({currency})", [major(r.cost_value_minor, currency) for r in shown])],
                value_title=currency,
                horizontal=True,
            )
        )


class ReorderTab(_DaysTab):
    key = "reorder"
    title = "Reorder suggestions"
    stretch_column = 2
    uses_dates = False
    uses_channel = False
    columns = (
        Column("Supplier"),
        Column("SKU"),
        Column("Product"),
        Column("Sold", "int"),
        Column("Per day", "float", 2),
        Column("Days of cover", "float"),
        Column("Available", "int"),
        Column("Incoming", "int"),
        Column("Reorder point", "int"),
        Column("Suggested", "int"),
        Column("Unit cost", "money"),
        Column("Line cost", "money"),
        Column("Why"),
    )

    chart_rows = 12

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._add_days("Sales window", 30, "Sales velocity is measured over this many days")

    def options(self) -> tuple:
        return (self.days_spin.value(),)

    def query(self, request: ReportRequest) -> Callable[[Any], Any]:
        days, today = self.days_spin.value(), request.today
        return lambda session: reorder_suggestions(session, window_days=days, today=today)

    def present(self, result: list[SupplierSuggestion]) -> None:
        rows = []
        for group in result:
            for r in group.rows:
                rows.append(
                    (
                        group.supplier_name,
                        r.sku,
                        r.name,
                        r.sold,
                        r.velocity_per_day,
                        r.days_of_cover,
                        r.available,
                        r.incoming,
                        r.reorder_point,
                        r.suggested_quantity,
                        Money(r.unit_cost_minor, group.currency),
                        Money(r.line_cost_minor, group.currency),
                        r.reason,
                    )
                )
        self.set_rows(rows)
        self.set_note(
            f"{plural(len(rows), 'product')} to reorder from {plural(len(result), 'supplier')}, "
            f"velocity over the last {self.days_spin.value()} days. Line costs are in each "
            "supplier's currency. Read-only here; create purchase orders in Purchasing."
        )
        if not result:
            self.set_chart(empty_chart(self.title, "nothing needs reordering"))
            return
        biggest = sorted(result, key=lambda g: -g.total_units)[: self.chart_rows]
        more = len(result) - len(biggest)
        self.set_chart(
            bar_chart(
                "Units to order per supplier"
                + (f" (top {len(biggest)} of {len(result)})" if more else ""),
                [short(g.supplier_name) for g in biggest],
                [("Units", [float(g.total_units) for g in biggest])],
                value_title="Units",
                horizontal=True,
                labels=True,
            )
        )
