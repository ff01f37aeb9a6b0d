"""Demo shop generator: counts, determinism, the consistency invariants, refusal, cancel, args."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from app.changes import EVERYTHING
from app.database import open_database
from app.demo import DemoSummary, generate_demo
from app.errors import Conflict, DomainError, ValidationError
from app.numbering import format_number, next_number
from app.paths import resolve_paths
from app.settings import get_settings
from app.uow import unit_of_work
from db.models import Product

PRODUCTS = 200
ORDERS = 500
CARRIERS = {"UPS", "USPS", "FedEx", "DHL", "Royal Mail", "Canada Post", "DPD"}
TRACKING = {
    "UPS": r"1Z[0-9A-Z]{16}",
    "USPS": r"9400\d{18}",
    "FedEx": r"\d{12}",
    "DHL": r"\d{10}|\d{20}",
    "Royal Mail": r"[A-Z]{2}\d{9}GB",
    "Canada Post": r"\d{16}",
    "DPD": r"\d{14}",
}


def _open_copy(template_db: Path, folder: Path):
    paths = resolve_paths(data_dir=folder, env={})
    paths.ensure()
    assert paths.db_file is not None
    shutil.copyfile(template_db, paths.db_file)
    return open_database(paths)


@pytest.fixture(scope="module")
def demo(
    template_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[sessionmaker[Session], DemoSummary]]:
    """One small demo shop shared by the read-only checks (generation takes ~0.3 s)."""
    db = _open_copy(template_db, tmp_path_factory.mktemp("demo"))
    with unit_of_work(db.session_factory) as session:
        summary = generate_demo(session, products=PRODUCTS, orders=ORDERS)
    yield db.session_factory, summary
    db.close()


def _rows(factory: sessionmaker[Session], sql: str) -> list[tuple]:
    with unit_of_work(factory, write=False) as session:
        return [tuple(row) for row in session.execute(text(sql))]


def _scalar(factory: sessionmaker[Session], sql: str):
    with unit_of_work(factory, write=False) as session:
        return session.execute(text(sql)).scalar_one()


def _counts(factory: sessionmaker[Session]) -> dict[str, int]:
    tables = ("product", "sales_order", "order_line", "customer", "location", "bin", "shipment")
    return {t: _scalar(factory, f"SELECT COUNT(*) FROM {t}") for t in (*tables, "stock_move")}


# -- counts, determinism ---------------------------------------------------------------------------


def test_creates_the_requested_counts_and_reports_them(demo) -> None:
    factory, summary = demo
    counts = _counts(factory)
    assert counts["product"] == summary.products == PRODUCTS
    assert counts["sales_order"] == summary.orders == ORDERS
    assert counts["order_line"] == summary.order_lines
    assert 4 * ORDERS <= summary.order_lines <= 6 * ORDERS  # 1-9 lines, about 5 on average
    assert counts["customer"] == summary.customers > 0
    assert counts["location"] == summary.locations == 3
    assert counts["bin"] == summary.bins
    assert counts["shipment"] == summary.shipments > 0
    assert counts["stock_move"] == summary.stock_moves > summary.shipments
    assert summary.changes == EVERYTHING
    assert summary.seconds >= 0


def test_same_seed_gives_the_same_shop(template_db: Path, tmp_path: Path) -> None:
    def make(folder: str, seed: int) -> list[list[tuple]]:
        db = _open_copy(template_db, tmp_path / folder)
        with unit_of_work(db.session_factory) as session:
            generate_demo(session, products=60, orders=120, seed=seed)
        queries = (
            "SELECT number, status, customer_id, ship_name, total_minor FROM sales_order "
            "ORDER BY id",
            "SELECT name, email, city, postal_code FROM customer ORDER BY id",
            "SELECT order_id, sku, quantity, allocated, shipped FROM order_line ORDER BY id",
            "SELECT sku, name, gtin, price_minor FROM product ORDER BY id",
            "SELECT number, carrier, tracking_number FROM shipment ORDER BY id",
            "SELECT product_id, bin_id, on_hand FROM stock_level ORDER BY product_id, bin_id",
        )
        result = [_rows(db.session_factory, q) for q in queries]
        db.close()
        return result

    first = make("a", 7)
    assert make("b", 7) == first
    assert make("c", 8) != first


# -- invariant 1: the stock ledger -------------------------------------------------------------


def test_stock_levels_equal_ledger_sums(demo) -> None:
    factory, _ = demo
    ledger = """
        SELECT product_id, bin_id, SUM(qty) AS qty FROM (
            SELECT product_id, to_bin_id AS bin_id, quantity AS qty FROM stock_move
            WHERE to_bin_id IS NOT NULL
            UNION ALL
            SELECT product_id, from_bin_id, -quantity FROM stock_move
            WHERE from_bin_id IS NOT NULL
        ) GROUP BY product_id, bin_id
    """
    mismatched = _rows(
        factory,
        f"""SELECT l.product_id, l.bin_id, l.on_hand, g.qty FROM stock_level l
            LEFT JOIN ({ledger}) g ON g.product_id = l.product_id AND g.bin_id = l.bin_id
            WHERE g.qty IS NULL OR g.qty != l.on_hand""",
    )
    assert mismatched == []
    missing = _rows(
        factory,
        f"""SELECT g.product_id, g.bin_id, g.qty FROM ({ledger}) g
            LEFT JOIN stock_level l ON g.product_id = l.product_id AND g.bin_id = l.bin_id
            WHERE l.product_id IS NULL""",
    )
    assert missing == []
    assert _scalar(factory, "SELECT COUNT(*) FROM stock_level WHERE on_hand < 0") == 0
    assert _scalar(factory, "SELECT COUNT(*) FROM stock_level WHERE on_hand > 0") > PRODUCTS / 2


def test_every_shipped_unit_left_stock_with_a_ship_move(demo) -> None:
    factory, _ = demo
    rows = _rows(
        factory,
        """SELECT sl.id, sl.quantity, s.number, s.shipped_at, ol.product_id,
                  (SELECT COUNT(*) FROM stock_move m JOIN bin b ON b.id = m.from_bin_id
                   WHERE m.reason = 'ship' AND m.reference = s.number
                     AND m.product_id = ol.product_id AND m.quantity = sl.quantity
                     AND m.at = s.shipped_at AND b.location_id = s.location_id)
           FROM shipment_line sl JOIN shipment s ON s.id = sl.shipment_id
           JOIN order_line ol ON ol.id = sl.order_line_id""",
    )
    assert rows and all(row[-1] == 1 for row in rows)
    shipped_units = _scalar(factory, "SELECT SUM(quantity) FROM shipment_line")
    moved_units = _scalar(factory, "SELECT SUM(quantity) FROM stock_move WHERE reason = 'ship'")
    assert shipped_units == moved_units
    assert _rows(factory, "SELECT DISTINCT actor FROM stock_move") == [("demo",)]
    assert (
        _scalar(
            factory,
            "SELECT COUNT(*) FROM stock_move WHERE reason = 'receive' AND to_bin_id IS NULL",
        )
        == 0
    )


def test_opening_stock_predates_every_order(demo) -> None:
    factory, _ = demo
    first_order = _scalar(factory, "SELECT MIN(placed_at) FROM sales_order")
    latest_opening = _scalar(factory, "SELECT MAX(at) FROM stock_move WHERE reference = 'OPENING'")
    assert latest_opening < first_order


# -- invariant 2: reservations ------------------------------------------------------------------


def test_reservations_equal_allocations(demo) -> None:
    factory, _ = demo
    mismatched = _rows(
        factory,
        """SELECT ol.id, ol.allocated, COALESCE(SUM(r.quantity), 0) FROM order_line ol
           LEFT JOIN reservation r ON r.order_line_id = ol.id
           GROUP BY ol.id HAVING ol.allocated != COALESCE(SUM(r.quantity), 0)""",
    )
    assert mismatched == []
    closed = _scalar(
        factory,
        """SELECT COUNT(*) FROM order_line ol JOIN sales_order o ON o.id = ol.order_id
           WHERE o.status IN ('draft', 'cancelled', 'shipped', 'delivered')
             AND ol.allocated != 0""",
    )
    assert closed == 0
    elsewhere = _scalar(
        factory,
        """SELECT COUNT(*) FROM reservation r JOIN order_line ol ON ol.id = r.order_line_id
           JOIN sales_order o ON o.id = ol.order_id
           WHERE r.location_id != o.fulfil_location_id OR r.product_id != ol.product_id""",
    )
    assert elsewhere == 0
    assert _scalar(factory, "SELECT COUNT(*) FROM reservation") > 0


def test_reservations_are_covered_by_sellable_stock(demo) -> None:
    factory, _ = demo
    over = _rows(
        factory,
        """SELECT r.product_id, r.location_id, r.qty, COALESCE(h.qty, 0) FROM
             (SELECT product_id, location_id, SUM(quantity) AS qty FROM reservation
              GROUP BY product_id, location_id) r
           JOIN product p ON p.id = r.product_id
           LEFT JOIN
             (SELECT l.product_id, b.location_id, SUM(l.on_hand) AS qty FROM stock_level l
              JOIN bin b ON b.id = l.bin_id WHERE b.kind != 'quarantine'
              GROUP BY l.product_id, b.location_id) h
             ON h.product_id = r.product_id AND h.location_id = r.location_id
           WHERE p.allow_backorder = 0 AND r.qty > COALESCE(h.qty, 0)""",
    )
    assert over == []


def test_picking_and_packed_orders_are_fully_allocated(demo) -> None:
    factory, _ = demo
    short = _scalar(
        factory,
        """SELECT COUNT(*) FROM order_line ol JOIN sales_order o ON o.id = ol.order_id
           WHERE o.status IN ('picking', 'packed') AND ol.product_id IS NOT NULL
             AND ol.allocated + ol.shipped != ol.quantity""",
    )
    assert short == 0


# -- invariant 3: order line counters -----------------------------------------------------------


def test_order_line_counters(demo) -> None:
    factory, _ = demo
    bad = _scalar(
        factory,
        """SELECT COUNT(*) FROM order_line WHERE allocated < 0 OR shipped < 0 OR returned < 0
           OR allocated + shipped > quantity OR returned > shipped OR picked > quantity""",
    )
    assert bad == 0
    unshipped = _scalar(
        factory,
        """SELECT COUNT(*) FROM order_line ol JOIN sales_order o ON o.id = ol.order_id
           WHERE o.status IN ('shipped', 'delivered') AND ol.product_id IS NOT NULL
             AND ol.shipped != ol.quantity""",
    )
    assert unshipped == 0
    partial = _rows(
        factory,
        """SELECT o.number, SUM(ol.shipped), SUM(ol.quantity) FROM sales_order o
           JOIN order_line ol ON ol.order_id = o.id WHERE o.status = 'partially_shipped'
           GROUP BY o.id""",
    )
    assert partial and all(0 < shipped < quantity for _n, shipped, quantity in partial)
    unmatched = _rows(
        factory,
        """SELECT DISTINCT o.status FROM order_line ol JOIN sales_order o ON o.id = ol.order_id
           WHERE ol.product_id IS NULL""",
    )
    assert {status for (status,) in unmatched} <= {"open", "draft"}
    in_catalog = _scalar(
        factory,
        """SELECT COUNT(*) FROM order_line ol JOIN product p ON p.sku = ol.sku
           WHERE ol.product_id IS NULL""",
    )
    assert in_catalog == 0


def test_order_money_adds_up(demo) -> None:
    factory, _ = demo
    wrong_total = _scalar(
        factory,
        """SELECT COUNT(*) FROM sales_order
           WHERE total_minor != subtotal_minor - discount_minor + shipping_minor + tax_minor""",
    )
    assert wrong_total == 0
    wrong_subtotal = _scalar(
        factory,
        """SELECT COUNT(*) FROM sales_order o JOIN
             (SELECT order_id, SUM(quantity * unit_price_minor - discount_minor) AS s
              FROM order_line GROUP BY order_id) l ON l.order_id = o.id
           WHERE o.subtotal_minor != l.s""",
    )
    assert wrong_subtotal == 0
    unpaid_shipped = _scalar(
        factory,
        """SELECT COUNT(*) FROM sales_order WHERE status IN ('shipped', 'delivered',
           'partially_shipped') AND (payment_status = 'pending' OR paid_minor != total_minor)""",
    )
    assert unpaid_shipped == 0
    paid_cancelled = _scalar(
        factory,
        """SELECT COUNT(*) FROM sales_order WHERE status = 'cancelled'
           AND payment_status NOT IN ('pending', 'refunded')""",
    )
    assert paid_cancelled == 0
    assert (
        _scalar(factory, "SELECT COUNT(*) FROM sales_order WHERE refunded_minor > paid_minor") == 0
    )


def test_orders_look_like_real_trade(demo) -> None:
    factory, _ = demo
    statuses = dict(_rows(factory, "SELECT status, COUNT(*) FROM sales_order GROUP BY status"))
    assert statuses["delivered"] > ORDERS / 2
    for status in ("open", "shipped", "cancelled"):
        assert statuses.get(status, 0) > 0, status
    numbers = [n for (n,) in _rows(factory, "SELECT number FROM sales_order ORDER BY placed_at")]
    assert numbers == [format_number("order", i) for i in range(1, ORDERS + 1)]
    # fulfilment location wherever stock was held or shipped; none for drafts and cancellations
    assert (
        _scalar(
            factory,
            """SELECT COUNT(*) FROM sales_order WHERE (fulfil_location_id IS NULL) !=
           (status IN ('draft', 'cancelled'))""",
        )
        == 0
    )
    pickups = _rows(
        factory,
        """SELECT DISTINCT l.kind FROM sales_order o JOIN location l
           ON l.id = o.pickup_location_id WHERE o.delivery_method = 'pickup'""",
    )
    assert pickups in ([], [("store",)])
    held = _rows(factory, "SELECT status, hold_reason FROM sales_order WHERE on_hold = 1")
    assert all(status == "open" and reason for status, reason in held)
    snapshot_differs = _scalar(
        factory,
        """SELECT COUNT(*) FROM sales_order o JOIN customer c ON c.id = o.customer_id
           WHERE o.ship_name != c.name OR o.ship_country != c.country
              OR o.ship_postal_code != c.postal_code""",
    )
    assert snapshot_differs == 0
    assert _scalar(factory, "SELECT COUNT(*) FROM sales_order WHERE channel_id IS NOT NULL") == 0


# -- invariant 4: shipments ---------------------------------------------------------------------


def test_shipments_match_shipped_quantities(demo) -> None:
    factory, _ = demo
    mismatched = _scalar(
        factory,
        """SELECT COUNT(*) FROM order_line ol LEFT JOIN
             (SELECT order_line_id, SUM(quantity) AS q FROM shipment_line
              GROUP BY order_line_id) s ON s.order_line_id = ol.id
           WHERE ol.shipped != COALESCE(s.q, 0)""",
    )
    assert mismatched == 0
    assert _scalar(factory, "SELECT COUNT(*) FROM shipment_line WHERE verified != quantity") == 0
    without = _scalar(
        factory,
        """SELECT COUNT(*) FROM sales_order o
           WHERE o.status IN ('shipped', 'delivered', 'partially_shipped')
             AND NOT EXISTS (SELECT 1 FROM shipment s WHERE s.order_id = o.id)""",
    )
    assert without == 0
    not_shipping = _scalar(
        factory,
        """SELECT COUNT(*) FROM shipment s JOIN sales_order o ON o.id = s.order_id
           WHERE o.status NOT IN ('shipped', 'delivered', 'partially_shipped')""",
    )
    assert not_shipping == 0


def test_shipments_look_real(demo) -> None:
    factory, _ = demo
    rows = _rows(
        factory,
        """SELECT s.number, s.status, s.carrier, s.tracking_number, s.tracking_url, s.weight_g,
                  s.package_count, s.packed_at, s.shipped_at, s.delivered_at, o.placed_at,
                  o.delivery_method, o.status
           FROM shipment s JOIN sales_order o ON o.id = s.order_id ORDER BY s.id""",
    )
    assert [r[0] for r in rows] == [format_number("shipment", i) for i in range(1, len(rows) + 1)]
    for number, status, carrier, tracking, url, weight, packages, packed, shipped, delivered, \
            placed, method, order_status in rows:  # fmt: skip
        assert status in ("shipped", "delivered"), number
        assert placed < packed < shipped, number
        assert weight > 0 and packages >= 1, number
        assert (delivered is not None) == (status == "delivered"), number
        if order_status == "delivered":
            assert status == "delivered", number
        if method == "pickup":
            assert carrier is None and tracking is None, number
            continue
        assert carrier in CARRIERS, number
        assert re.fullmatch(TRACKING[carrier], tracking), (carrier, tracking)
        assert url.startswith("https://") and tracking in url, number
    assert len({r[2] for r in rows if r[2]}) >= 3


# -- invariant 5: integrity, schema ----------------------------------------------------------------


def test_foreign_keys_and_integrity_are_clean(demo) -> None:
    factory, _ = demo
    assert _rows(factory, "PRAGMA foreign_key_check") == []
    assert _rows(factory, "PRAGMA integrity_check") == [("ok",)]


def test_indexes_are_all_back(demo, template_db: Path, tmp_path: Path) -> None:
    factory, _ = demo
    query = "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name"
    empty = _open_copy(template_db, tmp_path / "empty")
    try:
        assert _rows(factory, query) == _rows(empty.session_factory, query)
    finally:
        empty.close()


# -- catalog, places, customers -----------------------------------------------------------------


def _gs1_ok(code: str) -> bool:
    digits = [int(c) for c in code]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits[:-1])))
    return (10 - total % 10) % 10 == digits[-1]


def test_products_are_realistic(demo) -> None:
    factory, _ = demo
    rows = _rows(
        factory, "SELECT sku, name, gtin, price_minor, cost_minor, weight_g, archived FROM product"
    )
    gtins = [r[2] for r in rows if r[2] is not None]
    assert 0.55 * PRODUCTS < len(gtins) < 0.85 * PRODUCTS
    assert all(g.isdigit() and len(g) in (12, 13) and _gs1_ok(g) for g in gtins)
    assert len(set(gtins)) == len(gtins)
    assert all(re.fullmatch(r"NL-\d{5,}", r[0]) for r in rows)
    assert all(0 < cost < price for _s, _n, _g, price, cost, _w, _a in rows)
    assert all(weight > 0 for *_, weight, _a in rows)
    assert any(" — " in r[1] for r in rows)
    extra = _rows(factory, "SELECT code FROM product_barcode")
    assert extra and not {c for (c,) in extra} & set(gtins)
    defaults = _scalar(
        factory,
        """SELECT COUNT(*) FROM product_bin_default d JOIN bin b ON b.id = d.bin_id
           WHERE b.location_id != d.location_id OR b.kind != 'storage'""",
    )
    assert defaults == 0


def test_locations_and_bins(demo) -> None:
    factory, _ = demo
    kinds = sorted(k for (k,) in _rows(factory, "SELECT kind FROM location"))
    assert kinds == ["store", "warehouse", "warehouse"]
    quarantine = _rows(
        factory,
        """SELECT l.kind, COUNT(*) FROM bin b JOIN location l ON l.id = b.location_id
           WHERE b.kind = 'quarantine' GROUP BY l.id""",
    )
    assert quarantine == [("warehouse", 1), ("warehouse", 1)]
    assert (
        _scalar(factory, "SELECT COUNT(DISTINCT location_id) FROM bin WHERE kind = 'receiving'")
        == 3
    )
    for (location_id,) in _rows(factory, "SELECT id FROM location WHERE kind = 'warehouse'"):
        storage = _rows(
            factory,
            f"""SELECT code, walk_sequence FROM bin WHERE location_id = {location_id}
                AND kind = 'storage' ORDER BY walk_sequence""",
        )
        codes = [code for code, _ in storage]
        assert all(re.fullmatch(r"[A-Z]{1,2}-\d{2}-\d{2}", code) for code in codes)
        assert codes == sorted(codes, key=lambda c: (len(c.split("-")[0]), c))


def test_customers_have_international_names(demo) -> None:
    factory, _ = demo
    names = [n for (n,) in _rows(factory, "SELECT name FROM customer")]
    companies = [c for (c,) in _rows(factory, "SELECT company FROM customer") if c]

    def latin1(value: str) -> bool:
        try:
            value.encode("latin-1")
        except UnicodeEncodeError:
            return False
        return True

    assert "Zoë Łukasiewicz" in names and "Søren Kierkegaard" in names
    assert any(not latin1(name) for name in names)
    assert any("&" in c and "<" in c for c in companies + names)
    countries = {c for (c,) in _rows(factory, "SELECT DISTINCT country FROM customer")}
    assert {"US", "DE", "PL", "DK"} <= countries
    postal = dict(_rows(factory, "SELECT country, postal_code FROM customer"))
    patterns = {"US": r"\d{5}", "DE": r"\d{5}", "PL": r"\d{2}-\d{3}", "DK": r"\d{4}"}
    for country, pattern in patterns.items():
        assert re.fullmatch(pattern, postal[country]), (country, postal[country])


# -- returns, purchasing, settings, sequences, audit --------------------------------------------


def test_returns_are_consistent(demo) -> None:
    factory, _ = demo
    statuses = {s for (s,) in _rows(factory, "SELECT status FROM return_authorization")}
    assert {"requested", "authorized", "received", "closed", "rejected"} <= statuses
    returned = _scalar(
        factory,
        """SELECT COUNT(*) FROM order_line ol LEFT JOIN
             (SELECT rl.order_line_id, SUM(rl.received_quantity) AS q FROM return_line rl
              JOIN return_authorization ra ON ra.id = rl.rma_id
              WHERE ra.status IN ('received', 'closed') GROUP BY rl.order_line_id) r
             ON r.order_line_id = ol.id
           WHERE ol.returned != COALESCE(r.q, 0)""",
    )
    assert returned == 0
    assert (
        _scalar(
            factory,
            """SELECT COUNT(*) FROM return_line rl JOIN order_line ol ON ol.id = rl.order_line_id
           WHERE rl.quantity > ol.shipped""",
        )
        == 0
    )
    restocked = _scalar(
        factory,
        """SELECT COALESCE(SUM(received_quantity), 0) FROM return_line
           WHERE disposition IN ('restock', 'quarantine', 'return_to_vendor')""",
    )
    moved = _scalar(
        factory,
        """SELECT COALESCE(SUM(quantity), 0) FROM stock_move
           WHERE reason IN ('return_restock', 'return_quarantine')""",
    )
    assert restocked == moved


def test_purchase_order_receipts_match_the_ledger(demo) -> None:
    factory, _ = demo
    statuses = {s for (s,) in _rows(factory, "SELECT status FROM purchase_order")}
    assert {"draft", "ordered", "partially_received", "received"} <= statuses
    mismatched = _rows(
        factory,
        """SELECT po.number, pl.product_id, pl.received_quantity, COALESCE(SUM(m.quantity), 0)
           FROM purchase_order po JOIN purchase_order_line pl ON pl.purchase_order_id = po.id
           LEFT JOIN stock_move m ON m.reference = po.number AND m.product_id = pl.product_id
             AND m.reason = 'receive'
           GROUP BY pl.id HAVING pl.received_quantity != COALESCE(SUM(m.quantity), 0)""",
    )
    assert mismatched == []
    assert (
        _scalar(
            factory, "SELECT COUNT(*) FROM purchase_order_line WHERE received_quantity > quantity"
        )
        == 0
    )


def test_settings_sequences_and_audit(demo) -> None:
    factory, summary = demo
    with unit_of_work(factory) as session:
        settings = get_settings(session)
        assert settings["business.name"] == "Nordlicht Trading Co."
        assert "\n" in settings["business.address"]
        assert settings["currency"] == "USD"
        assert settings["shop.setup_done"] is True
        assert next_number(session, "order") == format_number("order", ORDERS + 1)
        assert next_number(session, "shipment") == format_number("shipment", summary.shipments + 1)
        for kind in ("pick_list", "rma", "purchase_order"):
            used = {
                "pick_list": "SELECT COUNT(*) FROM pick_list",
                "rma": "SELECT COUNT(*) FROM return_authorization",
                "purchase_order": "SELECT COUNT(*) FROM purchase_order",
            }[kind]
            count = session.execute(text(used)).scalar_one()
            assert next_number(session, kind) == format_number(kind, count + 1)
        session.rollback()
    events = _rows(factory, "SELECT actor, summary FROM audit_event WHERE action = 'demo.generate'")
    assert len(events) == 1 and events[0][0] == "demo" and f"{ORDERS:,} orders" in events[0][1]


# -- refusal, cancel, arguments, progress ---------------------------------------------------------


def test_refuses_a_database_with_products_and_writes_nothing(session_factory) -> None:
    with unit_of_work(session_factory) as session:
        session.add(Product(sku="MINE-1", name="My own product"))
    refused = pytest.raises(Conflict, match=r"already has 1 products and 0 orders.*--data-dir")
    with refused, unit_of_work(session_factory) as session:
        generate_demo(session, products=10, orders=10)
    counts = _counts(session_factory)
    assert counts["product"] == 1
    assert sum(counts.values()) == 1
    assert _scalar(session_factory, "SELECT COUNT(*) FROM app_setting") == 0


def test_cancel_rolls_everything_back(session_factory) -> None:
    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 4  # after products and customers are already written

    stopped = pytest.raises(DomainError, match="demo generation cancelled")
    with stopped, unit_of_work(session_factory) as session:
        generate_demo(session, products=50, orders=100, cancelled=cancelled)
    assert sum(_counts(session_factory).values()) == 0
    indexes = _scalar(session_factory, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index'")
    assert indexes > 20  # the dropped indexes came back with the rollback


@pytest.mark.parametrize(
    ("products", "orders", "field"),
    [(0, 10, "products"), (-5, 10, "products"), (10, -1, "orders"), (True, 10, "products"),
     ("10", 10, "products"), (10, 2.5, "orders"), (10**7, 10, "products")],
)  # fmt: skip
def test_bad_arguments_raise_validation_errors(session_factory, products, orders, field) -> None:
    with unit_of_work(session_factory) as session:
        with pytest.raises(ValidationError) as caught:
            generate_demo(session, products=products, orders=orders)
        assert caught.value.field == field
        assert field in str(caught.value)


def test_progress_is_reported_and_tiny_shops_work(session_factory) -> None:
    seen: list[tuple[str, float]] = []
    with unit_of_work(session_factory) as session:
        summary = generate_demo(
            session, products=1, orders=0, progress=lambda t, f: seen.append((t, f))
        )
    assert summary.products == 1 and summary.orders == 0 and summary.order_lines == 0
    fractions = [f for _t, f in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert all(isinstance(t, str) and t for t, _f in seen)
    assert _scalar(session_factory, "SELECT COUNT(*) FROM stock_level WHERE on_hand < 0") == 0


def test_the_demo_shop_passes_every_doctor_check(demo) -> None:
    """The summaries rebuilt after the load (sales per day, all-time sales per product, orders
    per day, stock per product, first shipments) match what they summarise."""
    from app.doctor import run_doctor

    factory, _summary = demo
    with unit_of_work(factory, write=False) as s:
        report = run_doctor(s)
    assert report.findings == ()
    with unit_of_work(factory, write=False) as s:
        sold = s.execute(text("SELECT count(*), sum(units) FROM product_sales")).one()
        lines = s.execute(
            text(
                "SELECT sum(l.quantity) FROM order_line l JOIN sales_order o ON o.id = l.order_id "
                "WHERE o.status NOT IN ('draft', 'cancelled')"
            )
        ).scalar_one()
    assert sold[0] > 0 and sold[1] == lines
