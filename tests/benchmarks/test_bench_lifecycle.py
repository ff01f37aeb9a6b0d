"""Order lifecycle throughput: allocate → pick → pack → ship, one transaction per step."""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path

from sqlalchemy import insert, text

from app.database import open_database
from app.inventory.ledger import receive_stock
from app.inventory.locations import create_bin, create_location
from app.orders.services import allocate_order
from app.paths import resolve_paths
from app.picking.services import create_pick_list
from app.shipping.services import complete_packing, ship_shipment, start_packing, verify_item
from app.uow import unit_of_work
from db.models import Bin, OrderLine, Product, SalesOrder
from db.types import utcnow
from tests.benchmarks.harness import RESULTS

ORDERS = 1000
PRODUCTS = 200
BINS = 2000  # a warehouse's worth: bin lookups must not grow with the bins of a location
TRACKING = "1Z999AA10123456784"


def _raw_commits_per_second(path, count: int = 4000) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)")
    started = time.perf_counter()
    for i in range(count):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t (v) VALUES (?)", (i,))
        conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    conn.close()
    return count / seconds


def run_lifecycle(factory, order_ids, skus) -> dict[str, float]:
    """Seconds per step for allocate → pick list → pack (scanning every unit) → ship, one
    transaction per order and step."""
    steps: dict[str, float] = {}

    def step(name, fn):
        started = time.perf_counter()
        for order_id in order_ids:
            with unit_of_work(factory) as s:
                fn(s, order_id)
        steps[name] = time.perf_counter() - started

    step("allocate", lambda s, oid: allocate_order(s, oid, actor="bench"))
    step("pick list", lambda s, oid: create_pick_list(s, [oid], actor="bench"))
    shipments = {}

    def pack(s, oid):
        shipment = start_packing(s, oid, actor="bench")
        for sku in skus[oid]:
            verify_item(s, shipment.id, sku)
        complete_packing(s, shipment.id, actor="bench")
        shipments[oid] = shipment.id

    step("pack (5 scans)", pack)
    step(
        "ship",
        lambda s, oid: ship_shipment(
            s, shipments[oid], carrier="ups", tracking_number=TRACKING, actor="bench"
        ),
    )
    return steps


