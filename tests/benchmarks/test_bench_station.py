"""Packing station: one item scan (resolve the code, count it, return the updated lines) over
the 100k-product shop, measured as the packer feels it: one transaction per scan."""

from __future__ import annotations

import sqlite3
import statistics
import time

from sqlalchemy import select

from app.packing.station import Outcome, StationState, handle_scan
from app.uow import unit_of_work
from db.models import OrderLine, SalesOrder
from tests.benchmarks.harness import RESULTS, per_call_ms


def _ready_orders(session, limit: int) -> list[tuple[str, list[str]]]:
    orders = session.execute(
        select(SalesOrder.id, SalesOrder.number)
        .where(
            SalesOrder.status == "open",
            SalesOrder.on_hold.is_(False),
            SalesOrder.fulfil_location_id.is_not(None),
        )
        .order_by(SalesOrder.id)
        .limit(limit * 3)
    ).all()
    chosen = []
    for order_id, number in orders:
        lines = session.execute(
            select(OrderLine.sku, OrderLine.allocated).where(
                OrderLine.order_id == order_id, OrderLine.allocated > 0
            )
        ).all()
        codes = [sku for sku, allocated in lines for _ in range(allocated)]
        if codes:
            chosen.append((number, codes))
        if len(chosen) == limit:
            break
    return chosen


def test_scan_to_updated_line(bench_db, bench_paths):
    factory = bench_db.session_factory
    with unit_of_work(factory, write=False) as s:
        orders = _ready_orders(s, 20)
    assert orders, "the bench shop has no open allocated orders"
    samples = []
    for number, codes in orders:
        state = StationState()
        with unit_of_work(factory) as s:
            state = handle_scan(s, state, number, actor="bench").state
        for code in codes:
            started = time.perf_counter()
            with unit_of_work(factory) as s:
                result = handle_scan(s, state, code, actor="bench")
            samples.append((time.perf_counter() - started) * 1000)
            assert result.outcome in (Outcome.COUNTED, Outcome.COMPLETE), result.message
            state = result.state
        with unit_of_work(factory) as s:  # put the bench shop back as it was
            for _ in codes:
                state = handle_scan(s, state, "CMD-UNDO", actor="bench").state
    raw = sqlite3.connect(bench_paths.db_file, isolation_level=None)
    skus = [code for _, codes in orders for code in codes]
    position = iter(range(10**9))

    def raw_scan():
        raw.execute("BEGIN IMMEDIATE")
        raw.execute("SELECT id FROM product WHERE sku = ?", (skus[next(position) % len(skus)],))
        raw.execute("UPDATE shipment_line SET verified = verified WHERE id = 1")
        raw.execute("COMMIT")

    baseline = per_call_ms(raw_scan, repeat=500)
    raw.close()
    RESULTS.record(
        "scan → line updated (packing station)",
        statistics.median(samples),
        target="≤ 16 ms",
        baseline_name="raw sqlite3 lookup+update+commit",
        baseline_value=baseline,
        note=f"median of {len(samples)} scans; p95 "
        f"{sorted(samples)[int(len(samples) * 0.95)]:.1f} ms",
    )
