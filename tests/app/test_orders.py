"""Orders: intake, validation, allocation rules, lifecycle, holds, split/backorder, risk."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime, timedelta

import pytest

from app.audit import list_events
from app.doctor import run_doctor
from app.errors import Conflict, DomainError, InvalidTransition, ValidationError
from app.inventory.dto import ProductInput
from app.inventory.ledger import available_at, receive_stock
from app.inventory.locations import create_bin, create_location
from app.inventory.products import create_product
from app.numbering import reserve_order_numbers
from app.orders.address import Address
from app.orders.dto import LineInput, OrderInput
from app.orders.queries import OrderFilter, get_order, list_order_page
from app.orders.services import (
    allocate_order,
    apply_to_orders,
    backorder_shortfall,
    cancel_order,
    confirm_order,
    create_order,
    hold_order,
    release_due_holds,
    release_hold,
    set_order_status,
    split_order,
)
from app.uow import unit_of_work
from db.models import Channel, NumberSequence, Reservation

ACTOR = "clerk"
US_ADDRESS = Address(
    "Zoë Łukasiewicz", "1600 Amphitheatre Pkwy", "Mountain View", "94043", "US", "CA"
)
DE_ADDRESS = Address("Søren Müller", "Unter den Linden 1", "Berlin", "10117", "DE")


@pytest.fixture
def shop(session_factory):
    with unit_of_work(session_factory) as s:
        us = create_location(
            s, code="US-WH", name="Oakland warehouse", country="US", region="CA", actor=ACTOR
        ).id
        de = create_location(s, code="DE-WH", name="Berlin warehouse", country="DE", actor=ACTOR).id
        store = create_location(
            s, code="STORE", name="Shop", kind="store", country="US", region="CA", actor=ACTOR
        ).id
        bins = {
            loc: create_bin(s, location_id=loc, code="A-01", actor=ACTOR).id
            for loc in (us, de, store)
        }
        mug = create_product(
            s, ProductInput(sku="MUG-1", name="Mug", price_minor=1200), actor=ACTOR
        ).id
        cap = create_product(
            s, ProductInput(sku="CAP-1", name="Cap", price_minor=2500), actor=ACTOR
        ).id
    return {"us": us, "de": de, "store": store, "bins": bins, "mug": mug, "cap": cap}


def put(session_factory, shop, location: str, product: str, qty: int) -> None:
    with unit_of_work(session_factory) as s:
        receive_stock(
            s,
            product_id=shop[product],
            bin_id=shop["bins"][shop[location]],
            quantity=qty,
            actor=ACTOR,
        )


def order(session_factory, *lines, address=US_ADDRESS, **kwargs):
    data = OrderInput(lines=tuple(LineInput(**line) for line in lines), ship_to=address, **kwargs)
    with unit_of_work(session_factory) as s:
        return create_order(s, data, actor=ACTOR)


def test_manual_order_is_totalled_confirmed_and_allocated_nearest(session_factory, shop):
    put(session_factory, shop, "us", "mug", 5)
    put(session_factory, shop, "de", "mug", 5)
    saved = order(
        session_factory,
        {"product_id": shop["mug"], "quantity": 2},
        {"sku": "cap-1", "quantity": 1, "discount_minor": 500},
        address=DE_ADDRESS,
        shipping_minor=450,
        tax_minor=100,
        payment_status="paid",
        discount_minor=200,
        email="SOREN@example.com",
    )
    with unit_of_work(session_factory, write=False) as s:
        view = get_order(s, saved.id)
    assert view.number == "SO-000001" and view.status == "open"
    assert (view.subtotal_minor, view.discount_minor, view.total_minor, view.paid_minor) == (
        4400,
        200,
        4750,
        4750,
    )
    assert view.email == "SOREN@example.com"
    # The cap is in stock nowhere, so no location ships everything: the one nearest the
    # customer (Berlin) takes the mugs and the cap is short.
    assert view.fulfil_location == "DE-WH"
    assert [line.allocated for line in view.lines] == [2, 0]
    assert [(s.sku, s.needed, s.available) for s in saved.allocation.shortfalls] == [
        ("CAP-1", 1, 0)
    ]


def test_whole_order_location_beats_nearest(session_factory, shop):
    put(session_factory, shop, "us", "mug", 5)
    put(session_factory, shop, "us", "cap", 5)
    put(session_factory, shop, "de", "mug", 5)
    saved = order(
        session_factory,
        {"product_id": shop["mug"], "quantity": 1},
        {"product_id": shop["cap"], "quantity": 1},
        address=DE_ADDRESS,
    )
    assert saved.allocation.location_code == "US-WH" and saved.allocation.complete


def test_nearest_of_the_complete_locations_and_pickup_store(session_factory, shop):
    for location in ("us", "de", "store"):
        put(session_factory, shop, location, "mug", 5)
    assert (
        order(
            session_factory, {"product_id": shop["mug"], "quantity": 1}, address=DE_ADDRESS
        ).allocation.location_code
        == "DE-WH"
    )
    # Same region as both the US warehouse and the store: warehouses ship, stores sell.
    assert (
        order(session_factory, {"product_id": shop["mug"], "quantity": 1}).allocation.location_code
        == "US-WH"
    )
    pickup = order(
        session_factory,
        {"product_id": shop["mug"], "quantity": 2},
        address=None,
        delivery_method="pickup",
        pickup_location_id=shop["store"],
    )
    assert pickup.allocation.location_code == "STORE"


@pytest.mark.parametrize(
    ("address", "field", "message"),
    [
        (
            Address("A", "1 High St", "London", "XYZ", "GB"),
            "postal_code",
            "postal code 'XYZ' is not valid for GB (for example",
        ),
        (Address("A", "", "Berlin", "10117", "DE"), "address1", "street address is required"),
        (Address("", "1 Main", "Austin", "73301", "US", "TX"), "name", "name is required"),
        (Address("A", "1 Main", "Austin", "73301", "US"), "region", "state/region is required"),
        (Address("A", "1 Main", "Nowhere", "1", "ZZ"), "country", "unknown country code 'ZZ'"),
    ],
)
def test_bad_addresses_name_the_field(session_factory, shop, address, field, message):
    with pytest.raises(ValidationError, match=message.replace("(", r"\(")) as info:
        order(session_factory, {"product_id": shop["mug"], "quantity": 1}, address=address)
    assert info.value.field == field
    with unit_of_work(session_factory, write=False) as s:
        assert list_order_page(s, OrderFilter()).rows == ()


def test_unknown_skus_become_unmatched_lines_only_with_a_name(session_factory, shop):
    with pytest.raises(ValidationError, match="SKU GIFT-9 is not in the catalog"):
        order(session_factory, {"sku": "GIFT-9", "quantity": 1})
    saved = order(
        session_factory,
        {"sku": "GIFT-9", "quantity": 1, "name": "Gift card", "unit_price_minor": 2000},
    )
    with unit_of_work(session_factory, write=False) as s:
        line = get_order(s, saved.id).lines[0]
    assert (line.unmatched, line.sku, line.total_minor) == (True, "GIFT-9", 2000)


def test_pickup_needs_a_store(session_factory, shop):
    with pytest.raises(ValidationError, match="needs the store") as info:
        order(
            session_factory,
            {"product_id": shop["mug"], "quantity": 1},
            address=None,
            delivery_method="pickup",
            pickup_location_id=shop["us"],
        )
    assert info.value.field == "pickup_location_id"


def test_lifecycle_transitions_and_timeline(session_factory, shop):
    put(session_factory, shop, "us", "mug", 5)
    saved = order(session_factory, {"product_id": shop["mug"], "quantity": 1}, confirm=False)
    assert saved.status == "draft"
    with unit_of_work(session_factory) as s:
        confirm_order(s, saved.id, actor=ACTOR)
        for target in ("picking", "packed", "shipped", "delivered"):
            assert set_order_status(s, saved.id, target, actor=ACTOR).status == target
        with pytest.raises(InvalidTransition, match="cannot move order from delivered to picking"):
            set_order_status(s, saved.id, "picking", actor=ACTOR)
        events = [e.action for e in list_events(s, entity_type="order", entity_id=saved.id)]
    assert events == [
        "order.delivered",
        "order.shipped",
        "order.packed",
        "order.picking",
        "order.confirm",
        "order.create",
    ]


@pytest.mark.parametrize(
    ("current", "target"),
    [
        ("draft", "picking"),
        ("draft", "shipped"),
        ("open", "delivered"),
        ("cancelled", "open"),
        ("shipped", "cancelled"),
        ("partially_shipped", "cancelled"),
        ("delivered", "shipped"),
    ],
)
def test_illegal_transitions_name_both_states(current, target):
    from app.orders.rules import check_transition

    with pytest.raises(InvalidTransition) as info:
        check_transition(current, target)
    assert str(info.value) == f"cannot move order from {current} to {target}"


def test_hold_blocks_picking_until_released_or_expired(session_factory, shop):
    put(session_factory, shop, "us", "mug", 5)
    a = order(session_factory, {"product_id": shop["mug"], "quantity": 1})
    b = order(session_factory, {"product_id": shop["mug"], "quantity": 1})
    soon = datetime.now(UTC) + timedelta(hours=2)
    with unit_of_work(session_factory) as s:
        hold_order(s, a.id, reason="address check", actor=ACTOR)
        hold_order(s, b.id, reason="payment review", until=soon, actor=ACTOR)
        with pytest.raises(InvalidTransition, match="on hold \\(address check\\)"):
            set_order_status(s, a.id, "picking", actor=ACTOR)
        with pytest.raises(ValidationError, match="say why"):
            hold_order(s, a.id, reason=" ", actor=ACTOR)
    with unit_of_work(session_factory) as s:
        assert release_due_holds(s, now=soon - timedelta(minutes=1)) == []
        assert release_due_holds(s, now=soon + timedelta(minutes=1)) == [b.number]
        release_hold(s, a.id, actor=ACTOR)
        set_order_status(s, a.id, "picking", actor=ACTOR)
        set_order_status(s, b.id, "picking", actor=ACTOR)
        assert not get_order(s, b.id).on_hold


def test_cancel_releases_stock(session_factory, shop):
    put(session_factory, shop, "us", "mug", 3)
    saved = order(session_factory, {"product_id": shop["mug"], "quantity": 3})
    with unit_of_work(session_factory) as s:
        assert available_at(s, shop["mug"], shop["us"]) == 0
        cancel_order(s, saved.id, reason="customer changed mind", actor=ACTOR)
        assert available_at(s, shop["mug"], shop["us"]) == 3
        assert s.query(Reservation).count() == 0
        assert run_doctor(s).ok
        with pytest.raises(InvalidTransition, match="from cancelled to cancelled"):
            cancel_order(s, saved.id, reason="again", actor=ACTOR)


def test_backorder_short_part_and_split(session_factory, shop):
    put(session_factory, shop, "us", "mug", 2)
    saved = order(
        session_factory,
        {"product_id": shop["mug"], "quantity": 5},
        {"product_id": shop["cap"], "quantity": 1},
        shipping_minor=500,
    )
    assert [(s.sku, s.needed, s.available) for s in saved.allocation.shortfalls] == [
        ("MUG-1", 5, 2),
        ("CAP-1", 1, 0),
    ]
    with unit_of_work(session_factory) as s:
        result = backorder_shortfall(s, saved.id, actor=ACTOR)
        original, back = get_order(s, saved.id), get_order(s, result.new.id)
        assert run_doctor(s).ok
    assert [(li.sku, li.quantity, li.allocated) for li in original.lines] == [("MUG-1", 2, 2)]
    assert [(li.sku, li.quantity, li.allocated) for li in back.lines] == [
        ("MUG-1", 3, 0),
        ("CAP-1", 1, 0),
    ]
    assert back.parent_number == original.number and back.status == "open"
    assert (original.total_minor, back.total_minor) == (2 * 1200 + 500, 3 * 1200 + 2500)
    with unit_of_work(session_factory) as s:
        line_id = original.lines[0].id
        with pytest.raises(ValidationError, match="has 2 unshipped unit\\(s\\); cannot split off"):
            split_order(s, saved.id, {line_id: 3}, actor=ACTOR)


def test_allocate_later_when_stock_arrives(session_factory, shop):
    saved = order(session_factory, {"product_id": shop["mug"], "quantity": 2})
    assert saved.allocation.allocated_units == 0
    put(session_factory, shop, "us", "mug", 2)
    with unit_of_work(session_factory) as s:
        result = allocate_order(s, saved.id, actor=ACTOR)
    assert result.complete and result.allocated_units == 2


def test_risk_flags_on_intake(session_factory, shop):
    flagged = order(
        session_factory,
        {"product_id": shop["mug"], "quantity": 100},
        bill_country="FR",
        channel_risk="HIGH",
    )
    assert flagged.risk_flags == (
        "billing country FR differs from shipping country US",
        "unusually high value",
        "channel risk: high",
    )
    for _ in range(2):
        again = order(session_factory, {"product_id": shop["mug"], "quantity": 1})
    assert again.risk_flags == ("3 orders to this address in a day",)
    with unit_of_work(session_factory, write=False) as s:
        risky = list_order_page(s, OrderFilter(risky_only=True)).rows
    assert [r.number for r in risky] == [again.number, flagged.number]


def test_channel_orders_are_unique_per_external_id(session_factory, shop):
    with unit_of_work(session_factory) as s:
        channel = Channel(kind="shopify", name="Web shop")
        s.add(channel)
        s.flush()
        channel_id = channel.id
    order(
        session_factory,
        {"product_id": shop["mug"], "quantity": 1},
        channel_id=channel_id,
        external_id="1001",
    )
    with pytest.raises(Conflict, match="channel order 1001 was already imported as SO-000001"):
        order(
            session_factory,
            {"product_id": shop["mug"], "quantity": 1},
            channel_id=channel_id,
            external_id="1001",
        )


def test_bulk_hold_skips_what_it_cannot_do(session_factory, shop):
    ids = [order(session_factory, {"product_id": shop["mug"], "quantity": 1}).id for _ in range(3)]
    with unit_of_work(session_factory) as s:
        cancel_order(s, ids[1], reason="dup", actor=ACTOR)
        result = apply_to_orders(s, ids, hold_order, reason="stock take", actor=ACTOR)
    assert result.done == ("SO-000001", "SO-000003")
    assert result.skipped[0][0] == "SO-000002"
    assert "cannot move order from cancelled to on hold" in result.message


def test_order_list_filters_sort_and_search(session_factory, shop):
    base = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(7):
        order(
            session_factory,
            {"product_id": shop["mug"] if i % 2 else shop["cap"], "quantity": i + 1},
            placed_at=base + timedelta(days=i),
            email=f"buyer{i}@example.com",
        )
    with unit_of_work(session_factory, write=False) as s:
        first = list_order_page(s, OrderFilter(), limit=4)
        second = list_order_page(s, OrderFilter(), after=first.next_after, limit=4)
        assert [r.number for r in first.rows + second.rows] == [
            f"SO-00000{i}" for i in range(7, 0, -1)
        ]
        assert second.next_after is None
        oldest = list_order_page(s, OrderFilter(descending=False, sort="total"), limit=2)
        assert [(r.units, r.total_minor) for r in oldest.rows] == [(2, 2400), (1, 2500)]
        assert [r.number for r in list_order_page(s, OrderFilter(search="so-000003")).rows] == [
            "SO-000003"
        ]
        assert len(list_order_page(s, OrderFilter(search="CAP-1")).rows) == 4
        assert len(list_order_page(s, OrderFilter(search="Łukas")).rows) == 7
        assert [
            r.number for r in list_order_page(s, OrderFilter(search="buyer5@example.com")).rows
        ] == ["SO-000006"]
        window = list_order_page(
            s, OrderFilter(placed_from=base + timedelta(days=2), placed_to=base + timedelta(days=4))
        )
        assert [r.number for r in window.rows] == ["SO-000004", "SO-000003"]


def _allocate_in_process(db_url: str, order_id: int, barrier, results) -> None:
    from app.database import open_database
    from app.paths import resolve_paths

    db = open_database(resolve_paths(data_dir="/nonexistent-unused", db_url=db_url, env={}))
    try:
        barrier.wait(timeout=30)
        with unit_of_work(db.session_factory) as s:
            results.put(allocate_order(s, order_id, actor="racer").allocated_units)
    finally:
        db.close()


@pytest.mark.slow
def test_two_allocations_race_for_the_last_unit(session_factory, database, shop):
    a = order(session_factory, {"product_id": shop["mug"], "quantity": 1})
    b = order(session_factory, {"product_id": shop["mug"], "quantity": 1})
    put(session_factory, shop, "us", "mug", 1)
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    workers = [
        ctx.Process(target=_allocate_in_process, args=(database.url, order_id, barrier, results))
        for order_id in (a.id, b.id)
    ]
    for worker in workers:
        worker.start()
    outcomes = sorted(results.get(timeout=60) for _ in workers)
    for worker in workers:
        worker.join(timeout=30)
    assert outcomes == [0, 1]
    with unit_of_work(session_factory, write=False) as s:
        assert s.query(Reservation).count() == 1
        assert run_doctor(s).ok


def test_bulk_order_numbers_refuse_a_block_that_is_already_taken(session_factory, shop):
    order(session_factory, {"product_id": shop["mug"], "quantity": 1})  # SO-000001
    with unit_of_work(session_factory) as s:
        assert reserve_order_numbers(s, 2) == ["SO-000002", "SO-000003"]
        s.get(NumberSequence, "order").next_value = 1  # left behind, e.g. by a hand edit
        with pytest.raises(DomainError, match="order number SO-000001 is already used"):
            reserve_order_numbers(s, 3)
        assert s.get(NumberSequence, "order").next_value == 1  # not moved past the block
