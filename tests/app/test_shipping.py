"""Packing and shipping: verification by scan, override rights, weights, ship, partial, void."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import update

from app.doctor import run_doctor
from app.errors import (
    Conflict,
    DomainError,
    InvalidTransition,
    OverScan,
    UnknownBarcode,
    ValidationError,
    WrongItem,
)
from app.inventory.dto import ProductInput
from app.inventory.ledger import available_at, receive_stock
from app.inventory.locations import create_bin, create_location
from app.inventory.products import create_product, get_product
from app.orders.address import Address
from app.orders.dto import LineInput, OrderInput
from app.orders.queries import get_order
from app.orders.services import create_order, hold_order
from app.settings import update_settings
from app.shipping.dto import PackageInput
from app.shipping.services import (
    complete_packing,
    get_shipment,
    ship_shipment,
    start_packing,
    unverify_item,
    verify_item,
    void_shipment,
)
from app.uow import unit_of_work
from db.models import AppUser, Channel, MailMessage, OutboxMessage, SalesOrder, ShipmentLine

ACTOR = "packer"
UPS = "1Z999AA10123456784"
ADDRESS = Address("Zoë Łukasiewicz", "1 Main St", "Austin", "73301", "US", "TX")


@pytest.fixture
def shop(session_factory):
    with unit_of_work(session_factory) as s:
        main = create_location(s, code="MAIN", name="Main", actor=ACTOR).id
        shelf = create_bin(s, location_id=main, code="A-01", actor=ACTOR).id
        mug = create_product(
            s,
            ProductInput(sku="MUG-1", name="Mug", gtin="4006381333931", weight_g=300),
            actor=ACTOR,
        ).id
        cap = create_product(s, ProductInput(sku="CAP-1", name="Cap", weight_g=100), actor=ACTOR).id
        for product in (mug, cap):
            receive_stock(s, product_id=product, bin_id=shelf, quantity=10, actor=ACTOR)
        s.add(AppUser(name="boss", can_override=True))
        s.add(AppUser(name="temp", can_override=False))
    return {"main": main, "shelf": shelf, "mug": mug, "cap": cap}


def new_order(session_factory, *lines, **kwargs):
    with unit_of_work(session_factory) as s:
        return create_order(
            s,
            OrderInput(
                tuple(LineInput(product_id=p, quantity=q) for p, q in lines),
                ship_to=ADDRESS,
                **kwargs,
            ),
            actor=ACTOR,
        ).id


def test_scan_verify_pack_ship(session_factory, shop):
    order_id = new_order(
        session_factory, (shop["mug"], 2), (shop["cap"], 1), email="zoe@example.com"
    )
    with unit_of_work(session_factory) as s:
        update_settings(s, {"mail.notify_shipped": True}, actor=ACTOR)
        shipment = start_packing(s, order_id, actor=ACTOR)
        assert shipment.number == "SH-000001" and shipment.units == 3
        assert verify_item(s, shipment.id, "4006381333931").message == "MUG-1: 1 of 2"
        verify_item(s, shipment.id, "MUG-1")
        with pytest.raises(OverScan, match="needs only 2 × MUG-1"):
            verify_item(s, shipment.id, "MUG-1")
        with pytest.raises(UnknownBarcode):
            verify_item(s, shipment.id, "nothing-like-this")
        with pytest.raises(DomainError, match="not all items are verified \\(missing: CAP-1 1"):
            complete_packing(s, shipment.id, actor=ACTOR)
        result = verify_item(s, shipment.id, "cap-1")
        assert result.shipment.all_verified
        assert result.shipment == get_shipment(s, shipment.id)  # the view is what was written
        packed = complete_packing(
            s, shipment.id, actor=ACTOR, packages=[PackageInput(weight_g=720, box_type="S")]
        )
        assert packed.warnings == ()
        assert packed.shipment == get_shipment(s, shipment.id)  # the view is what was written
        assert get_order(s, order_id).status == "packed"
        shipped = ship_shipment(
            s, shipment.id, carrier="ups", tracking_number=UPS.lower(), actor=ACTOR
        )
        assert shipped.order_status == "shipped" and shipped.mail_queued
        assert shipped.shipment == get_shipment(s, shipment.id)  # the view is what was written
        assert shipped.shipment.tracking_number == UPS
        assert shipped.shipment.tracking_url and UPS in shipped.shipment.tracking_url
        mail = s.query(MailMessage).one()
        assert "Zoë Łukasiewicz" in mail.body and UPS in mail.body
        assert get_product(s, shop["mug"]).on_hand == 8
        order = get_order(s, order_id)
        assert [(li.shipped, li.allocated) for li in order.lines] == [(2, 0), (1, 0)]
        assert run_doctor(s).ok


def test_wrong_item_and_undo(session_factory, shop):
    order_id = new_order(session_factory, (shop["mug"], 1))
    with unit_of_work(session_factory) as s:
        shipment = start_packing(s, order_id, actor=ACTOR)
        with pytest.raises(
            WrongItem, match="wrong item: CAP-1 \\(Cap\\) is not in order SO-000001"
        ):
            verify_item(s, shipment.id, "CAP-1")
        verify_item(s, shipment.id, "MUG-1")
        assert unverify_item(s, shipment.id, shop["mug"]).shipment.verified_units == 0
        with pytest.raises(DomainError, match="nothing of that product"):
            unverify_item(s, shipment.id, shop["mug"])
        assert start_packing(s, order_id, actor=ACTOR).id == shipment.id  # resumes


def test_override_needs_the_right_and_a_reason(session_factory, shop):
    order_id = new_order(session_factory, (shop["mug"], 2))
    with unit_of_work(session_factory) as s:
        shipment = start_packing(s, order_id, actor=ACTOR)
        verify_item(s, shipment.id, "MUG-1")
        with pytest.raises(DomainError, match="temp may not override"):
            complete_packing(
                s, shipment.id, actor=ACTOR, override_user="temp", override_reason="label torn"
            )
        with pytest.raises(ValidationError, match="say why"):
            complete_packing(s, shipment.id, actor=ACTOR, override_user="boss")
        packed = complete_packing(
            s, shipment.id, actor=ACTOR, override_user="boss", override_reason="barcode label torn"
        )
        assert packed.shipment == get_shipment(s, shipment.id)
    assert packed.shipment.override_reason == "boss: barcode label torn (unverified: MUG-1 1)"
    assert "verification overridden by boss" in packed.message


def test_weight_outside_tolerance_warns(session_factory, shop):
    order_id = new_order(session_factory, (shop["mug"], 1))
    with unit_of_work(session_factory) as s:
        shipment = start_packing(s, order_id, actor=ACTOR)
        verify_item(s, shipment.id, "MUG-1")
        packed = complete_packing(
            s,
            shipment.id,
            actor=ACTOR,
            packages=[PackageInput(weight_g=200), PackageInput(weight_g=200)],
        )
    assert packed.warnings == (
        "weighed 400 g but the items weigh 300 g (33% off, tolerance 10%): check the box",
    )
    assert packed.shipment.package_count == 2


def test_hold_blocks_packing_and_tracking_is_checked(session_factory, shop):
    order_id = new_order(session_factory, (shop["mug"], 1))
    with unit_of_work(session_factory) as s:
        hold_order(s, order_id, reason="address check", actor=ACTOR)
        with pytest.raises(InvalidTransition, match="on hold"):
            start_packing(s, order_id, actor=ACTOR)
    other = new_order(session_factory, (shop["cap"], 1))
    with unit_of_work(session_factory) as s:
        shipment = start_packing(s, other, actor=ACTOR)
        verify_item(s, shipment.id, "CAP-1")
        complete_packing(s, shipment.id, actor=ACTOR)
        with pytest.raises(ValidationError, match="expected 4"):
            ship_shipment(
                s, shipment.id, carrier="ups", tracking_number="1Z999AA10123456785", actor=ACTOR
            )
        with pytest.raises(ValidationError, match="tracking number"):
            ship_shipment(s, shipment.id, carrier="ups", tracking_number="", actor=ACTOR)
        with pytest.raises(Conflict, match="already packed"):
            start_packing(s, other, actor=ACTOR)


def test_partial_shipment_then_rest(session_factory, shop):
    order_id = new_order(session_factory, (shop["mug"], 12))  # only 10 on hand
    with unit_of_work(session_factory) as s:
        shipment = start_packing(s, order_id, actor=ACTOR)
        assert shipment.units == 10
        for _ in range(10):
            verify_item(s, shipment.id, "MUG-1")
        complete_packing(s, shipment.id, actor=ACTOR)
        result = ship_shipment(
            s, shipment.id, carrier="fedex", tracking_number="986578788855", actor=ACTOR
        )
        assert result.order_status == "partially_shipped"
        receive_stock(s, product_id=shop["mug"], bin_id=shop["shelf"], quantity=5, actor=ACTOR)
        from app.orders.services import allocate_order

        assert allocate_order(s, order_id, actor=ACTOR).allocated_units == 2
        second = start_packing(s, order_id, actor=ACTOR)
        assert second.units == 2
        assert run_doctor(s).ok


def test_void_after_shipping_puts_stock_back_and_reserves_it(session_factory, shop):
    order_id = new_order(session_factory, (shop["mug"], 3))
    with unit_of_work(session_factory) as s:
        shipment = start_packing(s, order_id, actor=ACTOR)
        for _ in range(3):
            verify_item(s, shipment.id, "MUG-1")
        complete_packing(s, shipment.id, actor=ACTOR)
        ship_shipment(s, shipment.id, carrier="ups", tracking_number=UPS, actor=ACTOR)
        voided = void_shipment(s, shipment.id, reason="carrier missed pickup", actor=ACTOR)
        order = get_order(s, order_id)
        assert voided.order_status == "open"
        assert (order.lines[0].shipped, order.lines[0].allocated) == (0, 3)
        assert get_product(s, shop["mug"]).on_hand == 10
        assert available_at(s, shop["mug"], shop["main"]) == 7
        assert run_doctor(s).ok
        again = start_packing(s, order_id, actor=ACTOR)
        assert again.number == "SH-000002"


def test_channel_orders_queue_a_fulfilment_push(session_factory, shop):
    with unit_of_work(session_factory) as s:
        channel = Channel(kind="shopify", name="Web", base_url="https://shop.example")
        s.add(channel)
        s.flush()
        channel_id = channel.id
    order_id = new_order(
        session_factory, (shop["cap"], 1), channel_id=channel_id, external_id="4500"
    )
    with unit_of_work(session_factory) as s:
        shipment = start_packing(s, order_id, actor=ACTOR)
        verify_item(s, shipment.id, "CAP-1")
        complete_packing(s, shipment.id, actor=ACTOR)
        result = ship_shipment(s, shipment.id, carrier="ups", tracking_number=UPS, actor=ACTOR)
        push = s.query(OutboxMessage).one()
    assert result.outbox_queued and not result.mail_queued
    assert push.idempotency_key == f"fulfillment:{channel_id}:SH-000001"
    assert push.payload["tracking_number"] == UPS and push.payload["order_external_id"] == "4500"


def test_scan_count_is_seen_by_objects_already_in_the_session(session_factory, shop):
    """verify_item writes with one UPDATE; ORM objects loaded earlier must not keep the old
    count (unverify_item and later steps of the same transaction read them)."""
    order_id = new_order(session_factory, (shop["mug"], 2))
    with unit_of_work(session_factory) as s:
        shipment = start_packing(s, order_id, actor=ACTOR)
        (line,) = s.query(ShipmentLine).filter_by(shipment_id=shipment.id).all()
        assert line.verified == 0
        verify_item(s, shipment.id, "MUG-1")
        assert line.verified == 1
        undone = unverify_item(s, shipment.id, shop["mug"])
        assert undone.message == "undone: MUG-1 now 0 of 2" and line.verified == 0
        verify_item(s, shipment.id, "MUG-1")
        verify_item(s, shipment.id, "4006381333931")
        assert line.verified == 2
        assert complete_packing(s, shipment.id, actor=ACTOR).shipment.status == "packed"


def test_two_benches_scanning_the_last_unit_get_over_scan_not_a_crash(session_factory, shop):
    """Between reading the line and counting the scan, another bench (PostgreSQL has no
    single writer) counts the last unit: this scan is refused as OverScan."""
    order_id = new_order(session_factory, (shop["mug"], 1))
    with unit_of_work(session_factory) as s:
        shipment_id = start_packing(s, order_id, actor=ACTOR).id
    with (
        _another_bench_first(
            session_factory,
            "UPDATE shipment_line SET verified",
            "UPDATE shipment_line SET verified = quantity",
        ),
        unit_of_work(session_factory) as s,
        pytest.raises(OverScan, match="all its MUG-1"),
    ):
        verify_item(s, shipment_id, "MUG-1")


def test_shipment_customer_falls_back_to_the_email_for_an_empty_name(session_factory, shop):
    order_id = new_order(session_factory, (shop["mug"], 1), email="buyer@example.com")
    with unit_of_work(session_factory) as s:
        s.execute(update(SalesOrder).where(SalesOrder.id == order_id).values(ship_name=""))
        shipment = start_packing(s, order_id, actor=ACTOR)
    assert shipment.customer == "buyer@example.com"


def test_scans_matched_on_the_parcel_follow_the_catalogue_rules(session_factory, shop):
    """A scan is matched on the parcel's own lines first, the way the catalogue lookup would
    find it: a GTIN in any form (UPC-A for an EAN-13 with a leading 0), an exact SKU; digits
    that are no line's GTIN, a SKU in other case and extra barcodes go to the catalogue."""
    from app.inventory.products import add_scan_code

    with unit_of_work(session_factory) as s:
        upc = create_product(
            s, ProductInput(sku="036000291452", name="Digits", gtin="0012345678905"), actor=ACTOR
        ).id
        receive_stock(s, product_id=upc, bin_id=shop["shelf"], quantity=5, actor=ACTOR)
        add_scan_code(s, shop["cap"], "CAPX-77", actor=ACTOR)
    order_id = new_order(session_factory, (upc, 3), (shop["cap"], 1))
    with unit_of_work(session_factory) as s:
        shipment = start_packing(s, order_id, actor=ACTOR)
        assert verify_item(s, shipment.id, "012345678905").message == "036000291452: 1 of 3"
        assert verify_item(s, shipment.id, "036000291452").message == "036000291452: 2 of 3"
        assert verify_item(s, shipment.id, "0012345678905").message == "036000291452: 3 of 3"
        assert verify_item(s, shipment.id, "CAPX-77").message == "CAP-1: 1 of 1"
        with pytest.raises(WrongItem, match="MUG-1 \\(Mug\\) is not in order"):
            verify_item(s, shipment.id, "4006381333931")


