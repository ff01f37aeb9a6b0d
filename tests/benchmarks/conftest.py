"""Benchmark harness: one shared demo database at scale and a results table printed at the end.

`make bench` runs this folder (never part of `make test`). The database (100k products, 200k
orders by default; PACKBENCH_BENCH_PRODUCTS / PACKBENCH_BENCH_ORDERS override) is generated once
into bench-data/ and reused while the schema and sizes are unchanged.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from app.database import open_database
from app.paths import resolve_paths
from db.migrate import head_revision
from tests.benchmarks.harness import RESULTS, format_table

ROOT = Path(__file__).resolve().parents[2]
PRODUCTS = int(os.environ.get("PACKBENCH_BENCH_PRODUCTS", "100000"))
ORDERS = int(os.environ.get("PACKBENCH_BENCH_ORDERS", "200000"))


@pytest.fixture(scope="session")
def bench_paths():
    """Paths of the shared benchmark shop, generated on first use (takes under a minute)."""
    folder = ROOT / "bench-data" / f"shop-{PRODUCTS}p-{ORDERS}o-{head_revision()}"
    paths = resolve_paths(data_dir=folder, env={})
    if not (folder / "ready").exists():
        shutil.rmtree(folder, ignore_errors=True)
        paths.ensure()
        from app.demo import generate_demo
        from app.uow import unit_of_work

        db = open_database(paths)
        started = time.perf_counter()
        with unit_of_work(db.session_factory) as session:
            summary = generate_demo(session, products=PRODUCTS, orders=ORDERS)
        seconds = time.perf_counter() - started
        # No ANALYZE: the app never runs it, so the queries are measured the way a shop's
        # database answers them (without planner statistics).
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
        RESULTS.record(
            "demo: generate shop",
            seconds * 1000,
            unit="ms",
            target="< 60 s",
            note=f"{summary.products:,} products, {summary.orders:,} orders, "
            f"{summary.order_lines:,} lines",
        )
        (folder / "ready").write_text(f"{seconds:.1f}\n")
    return paths


@pytest.fixture(scope="session")
def bench_db(bench_paths):
    db = open_database(bench_paths)
    yield db
    db.close()


def pytest_terminal_summary(terminalreporter):
    if RESULTS.rows:
        terminalreporter.write_sep("=", "Packbench benchmarks")
        terminalreporter.write_line(format_table(RESULTS.rows))
