"""Order CSV import: 10,000 orders × 5 lines in Packbench's template into a fresh shop."""

from __future__ import annotations

import csv
import random
import sqlite3
import time
from pathlib import Path

from sqlalchemy import func, insert, select

from app.database import open_database
from app.inventory.ledger import receive_stock
from app.inventory.locations import create_bin, create_location
from app.orders.csv_import import (
    PACKBENCH_COLUMNS,
    PACKBENCH_ORDER_COLUMNS,
    allocate_imported,
    import_orders,
)
from app.paths import resolve_paths
from app.uow import unit_of_work
from db.models import AuditEvent, OrderLine, Product, SalesOrder
from db.types import utcnow
from tests.benchmarks.harness import RESULTS

ORDERS = 10_000
LINES = 5
ALLOCATED = 1_000  # orders allocated afterwards (the separate step), to measure its rate
PRODUCTS = 2_000
CUSTOMERS = ORDERS // 3  # repeat buyers, as in the demo shop

# (country, region, city, postal code maker, weight): valid combinations for address checks
_PLACES = (
    ("US", "CA", "Mountain View", lambda r: f"9{r.randint(4000, 5999):04d}", 20),
    ("US", "NY", "New York", lambda r: f"1{r.randint(10, 49):02d}{r.randint(0, 99):02d}", 10),
    ("US", "TX", "Austin", lambda r: f"7{r.randint(5000, 9999):04d}", 10),
    ("US", "IL", "Chicago", lambda r: f"6{r.randint(0, 2999):04d}", 10),
    ("DE", "", "Berlin", lambda r: f"{r.randint(10115, 14199)}", 15),
    ("GB", "", "London", lambda r: f"SW{r.randint(1, 20)} {r.randint(1, 9)}AA", 10),
    ("FR", "", "Paris", lambda r: f"750{r.randint(1, 20):02d}", 10),
    ("NL", "", "Amsterdam", lambda r: f"10{r.randint(11, 99)} {r.choice('ABCDEFGH')}X", 5),
)
_FIRST = ("Zoë", "José", "Ann", "Łukasz", "Søren", "Mia", "Noah", "Chloé", "Ravi", "Yuki")
_LAST = ("Łukasiewicz", "Ñúñez", "Smith", "Müller", "Dupont", "van Dijk", "Tanaka", "Okafor")


def _customers(rng: random.Random) -> list[list[str]]:
    weights = [p[4] for p in _PLACES]
    people = []
    for i in range(CUSTOMERS):
        country, region, city, postal, _ = rng.choices(_PLACES, weights)[0]
        name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        people.append(
            [
                f"customer{i}@example.com",
                f"+1 555 {i:07d}",
                name,
                "",
                f"{rng.randint(1, 999)} {rng.choice(('Main St', 'Oak Ave', 'Hauptstraße'))}",
                rng.choice(("", "", "Apt 4, rear")),
                city,
                region,
                postal(rng),
                country,
                country,
            ]
        )
    return people


def write_order_file(path: Path, seed: int = 11) -> int:
    """A Packbench-template file of ORDERS orders × LINES lines; returns the row count."""
    rng = random.Random(seed)
    people = _customers(rng)
    rows = 0
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(PACKBENCH_COLUMNS)
        for n in range(ORDERS):
            person = rng.choice(people)
            skus = rng.sample(range(PRODUCTS), LINES)
            lines = [(f"P-{s:05d}", rng.randint(1, 3), 500 + (s % 50) * 100) for s in skus]
            subtotal = sum(q * p for _, q, p in lines)
            shipping, tax = 495, subtotal * 8 // 100
            head = [
                f"ORD-{n:06d}",
                f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}T{n % 24:02d}:{n % 60:02d}:00Z",
                "open",
                "",
                person[0],
                person[1],
                *person[2:10],
                person[10],
                "ship",
                "",
                "paid",
                "",
                "",
                "USD",
                f"{shipping / 100:.2f}",
                f"{tax / 100:.2f}",
                "0.00",
                f"{(subtotal + shipping + tax) / 100:.2f}",
                "Leave at the door, please" if n % 10 == 0 else "",
                "",
            ]
            assert len(head) == len(PACKBENCH_ORDER_COLUMNS)
            for sku, quantity, price in lines:
                writer.writerow([*head, sku, "", quantity, f"{price / 100:.2f}", "0.00"])
                rows += 1
    return rows


