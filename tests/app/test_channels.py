"""Channel setup and order pulls against the Shopify and WooCommerce emulators on 127.0.0.1."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.channels.base import ChannelAuthError, ChannelDataError, ChannelUnavailable
from app.channels.reconcile import decide
from app.channels.service import (
    connector_for,
    create_channel,
    find_channel,
    get_channel,
    list_channels,
    list_sync_runs,
    run_sync,
    update_channel,
)
from app.channels.service import test_channel_connection as check_connection
from app.channels.sync import pull_orders
from app.errors import Conflict, ValidationError
from app.inventory.dto import ProductInput
from app.inventory.ledger import receive_stock
from app.inventory.locations import create_bin, create_location
from app.inventory.products import create_product
from app.orders.queries import get_order
from app.shipping.services import complete_packing, ship_shipment, start_packing, verify_item
from app.uow import unit_of_work
from db.base import Base
from db.models import AuditEvent, Channel, ChannelListing, Reservation, SalesOrder, SyncRun
from tests.fixtures.channel_servers import (
    FakeClock,
    ShopifyEmulator,
    WooCommerceEmulator,
    install_memory_keyring,
)

ACTOR = "tester"
TOKEN = "shpat_test_token"
WOO_KEY, WOO_SECRET = "ck_test_key", "cs_test_secret"


@pytest.fixture
def keyring_store():
    backend, restore = install_memory_keyring()
    yield backend.store
    restore()


def build_catalog(session_factory) -> dict[str, int]:
    """A warehouse with MUG-1 (10 on hand) and CAP-1 (5 on hand)."""
    with unit_of_work(session_factory) as s:
        main = create_location(s, code="MAIN", name="Main", actor=ACTOR).id
        shelf = create_bin(s, location_id=main, code="A-01", actor=ACTOR).id
        mug = create_product(
            s, ProductInput(sku="MUG-1", name="Mug", price_minor=1250), actor=ACTOR
        ).id
        cap = create_product(s, ProductInput(sku="CAP-1", name="Cap"), actor=ACTOR).id
        receive_stock(s, product_id=mug, bin_id=shelf, quantity=10, actor=ACTOR)
        receive_stock(s, product_id=cap, bin_id=shelf, quantity=5, actor=ACTOR)
    return {"mug": mug, "cap": cap, "main": main, "shelf": shelf}


@pytest.fixture
def catalog(session_factory):
    return build_catalog(session_factory)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def shopify(clock):
    with ShopifyEmulator(clock=clock) as server:
        yield server


@pytest.fixture
def woo(clock):
    with WooCommerceEmulator(clock=clock) as server:
        yield server


def make_shopify(session_factory, server, keyring_store, **settings) -> int:
    with unit_of_work(session_factory) as s:
        return create_channel(
            s, "shopify", "Shopify", server.url, {"token": TOKEN, **settings}, actor=ACTOR
        ).id


def make_woo(session_factory, server, keyring_store, **settings) -> int:
    with unit_of_work(session_factory) as s:
        return create_channel(
            s,
            "woocommerce",
            "Woo",
            server.url,
            {"consumer_key": WOO_KEY, "consumer_secret": WOO_SECRET, **settings},
            actor=ACTOR,
        ).id


def factory(clock, **options):
    """Connectors with the fake clock's sleep and short timeouts (no test waits for real)."""
    options.setdefault("timeout", 0.5)
    return lambda view: connector_for(view, sleep=clock.sleep, clock=clock, **options)


def pull(session_factory, channel_id, clock, **kwargs):
    connector_options = kwargs.pop("connector_options", {})
    return pull_orders(
        session_factory, channel_id, connector_factory=factory(clock, **connector_options), **kwargs
    )


def table_counts(session_factory) -> dict[str, int]:
    with unit_of_work(session_factory, write=False) as s:
        return {
            name: s.scalar(select(func.count()).select_from(table))
            for name, table in Base.metadata.tables.items()
        }


def orders_by_external(session_factory, channel_id) -> dict[str, SalesOrder]:
    with unit_of_work(session_factory, write=False) as s:
        return {
            o.external_id: o
            for o in s.scalars(select(SalesOrder).where(SalesOrder.channel_id == channel_id))
        }


# ------------------------------------------------------------------------------ channel setup