def test_lifecycle_throughput(tmp_path):
    paths = resolve_paths(data_dir=tmp_path / "shop", env={})
    paths.ensure()
    db = open_database(paths)
    factory = db.session_factory
    now = utcnow()
    with unit_of_work(factory) as s:
        main = create_location(s, code="MAIN", name="Main", actor="bench").id
        shelf = create_bin(s, location_id=main, code="A-01", actor="bench").id
        s.execute(
            insert(Product.__table__),
            [
                {
                    "sku": f"P-{i:05d}",
                    "name": f"Product {i}",
                    "weight_g": 100,
                    "price_minor": 500,
                    "cost_minor": 200,
                    "reorder_point": 0,
                    "reorder_quantity": 0,
                    "allow_backorder": False,
                    "archived": False,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(PRODUCTS)
            ],
        )
        ids = [p.id for p in s.query(Product.id)]
        s.execute(
            insert(Bin.__table__),
            [
                {"location_id": main, "code": f"B-{n:04d}", "kind": "storage",
                 "walk_sequence": n, "active": True}
                for n in range(1, BINS)
            ],
        )  # fmt: skip
        bins = [shelf, *(b.id for b in s.query(Bin.id).where(Bin.id != shelf))]
        for n, product_id in enumerate(ids):  # each product in two bins across the warehouse
            for bin_id in (bins[(n * 7) % BINS], bins[(n * 13 + 1) % BINS]):
                receive_stock(
                    s, product_id=product_id, bin_id=bin_id, quantity=5_000, actor="bench"
                )
        s.execute(
            insert(SalesOrder.__table__),
            [
                {
                    "number": f"SO-{i:06d}",
                    "status": "open",
                    "on_hold": False,
                    "payment_status": "paid",
                    "delivery_method": "ship",
                    "currency": "USD",
                    "ship_name": "Bench Customer",
                    "ship_country": "US",
                    "subtotal_minor": 2500,
                    "discount_minor": 0,
                    "shipping_minor": 0,
                    "tax_minor": 0,
                    "total_minor": 2500,
                    "paid_minor": 2500,
                    "refunded_minor": 0,
                    "risk_level": 0,
                    "placed_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(1, ORDERS + 1)
            ],
        )
        order_ids = [o.id for o in s.query(SalesOrder.id).order_by(SalesOrder.id)]
        s.execute(
            insert(OrderLine.__table__),
            [
                {
                    "order_id": order_id,
                    "line_no": n + 1,
                    "product_id": ids[(order_id * 7 + n) % PRODUCTS],
                    "sku": "x",
                    "name": "x",
                    "quantity": 1,
                    "unit_price_minor": 500,
                    "discount_minor": 0,
                    "allocated": 0,
                    "picked": 0,
                    "shipped": 0,
                    "returned": 0,
                }
                for order_id in order_ids
                for n in range(5)
            ],
        )
    skus = {}
    with unit_of_work(factory, write=False) as s:
        for order_id, sku in s.query(OrderLine.order_id, Product.sku).join(
            Product, Product.id == OrderLine.product_id
        ):
            skus.setdefault(order_id, []).append(sku)

    steps = run_lifecycle(factory, order_ids, skus)
    total = sum(steps.values())
    raw = _raw_commits_per_second(tmp_path / "raw.sqlite3")
    db.close()
    for name, seconds in steps.items():
        RESULTS.record(
            f"lifecycle step: {name}",
            ORDERS / seconds,
            unit="orders/s",
            target="",
            note=f"{ORDERS} orders, one transaction each; {BINS} bins",
        )
    RESULTS.record(
        "order lifecycle (allocate→pick→pack→ship)",
        ORDERS / total,
        unit="orders/s",
        target="≥ 250 orders/s",
        baseline_name="raw sqlite3 at 4 commits/order",
        baseline_value=raw / 4,
    )


def test_lifecycle_on_the_demo_shop(bench_paths, tmp_path):
    """The same steps for 1,000 new orders on a copy of the 200k-order shop (1M lines, a
    4,000-bin warehouse): a query plan that grows with the data shows here, where the small
    shop above would hide it."""
    paths = resolve_paths(data_dir=tmp_path / "big", env={})
    paths.ensure()
    for suffix in ("", "-wal"):
        source = Path(f"{bench_paths.db_file}{suffix}")
        if source.exists():
            shutil.copy2(source, f"{paths.db_file}{suffix}")
    db = open_database(paths)
    factory = db.session_factory
    now = utcnow()
    with unit_of_work(factory) as s:
        # The location with the most bins, and products with plenty unreserved there.
        location = s.execute(
            text("SELECT location_id FROM bin GROUP BY location_id ORDER BY count(*) DESC")
        ).scalar()
        stocked = s.execute(
            text(
                "SELECT sl.product_id, p.sku FROM stock_level sl "
                "JOIN bin b ON b.id = sl.bin_id JOIN product p ON p.id = sl.product_id "
                "WHERE b.location_id = :loc AND b.kind <> 'quarantine' "
                "AND NOT EXISTS (SELECT 1 FROM reservation r WHERE r.product_id = sl.product_id) "
                "GROUP BY sl.product_id HAVING sum(sl.on_hand) >= 20 ORDER BY sl.product_id "
                "LIMIT 1000"
            ),
            {"loc": location},
        ).all()
        assert len(stocked) == 1000, len(stocked)
        order_ids = [
            s.execute(
                insert(SalesOrder.__table__).returning(SalesOrder.__table__.c.id),
                {
                    "number": f"BENCH-{i:06d}", "status": "open", "on_hold": False,
                    "payment_status": "paid", "delivery_method": "ship", "currency": "USD",
                    "ship_name": "Bench Customer", "ship_country": "US",
                    "fulfil_location_id": location, "subtotal_minor": 2500,
                    "discount_minor": 0, "shipping_minor": 0, "tax_minor": 0,
                    "total_minor": 2500, "paid_minor": 2500, "refunded_minor": 0,
                    "risk_level": 0, "placed_at": now, "created_at": now, "updated_at": now,
                },
            ).scalar_one()
            for i in range(ORDERS)
        ]  # fmt: skip
        lines, skus = [], {}
        for i, order_id in enumerate(order_ids):
            for n in range(5):
                product_id, sku = stocked[(i * 5 + n) % len(stocked)]
                lines.append(
                    {"order_id": order_id, "line_no": n + 1, "product_id": product_id,
                     "sku": sku, "name": sku, "quantity": 1, "unit_price_minor": 500,
                     "discount_minor": 0, "allocated": 0, "picked": 0, "shipped": 0,
                     "returned": 0}
                )  # fmt: skip
                skus.setdefault(order_id, []).append(sku)
        s.execute(insert(OrderLine.__table__), lines)
    steps = run_lifecycle(factory, order_ids, skus)
    db.close()
    RESULTS.record(
        "order lifecycle on the 200k-order shop",
        ORDERS / sum(steps.values()),
        unit="orders/s",
        target="≥ 250 orders/s",
        note="per step: "
        + ", ".join(f"{name} {ORDERS / seconds:,.0f}/s" for name, seconds in steps.items()),
    )