@contextmanager
def _another_bench_first(session_factory, before: str, sql: str):
    """Inside the block, just before this bench runs a statement starting with `before`,
    another bench (PostgreSQL has no single writer) gets in first with `sql`."""
    from sqlalchemy import event

    engine = session_factory.kw["bind"]

    def other_bench_first(conn, cursor, statement, params, context, executemany):
        if statement.startswith(before):
            cursor.execute(sql)

    event.listen(engine, "before_cursor_execute", other_bench_first)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", other_bench_first)


def _one_mug_parcel(session_factory, shop, *, packed: bool = True) -> tuple[int, int]:
    """(order id, shipment id) of a one-mug order scanned, and packed unless told not to."""
    order_id = new_order(session_factory, (shop["mug"], 1))
    with unit_of_work(session_factory) as s:
        shipment_id = start_packing(s, order_id, actor=ACTOR).id
        verify_item(s, shipment_id, "MUG-1")
        if packed:
            complete_packing(s, shipment_id, actor=ACTOR)
    return order_id, shipment_id


def _refused_after_another_bench(session_factory, status: str, command) -> None:
    """`command(session)` meets the shipment moved to `status` by another bench and is refused."""
    with (
        _another_bench_first(
            session_factory,
            "UPDATE shipment SET status",
            f"UPDATE shipment SET status = '{status}'",
        ),
        unit_of_work(session_factory) as s,
        pytest.raises(Conflict, match="another work"),
    ):
        command(s)