def test_create_channel_keeps_secrets_in_the_keyring(session_factory, keyring_store, shopify):
    channel_id = make_shopify(session_factory, shopify, keyring_store, api_version="2026-07")
    assert keyring_store == {("Packbench", f"channel.{channel_id}.token"): TOKEN}
    with unit_of_work(session_factory, write=False) as s:
        view = get_channel(s, channel_id)
        assert view.settings == {"api_version": "2026-07"}
        assert view.base_url == shopify.url
        stored = [str(c.settings) for c in s.scalars(select(Channel))]
        stored += [f"{e.summary} {e.details}" for e in s.scalars(select(AuditEvent))]
        assert not any(TOKEN in text for text in stored)
        assert find_channel(s, "shopify").id == channel_id
        assert find_channel(s, str(channel_id)).id == channel_id
    with unit_of_work(session_factory) as s:
        with pytest.raises(Conflict):
            create_channel(s, "shopify", "SHOPIFY", shopify.url, {"token": "x"}, actor=ACTOR)
        with pytest.raises(ValidationError, match="https"):
            create_channel(
                s, "shopify", "B", "http://shop.example.com", {"token": "x"}, actor=ACTOR
            )
        with pytest.raises(ValidationError, match="unknown shopify channel setting 'password'"):
            create_channel(s, "shopify", "C", shopify.url, {"password": "x"}, actor=ACTOR)
        with pytest.raises(ValidationError, match="access token"):
            create_channel(s, "shopify", "D", shopify.url, {}, actor=ACTOR)
        with pytest.raises(ValidationError, match="consumer secret"):
            create_channel(s, "woocommerce", "E", shopify.url, {"consumer_key": "ck"}, actor=ACTOR)
    with unit_of_work(session_factory) as s:
        view = update_channel(
            s,
            channel_id,
            actor=ACTOR,
            settings={"token": "shpat_new", "page_size": 50},
            stock_buffer=2,
        )
        assert view.settings == {"api_version": "2026-07", "page_size": 50}
        assert view.stock_buffer == 2
        assert [c.name for c in list_channels(s)] == ["Shopify"]
    assert keyring_store[("Packbench", f"channel.{channel_id}.token")] == "shpat_new"


def test_connection_test_names_the_shop(session_factory, keyring_store, shopify, woo, clock):
    shop_id = make_shopify(session_factory, shopify, keyring_store)
    woo_id = make_woo(session_factory, woo, keyring_store)
    text = check_connection(session_factory, shop_id, connector_factory=factory(clock))
    assert text == "Shopify shop Packbench Test Shop (API 2026-07)"
    assert check_connection(session_factory, woo_id, connector_factory=factory(clock)).startswith(
        "WooCommerce at 127.0.0.1"
    )


# ----------------------------------------------------------------------------- Shopify pulls


def add_orders(server, count, **kwargs):
    return [
        server.add_order(
            lines=kwargs.pop("lines", None)
            or [
                {"sku": "MUG-1", "name": "Mug", "quantity": 2, "price": "12.50"},
                {"sku": "NOPE-9", "name": "Gift wrap — Zoë", "quantity": 1, "price": "3.00"},
            ],
            **kwargs,
        )
        for _ in range(count)
    ]


def test_pull_shopify_pages_maps_fields_and_flags_unmatched(
    session_factory, keyring_store, catalog, shopify, clock
):
    ids = add_orders(shopify, 7, shipping="5.00", tax="1.20")
    shopify.update_order(ids[3], risk="HIGH", bill_country="CA", note="Leave at the door")
    channel_id = make_shopify(session_factory, shopify, keyring_store, page_size=3)
    progress = []
    report = pull(session_factory, channel_id, clock, progress=lambda t, f: progress.append(f))
    assert report.ok, report.error
    assert (report.pages, report.pulled, report.created) == (3, 7, 7)
    assert report.unmatched_lines == 7 and report.held == 0
    assert progress[-1] == 1.0
    orders = orders_by_external(session_factory, channel_id)
    assert set(orders) == {str(i) for i in ids}
    order = orders[str(ids[3])]
    with unit_of_work(session_factory, write=False) as s:
        view = get_order(s, order.id)
        run = s.get(SyncRun, report.run_id)
        listing = s.scalar(select(ChannelListing))
        channel = s.get(Channel, channel_id)
    assert view.status == "open" and view.payment_status == "paid"
    assert view.ship_to.name == "Zoë Łukasiewicz" and view.ship_to.region == "TX"
    assert view.email == "zoe@example.com" and view.notes == "Leave at the door"
    assert (view.subtotal_minor, view.shipping_minor, view.tax_minor) == (2800, 500, 120)
    assert view.total_minor == view.paid_minor == 3420
    assert [(li.sku, li.product_id, li.quantity, li.unit_price_minor) for li in view.lines] == [
        ("MUG-1", catalog["mug"], 2, 1250),
        ("NOPE-9", None, 1, 300),
    ]
    # 10 mugs, 2 per order, allocated in pull order: the edited order came last and is short
    assert view.lines[0].allocated == 0
    with unit_of_work(session_factory, write=False) as s:
        first = get_order(s, orders[str(ids[0])].id)
    assert first.lines[0].allocated == 2 and first.fulfil_location == "MAIN"
    assert view.lines[1].name == "Gift wrap — Zoë"
    assert "unmatched SKU: NOPE-9" in view.risk_flags
    assert "channel risk: high" in view.risk_flags
    assert any("billing country CA" in flag for flag in view.risk_flags)
    assert run.status == "succeeded" and (run.pulled, run.created) == (7, 7)
    assert run.finished_at is not None and run.dry_run is False
    assert channel.last_pulled_at == max(o["updated_at"] for o in shopify.orders.values())
    assert listing is None  # emulator orders carry no variant for these SKUs
    # only 10 mugs: 5 orders got their 2, the rest are short
    with unit_of_work(session_factory, write=False) as s:
        assert s.scalar(select(func.sum(Reservation.quantity))) == 10