def _catalog(session) -> None:
    now = utcnow()
    session.execute(
        insert(Product.__table__),
        [
            {
                "sku": f"P-{i:05d}",
                "name": f"Product {i}",
                "weight_g": 100,
                "price_minor": 500 + (i % 50) * 100,
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


def _raw_baseline(folder: Path, csv_path: Path) -> float:
    """Seconds for raw sqlite3 to read the same file and executemany its orders and lines."""
    conn = sqlite3.connect(folder / "raw.sqlite3", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    width = len(PACKBENCH_ORDER_COLUMNS)
    order_columns = ", ".join(f"c{i} TEXT" for i in range(width))
    conn.execute(f"CREATE TABLE o (id INTEGER PRIMARY KEY, {order_columns})")
    conn.execute(
        "CREATE TABLE l (id INTEGER PRIMARY KEY, order_id INTEGER, line_no INTEGER, sku TEXT, "
        "name TEXT, quantity INTEGER, price TEXT, discount TEXT)"
    )
    started = time.perf_counter()
    with open(csv_path, encoding="utf-8", newline="") as source:
        reader = csv.reader(source)
        next(reader)
        orders: dict[str, int] = {}
        order_rows, line_rows = [], []
        for record in reader:
            order_id = orders.get(record[0])
            if order_id is None:
                order_id = orders[record[0]] = len(orders) + 1
                order_rows.append((order_id, *record[:width]))
            line_rows.append((order_id, len(line_rows) + 1, *record[width : width + 5]))
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(f"INSERT INTO o VALUES ({', '.join('?' * (width + 1))})", order_rows)
    conn.executemany("INSERT INTO l VALUES (NULL, ?, ?, ?, ?, ?, ?, ?)", line_rows)
    conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    conn.close()
    return seconds


def test_import_10k_orders(tmp_path):
    paths = resolve_paths(data_dir=tmp_path / "shop", env={})
    paths.ensure()
    db = open_database(paths)
    with unit_of_work(db.session_factory) as s:
        _catalog(s)
    csv_path = tmp_path / "orders.csv"
    rows = write_order_file(csv_path)
    assert rows == ORDERS * LINES

    started, cpu = time.perf_counter(), time.process_time()
    with unit_of_work(db.session_factory) as s:
        result = import_orders(s, csv_path, actor="bench")
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert result.created == ORDERS and result.lines == ORDERS * LINES, result.message

    with unit_of_work(db.session_factory, write=False) as s:
        counts = [s.scalar(select(func.count()).select_from(m)) for m in (SalesOrder, OrderLine)]
        events = s.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "order.import")
        )
    assert counts == [ORDERS, ORDERS * LINES] and events == ORDERS

    started = time.perf_counter()
    with unit_of_work(db.session_factory) as s:
        again = import_orders(s, csv_path, actor="bench")
    reimport = time.perf_counter() - started
    assert again.created == 0 and again.skipped_existing == ORDERS

    with unit_of_work(db.session_factory) as s:
        main = create_location(s, code="MAIN", name="Main", country="US", actor="bench").id
        shelf = create_bin(s, location_id=main, code="A-01", actor="bench").id
        for product_id in s.scalars(select(Product.id)):
            receive_stock(s, product_id=product_id, bin_id=shelf, quantity=100, actor="bench")
    started = time.perf_counter()
    with unit_of_work(db.session_factory) as s:
        allocation = allocate_imported(s, result.order_ids[:ALLOCATED], actor="bench")
    allocate_seconds = time.perf_counter() - started
    assert allocation.orders == ALLOCATED
    db.close()

    baseline = _raw_baseline(tmp_path, csv_path)
    RESULTS.record(
        "order CSV import 10k orders × 5 lines",
        seconds * 1000,
        target="≤ 2 s",
        baseline_name="raw sqlite3 read + executemany",
        baseline_value=baseline * 1000,
        note=f"CPU {cpu:.2f} s; {CUSTOMERS:,} customers; commit included; not allocated",
    )
    RESULTS.record(
        "allocate imported orders (ORM allocator)",
        allocate_seconds * 1000 / ALLOCATED,
        unit="ms/order",
        target="",
        note=f"{ALLOCATED / allocate_seconds:,.0f} orders/s; {allocation.message}",
    )
    RESULTS.record(
        "order CSV re-import (all already imported)",
        reimport * 1000,
        target="",
        note="parse + idempotency check, nothing written",
    )
