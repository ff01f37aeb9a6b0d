"""Pick lists: batching ready orders, walk order, picks by scan, short picks, complete/cancel."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.doctor import run_doctor
from app.errors import Conflict, DomainError, UnknownBarcode, ValidationError
from app.inventory.dto import ProductInput
from app.inventory.ledger import receive_stock
from app.inventory.locations import create_bin, create_location
from app.inventory.products import create_product, set_default_bin
from app.orders.address import Address
from app.orders.dto import LineInput, OrderInput
from app.orders.queries import get_order
from app.orders.services import create_order, hold_order
from app.picking.services import (
    cancel_pick_list,
    complete_pick_list,
    create_pick_list,
    get_pick_list,
    record_pick,
    record_short,
    take_back_pick,
)
from app.uow import unit_of_work
from db.models import AuditEvent, SalesOrder

ACTOR = "picker"
ADDRESS = Address("Ann Example", "1 Main St", "Austin", "73301", "US", "TX")


@pytest.fixture
def shop(session_factory):
    with unit_of_work(session_factory) as s:
        main = create_location(s, code="MAIN", name="Main", actor=ACTOR).id
        far = create_bin(s, location_id=main, code="C-09", walk_sequence=90, actor=ACTOR).id
        near = create_bin(s, location_id=main, code="A-01", walk_sequence=10, actor=ACTOR).id
        mid = create_bin(s, location_id=main, code="B-05", walk_sequence=50, actor=ACTOR).id
        mug = create_product(
            s, ProductInput(sku="MUG-1", name="Mug", gtin="4006381333931"), actor=ACTOR
        ).id
        cap = create_product(s, ProductInput(sku="CAP-1", name="Cap"), actor=ACTOR).id
        for product, bin_id, qty in ((mug, far, 10), (cap, near, 10), (mug, mid, 1)):
            receive_stock(s, product_id=product, bin_id=bin_id, quantity=qty, actor=ACTOR)
        set_default_bin(s, mug, main, far, actor=ACTOR)
    return {"main": main, "far": far, "near": near, "mid": mid, "mug": mug, "cap": cap}


def new_order(session_factory, *lines):
    with unit_of_work(session_factory) as s:
        return create_order(
            s,
            OrderInput(
                tuple(LineInput(product_id=p, quantity=q) for p, q in lines), ship_to=ADDRESS
            ),
            actor=ACTOR,
        ).id


def test_batch_pick_list_in_walk_order_with_slots(session_factory, shop):
    a = new_order(session_factory, (shop["mug"], 2), (shop["cap"], 1))
    b = new_order(session_factory, (shop["cap"], 3))
    with unit_of_work(session_factory) as s:
        saved = create_pick_list(s, [b, a], actor=ACTOR)
        view = get_pick_list(s, saved.id)
        assert get_order(s, a).status == "picking"
    assert saved.number == "PL-000001" and saved.orders == ("SO-000001", "SO-000002")
    assert [(line.bin_code, line.sku, line.quantity, line.slot) for line in view.lines] == [
        ("A-01", "CAP-1", 1, 1),
        ("A-01", "CAP-1", 3, 2),
        ("C-09", "MUG-1", 2, 1),
    ]


def test_orders_that_cannot_be_picked_are_skipped_with_reasons(session_factory, shop):
    held = new_order(session_factory, (shop["cap"], 1))
    ok = new_order(session_factory, (shop["cap"], 1))
    with unit_of_work(session_factory) as s:
        hold_order(s, held, reason="fraud check", actor=ACTOR)
        saved = create_pick_list(s, [held, ok], actor=ACTOR)
        assert saved.skipped == (("SO-000001", "on hold (fraud check)"),)
        with pytest.raises(DomainError, match="already on pick list PL-000001"):
            create_pick_list(s, [ok], actor=ACTOR)


def test_picks_by_scan_and_over_pick_refused(session_factory, shop):
    a = new_order(session_factory, (shop["mug"], 2))
    with unit_of_work(session_factory) as s:
        pick_list = create_pick_list(s, [a], actor=ACTOR).id
        result = record_pick(s, pick_list, "4006381333931", actor=ACTOR)
        assert result.message == "MUG-1: 1/2 for slot 1" and result.list_remaining == 1
        record_pick(s, pick_list, "mug-1", actor=ACTOR, bin_id=shop["far"])
        with pytest.raises(Conflict, match="already picked"):
            record_pick(s, pick_list, "MUG-1", actor=ACTOR)
        with pytest.raises(ValidationError, match="CAP-1 is not on pick list PL-000001"):
            record_pick(s, pick_list, "CAP-1", actor=ACTOR)
        with pytest.raises(UnknownBarcode):
            record_pick(s, pick_list, "NOPE-42", actor=ACTOR)
        assert get_order(s, a).lines[0].picked == 2
        done = complete_pick_list(s, pick_list, actor=ACTOR)
        assert done.message == "Completed PL-000001"


def test_take_back_a_pick(session_factory, shop):
    a = new_order(session_factory, (shop["mug"], 2))
    with unit_of_work(session_factory) as s:
        pick_list = create_pick_list(s, [a], actor=ACTOR).id
        line = get_pick_list(s, pick_list).lines[0]
        record_pick(s, pick_list, "MUG-1", actor=ACTOR)
        record_pick(s, pick_list, "MUG-1", actor=ACTOR)
        result = take_back_pick(s, pick_list, line.id, actor=ACTOR)
        assert result.message == "taken back: MUG-1 now 1/2 for slot 1"
        assert result.list_remaining == 1
        order = get_order(s, a)
        assert order.lines[0].picked == 1 and order.lines[0].allocated == 2  # still reserved
        assert s.scalar(
            select(AuditEvent.summary).where(AuditEvent.action == "pick_list.take_back")
        ) == ("Took back 1 × MUG-1 for SO-000001 on PL-000001")
        assert run_doctor(s).ok
        with pytest.raises(ValidationError, match="1 unit\\(s\\) of MUG-1 are picked"):
            take_back_pick(s, pick_list, line.id, actor=ACTOR, quantity=2)
        # The unit taken back is picked again as usual.
        assert record_pick(s, pick_list, "MUG-1", actor=ACTOR).list_remaining == 0
        # Once the order has moved on (here: packed), its picks no longer change.
        s.get(SalesOrder, a).status = "packed"
        with pytest.raises(Conflict, match="SO-000001 is packed"):
            take_back_pick(s, pick_list, line.id, actor=ACTOR)


def test_short_pick_releases_and_holds_the_order(session_factory, shop):
    a = new_order(session_factory, (shop["mug"], 3))
    with unit_of_work(session_factory) as s:
        pick_list = create_pick_list(s, [a], actor=ACTOR).id
        line = get_pick_list(s, pick_list).lines[0]
        record_pick(s, pick_list, "MUG-1", actor=ACTOR)
        result = record_short(s, pick_list, line.id, 2, actor=ACTOR)
        order = get_order(s, a)
        assert result.message == "short pick: MUG-1 × 2 missing in bin C-09"
        assert order.on_hold and order.lines[0].allocated == 1
        assert run_doctor(s).ok
        with pytest.raises(ValidationError, match="0 unit\\(s\\) of this line are still"):
            record_short(s, pick_list, line.id, 1, actor=ACTOR)


def test_cancel_puts_orders_back_to_open(session_factory, shop):
    a = new_order(session_factory, (shop["cap"], 2))
    with unit_of_work(session_factory) as s:
        pick_list = create_pick_list(s, [a], actor=ACTOR).id
        record_pick(s, pick_list, "CAP-1", actor=ACTOR)
        cancel_pick_list(s, pick_list, actor=ACTOR)
        order = get_order(s, a)
        assert order.status == "open" and order.lines[0].picked == 0
        again = create_pick_list(s, [a], actor=ACTOR)
    assert again.number == "PL-000002"