def test_rerun_changes_nothing(session_factory, keyring_store, catalog, shopify, clock):
    add_orders(shopify, 4)
    channel_id = make_shopify(session_factory, shopify, keyring_store)
    assert pull(session_factory, channel_id, clock).created == 4
    before = table_counts(session_factory)
    again = pull(session_factory, channel_id, clock)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    after = table_counts(session_factory)
    assert after.pop("sync_run") == before.pop("sync_run") + 1
    assert after == before
    full = pull(session_factory, channel_id, clock, full=True)
    assert (full.created, full.updated, full.unchanged) == (0, 0, 4)


def test_incremental_pull_asks_from_the_watermark_minus_overlap(
    session_factory, keyring_store, catalog, shopify, clock
):
    first = add_orders(shopify, 2)
    channel_id = make_shopify(session_factory, shopify, keyring_store)
    pull(session_factory, channel_id, clock)
    shopify.update_order(first[0], note="gift")
    later = add_orders(shopify, 1)
    report = pull(session_factory, channel_id, clock, overlap=timedelta(seconds=0))
    # watermark = newest applied updated_at; inclusive filter returns that order again
    assert (report.created, report.updated, report.unchanged) == (1, 1, 1)
    assert report.since == shopify.orders[first[1]]["updated_at"]
    assert str(later[0]) in orders_by_external(session_factory, channel_id)


def test_lines_beyond_the_first_query_are_fetched(
    session_factory, keyring_store, catalog, shopify, clock
):
    lines = [{"sku": f"X-{i}", "quantity": 1, "price": "1.00"} for i in range(5)]
    (order_id,) = add_orders(shopify, 1, lines=lines)
    channel_id = make_shopify(session_factory, shopify, keyring_store, lines_per_order=2)
    assert pull(session_factory, channel_id, clock).created == 1
    with unit_of_work(session_factory, write=False) as s:
        view = get_order(s, orders_by_external(session_factory, channel_id)[str(order_id)].id)
    assert [li.sku for li in view.lines] == [f"X-{i}" for i in range(5)]


def test_redacted_customer_data_imports_on_hold_until_a_full_sync(
    session_factory, keyring_store, catalog, shopify, clock
):
    (order_id,) = add_orders(shopify, 1, redacted=True)
    channel_id = make_shopify(session_factory, shopify, keyring_store)
    report = pull(session_factory, channel_id, clock)
    assert report.created == 1 and report.held == 1
    order = orders_by_external(session_factory, channel_id)[str(order_id)]
    assert order.on_hold and order.hold_reason.startswith("customer data redacted")
    assert order.ship_name is None and order.email is None and order.ship_country is None
    shopify.orders[order_id]["redacted"] = False  # access granted; the order itself is unchanged
    report = pull(session_factory, channel_id, clock, full=True)
    assert report.updated == 1
    order = orders_by_external(session_factory, channel_id)[str(order_id)]
    assert not order.on_hold
    assert (order.ship_name, order.ship_postal_code, order.email) == (
        "Zoë Łukasiewicz",
        "73301",
        "zoe@example.com",
    )


