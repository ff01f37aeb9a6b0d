"""The packing station driven by scans alone: order, items, commands, pick lists, refusals."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.inventory.dto import ProductInput
from app.inventory.ledger import receive_stock
from app.inventory.locations import create_bin, create_location
from app.inventory.products import create_product
from app.orders.address import Address
from app.orders.dto import LineInput, OrderInput
from app.orders.queries import get_order
from app.orders.services import create_order
from app.packing.station import Outcome, StationState, handle_scan, link_code
from app.picking.services import create_pick_list
from app.settings import update_settings
from app.uow import unit_of_work
from db.models import AuditEvent, ProductBarcode

ACTOR = "packer"
ADDRESS = Address("Søren Kierkegaard", "Nytorv 2", "København", "1450", "DK")


@pytest.fixture
def shop(session_factory):
    with unit_of_work(session_factory) as s:
        main = create_location(s, code="MAIN", name="Main", actor=ACTOR).id
        shelf = create_bin(s, location_id=main, code="A-01", actor=ACTOR).id
        mug = create_product(
            s, ProductInput(sku="MUG-1", name="Mug", gtin="4006381333931"), actor=ACTOR
        ).id
        cap = create_product(s, ProductInput(sku="CAP-1", name="Cap"), actor=ACTOR).id
        for product in (mug, cap):
            receive_stock(s, product_id=product, bin_id=shelf, quantity=20, actor=ACTOR)
    return {"mug": mug, "cap": cap}


def order(session_factory, *lines) -> int:
    with unit_of_work(session_factory) as s:
        return create_order(
            s,
            OrderInput(
                tuple(LineInput(product_id=p, quantity=q) for p, q in lines), ship_to=ADDRESS
            ),
            actor=ACTOR,
        ).id


class Bench:
    """Scans as a packer would: each one its own transaction, the state carried over."""

    def __init__(self, session_factory) -> None:
        self.session_factory = session_factory
        self.state = StationState()

    def scan(self, code: str):
        with unit_of_work(self.session_factory) as s:
            result = handle_scan(s, self.state, code, actor=ACTOR)
        self.state = result.state
        return result


def test_scan_only_flow(session_factory, shop):
    order_id = order(session_factory, (shop["mug"], 2), (shop["cap"], 1))
    bench = Bench(session_factory)
    assert bench.scan("MUG-1").message == "scan an order, pick list or packing slip first"
    opened = bench.scan("SO-000001")
    assert opened.outcome == Outcome.OPENED
    assert opened.message == "SO-000001 for Søren Kierkegaard: 3 unit(s)"
    assert bench.scan("4006381333931").outcome == Outcome.COUNTED
    wrong = bench.scan("CAP-2")
    assert wrong.outcome == Outcome.ERROR and "unknown barcode" in wrong.message
    assert bench.scan("MUG-1").message == "MUG-1: 2 of 2"
    over = bench.scan("MUG-1")
    assert (over.outcome, over.message) == (
        Outcome.ERROR,
        "too many: order SO-000001 needs only 2 × MUG-1",
    )
    assert bench.scan("CMD-UNDO").message == "undone: MUG-1 now 1 of 2"
    assert bench.scan("CMD-DONE").outcome == Outcome.ERROR
    bench.scan("MUG-1")
    complete = bench.scan("CAP-1")
    assert complete.outcome == Outcome.COMPLETE
    packed = bench.scan("cmd-done")
    assert packed.outcome == Outcome.PACKED and bench.state.shipment_id is None
    with unit_of_work(session_factory, write=False) as s:
        assert get_order(s, order_id).status == "packed"


def test_cancel_leaves_and_rescan_resumes(session_factory, shop):
    order(session_factory, (shop["mug"], 2))
    bench = Bench(session_factory)
    bench.scan("SO-000001")
    bench.scan("MUG-1")
    assert bench.scan("CMD-CANCEL").outcome == Outcome.LEFT
    resumed = bench.scan("SO-000001")
    assert resumed.message.endswith("1 already scanned")


def test_pick_list_then_next(session_factory, shop):
    ids = [order(session_factory, (shop["cap"], 1)) for _ in range(2)]
    with unit_of_work(session_factory) as s:
        create_pick_list(s, ids, actor=ACTOR)
    bench = Bench(session_factory)
    assert bench.scan("PL-000001").shipment.order_number == "SO-000001"
    bench.scan("CAP-1")
    bench.scan("CMD-DONE")
    second = bench.scan("CMD-NEXT")
    assert second.shipment.order_number == "SO-000002"
    bench.scan("CAP-1")
    bench.scan("CMD-DONE")
    last = bench.scan("CMD-NEXT")
    assert (last.outcome, last.message) == (
        Outcome.ERROR,
        "every order of this pick list is packed",
    )


def test_auto_print_requests(session_factory, shop):
    with unit_of_work(session_factory) as s:
        update_settings(
            s, {"packing.auto_print_slip": True, "packing.auto_print_label": True}, actor=ACTOR
        )
    order(session_factory, (shop["cap"], 1))
    bench = Bench(session_factory)
    assert bench.scan("SO-000001").print_request == "slip"
    assert bench.scan("CMD-PRINT").print_request == "slip"
    bench.scan("CAP-1")
    assert bench.scan("CMD-DONE").print_request == "label"


def test_refusals_change_nothing(session_factory, shop):
    order(session_factory, (shop["mug"], 1))
    bench = Bench(session_factory)
    assert bench.scan("SO-999999").message == "order SO-999999 does not exist"
    assert bench.scan("BIN/MAIN/A-01").message == "bin codes are not used at the packing station"
    bench.scan("SO-000001")
    assert "wrong item: CAP-1" in bench.scan("CAP-1").message
    assert bench.scan("CMD-NEXT").message == "NEXT works after scanning a pick list"


def test_unknown_code_linked_to_an_item_counts_it_and_scans_from_then_on(session_factory, shop):
    order(session_factory, (shop["mug"], 1), (shop["cap"], 2))
    bench = Bench(session_factory)
    bench.scan("SO-000001")
    unknown = bench.scan("SUPPLIER-CAP-77")
    assert (unknown.outcome, unknown.unknown_code) == (Outcome.ERROR, "SUPPLIER-CAP-77")
    assert bench.scan("MUG-1").unknown_code is None  # known codes are not offered for linking

    # Only an item the order still needs can take the code; refused links change nothing.
    with unit_of_work(session_factory) as s:
        done_item = link_code(s, bench.state, "SUPPLIER-CAP-77", shop["mug"], actor=ACTOR)
    assert done_item.outcome == Outcome.ERROR
    assert "still to scan" in done_item.message
    with unit_of_work(session_factory) as s:
        assert s.scalars(select(ProductBarcode)).all() == []

    with unit_of_work(session_factory) as s:
        linked = link_code(s, bench.state, "SUPPLIER-CAP-77", shop["cap"], actor=ACTOR)
    bench.state = linked.state
    assert linked.outcome == Outcome.COUNTED
    assert linked.message == "SUPPLIER-CAP-77 now scans to CAP-1 · CAP-1: 1 of 2"
    assert linked.changes.touches("products", "shipments")
    assert linked.state.scans[-1] == shop["cap"]
    # The next unit scans by the new code; the order is then complete.
    assert bench.scan("SUPPLIER-CAP-77").outcome == Outcome.COMPLETE
    assert bench.scan("CMD-UNDO").message == "undone: CAP-1 now 1 of 2"
    with unit_of_work(session_factory) as s:
        codes = s.execute(select(ProductBarcode.product_id, ProductBarcode.code)).all()
        assert codes == [(shop["cap"], "SUPPLIER-CAP-77")]
        assert s.scalar(
            select(AuditEvent.summary).where(AuditEvent.action == "product.add_code")
        ) == ("SUPPLIER-CAP-77 now scans to CAP-1")

    # A code that already belongs to a product is refused, and the scan is not counted.
    with unit_of_work(session_factory) as s:
        taken = link_code(s, bench.state, "4006381333931", shop["cap"], actor=ACTOR)
    assert taken.outcome == Outcome.ERROR
    assert "already scans to product MUG-1" in taken.message
    assert taken.shipment is not None
    assert next(li for li in taken.shipment.lines if li.sku == "CAP-1").verified == 1


def test_link_code_needs_an_open_order(session_factory, shop):
    with unit_of_work(session_factory) as s:
        result = link_code(s, StationState(), "X-1", shop["cap"], actor=ACTOR)
    assert (result.outcome, result.message) == (
        Outcome.ERROR,
        "scan an order, pick list or packing slip first",
    )