def test_a_parcel_shipped_at_another_bench_meanwhile_is_not_shipped_twice(session_factory, shop):
    order_id, shipment_id = _one_mug_parcel(session_factory, shop)
    _refused_after_another_bench(
        session_factory,
        "shipped",
        lambda s: ship_shipment(s, shipment_id, carrier="ups", tracking_number=UPS, actor=ACTOR),
    )
    with unit_of_work(session_factory, write=False) as s:  # rolled back: nothing left the bin
        assert get_product(s, shop["mug"]).on_hand == 10
        assert get_order(s, order_id).status == "packed"


def test_a_parcel_packed_at_another_bench_meanwhile_is_refused(session_factory, shop):
    _order_id, shipment_id = _one_mug_parcel(session_factory, shop, packed=False)
    _refused_after_another_bench(
        session_factory, "voided", lambda s: complete_packing(s, shipment_id, actor=ACTOR)
    )


def _pack_and_ship(s, order_id, units):
    shipment = start_packing(s, order_id, actor=ACTOR)
    for _ in range(units):
        verify_item(s, shipment.id, "MUG-1")
    complete_packing(s, shipment.id, actor=ACTOR)
    return ship_shipment(s, shipment.id, carrier="ups", tracking_number=UPS, actor=ACTOR)


def test_voiding_the_last_parcel_of_a_shipped_order_clears_its_shipped_time(session_factory, shop):
    order_id = new_order(session_factory, (shop["mug"], 12))  # 10 on hand: two parcels
    with unit_of_work(session_factory) as s:
        _pack_and_ship(s, order_id, 10)
        receive_stock(s, product_id=shop["mug"], bin_id=shop["shelf"], quantity=5, actor=ACTOR)
        from app.orders.services import allocate_order

        allocate_order(s, order_id, actor=ACTOR)
        last = _pack_and_ship(s, order_id, 2)
        assert last.order_status == "shipped"
        assert s.get(SalesOrder, order_id).shipped_at == last.shipment.shipped_at
        voided = void_shipment(s, last.shipment.id, reason="label misprinted", actor=ACTOR)
        assert voided.order_status == "partially_shipped"
        assert s.get(SalesOrder, order_id).shipped_at is None
        assert run_doctor(s).ok