def test_bad_address_imports_on_hold(session_factory, keyring_store, catalog, shopify, clock):
    ship = {
        "name": "José Ñúñez",
        "company": None,
        "address1": "Calle 1",
        "address2": None,
        "city": "Austin",
        "province": "Texas",
        "provinceCode": "TX",
        "zip": "ABCDE",
        "countryCodeV2": "US",
        "phone": None,
    }
    (order_id,) = add_orders(shopify, 1, ship=ship)
    channel_id = make_shopify(session_factory, shopify, keyring_store)
    pull(session_factory, channel_id, clock)
    order = orders_by_external(session_factory, channel_id)[str(order_id)]
    assert order.on_hold and "postal code 'ABCDE' is not valid for US" in order.hold_reason
    assert order.ship_name == "José Ñúñez"
    shopify.update_order(order_id, ship={"zip": "73301"})
    assert pull(session_factory, channel_id, clock).updated == 1
    order = orders_by_external(session_factory, channel_id)[str(order_id)]
    assert not order.on_hold and order.ship_postal_code == "73301"


def test_edits_and_cancellations_apply_to_open_orders(
    session_factory, keyring_store, catalog, shopify, clock
):
    edited, cancelled = add_orders(
        shopify, 2, lines=[{"sku": "MUG-1", "quantity": 3, "price": "12.50"}]
    )
    channel_id = make_shopify(session_factory, shopify, keyring_store)
    pull(session_factory, channel_id, clock)
    shopify.update_order(
        edited,
        quantities={"MUG-1": 1},
        add_line={"sku": "CAP-1", "quantity": 2, "price": "8.00"},
        ship={"address1": "9 Elm St"},
        note="ring twice",
    )
    shopify.update_order(cancelled, cancel=True)
    report = pull(session_factory, channel_id, clock)
    assert (report.updated, report.cancelled, report.flagged) == (1, 1, 0)
    orders = orders_by_external(session_factory, channel_id)
    with unit_of_work(session_factory, write=False) as s:
        view = get_order(s, orders[str(edited)].id)
        gone = get_order(s, orders[str(cancelled)].id)
        reserved = s.scalar(select(func.sum(Reservation.quantity)))
        timeline = [
            e.summary
            for e in s.scalars(
                select(AuditEvent).where(AuditEvent.entity_id == view.id).order_by(AuditEvent.id)
            )
        ]
    assert [(li.sku, li.quantity, li.allocated) for li in view.lines] == [
        ("MUG-1", 1, 1),
        ("CAP-1", 2, 2),
    ]
    assert view.ship_to.address1 == "9 Elm St" and view.notes == "ring twice"
    assert view.subtotal_minor == 1250 + 1600 and view.total_minor == 1250 + 1600 + 500
    assert gone.status == "cancelled"
    assert reserved == 3  # 1 mug + 2 caps; the cancelled order's 3 mugs were released
    assert timeline[-1].startswith("Updated from Shopify: ")
    assert pull(session_factory, channel_id, clock).unchanged == 2


def pack(session_factory, order_id, *, ship_it=False):
    with unit_of_work(session_factory) as s:
        shipment = start_packing(s, order_id, actor=ACTOR)
        for line in get_order(s, order_id).lines:
            for _ in range(line.allocated):
                verify_item(s, shipment.id, line.sku)
        complete_packing(s, shipment.id, actor=ACTOR)
        if ship_it:
            ship_shipment(
                s,
                shipment.id,
                carrier="ups",
                tracking_number="1Z999AA10123456784",
                actor=ACTOR,
                notify_customer=False,
            )
        return shipment.id


def test_changes_after_packing_hold_the_order_once(
    session_factory, keyring_store, catalog, shopify, clock
):
    (order_id,) = add_orders(shopify, 1, lines=[{"sku": "MUG-1", "quantity": 1, "price": "5"}])
    channel_id = make_shopify(session_factory, shopify, keyring_store)
    pull(session_factory, channel_id, clock)
    ours = orders_by_external(session_factory, channel_id)[str(order_id)].id
    pack(session_factory, ours)
    shopify.update_order(order_id, cancel=True, ship={"address1": "2 Other Rd"}, note="sorry")
    report = pull(session_factory, channel_id, clock)
    assert (report.flagged, report.cancelled, report.updated) == (1, 0, 0)
    with unit_of_work(session_factory, write=False) as s:
        order = s.get(SalesOrder, ours)
        flags = s.scalars(
            select(AuditEvent.summary).where(
                AuditEvent.entity_id == ours, AuditEvent.action == "order.channel_flag"
            )
        ).all()
    assert order.status == "packed" and order.on_hold
    assert order.hold_reason == (
        "channel changed this order after it was packed: cancelled on the channel, "
        "ship-to address changed"
    )
    assert order.ship_address1 == "1 Main St"  # not applied
    assert order.notes == "sorry"  # harmless to the parcel: applied
    assert len(flags) == 1 and "not applied, a person should check it" in flags[0]
    assert any("cancelled on the channel" in i.message for i in report.issues)
    before = table_counts(session_factory)
    again = pull(session_factory, channel_id, clock)
    assert (again.flagged, again.unchanged) == (0, 1)
    after = table_counts(session_factory)
    assert after.pop("sync_run") == before.pop("sync_run") + 1
    assert after == before


