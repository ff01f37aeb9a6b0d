"""Report benchmarks: every report query over the 200k-order shop, last 30 and 365 days."""

# Target: each query < 300 ms (a Reports tab shows "Loading…" until it returns). Baseline: raw
# sqlite3 count(*), sum(total_minor) over the same window's orders, measured in the same run.

from __future__ import annotations

import sqlite3
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from app.inventory.reorder import reorder_suggestions
from app.reports.extra import list_report_channels
from app.reports.queries import (
    ReportFilter,
    dashboard,
    fulfilment_times,
    low_stock_count,
    sales_by_channel,
    sales_by_day,
    slow_movers,
    stock_value,
    top_products,
)
from app.returns.queries import return_stats_by_product
from app.uow import unit_of_work
from tests.benchmarks.harness import RESULTS

TARGET_MS = 300.0
TARGET = "< 300 ms"


def median_ms(fn: Callable[[], object], *, repeat: int = 5) -> float:
    """Median of a few calls after one warm-up; slow calls (over a second) are timed twice."""
    started = time.perf_counter()
    fn()
    if time.perf_counter() - started > 1.0:
        repeat = 2
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def _record(name: str, ms: float, baseline_name: str, baseline: float | None) -> None:
    RESULTS.record(
        name,
        ms,
        target=TARGET,
        baseline_name=baseline_name,
        baseline_value=baseline,
        note="" if ms < TARGET_MS else "MISS",
    )


@pytest.mark.parametrize("days", [30, 365])
def test_report_queries(bench_db, bench_paths, days):
    today = datetime.now(UTC).date()
    first = today - timedelta(days=days - 1)
    filt = ReportFilter(date_from=first, date_to=today)
    start, end = filt.bounds()
    raw = sqlite3.connect(bench_paths.db_file)
    # The ORM's own storage format for UTC timestamps on SQLite (naive, microseconds).
    since = f"{first:%Y-%m-%d} 00:00:00.000000"
    orders, _total = raw.execute(
        "SELECT count(*), sum(total_minor) FROM sales_order WHERE placed_at >= ?", (since,)
    ).fetchone()
    baseline = median_ms(
        lambda: raw.execute(
            "SELECT count(*), sum(total_minor) FROM sales_order WHERE placed_at >= ?", (since,)
        ).fetchone(),
        repeat=20,
    )
    raw.close()
    base_name = f"raw count+sum {days} d"
    RESULTS.record(
        f"reports {days} d: raw baseline", baseline, target="", note=f"{orders:,} orders"
    )
    with unit_of_work(bench_db.session_factory, write=False) as s:
        queries: list[tuple[str, Callable[[], object]]] = [
            ("sales_by_day", lambda: sales_by_day(s, filt)),
            ("sales_by_channel", lambda: sales_by_channel(s, filt)),
            ("top_products by units", lambda: top_products(s, filt)),
            ("top_products by revenue", lambda: top_products(s, filt, by="revenue")),
            ("fulfilment_times", lambda: fulfilment_times(s, filt)),
            (
                "return_stats_by_product",
                lambda: return_stats_by_product(s, date_from=start, date_to=end),
            ),
            ("slow_movers", lambda: slow_movers(s, days=days, today=today)),
            ("reorder_suggestions", lambda: reorder_suggestions(s, window_days=days, today=today)),
        ]
        for name, query in queries:
            _record(f"reports {days} d: {name}", median_ms(query), base_name, baseline)


def test_undated_reports_and_dashboard(bench_db, bench_paths):
    raw = sqlite3.connect(bench_paths.db_file)
    baseline = median_ms(
        lambda: raw.execute("SELECT count(*), sum(total_minor) FROM sales_order").fetchone(),
        repeat=20,
    )
    raw.close()
    from ui.dashboard.dashboard_panel import load_dashboard  # the panel's whole query

    now = datetime.now(UTC)
    with unit_of_work(bench_db.session_factory, write=False) as s:
        queries: list[tuple[str, Callable[[], object]]] = [
            ("stock_value", lambda: stock_value(s)),
            ("dashboard()", lambda: dashboard(s, now=now)),
            ("low_stock_count", lambda: low_stock_count(s)),
            ("dashboard panel load", lambda: load_dashboard(s, now)),
            ("channel list", lambda: list_report_channels(s)),
        ]
        for name, query in queries:
            _record(f"reports: {name}", median_ms(query), "raw count+sum all", baseline)