def test_a_parcel_shipped_at_another_bench_meanwhile_is_not_voided_over(session_factory, shop):
    _order_id, shipment_id = _one_mug_parcel(session_factory, shop)
    _refused_after_another_bench(
        session_factory,
        "shipped",
        lambda s: void_shipment(s, shipment_id, reason="wrong box", actor=ACTOR),
    )


def test_an_order_cancelled_at_another_bench_while_packing_is_not_packed(session_factory, shop):
    """The order's status is written only from the status packing read: an order cancelled
    (or held) meanwhile at another workstation is refused, not marked packed over it."""
    order_id, shipment_id = _one_mug_parcel(session_factory, shop, packed=False)
    with (
        _another_bench_first(
            session_factory,
            "UPDATE sales_order SET status",
            "UPDATE sales_order SET status = 'cancelled'",
        ),
        unit_of_work(session_factory) as s,
        pytest.raises(Conflict, match="another work"),
    ):
        complete_packing(s, shipment_id, actor=ACTOR)
    with unit_of_work(session_factory, write=False) as s:
        assert get_order(s, order_id).status != "packed"


def test_stock_levels_and_orders_loaded_before_shipping_read_the_new_figures(session_factory, shop):
    from db.models import StockLevel

    order_id = new_order(session_factory, (shop["mug"], 2))
    with unit_of_work(session_factory) as s:
        level = s.get(StockLevel, (shop["mug"], shop["shelf"]))
        order = s.get(SalesOrder, order_id)
        assert level.on_hand == 10 and order.first_shipped_at is None
        _pack_and_ship(s, order_id, 2)
        assert level.on_hand == 8
        assert order.first_shipped_at is not None and order.status == "shipped"