def test_shipped_orders_note_changes_without_holding(
    session_factory, keyring_store, catalog, shopify, clock
):
    (order_id,) = add_orders(shopify, 1, lines=[{"sku": "MUG-1", "quantity": 1, "price": "5"}])
    channel_id = make_shopify(session_factory, shopify, keyring_store)
    pull(session_factory, channel_id, clock)
    ours = orders_by_external(session_factory, channel_id)[str(order_id)].id
    pack(session_factory, ours, ship_it=True)
    shopify.update_order(order_id, ship={"city": "Dallas"})
    report = pull(session_factory, channel_id, clock)
    assert report.flagged == 1
    with unit_of_work(session_factory, write=False) as s:
        order = s.get(SalesOrder, ours)
        summary = s.scalar(
            select(AuditEvent.summary).where(
                AuditEvent.entity_id == ours, AuditEvent.action == "order.channel_flag"
            )
        )
    assert order.status == "shipped" and not order.on_hold and order.ship_city == "Austin"
    assert summary.startswith("Shopify changed this order after it was shipped: ship-to address")


def test_decide_rules():
    base = {
        "status": "open",
        "payment": "paid",
        "email": "a@x",
        "notes": None,
        "ship": ["A"],
        "lines": {"1": ["S", 1, 100, 0]},
        "amounts": [0, 0, 100],
    }
    fulfilled = {**base, "status": "fulfilled"}
    assert decide("shipped", base, fulfilled).seen == ["fulfilled on the channel"]
    assert decide("open", base, fulfilled).flag == ["marked fulfilled on the channel"]
    assert decide("open", base, {**base, "status": "cancelled"}).cancel
    assert decide("draft", {**base, "status": "pending"}, base).confirm
    picking = decide("picking", base, {**base, "ship": ["B"], "lines": {}})
    assert picking.apply == ["ship"] and picking.flag == ["items changed"]
    packed = decide("packed", base, {**base, "payment": "refunded", "email": "b@x"})
    assert packed.apply == ["email", "payment"] and not packed.flag
    assert not decide("open", base, dict(base)).changed


def test_pending_payment_arrives_as_draft_then_opens(
    session_factory, keyring_store, catalog, shopify, clock
):
    (order_id,) = add_orders(
        shopify, 1, financial="PENDING", lines=[{"sku": "MUG-1", "quantity": 1, "price": "5"}]
    )
    channel_id = make_shopify(session_factory, shopify, keyring_store)
    pull(session_factory, channel_id, clock)
    order = orders_by_external(session_factory, channel_id)[str(order_id)]
    assert order.status == "draft" and order.paid_minor == 0
    shopify.update_order(order_id, financial="PAID")
    assert pull(session_factory, channel_id, clock).updated == 1
    with unit_of_work(session_factory, write=False) as s:
        view = get_order(s, order.id)
    assert view.status == "open" and view.payment_status == "paid" and view.lines[0].allocated == 1


def test_cancelled_and_fulfilled_orders_never_seen_are_skipped(
    session_factory, keyring_store, catalog, shopify, clock
):
    cancelled, shipped, fresh = add_orders(shopify, 3)
    shopify.update_order(cancelled, cancel=True)
    shopify.orders[shipped]["fulfillment_orders"][0]["lines"][0]["remaining"] = 0
    shopify.orders[shipped]["fulfillment_orders"][0]["lines"][1]["remaining"] = 0
    channel_id = make_shopify(session_factory, shopify, keyring_store)
    report = pull(session_factory, channel_id, clock)
    assert (report.created, report.skipped) == (1, 2)
    assert set(orders_by_external(session_factory, channel_id)) == {str(fresh)}


# --------------------------------------------------------------------------- throttling, auth


def test_throttling_without_real_waits(session_factory, keyring_store, catalog, clock):
    with ShopifyEmulator(clock=clock, maximum_available=100, restore_rate=10) as server:
        add_orders(server, 9)
        server.available = 1.0  # nearly empty bucket: the first query is THROTTLED
        channel_id = make_shopify(session_factory, server, keyring_store, page_size=3)
        report = pull(session_factory, channel_id, clock)
        assert report.ok and report.created == 9
        assert server.throttled == 1
        # requested 2 + 3 = 5 points, 1 available, 10 restored per second
        assert clock.slept[0] == pytest.approx(0.4)
        # later pages wait for the bucket before asking (no second THROTTLED)
        assert len(clock.slept) >= 2


