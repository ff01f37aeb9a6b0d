"""Channel pull: 10,000 orders, 250 a page, from the Shopify emulator into a fresh shop."""

from __future__ import annotations

import random
import time

import requests
from sqlalchemy import func, select

from app.channels.service import connector_for, create_channel
from app.channels.shopify import ORDERS_QUERY
from app.channels.sync import pull_orders
from app.inventory.dto import ProductInput
from app.inventory.ledger import receive_stock
from app.inventory.locations import create_bin, create_location
from app.inventory.products import create_product
from app.uow import unit_of_work
from db.models import OrderLine, SalesOrder
from tests.benchmarks.harness import RESULTS
from tests.fixtures.channel_servers import ShopifyEmulator, install_memory_keyring

ORDERS = 10_000
PAGE = 250
TOKEN = "shpat_bench"
SKUS = [f"SKU-{i:04d}" for i in range(200)]
_NAMES = ("Zoë Łukasiewicz", "José Ñúñez", "Søren Müller", "Chloé Dupont", "Ann Smith")
_PLACES = (
    ("Austin", "TX", "Texas", "73301"),
    ("New York", "NY", "New York", "10001"),
    ("Chicago", "IL", "Illinois", "60601"),
    ("Mountain View", "CA", "California", "94043"),
)


def _fill(server: ShopifyEmulator) -> None:
    rng = random.Random(7)
    for i in range(ORDERS):
        city, code, province, postal = rng.choice(_PLACES)
        server.add_order(
            lines=[
                {
                    "sku": rng.choice(SKUS),
                    "name": "Enamel mug — Zoë edition",
                    "quantity": rng.randint(1, 3),
                    "price": f"{rng.randint(300, 5000) / 100:.2f}",
                }
                for _ in range(rng.randint(1, 5))
            ],
            email=f"customer{i % 3000}@example.com",
            ship={
                "name": rng.choice(_NAMES),
                "company": None,
                "address1": f"{rng.randint(1, 999)} Main St",
                "address2": None,
                "city": city,
                "province": province,
                "provinceCode": code,
                "zip": postal,
                "countryCodeV2": "US",
                "phone": None,
            },
        )


def _raw_fetch(server: ShopifyEmulator) -> int:
    """The baseline: the same queries with plain requests, JSON parsed, nothing applied."""
    session = requests.Session()
    url = f"{server.url}/admin/api/2026-07/graphql.json"
    cursor, count = None, 0
    while True:
        variables = {"first": PAGE, "after": cursor, "query": None, "lines": 100}
        body = session.post(
            url,
            json={"query": ORDERS_QUERY, "variables": variables},
            headers={"X-Shopify-Access-Token": TOKEN},
            timeout=60,
        ).json()
        connection = body["data"]["orders"]
        count += len(connection["nodes"])
        if not connection["pageInfo"]["hasNextPage"]:
            return count
        cursor = connection["pageInfo"]["endCursor"]


def _channel(session_factory, server) -> int:
    with unit_of_work(session_factory) as s:
        return create_channel(
            s, "shopify", "Shopify", server.url, {"token": TOKEN}, actor="bench"
        ).id


def _pull(session_factory, channel_id) -> tuple[float, object]:
    started = time.perf_counter()
    report = pull_orders(
        session_factory, channel_id, connector_factory=lambda view: connector_for(view)
    )
    return time.perf_counter() - started, report


def test_pull_10k_orders(session_factory):
    _, restore = install_memory_keyring()
    try:
        with ShopifyEmulator(token=TOKEN, maximum_available=1e12, restore_rate=1e9) as server:
            _fill(server)
            _raw_fetch(server)  # warm the emulator and the connection path
            started = time.perf_counter()
            fetched = _raw_fetch(server)
            raw_seconds = time.perf_counter() - started
            assert fetched == ORDERS
            channel_id = _channel(session_factory, server)
            seconds, report = _pull(session_factory, channel_id)
            assert report.ok and report.created == ORDERS, report.message
            with unit_of_work(session_factory, write=False) as s:
                assert s.scalar(select(func.count()).select_from(SalesOrder)) == ORDERS
                lines = s.scalar(select(func.count()).select_from(OrderLine))
            rate = ORDERS / seconds
            RESULTS.record(
                "sync: pull 10k Shopify orders (fresh shop)",
                rate,
                unit="orders/s",
                target="≥ 1,000 orders/s",
                baseline_name="raw requests fetch",
                baseline_value=ORDERS / raw_seconds,
                note=f"{seconds:.2f} s, {lines:,} lines (all unmatched SKUs), 40 pages",
            )
            again_seconds, again = _pull(session_factory, channel_id)
            assert again.created == 0
            RESULTS.record(
                "sync: re-pull with nothing new (overlap only)",
                again_seconds * 1000,
                unit="ms",
                note=f"{again.unchanged} unchanged order(s) in the overlap window",
            )
    finally:
        restore()


def test_pull_10k_orders_into_a_stocked_catalog(session_factory):
    """Same pull, with every SKU in the catalog and stock to allocate (order by order)."""
    _, restore = install_memory_keyring()
    try:
        with unit_of_work(session_factory) as s:
            main = create_location(s, code="MAIN", name="Main", actor="bench").id
            shelf = create_bin(s, location_id=main, code="A-01", actor="bench").id
            for sku in SKUS:
                product = create_product(s, ProductInput(sku=sku, name=sku), actor="bench").id
                receive_stock(s, product_id=product, bin_id=shelf, quantity=200, actor="bench")
        with ShopifyEmulator(token=TOKEN, maximum_available=1e12, restore_rate=1e9) as server:
            _fill(server)
            started = time.perf_counter()
            _raw_fetch(server)
            raw_seconds = time.perf_counter() - started
            channel_id = _channel(session_factory, server)
            seconds, report = _pull(session_factory, channel_id)
            assert report.ok and report.created == ORDERS and report.unmatched_lines == 0
            RESULTS.record(
                "sync: pull 10k Shopify orders (catalog + allocation)",
                ORDERS / seconds,
                unit="orders/s",
                target="≥ 1,000 orders/s",
                baseline_name="raw requests fetch",
                baseline_value=ORDERS / raw_seconds,
                note=f"{seconds:.2f} s; stock reserved for every order that fits",
            )
    finally:
        restore()
