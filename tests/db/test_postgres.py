"""The same code on PostgreSQL (the multi-workstation engine): migrations without drift and a
whole order's life, against a throwaway server started for this test module.

Skipped where no PostgreSQL server binaries are installed.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

PG_BIN = (
    next(
        (
            p
            for p in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
            if (p / "initdb").exists()
        ),
        None,
    )
    if Path("/usr/lib/postgresql").exists()
    else None
)
pytestmark = pytest.mark.skipif(PG_BIN is None, reason="PostgreSQL server binaries not installed")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres(command: list[str]) -> list[str]:
    """initdb refuses to run as root; use the postgres account when we are root."""
    if os.geteuid() != 0:
        return command
    return ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(command)]


@pytest.fixture(scope="module")
def pg_url():
    pytest.importorskip("psycopg")
    # Not under pytest's tmp folder: the postgres account cannot enter root's 0700 folders.
    folder = Path(tempfile.mkdtemp(prefix="packbench-pg-"))
    data, sock = folder / "data", folder / "sock"
    data.mkdir()
    sock.mkdir()
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        shutil.chown(data, "postgres")
        shutil.chown(sock, "postgres")
    port = _free_port()
    subprocess.run(
        _as_postgres([str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"]),
        check=True,
        capture_output=True,
        timeout=120,
    )
    subprocess.run(
        _as_postgres(
            [
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(data),
                "-w",
                "-o",
                f"'-k {sock} -p {port} -h 127.0.0.1'",
                "-l",
                str(data / "log"),
                "start",
            ]
        ),
        check=True,
        capture_output=True,
        timeout=120,
    )
    try:
        import psycopg

        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(
                    f"host=127.0.0.1 port={port} user=postgres dbname=postgres", autocommit=True
                ) as conn:
                    conn.execute("CREATE DATABASE packbench")
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/packbench"
    finally:
        subprocess.run(
            _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"]),
            capture_output=True,
            timeout=120,
        )


@pytest.fixture(scope="module")
def pg_db(pg_url, tmp_path_factory):
    from app.database import open_database
    from app.paths import resolve_paths

    db = open_database(
        resolve_paths(data_dir=tmp_path_factory.mktemp("pgshop"), db_url=pg_url, env={})
    )
    yield db
    db.close()


def test_migrations_have_no_drift_on_postgres(pg_db):
    from alembic import command

    from db.migrate import alembic_config, head_revision, read_schema_state

    assert read_schema_state(pg_db.engine).current == head_revision()
    cfg = alembic_config(pg_db.url)
    with pg_db.engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.check(cfg)


def test_an_order_lifecycle_on_postgres(pg_db):
    from app.doctor import run_doctor
    from app.inventory.dto import ProductInput
    from app.inventory.ledger import receive_stock
    from app.inventory.locations import create_bin, create_location
    from app.inventory.products import create_product
    from app.orders.address import Address
    from app.orders.dto import LineInput, OrderInput
    from app.orders.queries import OrderFilter, get_order, list_order_page
    from app.orders.services import create_order
    from app.packing.station import Outcome, StationState, handle_scan
    from app.picking.services import create_pick_list
    from app.reports.queries import ReportFilter, dashboard, sales_by_day, top_products
    from app.shipping.services import ship_shipment
    from app.uow import unit_of_work

    factory = pg_db.session_factory
    with unit_of_work(factory) as s:
        loc = create_location(s, code="MAIN", name="Main", actor="t").id
        shelf = create_bin(s, location_id=loc, code="A-01", actor="t").id
        mug = create_product(
            s,
            ProductInput(sku="MUG-1", name="Mug", gtin="4006381333931", price_minor=1000),
            actor="t",
        ).id
        receive_stock(s, product_id=mug, bin_id=shelf, quantity=10, actor="t")
        order = create_order(
            s,
            OrderInput(
                (LineInput(product_id=mug, quantity=2),),
                ship_to=Address("Zoë Łukasiewicz", "1 Main St", "Austin", "73301", "US", "TX"),
            ),
            actor="t",
        )
    with unit_of_work(factory) as s:
        create_pick_list(s, [order.id], actor="t")
    state, result = StationState(), None
    for code in ("SO-000001", "MUG-1", "4006381333931", "CMD-DONE"):
        with unit_of_work(factory) as s:
            result = handle_scan(s, state, code, actor="t")
            state = result.state
    assert result.outcome == Outcome.PACKED
    with unit_of_work(factory) as s:
        ship_shipment(
            s, result.shipment.id, carrier="ups", tracking_number="1Z999AA10123456784", actor="t"
        )
    with unit_of_work(factory, write=False) as s:
        assert get_order(s, order.id).status == "shipped"
        assert [r.number for r in list_order_page(s, OrderFilter(search="Łukas")).rows] == [
            "SO-000001"
        ]
        assert [(r.units, r.revenue_minor) for r in sales_by_day(s, ReportFilter())] == [(2, 2000)]
        assert top_products(s, ReportFilter())[0].sku == "MUG-1"
        from app.inventory.queries import ProductFilter, list_product_page

        (row,) = list_product_page(s, ProductFilter(search="mug")).rows
        assert (row.sku, row.on_hand, row.available) == ("MUG-1", 8, 8)
        assert dashboard(s).to_pick == 0
        assert run_doctor(s).ok


def test_demo_shop_on_postgres_keeps_id_sequences_usable(pg_url, tmp_path):
    import psycopg

    from app.database import open_database
    from app.demo import generate_demo
    from app.doctor import run_doctor
    from app.inventory.dto import ProductInput
    from app.inventory.products import create_product
    from app.paths import resolve_paths
    from app.uow import unit_of_work

    admin = pg_url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0]
    with psycopg.connect(f"{admin}/postgres", autocommit=True) as conn:
        conn.execute("CREATE DATABASE demo_shop")
    db = open_database(
        resolve_paths(data_dir=tmp_path, db_url=pg_url.rsplit("/", 1)[0] + "/demo_shop", env={})
    )
    try:
        with unit_of_work(db.session_factory) as s:
            summary = generate_demo(s, products=30, orders=80, seed=5)
        with unit_of_work(db.session_factory) as s:
            created = create_product(s, ProductInput(sku="NEW-1", name="After the demo"), actor="t")
        assert created.id > summary.products
        with unit_of_work(db.session_factory, write=False) as s:
            assert run_doctor(s).ok
    finally:
        db.close()


def test_sales_summary_triggers_on_postgres(pg_db):
    # Last in this module: it adds orders of its own to the shared database.
    from tests.db.test_sales_summary import exercise_sales_summary

    exercise_sales_summary(pg_db.session_factory)
    _units_sold_from_the_totals(pg_db.session_factory)


def _units_sold_from_the_totals(factory):
    """Wide windows read product_sales minus the days outside them; on PostgreSQL too they give
    what a direct sum of sales_day gives."""
    from datetime import timedelta

    from sqlalchemy import func, select

    from app.reports.summary import _days_outside, units_sold_by_product
    from app.uow import unit_of_work
    from db.models import SalesDay

    with unit_of_work(factory, write=False) as s:
        oldest = s.scalar(select(func.min(SalesDay.day)))
        newest = s.scalar(select(func.max(SalesDay.day)))
        for first, last in ((oldest, newest), (oldest - timedelta(days=3), None)):
            assert _days_outside(s, first, last) is not None
            sold = units_sold_by_product(s, first, last).subquery()
            got = dict(s.execute(select(sold.c.product_id, sold.c.qty)).all())
            direct = dict(
                s.execute(
                    select(SalesDay.product_key, func.sum(SalesDay.units))
                    .where(SalesDay.product_key != 0)
                    .group_by(SalesDay.product_key)
                    .having(func.sum(SalesDay.units) != 0)
                ).all()
            )
            assert got == direct and got


def test_stock_summary_triggers_on_postgres(pg_db):
    from tests.db.test_stock_summary import exercise_stock_summary

    exercise_stock_summary(pg_db.session_factory)


def test_first_shipment_triggers_on_postgres(pg_db):
    from tests.db.test_first_shipment import exercise_first_shipment

    exercise_first_shipment(pg_db.session_factory)


def test_order_summary_triggers_on_postgres(pg_db):
    from tests.db.test_order_summary import exercise_order_summary

    exercise_order_summary(pg_db.session_factory)


def test_large_daily_sums_and_bulk_errors_on_postgres(pg_db):
    """Summaries hold day totals past 2^31 minor units (IDR, KRW), and a database error inside
    a bulk load surfaces as itself, not as "transaction aborted"."""
    import pytest
    from sqlalchemy import insert, select
    from sqlalchemy.exc import IntegrityError

    from app.uow import unit_of_work
    from db.models import OrderDay, OrderLine, SalesOrder
    from db.order_summary import order_summary_problems
    from db.summaries import new_orders_summed_after
    from db.types import utcnow

    with unit_of_work(pg_db.session_factory) as s:
        for n in (1, 2):
            order = SalesOrder(
                number=f"BIG-{n}", status="open", currency="IDR", total_minor=1_200_000_000,
                placed_at=utcnow(),
            )  # fmt: skip
            s.add(order)
            s.flush()
            s.add(OrderLine(order_id=order.id, line_no=1, sku="BIG", name="Big", quantity=1,
                            unit_price_minor=1_200_000_000))  # fmt: skip
    with unit_of_work(pg_db.session_factory, write=False) as s:
        assert (
            s.scalar(select(OrderDay.revenue_minor).where(OrderDay.currency == "IDR"))
            == 2_400_000_000
        )
        assert order_summary_problems(s.connection()) == []
    with (
        pytest.raises(IntegrityError),
        unit_of_work(pg_db.session_factory) as s,
        new_orders_summed_after(s.connection()) as new_ids,
    ):
        s.execute(insert(SalesOrder), [{"number": "BIG-1", "status": "open"}])
        new_ids.append(0)


def test_an_existing_postgres_shop_upgrades_through_the_app(pg_url, tmp_path):
    """ensure_schema backs up SQLite files only; a PostgreSQL shop at an older revision is
    upgraded in one transaction (its server has its own backups)."""
    import psycopg
    from alembic import command

    from db.engine import make_engine
    from db.migrate import alembic_config, ensure_schema, head_revision, read_schema_state

    admin = pg_url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0]
    with psycopg.connect(f"{admin}/postgres", autocommit=True) as conn:
        conn.execute("CREATE DATABASE older_shop")
    url = pg_url.rsplit("/", 1)[0] + "/older_shop"
    engine = make_engine(url)
    try:
        cfg = alembic_config(url)
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0006")
        result = ensure_schema(engine, tmp_path / "backups")
        assert result is not None and result.from_revision == "0006" and result.backup is None
        assert read_schema_state(engine).current == head_revision()
        assert not (tmp_path / "backups").exists()
    finally:
        engine.dispose()


def test_two_workstations_allocating_the_last_unit_on_postgres(pg_db):
    """Allocation locks the products before it reads their availability: a second workstation
    allocating the same last unit waits for the first to commit, then finds nothing left
    (a shortfall), instead of both reserving it."""
    import threading
    import time

    from sqlalchemy import func, select, text, update

    from app.inventory.dto import ProductInput
    from app.inventory.ledger import receive_stock
    from app.inventory.locations import create_bin, create_location
    from app.inventory.products import create_product
    from app.orders.address import Address
    from app.orders.dto import LineInput, OrderInput
    from app.orders.services import allocate_order, create_order
    from app.uow import unit_of_work
    from db.models import Reservation, SalesOrder

    factory = pg_db.session_factory
    ship_to = Address("Ann Race", "1 Main St", "Austin", "73301", "US", "TX")
    with unit_of_work(factory) as s:
        race = create_location(s, code="RACE", name="Race", actor="t").id
        shelf = create_bin(s, location_id=race, code="R-01", actor="t").id
        product = create_product(s, ProductInput(sku="RACE-1", name="Last one"), actor="t").id
        receive_stock(s, product_id=product, bin_id=shelf, quantity=1, actor="t")
        orders = [
            create_order(
                s,
                OrderInput((LineInput(product_id=product, quantity=1),), ship_to=ship_to,
                           confirm=False),
                actor="t",
            ).id
            for _ in range(2)
        ]  # fmt: skip
        s.execute(update(SalesOrder).where(SalesOrder.id.in_(orders)).values(status="open"))
    first_done, release, results = threading.Event(), threading.Event(), {}

    def first():
        with unit_of_work(factory) as s:
            results["first"] = allocate_order(s, orders[0], actor="bench 1")
            first_done.set()
            release.wait(10)

    def second():
        with unit_of_work(factory) as s:
            results["second"] = allocate_order(s, orders[1], actor="bench 2")

    one = threading.Thread(target=first)
    one.start()
    assert first_done.wait(10)
    two = threading.Thread(target=second)
    two.start()
    waiting = False
    deadline = time.monotonic() + 10
    while not waiting and time.monotonic() < deadline:  # the second bench queues on the lock
        with factory() as s:
            waiting = bool(
                s.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE wait_event_type = 'Lock' AND datname = current_database()"
                    )
                )
            )
        time.sleep(0.05)
    release.set()
    one.join(10)
    two.join(10)
    assert waiting
    assert results["first"].allocated_units == 1
    assert results["second"].allocated_units == 0 and results["second"].shortfalls
    with unit_of_work(factory, write=False) as s:
        held = s.scalar(
            select(func.sum(Reservation.quantity)).where(Reservation.product_id == product)
        )
    assert held == 1


def test_a_deadlock_between_workstations_is_run_again_on_postgres(pg_db):
    """Two workstations add lines for the same two products in opposite order: PostgreSQL
    aborts one to break the deadlock, and write_retrying runs that one again, so both orders'
    lines are saved and the all-time sales totals count each exactly once."""
    import threading

    from sqlalchemy import func, insert, select

    from app.inventory.dto import ProductInput
    from app.inventory.products import create_product
    from app.uow import unit_of_work, write_retrying
    from db.models import Channel, OrderLine, ProductSales, SalesOrder
    from db.product_sales import product_sales_problems

    factory = pg_db.session_factory
    with unit_of_work(factory) as s:
        a = create_product(s, ProductInput(sku="DL-A", name="A"), actor="t").id
        b = create_product(s, ProductInput(sku="DL-B", name="B"), actor="t").id
        web = Channel(kind="shopify", name="DL web")
        s.add(web)
        s.flush()
        orders = [
            s.execute(
                insert(SalesOrder).returning(SalesOrder.id),
                [{"number": number, "status": "open", "channel_id": channel}],
            ).scalar_one()
            for number, channel in (("DL-1", web.id), ("DL-2", None))
        ]

    def line(order_id, product_id, no):
        return {"order_id": order_id, "line_no": no, "product_id": product_id, "sku": "DL",
                "name": "n", "quantity": 1, "unit_price_minor": 100}  # fmt: skip

    both_hold_one = threading.Barrier(2, timeout=10)
    attempts = {0: 0, 1: 0}

    def bench(n, first, second):
        def work(session):
            attempts[n] += 1
            session.execute(insert(OrderLine), [line(orders[n], first, 1)])
            if attempts[n] == 1:
                both_hold_one.wait()  # each holds its first product's totals row
            session.execute(insert(OrderLine), [line(orders[n], second, 2)])

        write_retrying(factory, work)

    threads = [
        threading.Thread(target=bench, args=(0, a, b)),
        threading.Thread(target=bench, args=(1, b, a)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(attempts.values()) == [1, 2]  # one was the deadlock's victim, run again
    with unit_of_work(factory, write=False) as s:
        lines = s.scalar(select(func.count()).where(OrderLine.order_id.in_(orders)))
        totals = dict(
            s.execute(
                select(ProductSales.product_key, ProductSales.units).where(
                    ProductSales.product_key.in_((a, b))
                )
            ).all()
        )
        assert product_sales_problems(s.connection()) == []
    assert lines == 4 and totals == {a: 2, b: 2}