def test_http_429_honours_retry_after(session_factory, keyring_store, catalog, shopify, clock):
    add_orders(shopify, 2)
    shopify.fail_next("429", retry_after="3.5", match="graphql orders")
    channel_id = make_shopify(session_factory, shopify, keyring_store)
    report = pull(session_factory, channel_id, clock)
    assert report.ok and report.created == 2
    assert 3.5 in clock.slept


def test_bad_token_fails_with_a_safe_message(
    session_factory, keyring_store, catalog, shopify, clock
):
    add_orders(shopify, 1)
    channel_id = make_shopify(session_factory, shopify, keyring_store)
    keyring_store[("Packbench", f"channel.{channel_id}.token")] = "shpat_wrong_secret_123"
    report = pull(session_factory, channel_id, clock)
    assert report.status == "failed"
    assert "refused the access token (HTTP 401): check the channel's credentials" in report.error
    with unit_of_work(session_factory, write=False) as s:
        (run,) = list_sync_runs(s, channel_id=channel_id)
    assert run.status == "failed" and run.errors == 1
    for text in (report.error, run.error_text):
        assert "shpat_wrong_secret_123" not in text and TOKEN not in text
    with pytest.raises(ChannelAuthError, match="check the channel's credentials"):
        check_connection(session_factory, channel_id, connector_factory=factory(clock))


def test_client_credentials_token_is_cached_and_renewed(
    session_factory, keyring_store, catalog, clock
):
    with ShopifyEmulator(
        clock=clock, token=None, client_id="app-1", client_secret="s3cret-cc", token_lifetime=3600
    ) as server:
        add_orders(server, 2)
        with unit_of_work(session_factory) as s:
            channel_id = create_channel(
                s,
                "shopify",
                "Shopify",
                server.url,
                {"client_id": "app-1", "client_secret": "s3cret-cc", "page_size": 1},
                actor=ACTOR,
            ).id
        assert pull(session_factory, channel_id, clock).created == 2
        assert len(server.issued) == 1  # one token for all pages
        clock.sleep(3600)  # the token expired
        assert pull(session_factory, channel_id, clock).ok
        assert len(server.issued) == 2
        keyring_store[("Packbench", f"channel.{channel_id}.client_secret")] = "wrong-one"
        report = pull(session_factory, channel_id, clock)
        assert report.status == "failed" and "client id and client secret" in report.error
        assert "wrong-one" not in report.error and "s3cret-cc" not in report.error


@pytest.mark.parametrize(
    ("fault", "options", "error", "message"),
    [
        ("status", {"status": 503, "count": 3}, ChannelUnavailable, "answered HTTP 503"),
        ("timeout", {"delay": 1.0, "count": 3}, ChannelUnavailable, "did not answer in time"),
        ("bad_json", {}, ChannelDataError, "not JSON"),
        ("html", {"status": 200}, ChannelDataError, "a web page"),
    ],
)
def test_outages_and_bad_replies_are_recorded(
    session_factory, keyring_store, catalog, shopify, clock, fault, options, error, message
):
    add_orders(shopify, 2)
    channel_id = make_shopify(session_factory, shopify, keyring_store)
    shopify.fail_next(fault, match="graphql orders", **options)
    report = pull(session_factory, channel_id, clock, connector_options={"timeout": 0.25})
    assert report.status == "failed" and message in report.error
    with unit_of_work(session_factory, write=False) as s:
        run = s.get(SyncRun, report.run_id)
        assert s.scalar(select(func.count()).select_from(SalesOrder)) == 0
    assert run.status == "failed" and message in run.error_text
    shopify.fail_next(fault, match="graphql orders", **options)
    with unit_of_work(session_factory, write=False) as s:
        view = get_channel(s, channel_id)
    connector = connector_for(view, sleep=clock.sleep, clock=clock, timeout=0.25)
    with pytest.raises(error):
        connector.fetch_orders(None)
    connector.close()


def test_a_single_5xx_is_retried(session_factory, keyring_store, catalog, shopify, clock):
    add_orders(shopify, 2)
    channel_id = make_shopify(session_factory, shopify, keyring_store)
    shopify.fail_next("status", status=500, match="graphql orders")
    report = pull(session_factory, channel_id, clock)
    assert report.ok and report.created == 2 and clock.slept == [1.0]


def test_query_over_the_cost_ceiling_is_repeated_with_smaller_pages(
    session_factory, keyring_store, catalog, clock
):
    with ShopifyEmulator(clock=clock, max_query_cost=60, cost_per_order=2) as server:
        add_orders(server, 30)
        channel_id = make_shopify(session_factory, server, keyring_store)
        report = pull(session_factory, channel_id, clock)
        assert report.ok and report.created == 30
        assert report.pages == 2  # 250 asked, cut to 29 per page (2 + 2 × 29 = 60)


