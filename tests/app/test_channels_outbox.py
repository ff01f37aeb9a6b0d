"""Channel pushes through the outbox: fulfilments, stock, refunds, retries and dead letters."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.channels.outbox import (
    queue_stock_updates,
    retry_outbox_message,
    send_outbox,
    stock_push_candidates,
)
from app.channels.service import list_outbox, run_sync, update_channel
from app.errors import Conflict
from app.inventory.ledger import receive_stock
from app.uow import unit_of_work
from db.models import AuditEvent, ChannelListing, OutboxMessage, SyncRun
from db.types import utcnow
from tests.app.test_channels import (
    ACTOR,
    add_orders,
    build_catalog,
    factory,
    make_shopify,
    make_woo,
    orders_by_external,
    pack,
    pull,
)
from tests.fixtures.channel_servers import (
    FakeClock,
    ShopifyEmulator,
    WooCommerceEmulator,
    install_memory_keyring,
)

UPS = "1Z999AA10123456784"


@pytest.fixture
def keyring_store():
    backend, restore = install_memory_keyring()
    yield backend.store
    restore()


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


def outbox(session_factory) -> list[OutboxMessage]:
    with unit_of_work(session_factory, write=False) as s:
        return list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def reset_to_pending(session_factory, message_id: int) -> None:
    """As if the process died after the channel applied the push but before we recorded it."""
    with unit_of_work(session_factory) as s:
        s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(status="pending", sent_at=None, next_attempt_at=utcnow())
        )


def shipped_channel_order(session_factory, server, channel_id, clock, lines) -> int:
    (remote,) = add_orders(server, 1, lines=lines)
    pull(session_factory, channel_id, clock)
    ours = orders_by_external(session_factory, channel_id)[str(remote)].id
    pack(session_factory, ours, ship_it=True)
    return remote


# ---------------------------------------------------------------------------------- fulfilment


def test_fulfilment_reaches_shopify_with_tracking_once(
    session_factory, keyring_store, catalog, shopify, clock
):
    channel_id = make_shopify(session_factory, shopify, keyring_store)
    remote = shipped_channel_order(
        session_factory,
        shopify,
        channel_id,
        clock,
        [{"sku": "MUG-1", "quantity": 2, "price": "5"}, {"sku": "CAP-1", "quantity": 1}],
    )
    (message,) = outbox(session_factory)
    assert message.kind == "fulfillment" and message.status == "pending"
    report = send_outbox(session_factory, connector_factory=factory(clock))
    assert (report.sent, report.already_present, report.failed) == (1, 0, 0)
    (fulfilment,) = shopify.fulfillments(remote)
    assert fulfilment["tracking"][0]["number"] == UPS
    assert fulfilment["tracking"][0]["company"] == "UPS"
    assert UPS in fulfilment["tracking"][0]["url"]
    assert fulfilment["notify"] is False
    assert shopify.orders[remote]["fulfillment_orders"][0]["status"] == "CLOSED"
    (message,) = outbox(session_factory)
    assert message.status == "sent" and message.sent_at is not None and message.attempts == 1
    with unit_of_work(session_factory, write=False) as s:
        summary = s.scalar(
            select(AuditEvent.summary).where(AuditEvent.action == "order.channel_fulfillment")
        )
    assert summary.startswith("Tracking sent to Shopify: shipment SH-000001 (ups 1Z999")
    assert send_outbox(session_factory, connector_factory=factory(clock)).sent == 0
    reset_to_pending(session_factory, message.id)
    again = send_outbox(session_factory, connector_factory=factory(clock))
    assert again.already_present == 1
    assert len(shopify.fulfillments(remote)) == 1
    # our own push comes back as "fulfilled on the channel": noted, never flagged
    report = pull(session_factory, channel_id, clock)
    assert report.flagged == 0 and report.unchanged == 1


def test_fulfilment_reaches_woocommerce_once(session_factory, keyring_store, catalog, woo, clock):
    channel_id = make_woo(session_factory, woo, keyring_store)
    remote = woo.add_order(lines=[{"sku": "CAP-1", "quantity": 2, "price": "9.99"}])
    pull(session_factory, channel_id, clock)
    pack(
        session_factory,
        orders_by_external(session_factory, channel_id)[str(remote)].id,
        ship_it=True,
    )
    report = send_outbox(session_factory, connector_factory=factory(clock))
    assert report.sent == 1, report
    order = woo.orders[remote]
    assert order["status"] == "completed" and order["date_completed_gmt"]
    (meta,) = [m for m in order["meta_data"] if m["key"] == "_packbench_tracking"]
    assert meta["value"][0]["tracking_number"] == UPS
    assert meta["value"][0]["shipment"] == "SH-000001"
    (note,) = woo.notes[remote]
    assert UPS in note["note"] and "[SH-000001]" in note["note"] and not note["customer_note"]
    reset_to_pending(session_factory, outbox(session_factory)[0].id)
    assert send_outbox(session_factory, connector_factory=factory(clock)).already_present == 1
    assert len(woo.notes[remote]) == 1


# --------------------------------------------------------------------------------------- stock


def test_stock_push_honours_the_buffer_and_skips_unchanged_levels(
    session_factory, keyring_store, catalog, shopify, clock
):
    variant = shopify.add_variant("MUG-1", quantity=0)
    item = shopify.variants[variant]["inventory_item_id"]
    channel_id = make_shopify(session_factory, shopify, keyring_store)
    with unit_of_work(session_factory) as s:
        update_channel(s, channel_id, actor=ACTOR, stock_buffer=2)
        assert stock_push_candidates(s) == []  # nothing listed yet
        assert queue_stock_updates(s, [catalog["mug"], catalog["cap"]]) == 2
    report = send_outbox(session_factory, connector_factory=factory(clock))
    assert report.sent == 2
    assert shopify.inventory[(item, shopify.location_id)] == 8  # 10 on hand − 2 buffer
    with unit_of_work(session_factory, write=False) as s:
        listings = {row.product_id: row for row in s.scalars(select(ChannelListing))}
    mug = listings[catalog["mug"]]
    assert (mug.remote_variant_id, mug.remote_inventory_item_id) == (str(variant), str(item))
    assert mug.last_pushed_available == 8
    cap = listings[catalog["cap"]]  # not sold on Shopify: remembered, never asked again
    assert cap.remote_variant_id is None and cap.last_pushed_available is None
    assert "no product with SKU CAP-1" in outbox(session_factory)[1].last_error
    with unit_of_work(session_factory) as s:
        assert queue_stock_updates(s, [catalog["mug"], catalog["cap"]]) == 0
        receive_stock(
            s, product_id=catalog["mug"], bin_id=catalog["shelf"], quantity=3, actor=ACTOR
        )
        assert stock_push_candidates(s) == [catalog["mug"]]
        assert queue_stock_updates(s, [catalog["mug"]]) == 1  # 11
        assert queue_stock_updates(s, [catalog["mug"]]) == 0  # 11 is already queued
        receive_stock(
            s, product_id=catalog["mug"], bin_id=catalog["shelf"], quantity=1, actor=ACTOR
        )
        assert queue_stock_updates(s, [catalog["mug"]]) == 1  # 12 supersedes 11
    assert send_outbox(session_factory, connector_factory=factory(clock)).sent == 1
    assert [entry["quantity"] for entry in shopify.stock_sets] == [8, 12]
    messages = outbox(session_factory)
    assert messages[2].status == "sent" and messages[2].sent_at is None  # superseded
    assert messages[3].idempotency_key.startswith(f"stock:{channel_id}:{catalog['mug']}:12:")
    reset_to_pending(session_factory, messages[3].id)  # the answer was lost: same key again
    assert send_outbox(session_factory, connector_factory=factory(clock)).sent == 1
    assert len(shopify.stock_sets) == 2  # the @idempotent key made the repeat a no-op


def test_stock_push_to_woocommerce_products_and_variations(
    session_factory, keyring_store, catalog, woo, clock
):
    mug = woo.add_product("MUG-1", stock_quantity=0)
    tee = woo.add_product("TEE")
    cap = woo.add_product("CAP-1", parent_id=tee)
    channel_id = make_woo(session_factory, woo, keyring_store)
    with unit_of_work(session_factory) as s:
        assert queue_stock_updates(s, [catalog["mug"], catalog["cap"]], channel_id=channel_id) == 2
    assert send_outbox(session_factory, connector_factory=factory(clock)).sent == 2
    assert (woo.products[mug]["stock_quantity"], woo.products[cap]["stock_quantity"]) == (10, 5)
    assert woo.products[cap]["manage_stock"] is True
    with unit_of_work(session_factory, write=False) as s:
        listing = s.scalar(
            select(ChannelListing).where(ChannelListing.product_id == catalog["cap"])
        )
    assert (listing.remote_product_id, listing.remote_variant_id) == (str(tee), str(cap))


# ------------------------------------------------------------------------ failures and retries


def test_dead_letter_after_n_failures_and_retry(
    session_factory, keyring_store, catalog, shopify, clock
):
    channel_id = make_shopify(session_factory, shopify, keyring_store)
    remote = shipped_channel_order(
        session_factory, shopify, channel_id, clock, [{"sku": "MUG-1", "quantity": 1}]
    )
    shopify.fail_next("status", status=500, count=3, match="graphql order")
    now = utcnow()
    quick = factory(clock, retries=0)
    for attempt in range(1, 4):
        report = send_outbox(session_factory, connector_factory=quick, now=now, max_attempts=3)
        (message,) = outbox(session_factory)
        assert message.attempts == attempt
        assert "answered HTTP 500" in message.last_error
        if attempt < 3:
            assert report.failed == 1 and message.status == "pending"
            assert message.next_attempt_at > now
            assert send_outbox(session_factory, connector_factory=quick, now=now).sent == 0
            now = message.next_attempt_at
    assert report.dead == 1 and message.status == "dead"
    with unit_of_work(session_factory, write=False) as s:
        (dead,) = list_outbox(s, status="dead")
        assert dead.summary.startswith("fulfillment shipment SH-000001")
        assert s.scalar(select(AuditEvent.summary).where(AuditEvent.action == "outbox.dead"))
    assert send_outbox(session_factory, connector_factory=quick, now=now).sent == 0
    with unit_of_work(session_factory) as s:
        retry_outbox_message(s, message.id, actor=ACTOR)
    report = send_outbox(session_factory, connector_factory=quick)
    assert report.sent == 1 and len(shopify.fulfillments(remote)) == 1
    (message,) = outbox(session_factory)
    assert message.status == "sent" and message.attempts == 1
    with unit_of_work(session_factory) as s, pytest.raises(Conflict):
        retry_outbox_message(s, message.id, actor=ACTOR)


def test_long_throttle_postpones_without_using_attempts(
    session_factory, keyring_store, catalog, shopify, clock
):
    channel_id = make_shopify(session_factory, shopify, keyring_store)
    shipped_channel_order(
        session_factory, shopify, channel_id, clock, [{"sku": "MUG-1", "quantity": 1}]
    )
    shopify.fail_next("429", retry_after="600")
    now = utcnow()
    report = send_outbox(session_factory, connector_factory=factory(clock), now=now)
    assert report.skipped == 1 and "rate limiting" in report.errors[0]
    (message,) = outbox(session_factory)
    assert message.status == "pending" and message.attempts == 0
    assert message.next_attempt_at == now + timedelta(seconds=600)


def test_bad_credentials_leave_pushes_waiting_with_a_safe_error(
    session_factory, keyring_store, catalog, shopify, clock
):
    channel_id = make_shopify(session_factory, shopify, keyring_store)
    shipped_channel_order(
        session_factory, shopify, channel_id, clock, [{"sku": "MUG-1", "quantity": 1}]
    )
    with unit_of_work(session_factory) as s:
        queue_stock_updates(s, [catalog["cap"]])
    keyring_store[("Packbench", f"channel.{channel_id}.token")] = "shpat_leaked_if_shown"
    report = send_outbox(session_factory, connector_factory=factory(clock))
    assert (report.sent, report.failed, report.skipped) == (0, 1, 1)
    assert "check the channel's credentials" in report.errors[0]
    assert all("shpat_leaked_if_shown" not in (m.last_error or "") for m in outbox(session_factory))


# ------------------------------------------------------------------------------------- refunds


def refund_message(channel_id: int, external_id: str, amount_minor: int) -> OutboxMessage:
    """The shape app.returns.services queues for a refund."""
    return OutboxMessage(
        channel_id=channel_id,
        kind="refund",
        idempotency_key=f"refund:{channel_id}:RMA-000001:1",
        payload={
            "order_external_id": external_id,
            "rma": "RMA-000001",
            "sequence": 1,
            "amount_minor": amount_minor,
            "currency": "USD",
            "method": "original payment",
            "lines": [],
        },
        next_attempt_at=utcnow(),
        created_at=utcnow(),
    )


def test_refund_push_shopify_and_woocommerce(
    session_factory, keyring_store, catalog, shopify, woo, clock
):
    shop_id = make_shopify(session_factory, shopify, keyring_store)
    woo_id = make_woo(session_factory, woo, keyring_store)
    (shop_order,) = add_orders(shopify, 1, lines=[{"sku": "MUG-1", "quantity": 1, "price": "20"}])
    woo_order = woo.add_order(lines=[{"sku": "CAP-1", "quantity": 1, "price": "20"}])
    pull(session_factory, shop_id, clock)
    pull(session_factory, woo_id, clock)
    line_id = str(shopify.orders[shop_order]["lines"][0]["id"])
    with unit_of_work(session_factory) as s:
        shop_message = refund_message(shop_id, str(shop_order), 1250)
        shop_message.payload = {
            **shop_message.payload,
            "lines": [
                {"external_line_id": line_id, "sku": "MUG-1", "quantity": 1, "restock": True}
            ],
        }
        s.add(shop_message)
        s.add(refund_message(woo_id, str(woo_order), 500))
    report = send_outbox(session_factory, connector_factory=factory(clock))
    assert report.sent == 2, report
    (refund,) = shopify.orders[shop_order]["refunds"]
    assert refund["amount"] == "12.50" and refund["note"] == "Packbench RMA-000001 refund 1"
    assert refund["lines"][0]["restockType"] == "NO_RESTOCK"
    (woo_refund,) = woo.refunds[woo_order]
    assert woo_refund["amount"] == "5.00" and woo_refund["api_refund"] is False
    for message in outbox(session_factory):
        reset_to_pending(session_factory, message.id)
    assert send_outbox(session_factory, connector_factory=factory(clock)).already_present == 2
    assert len(shopify.orders[shop_order]["refunds"]) == len(woo.refunds[woo_order]) == 1


def test_run_sync_pulls_then_pushes(session_factory, keyring_store, catalog, shopify, clock):
    shopify.add_variant("MUG-1", quantity=0)
    channel_id = make_shopify(session_factory, shopify, keyring_store)
    remote = shipped_channel_order(
        session_factory, shopify, channel_id, clock, [{"sku": "MUG-1", "quantity": 1}]
    )
    add_orders(shopify, 1, lines=[{"sku": "MUG-1", "quantity": 2}])
    report = run_sync(session_factory, channel_id, connector_factory=factory(clock))
    assert report.ok, report.lines()
    (result,) = report.channels
    assert result.pull.created == 1 and result.stock_queued == 1
    assert result.push.sent == 2  # the fulfilment and the mug's level
    assert len(shopify.fulfillments(remote)) == 1
    (level,) = shopify.inventory.values()
    assert level == 10 - 1 - 2  # one shipped, two reserved by the new order
    with unit_of_work(session_factory, write=False) as s:
        run = s.get(SyncRun, result.pull.run_id)
    assert run.pushed == 2 and run.status == "succeeded"


def test_link_listings_then_stock_reaches_products_never_sold(
    session_factory, keyring_store, catalog, shopify, woo, clock
):
    from app.channels.listings import link_listings

    mug_variant = shopify.add_variant("mug-1", quantity=0)  # SKU case differs: still linked
    shopify.add_variant("NOT-OURS")
    tee = woo.add_product("TEE")
    cap = woo.add_product("CAP-1", parent_id=tee, stock_quantity=0)
    shop_id = make_shopify(session_factory, shopify, keyring_store)
    woo_id = make_woo(session_factory, woo, keyring_store)
    report = link_listings(session_factory, shop_id, connector_factory=factory(clock))
    assert (report.seen, report.linked) == (2, 1) and "NOT-OURS" in report.unknown
    assert link_listings(session_factory, shop_id, connector_factory=factory(clock)).linked == 0
    result = run_sync(session_factory, woo_id, listings=True, connector_factory=factory(clock))
    assert result.ok and result.channels[0].linked == 1
    assert woo.products[cap]["stock_quantity"] == 5
    result = run_sync(session_factory, shop_id, connector_factory=factory(clock))
    assert result.ok and result.channels[0].stock_queued == 1
    item = shopify.variants[mug_variant]["inventory_item_id"]
    assert shopify.inventory[(item, shopify.location_id)] == 10
