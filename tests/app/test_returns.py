"""Returns: RMAs from shipped orders, receiving with dispositions, refunds, exchanges, closing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.audit import list_events
from app.doctor import run_doctor
from app.errors import (
    Conflict,
    DomainError,
    InvalidTransition,
    NotFound,
    OverScan,
    UnknownBarcode,
    ValidationError,
    WrongItem,
)
from app.inventory.dto import ProductInput
from app.inventory.ledger import list_moves, receive_stock
from app.inventory.locations import create_bin, create_location
from app.inventory.products import create_product, get_product, set_default_bin
from app.inventory.queries import ProductFilter, list_product_page
from app.orders.address import Address
from app.orders.dto import LineInput, OrderInput
from app.orders.queries import get_order
from app.orders.services import create_order
from app.returns.dto import ReturnFilter, ReturnLineInput
from app.returns.queries import (
    find_return,
    get_return,
    list_return_page,
    return_stats_by_product,
    returnable_lines,
)
from app.returns.services import (
    authorize_return,
    close_return,
    create_return,
    exchange_return,
    receive_return_item,
    receive_return_line,
    refund_return,
    reject_return,
    store_credit_return,
)
from app.shipping.services import complete_packing, ship_shipment, start_packing, verify_item
from app.uow import unit_of_work
from db.models import Channel, OutboxMessage
from db.types import utcnow

ACTOR = "clerk"
UPS = "1Z999AA10123456784"
ADDRESS = Address("Zoë Łukasiewicz", "1 Main St", "Austin", "73301", "US", "TX")


@pytest.fixture
def shop(session_factory):
    with unit_of_work(session_factory) as s:
        main = create_location(s, code="MAIN", name="Main", actor=ACTOR).id
        shelf = create_bin(s, location_id=main, code="A-01", actor=ACTOR).id
        overflow = create_bin(s, location_id=main, code="B-01", actor=ACTOR).id
        quarantine = create_bin(s, location_id=main, code="Q-1", kind="quarantine", actor=ACTOR).id
        mug = create_product(
            s,
            ProductInput(sku="MUG-1", name="Mug", gtin="4006381333931", price_minor=1200),
            actor=ACTOR,
        ).id
        cap = create_product(
            s, ProductInput(sku="CAP-1", name="Cap", price_minor=800), actor=ACTOR
        ).id
        for product in (mug, cap):
            receive_stock(s, product_id=product, bin_id=shelf, quantity=10, actor=ACTOR)
        set_default_bin(s, mug, main, shelf, actor=ACTOR)  # the cap has no default bin
    return {
        "main": main,
        "shelf": shelf,
        "overflow": overflow,
        "quarantine": quarantine,
        "mug": mug,
        "cap": cap,
    }


def shipped_order(session_factory, *lines, ship=True, **kwargs) -> int:
    """An order paid in full, packed by scanning every unit and shipped (unless ship=False)."""
    kwargs.setdefault("payment_status", "paid")
    with unit_of_work(session_factory) as s:
        order_id = create_order(
            s,
            OrderInput(
                tuple(
                    line
                    if isinstance(line, LineInput)
                    else LineInput(product_id=line[0], quantity=line[1])
                    for line in lines
                ),
                ship_to=ADDRESS,
                email="zoe@example.com",
                **kwargs,
            ),
            actor=ACTOR,
        ).id
        if not ship:
            return order_id
        shipment = start_packing(s, order_id, actor=ACTOR)
        for line in shipment.lines:
            for _ in range(line.quantity):
                verify_item(s, shipment.id, line.sku)
        complete_packing(s, shipment.id, actor=ACTOR)
        ship_shipment(s, shipment.id, carrier="ups", tracking_number=UPS, actor=ACTOR)
    return order_id


def line_ids(session, order_id: int) -> list[int]:
    return [line.id for line in get_order(session, order_id).lines]


def figures(session, product_id: int) -> tuple[int, int, int]:
    """(sellable on hand, quarantined, available), checked against the inventory table too."""
    detail = get_product(session, product_id)
    quarantined = sum(loc.quarantined for loc in detail.locations)
    row = next(r for r in list_product_page(session, ProductFilter()).rows if r.id == product_id)
    assert (row.on_hand, row.quarantined, row.available) == (
        detail.on_hand,
        quarantined,
        detail.available,
    )
    return detail.on_hand, quarantined, detail.available


def test_create_from_shipped_order_and_partial_return(session_factory, shop):
    order_id = shipped_order(session_factory, (shop["mug"], 3), (shop["cap"], 1))
    with unit_of_work(session_factory) as s:
        mug_line, cap_line = line_ids(s, order_id)
        saved = create_return(
            s,
            order_id,
            [ReturnLineInput(mug_line, 2, "damaged", note="chipped rim")],
            actor=ACTOR,
            notes="photos by mail",
        )
        assert (saved.number, saved.status) == ("RMA-000001", "authorized")
        assert saved.changes.returns and saved.changes.orders
        view = get_return(s, saved.id)
        assert view.order_number == "SO-000001" and view.location_code == "MAIN"
        assert [
            (li.sku, li.quantity, li.received, li.reason, li.reason_note) for li in view.lines
        ] == [("MUG-1", 2, 0, "damaged", "chipped rim")]
        assert view.refundable_minor == 4400 and view.notes == "photos by mail"
        returnable = {
            r.sku: (r.shipped, r.on_open_returns, r.returnable)
            for r in returnable_lines(s, order_id)
        }
        assert returnable == {"MUG-1": (3, 2, 1), "CAP-1": (1, 0, 1)}
        timeline = [e.summary for e in list_events(s, entity_type="order", entity_id=order_id)]
        assert timeline[0] == "RMA-000001: Return authorized: MUG-1 × 2 (damaged)"
        rma_events = list_events(s, entity_type="rma", entity_id=saved.id)
        assert [e.action for e in rma_events] == ["rma.create"]

        # the rest of the order can go on a second RMA
        second = create_return(
            s,
            order_id,
            [
                ReturnLineInput(mug_line, 1, "no_longer_needed"),
                ReturnLineInput(cap_line, 1, "wrong_item"),
            ],
            actor=ACTOR,
            authorize=False,
        )
        assert (second.number, second.status) == ("RMA-000002", "requested")
        assert all(r.returnable == 0 for r in returnable_lines(s, order_id))

        with pytest.raises(ValidationError, match="line 1 MUG-1: quantity must be above 0"):
            create_return(s, order_id, [ReturnLineInput(mug_line, 0, "damaged")], actor=ACTOR)
        with pytest.raises(ValidationError, match="choose a reason"):
            create_return(s, order_id, [ReturnLineInput(mug_line, 1, "meh")], actor=ACTOR)
        with pytest.raises(ValidationError, match="say why when the reason is other"):
            create_return(s, order_id, [ReturnLineInput(mug_line, 1, "other", "  ")], actor=ACTOR)
        with pytest.raises(ValidationError, match="choose at least one line"):
            create_return(s, order_id, [], actor=ACTOR)
    unshipped = shipped_order(session_factory, (shop["cap"], 1), ship=False)
    with unit_of_work(session_factory) as s:
        with pytest.raises(ValidationError, match="is not on order SO-000001"):
            create_return(
                s, order_id, [ReturnLineInput(line_ids(s, unshipped)[0], 1, "damaged")], actor=ACTOR
            )
        with pytest.raises(Conflict, match="order SO-000002 is open; only shipped or delivered"):
            create_return(
                s,
                unshipped,
                [ReturnLineInput(line_ids(s, unshipped)[0], 1, "damaged")],
                actor=ACTOR,
            )
        with pytest.raises(NotFound):
            create_return(s, 999, [], actor=ACTOR)
        assert run_doctor(s).ok


def test_second_return_for_the_same_units_is_refused(session_factory, shop):
    order_id = shipped_order(session_factory, (shop["mug"], 2))
    with unit_of_work(session_factory) as s:
        (line,) = line_ids(s, order_id)
        first = create_return(s, order_id, [ReturnLineInput(line, 2, "damaged")], actor=ACTOR)
        with pytest.raises(Conflict) as refused:
            create_return(s, order_id, [ReturnLineInput(line, 1, "damaged")], actor=ACTOR)
        assert str(refused.value) == (
            "line 1 MUG-1: 2 shipped, 2 already on RMA-000001; nothing left to return"
        )
        # once received the units count as returned, and the message still names the RMA
        receive_return_item(
            s,
            first.id,
            "MUG-1",
            condition="damaged",
            disposition="quarantine",
            quantity=2,
            actor=ACTOR,
        )
        assert get_order(s, order_id).lines[0].returned == 2
        with pytest.raises(Conflict, match="2 already on RMA-000001; nothing left to return"):
            create_return(s, order_id, [ReturnLineInput(line, 1, "damaged")], actor=ACTOR)

    other = shipped_order(session_factory, (shop["cap"], 2))
    with unit_of_work(session_factory) as s:
        (line,) = line_ids(s, other)
        held = create_return(s, other, [ReturnLineInput(line, 1, "wrong_item")], actor=ACTOR)
        with pytest.raises(Conflict) as refused:
            create_return(
                s,
                other,
                [ReturnLineInput(line, 1, "damaged"), ReturnLineInput(line, 1, "wrong_item")],
                actor=ACTOR,
            )
        assert str(refused.value) == (
            "line 1 CAP-1: 2 shipped, 1 already on RMA-000002; only 1 can still be returned, not 2"
        )
        # a rejected RMA gives its units back
        reject_return(s, held.id, reason="outside the return window", actor=ACTOR)
        again = create_return(
            s,
            other,
            [ReturnLineInput(line, 1, "damaged"), ReturnLineInput(line, 1, "wrong_item")],
            actor=ACTOR,
        )
        assert get_return(s, again.id).units == 2
        assert run_doctor(s).ok


def test_receive_each_disposition_with_stock_figures(session_factory, shop):
    order_id = shipped_order(session_factory, (shop["mug"], 4), (shop["cap"], 1))
    with unit_of_work(session_factory) as s:
        mug_line, cap_line = line_ids(s, order_id)
        rma = create_return(
            s,
            order_id,
            [
                ReturnLineInput(mug_line, 4, "not_as_described"),
                ReturnLineInput(cap_line, 1, "damaged"),
            ],
            actor=ACTOR,
        ).id
        assert figures(s, shop["mug"]) == (6, 0, 6)

        with pytest.raises(UnknownBarcode):
            receive_return_item(s, rma, "nope", condition="new", disposition="restock", actor=ACTOR)
        with pytest.raises(ValidationError, match="condition must be one of"):
            receive_return_item(
                s, rma, "MUG-1", condition="mint", disposition="restock", actor=ACTOR
            )
        with pytest.raises(OverScan, match="expects only 4 more × MUG-1 \\(4 authorized\\), not 5"):
            receive_return_item(
                s, rma, "MUG-1", condition="new", disposition="restock", quantity=5, actor=ACTOR
            )

        restocked = receive_return_item(
            s, rma, "4006381333931", condition="new", disposition="restock", actor=ACTOR
        )
        assert restocked.message == "MUG-1: restock → A-01; 1 of 5 received"
        assert figures(s, shop["mug"]) == (7, 0, 7)

        receive_return_item(
            s, rma, "MUG-1", condition="opened", disposition="quarantine", actor=ACTOR
        )
        assert figures(s, shop["mug"]) == (7, 1, 7)

        scrapped = receive_return_item(
            s, rma, "MUG-1", condition="damaged", disposition="scrap", actor=ACTOR
        )
        assert len(scrapped.move_ids) == 2
        assert figures(s, shop["mug"]) == (7, 1, 7)

        receive_return_item(
            s, rma, "MUG-1", condition="damaged", disposition="return_to_vendor", actor=ACTOR
        )
        assert figures(s, shop["mug"]) == (7, 2, 7)
        assert get_product(s, shop["mug"]).bins[-1].bin_code == "Q-1"

        moves = [(m.reason, m.from_bin, m.to_bin) for m in list_moves(s, product_id=shop["mug"])]
        assert moves[:5] == [
            ("return_quarantine", None, "MAIN/Q-1"),
            ("scrap", "MAIN/Q-1", None),
            ("return_quarantine", None, "MAIN/Q-1"),
            ("return_quarantine", None, "MAIN/Q-1"),
            ("return_restock", None, "MAIN/A-01"),
        ]
        assert all(m.reference == "RMA-000001" for m in list_moves(s, product_id=shop["mug"])[:5])

        with pytest.raises(OverScan, match="expects 4 × MUG-1, all received already"):
            receive_return_item(
                s, rma, "MUG-1", condition="new", disposition="restock", actor=ACTOR
            )
        # the cap has no default bin: restocking it needs a bin, and a sellable one
        with pytest.raises(
            ValidationError, match="CAP-1 has no default bin at MAIN; choose the bin"
        ):
            receive_return_item(
                s, rma, "CAP-1", condition="new", disposition="restock", actor=ACTOR
            )
        with pytest.raises(ValidationError, match="Q-1 is a quarantine bin"):
            receive_return_item(
                s,
                rma,
                "CAP-1",
                condition="new",
                disposition="restock",
                bin_id=shop["quarantine"],
                actor=ACTOR,
            )
        with pytest.raises(ValidationError, match="go to a quarantine bin; B-01 is a storage bin"):
            receive_return_item(
                s,
                rma,
                "CAP-1",
                condition="new",
                disposition="quarantine",
                bin_id=shop["overflow"],
                actor=ACTOR,
            )
        assert get_return(s, rma).status == "authorized"
        last = receive_return_item(
            s,
            rma,
            "CAP-1",
            condition="new",
            disposition="restock",
            bin_id=shop["overflow"],
            actor=ACTOR,
        )
        assert last.complete and last.rma.status == "received" and last.rma.received_at
        assert figures(s, shop["cap"]) == (10, 0, 10)

        view = get_return(s, rma)
        assert sorted(
            (li.sku, li.quantity, li.received, li.condition, li.disposition, li.bin_code)
            for li in view.lines
        ) == [
            ("CAP-1", 1, 1, "new", "restock", "B-01"),
            ("MUG-1", 1, 1, "damaged", "return_to_vendor", "Q-1"),
            ("MUG-1", 1, 1, "damaged", "scrap", "Q-1"),
            ("MUG-1", 1, 1, "new", "restock", "A-01"),
            ("MUG-1", 1, 1, "opened", "quarantine", "Q-1"),
        ]
        assert [li.returned for li in get_order(s, order_id).lines] == [4, 1]
        with pytest.raises(InvalidTransition, match="every unit has been received already"):
            receive_return_item(
                s, rma, "MUG-1", condition="new", disposition="restock", actor=ACTOR
            )
        timeline = [e.action for e in list_events(s, entity_type="rma", entity_id=rma)]
        assert timeline.count("rma.receive") == 5
        assert run_doctor(s).ok


def test_split_one_line_into_two_dispositions(session_factory, shop):
    order_id = shipped_order(session_factory, (shop["mug"], 5))
    with unit_of_work(session_factory) as s:
        (line,) = line_ids(s, order_id)
        rma = create_return(
            s, order_id, [ReturnLineInput(line, 5, "no_longer_needed")], actor=ACTOR
        ).id
        (row,) = get_return(s, rma).lines
        with pytest.raises(WrongItem, match=r"wrong item: CAP-1 \(Cap\) is not on RMA-000001"):
            receive_return_item(
                s, rma, "CAP-1", condition="new", disposition="restock", actor=ACTOR
            )
        first = receive_return_line(
            s, rma, row.id, 2, condition="new", disposition="restock", actor=ACTOR
        )
        rows = {(li.quantity, li.received, li.disposition) for li in first.rma.lines}
        assert rows == {(3, 0, None), (2, 2, "restock")}
        assert first.return_line_ids != (row.id,)  # the received part got its own row
        # scanning one more restocked unit joins the received restock row
        receive_return_item(s, rma, "MUG-1", condition="new", disposition="restock", actor=ACTOR)
        rows = {(li.quantity, li.received, li.disposition) for li in get_return(s, rma).lines}
        assert rows == {(2, 0, None), (3, 3, "restock")}
        with pytest.raises(OverScan, match="2 unit\\(s\\) still expected on RMA-000001"):
            receive_return_line(
                s, rma, row.id, 3, condition="damaged", disposition="scrap", actor=ACTOR
            )
        # choosing the received row still receives the units still expected on that order line
        restock_row = next(li for li in get_return(s, rma).lines if li.disposition == "restock")
        done = receive_return_line(
            s, rma, restock_row.id, 2, condition="damaged", disposition="scrap", actor=ACTOR
        )
        assert sorted(
            (li.quantity, li.received, li.condition, li.disposition, li.bin_code)
            for li in done.rma.lines
        ) == [(2, 2, "damaged", "scrap", "Q-1"), (3, 3, "new", "restock", "A-01")]
        assert done.rma.status == "received"
        assert all(li.reason == "no_longer_needed" for li in done.rma.lines)
        assert get_order(s, order_id).lines[0].returned == 5
        assert figures(s, shop["mug"]) == (8, 0, 8)
        assert run_doctor(s).ok


def test_refund_partial_then_beyond_paid(session_factory, shop):
    order_id = shipped_order(session_factory, (shop["mug"], 2))
    with unit_of_work(session_factory) as s:
        (line,) = line_ids(s, order_id)
        rma = create_return(s, order_id, [ReturnLineInput(line, 2, "damaged")], actor=ACTOR).id
        with pytest.raises(ValidationError, match="say how the money goes back"):
            refund_return(s, rma, 1000, method=" ", actor=ACTOR)
        with pytest.raises(ValidationError, match="amount above 0"):
            refund_return(s, rma, 0, method="card", actor=ACTOR)
        saved = refund_return(s, rma, 1000, method="card", actor=ACTOR)
        assert saved.resolution == "refund" and not saved.outbox_queued
        order = get_order(s, order_id)
        assert (order.paid_minor, order.refunded_minor, order.payment_status) == (
            2400,
            1000,
            "partially_refunded",
        )
        with pytest.raises(ValidationError) as refused:
            refund_return(s, rma, 1500, method="card", actor=ACTOR)
        assert str(refused.value) == (
            "at most $14.00 can be refunded on order SO-000001 (paid $24.00, refunded $10.00); "
            "$15.00 is too much"
        )
        refund_return(s, rma, 1400, method="card", actor=ACTOR)
        order = get_order(s, order_id)
        assert (order.refunded_minor, order.payment_status) == (2400, "refunded")
        with pytest.raises(ValidationError, match="nothing left to refund on order SO-000001"):
            refund_return(s, rma, 1, method="card", actor=ACTOR)
        view = get_return(s, rma)
        assert (view.refund_minor, view.refund_method, view.refundable_minor) == (2400, "card", 0)
        assert run_doctor(s).ok


def test_exchange_creates_an_allocated_linked_order(session_factory, shop):
    order_id = shipped_order(session_factory, (shop["mug"], 2), (shop["cap"], 1))
    with unit_of_work(session_factory) as s:
        mug_line, _cap_line = line_ids(s, order_id)
        rma = create_return(
            s, order_id, [ReturnLineInput(mug_line, 2, "wrong_item")], actor=ACTOR
        ).id
        receive_return_item(
            s, rma, "MUG-1", condition="new", disposition="restock", quantity=2, actor=ACTOR
        )
        saved = exchange_return(s, rma, actor=ACTOR)
        assert saved.resolution == "exchange" and saved.changes.stock
        new = get_order(s, saved.exchange_order_id)
        original = get_order(s, order_id)
        assert new.parent_number == original.number and new.status == "open"
        assert new.ship_to == original.ship_to and new.email == original.email
        assert [(li.sku, li.quantity, li.unit_price_minor, li.allocated) for li in new.lines] == [
            ("MUG-1", 2, 0, 2)
        ]
        assert (new.total_minor, new.payment_status, new.fulfil_location) == (0, "paid", "MAIN")
        assert get_return(s, rma).exchange_order_number == new.number
        assert figures(s, shop["mug"]) == (10, 0, 8)  # 8 shipped back in, 2 reserved again
        with pytest.raises(Conflict, match=f"already has exchange order {new.number}"):
            exchange_return(s, rma, actor=ACTOR)
        store_credit_return(s, rma, 300, actor=ACTOR)  # goodwill on top: the resolution stays
        closed = close_return(s, rma, actor=ACTOR)
        assert (closed.status, closed.resolution) == ("closed", "exchange")
        assert run_doctor(s).ok


def test_exchange_for_other_products_charges_the_given_price(session_factory, shop):
    order_id = shipped_order(session_factory, (shop["mug"], 1))
    with unit_of_work(session_factory) as s:
        (line,) = line_ids(s, order_id)
        rma = create_return(
            s, order_id, [ReturnLineInput(line, 1, "not_as_described")], actor=ACTOR
        ).id
        saved = exchange_return(
            s,
            rma,
            actor=ACTOR,
            lines=[
                LineInput(quantity=1, product_id=shop["cap"]),
                LineInput(quantity=1, product_id=shop["mug"], unit_price_minor=150),
            ],
        )
        new = get_order(s, saved.exchange_order_id)
        assert [(li.sku, li.unit_price_minor) for li in new.lines] == [("CAP-1", 0), ("MUG-1", 150)]
        assert (new.total_minor, new.paid_minor, new.payment_status) == (150, 0, "pending")


def test_store_credit_and_what_closing_needs(session_factory, shop):
    order_id = shipped_order(session_factory, (shop["cap"], 2))
    with unit_of_work(session_factory) as s:
        (line,) = line_ids(s, order_id)
        rma = create_return(
            s, order_id, [ReturnLineInput(line, 2, "no_longer_needed")], actor=ACTOR
        ).id
        with pytest.raises(
            InvalidTransition,
            match="cannot move return RMA-000001 from authorized to closed: 2 of 2 unit\\(s\\) not",
        ):
            close_return(s, rma, actor=ACTOR)
        receive_return_item(
            s,
            rma,
            "CAP-1",
            condition="new",
            disposition="restock",
            bin_id=shop["shelf"],
            quantity=2,
            actor=ACTOR,
        )
        with pytest.raises(InvalidTransition, match="refund, exchange or give store credit first"):
            close_return(s, rma, actor=ACTOR)
        with pytest.raises(ValidationError, match="store credit must be an amount above 0"):
            store_credit_return(s, rma, -5, actor=ACTOR)
        credit = store_credit_return(s, rma, 1600, actor=ACTOR)
        assert (credit.resolution, credit.status) == ("store_credit", "received")
        closed = close_return(s, rma, actor=ACTOR)
        assert closed.status == "closed"
        view = get_return(s, rma)
        assert view.store_credit_minor == 1600 and view.closed_at is not None
        assert get_order(s, order_id).refunded_minor == 0
        with pytest.raises(InvalidTransition, match="from closed to closed"):
            close_return(s, rma, actor=ACTOR)
        with pytest.raises(DomainError, match="cannot refund on return RMA-000001: it is closed"):
            refund_return(s, rma, 100, method="card", actor=ACTOR)
        actions = [e.action for e in list_events(s, entity_type="order", entity_id=order_id)]
        assert actions[:4] == ["rma.close", "rma.store_credit", "rma.receive", "rma.create"]
        assert run_doctor(s).ok


def test_reject_path_and_illegal_transitions(session_factory, shop):
    order_id = shipped_order(session_factory, (shop["mug"], 3))
    with unit_of_work(session_factory) as s:
        (line,) = line_ids(s, order_id)
        rma = create_return(
            s,
            order_id,
            [ReturnLineInput(line, 1, "other", "smells odd")],
            actor=ACTOR,
            authorize=False,
        ).id
        with pytest.raises(
            InvalidTransition, match="from requested to received: authorize it first"
        ):
            receive_return_item(
                s, rma, "MUG-1", condition="new", disposition="restock", actor=ACTOR
            )
        with pytest.raises(
            DomainError, match="cannot refund on return RMA-000001: authorize it first"
        ):
            refund_return(s, rma, 100, method="card", actor=ACTOR)
        with pytest.raises(InvalidTransition, match="from requested to closed"):
            close_return(s, rma, actor=ACTOR)
        assert authorize_return(s, rma, actor=ACTOR).status == "authorized"
        with pytest.raises(
            InvalidTransition, match="cannot move return RMA-000001 from authorized to authorized"
        ):
            authorize_return(s, rma, actor=ACTOR)
        with pytest.raises(ValidationError, match="say why the return is rejected"):
            reject_return(s, rma, reason="", actor=ACTOR)
        rejected = reject_return(s, rma, reason="used for a month", actor=ACTOR)
        assert rejected.status == "rejected"
        assert get_return(s, rma).notes == "Rejected: used for a month"
        with pytest.raises(InvalidTransition, match="from rejected to authorized"):
            authorize_return(s, rma, actor=ACTOR)
        with pytest.raises(InvalidTransition, match="from rejected to received"):
            receive_return_item(
                s, rma, "MUG-1", condition="new", disposition="restock", actor=ACTOR
            )
        assert close_return(s, rma, actor=ACTOR).status == "closed"  # filed away, no resolution

        # partly received: cannot be rejected; it can be closed accepting the missing units
        partial = create_return(s, order_id, [ReturnLineInput(line, 3, "damaged")], actor=ACTOR).id
        receive_return_item(
            s, partial, "MUG-1", condition="damaged", disposition="scrap", actor=ACTOR
        )
        with pytest.raises(InvalidTransition, match="1 unit\\(s\\) were already received"):
            reject_return(s, partial, reason="late", actor=ACTOR)
        with pytest.raises(
            InvalidTransition, match="2 of 3 unit\\(s\\) not received yet; receive them"
        ):
            close_return(s, partial, actor=ACTOR)
        refund_return(s, partial, 1200, method="original payment", actor=ACTOR)
        closed = close_return(s, partial, actor=ACTOR, accept_missing=True)
        assert closed.status == "closed"
        view = get_return(s, partial)
        assert [(li.quantity, li.received) for li in view.lines] == [(1, 1)]
        assert returnable_lines(s, order_id)[0].returnable == 2
        assert figures(s, shop["mug"]) == (7, 0, 7)
        assert run_doctor(s).ok


def test_refund_is_queued_for_a_channel_order(session_factory, shop):
    with unit_of_work(session_factory) as s:
        shopify = Channel(kind="shopify", name="Web shop", base_url="https://shop.example")
        csv = Channel(kind="csv", name="Marketplace file")
        s.add_all([shopify, csv])
        s.flush()
        channels = (shopify.id, csv.id)
    order_id = shipped_order(
        session_factory,
        LineInput(product_id=shop["mug"], quantity=2, external_line_id="L-1"),
        channel_id=channels[0],
        external_id="5001",
    )
    with unit_of_work(session_factory) as s:
        (line,) = line_ids(s, order_id)
        rma = create_return(s, order_id, [ReturnLineInput(line, 2, "damaged")], actor=ACTOR).id
        receive_return_item(s, rma, "MUG-1", condition="new", disposition="restock", actor=ACTOR)
        receive_return_item(s, rma, "MUG-1", condition="damaged", disposition="scrap", actor=ACTOR)
        saved = refund_return(s, rma, 1500, method="original payment", actor=ACTOR)
        assert saved.outbox_queued and saved.changes.channels
        refund_return(s, rma, 500, method="original payment", actor=ACTOR)
        messages = s.query(OutboxMessage).filter_by(kind="refund").order_by(OutboxMessage.id).all()
        assert [m.idempotency_key for m in messages] == [
            f"refund:{channels[0]}:RMA-000001:1",
            f"refund:{channels[0]}:RMA-000001:2",
        ]
        first, second = (m.payload for m in messages)
        assert first == {
            "order_external_id": "5001",
            "rma": "RMA-000001",
            "sequence": 1,
            "amount_minor": 1500,
            "currency": "USD",
            "method": "original payment",
            "lines": [
                {"external_line_id": "L-1", "sku": "MUG-1", "quantity": 1, "restock": True},
                {"external_line_id": "L-1", "sku": "MUG-1", "quantity": 1, "restock": False},
            ],
        }
        assert (second["amount_minor"], second["sequence"], second["lines"]) == (500, 2, [])
        assert all(m.status == "pending" and m.channel_id == channels[0] for m in messages)

    csv_order = shipped_order(
        session_factory, (shop["cap"], 1), channel_id=channels[1], external_id="F-9"
    )
    with unit_of_work(session_factory) as s:
        (line,) = line_ids(s, csv_order)
        rma = create_return(s, csv_order, [ReturnLineInput(line, 1, "damaged")], actor=ACTOR).id
        assert not refund_return(s, rma, 800, method="bank transfer", actor=ACTOR).outbox_queued
        assert s.query(OutboxMessage).filter_by(kind="refund").count() == 2
        assert run_doctor(s).ok


def test_return_stats_by_product(session_factory, shop):
    first = shipped_order(session_factory, (shop["mug"], 3), (shop["cap"], 2))
    second = shipped_order(session_factory, (shop["mug"], 1))
    with unit_of_work(session_factory) as s:
        mug1, cap1 = line_ids(s, first)
        (mug2,) = line_ids(s, second)
        create_return(s, first, [ReturnLineInput(mug1, 2, "damaged")], actor=ACTOR)
        create_return(
            s,
            first,
            [ReturnLineInput(mug1, 1, "wrong_item"), ReturnLineInput(cap1, 1, "no_longer_needed")],
            actor=ACTOR,
        )
        create_return(s, second, [ReturnLineInput(mug2, 1, "damaged")], actor=ACTOR)
        rejected = create_return(s, first, [ReturnLineInput(cap1, 1, "damaged")], actor=ACTOR).id
        reject_return(s, rejected, reason="not bought here", actor=ACTOR)
        stats = return_stats_by_product(s)
        assert [(p.sku, p.shipped_units, p.returned_units, p.rate, p.reasons) for p in stats] == [
            ("MUG-1", 4, 4, 1.0, {"damaged": 3, "wrong_item": 1}),
            ("CAP-1", 2, 1, 0.5, {"no_longer_needed": 1}),
        ]
        now = utcnow()
        assert return_stats_by_product(s, date_from=now + timedelta(minutes=1)) == []
        window = return_stats_by_product(
            s, date_from=now - timedelta(hours=1), date_to=now + timedelta(hours=1)
        )
        assert [p.returned_units for p in window] == [4, 1]


def test_list_find_and_page_returns(session_factory, shop):
    order_id = shipped_order(session_factory, (shop["mug"], 2), (shop["cap"], 1))
    with unit_of_work(session_factory) as s:
        mug_line, cap_line = line_ids(s, order_id)
        first = create_return(
            s, order_id, [ReturnLineInput(mug_line, 1, "damaged")], actor=ACTOR
        ).id
        second = create_return(
            s,
            order_id,
            [
                ReturnLineInput(mug_line, 1, "wrong_item"),
                ReturnLineInput(cap_line, 1, "wrong_item"),
            ],
            actor=ACTOR,
            authorize=False,
        ).id
        page = list_return_page(s, ReturnFilter())
        assert [r.number for r in page.rows] == ["RMA-000002", "RMA-000001"]
        assert page.next_after is None
        row = page.rows[0]
        assert (row.order_number, row.customer, row.units, row.received_units, row.reasons) == (
            "SO-000001",
            "Zoë Łukasiewicz",
            2,
            0,
            ("wrong_item",),
        )
        one = list_return_page(s, ReturnFilter(), limit=1)
        assert [r.id for r in one.rows] == [second] and one.next_after is not None
        rest = list_return_page(s, ReturnFilter(), after=one.next_after, limit=1)
        assert [r.id for r in rest.rows] == [first]
        assert [r.id for r in list_return_page(s, ReturnFilter(status="requested")).rows] == [
            second
        ]
        assert [r.id for r in list_return_page(s, ReturnFilter(reason="damaged")).rows] == [first]
        assert [r.id for r in list_return_page(s, ReturnFilter(search="CAP-1")).rows] == [second]
        assert len(list_return_page(s, ReturnFilter(search="so-000001")).rows) == 2
        assert len(list_return_page(s, ReturnFilter(search="zoë")).rows) == 2
        assert [r.id for r in list_return_page(s, ReturnFilter(search="rma-000001")).rows] == [
            first
        ]
        assert find_return(s, "rma-000001") == first
        assert find_return(s, " 2 ") == second
        assert find_return(s, "RMA-000099") is None
        with pytest.raises(NotFound):
            get_return(s, 999)