def test_dry_run_writes_nothing(session_factory, keyring_store, catalog, shopify, clock):
    ids = add_orders(shopify, 3)
    channel_id = make_shopify(session_factory, shopify, keyring_store)
    before = table_counts(session_factory)
    report = pull(session_factory, channel_id, clock, dry_run=True)
    assert report.dry_run and report.run_id is None
    assert (report.created, report.unmatched_lines) == (3, 3)
    assert "would create 3" in report.message
    assert table_counts(session_factory) == before
    pull(session_factory, channel_id, clock)
    shopify.update_order(ids[0], cancel=True)
    before = table_counts(session_factory)
    result = run_sync(session_factory, channel_id, dry_run=True, connector_factory=factory(clock))
    assert result.channels[0].pull.cancelled == 1
    assert table_counts(session_factory) == before
    assert any("would" in line for line in result.lines())


# ----------------------------------------------------------------------------- WooCommerce


def test_pull_woocommerce_pages_and_fields(session_factory, keyring_store, catalog, woo, clock):
    woo.add_product("CAP-1")
    ids = [
        woo.add_order(
            lines=[
                {"sku": "CAP-1", "name": "Mütze", "quantity": 2, "price": "9.99", "discount": "1"},
                {"sku": "", "name": "Engraving", "quantity": 1, "price": "5.00"},
            ],
            total_tax="3.61",
        )
        for _ in range(5)
    ]
    woo.update_order(ids[4], status="on-hold")
    channel_id = make_woo(session_factory, woo, keyring_store, page_size=2)
    report = pull(session_factory, channel_id, clock)
    assert report.ok and (report.pages, report.created) == (3, 5)
    orders = orders_by_external(session_factory, channel_id)
    with unit_of_work(session_factory, write=False) as s:
        view = get_order(s, orders[str(ids[0])].id)
        listing = s.scalar(select(ChannelListing))
    assert view.ship_to.name == "Søren Kierkegaard" and view.ship_to.address1 == "Hauptstraße 5"
    assert view.currency == "EUR" and view.payment_status == "paid"
    assert [(li.sku, li.quantity, li.unit_price_minor, li.discount_minor) for li in view.lines] == [
        ("CAP-1", 2, 999, 100),
        ("", 1, 500, 0),
    ]
    assert view.total_minor == 1898 + 500 + 490 + 361
    assert orders[str(ids[4])].status == "draft"
    assert listing.product_id == catalog["cap"] and listing.remote_variant_id is None
    assert pull(session_factory, channel_id, clock).created == 0


def test_woocommerce_auth_and_limits(session_factory, keyring_store, catalog, woo, clock, caplog):
    caplog.set_level(logging.DEBUG)
    woo.add_order(lines=[{"sku": "CAP-1", "quantity": 1, "price": "2"}])
    channel_id = make_woo(session_factory, woo, keyring_store, query_string_auth=True)
    woo.fail_next("429", retry_after="7")
    report = pull(session_factory, channel_id, clock)
    assert report.ok and report.created == 1 and 7.0 in clock.slept
    assert woo.auth_seen[-1] == "query"
    with unit_of_work(session_factory) as s:
        update_channel(s, channel_id, actor=ACTOR, settings={"consumer_secret": "cs_WRONG_value"})
    report = pull(session_factory, channel_id, clock, full=True)
    assert report.status == "failed" and "HTTP 401" in report.error
    assert "cs_WRONG_value" not in report.error and WOO_KEY not in report.error
    assert "consumer_secret=" in caplog.text  # urllib3 logged the request lines…
    assert WOO_SECRET not in caplog.text and "cs_WRONG_value" not in caplog.text  # …redacted


def test_woocommerce_cancellation_and_quantity_change(
    session_factory, keyring_store, catalog, woo, clock
):
    a = woo.add_order(lines=[{"sku": "MUG-1", "quantity": 3, "price": "4"}])
    b = woo.add_order(lines=[{"sku": "MUG-1", "quantity": 1, "price": "4"}])
    channel_id = make_woo(session_factory, woo, keyring_store)
    pull(session_factory, channel_id, clock)
    woo.update_order(a, quantities={"MUG-1": 2})
    woo.update_order(b, status="cancelled")
    report = pull(session_factory, channel_id, clock)
    assert (report.updated, report.cancelled) == (1, 1)
    orders = orders_by_external(session_factory, channel_id)
    with unit_of_work(session_factory, write=False) as s:
        assert [li.quantity for li in get_order(s, orders[str(a)].id).lines] == [2]
    assert orders[str(b)].status == "cancelled"


def test_run_sync_reports_every_channel(
    session_factory, keyring_store, catalog, shopify, woo, clock
):
    add_orders(shopify, 1)
    woo.add_order(lines=[{"sku": "CAP-1", "quantity": 1, "price": "2"}])
    make_shopify(session_factory, shopify, keyring_store)
    make_woo(session_factory, woo, keyring_store)
    shopify.fail_next("status", status=503, count=10, match="graphql orders")
    report = run_sync(session_factory, connector_factory=factory(clock))
    assert not report.ok
    by_name = {r.channel: r for r in report.channels}
    assert by_name["Shopify"].pull.status == "failed"
    assert by_name["Woo"].pull.created == 1 and by_name["Woo"].ok
    text = "\n".join(report.lines())
    assert "Shopify:" in text and "answered HTTP 503" in text


def test_since_setting_limits_the_first_pull(
    session_factory, keyring_store, catalog, shopify, clock
):
    add_orders(shopify, 2)
    channel_id = make_shopify(
        session_factory,
        shopify,
        keyring_store,
        import_since=(datetime(2030, 1, 1, tzinfo=UTC)).isoformat(),
    )
    report = pull(session_factory, channel_id, clock)
    assert report.ok and report.pulled == 0


def test_several_locations_allocate_by_the_allocation_rules(
    session_factory, keyring_store, catalog, shopify, clock
):
    with unit_of_work(session_factory) as s:
        east = create_location(s, code="EAST", name="East", actor=ACTOR).id
        shelf = create_bin(s, location_id=east, code="E-01", actor=ACTOR).id
        receive_stock(s, product_id=catalog["mug"], bin_id=shelf, quantity=20, actor=ACTOR)
    small, large = add_orders(shopify, 2, lines=[{"sku": "MUG-1", "quantity": 1}])
    shopify.update_order(large, quantities={"MUG-1": 15})
    channel_id = make_shopify(session_factory, shopify, keyring_store)
    pull(session_factory, channel_id, clock)
    orders = orders_by_external(session_factory, channel_id)
    with unit_of_work(session_factory, write=False) as s:
        big = get_order(s, orders[str(large)].id)
        little = get_order(s, orders[str(small)].id)
    assert big.fulfil_location == "EAST" and big.lines[0].allocated == 15  # only EAST has 15
    assert little.fulfil_location in ("MAIN", "EAST") and little.lines[0].allocated == 1


def test_a_sync_stopped_between_pages_keeps_what_it_applied(
    session_factory, keyring_store, catalog, shopify, clock
):
    add_orders(shopify, 6)
    channel_id = make_shopify(session_factory, shopify, keyring_store, page_size=2)
    pages = []
    report = pull(
        session_factory,
        channel_id,
        clock,
        progress=lambda text, fraction: pages.append(text),
        cancelled=lambda: len(pages) >= 3,  # the start message and two pages
    )
    assert report.status == "cancelled" and report.created == 4
    with unit_of_work(session_factory, write=False) as s:
        run = s.get(SyncRun, report.run_id)
    assert run.status == "cancelled" and run.created == 4
    assert pull(session_factory, channel_id, clock).created == 2


def test_missing_secret_is_a_recorded_failed_run(
    session_factory, keyring_store, catalog, shopify, clock
):
    channel_id = make_shopify(session_factory, shopify, keyring_store)
    keyring_store.clear()
    report = run_sync(session_factory, channel_id, connector_factory=factory(clock))
    (result,) = report.channels
    assert not report.ok and result.pull.status == "failed"
    assert "has no credentials" in result.pull.error
    with unit_of_work(session_factory, write=False) as s:
        (run,) = list_sync_runs(s)
    assert run.status == "failed" and "has no credentials" in run.error_text


def test_sync_report_changes_say_what_to_refresh():
    from app.changes import NO_CHANGES, ChangeSet
    from app.channels.dto import SYNC_CHANGES, ChannelSyncResult, RunSyncReport

    quiet = ChannelSyncResult(1, "Shop", pull=None, push=None)
    pushed_stock = ChannelSyncResult(2, "Woo", pull=None, push=None, stock_queued=3)
    assert RunSyncReport(False, ()).changes == NO_CHANGES
    assert RunSyncReport(False, (quiet,)).changes == ChangeSet(channels=True)  # a run row
    assert RunSyncReport(False, (quiet, pushed_stock)).changes == SYNC_CHANGES
    assert RunSyncReport(True, (pushed_stock,)).changes == ChangeSet(channels=True)  # dry run
