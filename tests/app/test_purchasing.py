"""Purchasing against a real database: suppliers, PO lifecycle, receiving by scan, undo, putaway."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from app.audit import list_events
from app.doctor import run_doctor
from app.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    OutOfStock,
    UnknownBarcode,
    ValidationError,
)
from app.inventory.dto import ProductInput
from app.inventory.ledger import reverse_move
from app.inventory.locations import create_bin
from app.inventory.products import (
    add_scan_code,
    create_product,
    get_product,
    set_default_bin,
    update_product,
)
from app.purchasing.dto import POLineInput, SupplierInput
from app.purchasing.orders import (
    add_purchase_order_line,
    cancel_purchase_order,
    create_purchase_order,
    find_purchase_order,
    get_purchase_order,
    list_purchase_orders,
    mark_ordered,
    remove_purchase_order_line,
    update_purchase_order,
    update_purchase_order_line,
)
from app.purchasing.receiving import (
    OverReceipt,
    ReceivingScanner,
    list_awaiting_putaway,
    list_receipts,
    putaway,
    receive_lines,
    receive_scan,
    undo_receipt,
)
from app.purchasing.suppliers import (
    create_supplier,
    get_supplier,
    list_suppliers,
    update_supplier,
)
from app.uow import unit_of_work
from db.models import StockMove
from tests.app.inventory_fixtures import ACTOR, Shop, build_shop

MUG_GTIN = "4006381333931"
CAP_UPC = "036000291452"


@dataclass
class Purchasing:
    shop: Shop
    acme: int
    receiving: int  # MAIN/R-1, kind receiving
    tee: int  # a product no PO below orders


def build_purchasing(session_factory) -> Purchasing:
    shop = build_shop(session_factory)
    with unit_of_work(session_factory) as s:
        acme = create_supplier(s, SupplierInput("Acme Enamel", lead_time_days=5), actor=ACTOR).id
        receiving = create_bin(
            s, location_id=shop.main, code="R-1", kind="receiving", actor=ACTOR
        ).id
        update_product(
            s,
            shop.mug,
            ProductInput(sku="MUG-1", name="Enamel mug", gtin=MUG_GTIN, cost_minor=250),
            actor=ACTOR,
        )
        tee = create_product(s, ProductInput(sku="TEE-1", name="T-shirt"), actor=ACTOR).id
    return Purchasing(shop, acme, receiving, tee)


def ordered_po(session_factory, p: Purchasing, mug: int = 10, cap: int = 4) -> int:
    with unit_of_work(session_factory) as s:
        po = create_purchase_order(
            s,
            p.acme,
            p.shop.main,
            [POLineInput(p.shop.mug, mug), POLineInput(p.shop.cap, cap, unit_cost_minor=99)],
            actor=ACTOR,
        )
        mark_ordered(s, po.id, actor=ACTOR)
    return po.id


def levels(session_factory, product_id: int) -> dict[str, int]:
    with unit_of_work(session_factory, write=False) as s:
        return {b.bin_code: b.on_hand for b in get_product(s, product_id).bins}


def assert_doctor_clean(session_factory) -> None:
    with unit_of_work(session_factory, write=False) as s:
        report = run_doctor(s)
    assert report.findings == ()


# --- suppliers ----------------------------------------------------------------------------------


def test_suppliers_create_update_list(session_factory):
    shop = build_shop(session_factory)
    with unit_of_work(session_factory) as s:
        acme = create_supplier(
            s,
            SupplierInput(
                "  Acme   Enamel ", email="buy@acme.test", lead_time_days=5, currency="eur"
            ),
            actor=ACTOR,
        ).id
        beta = create_supplier(s, SupplierInput("Beta Wool"), actor=ACTOR).id
        with pytest.raises(Conflict, match="supplier Acme Enamel already exists"):
            create_supplier(s, SupplierInput("ACME enamel"), actor=ACTOR)
        with pytest.raises(ValidationError, match="lead time") as info:
            create_supplier(s, SupplierInput("Gamma", lead_time_days=-1), actor=ACTOR)
        assert info.value.field == "lead_time_days"
        with pytest.raises(ValidationError, match="not an e-mail") as info:
            create_supplier(s, SupplierInput("Gamma", email="nope"), actor=ACTOR)
        assert info.value.field == "email"
        update_product(
            s, shop.mug, ProductInput(sku="MUG-1", name="Mug", supplier_id=acme), actor=ACTOR
        )
        saved = update_supplier(s, beta, SupplierInput("Beta Wool", lead_time_days=14), actor=ACTOR)
        assert saved.changes.purchasing
        assert update_supplier(s, beta, SupplierInput("Beta Wool", lead_time_days=14), actor=ACTOR)
        with pytest.raises(Conflict):
            update_supplier(s, beta, SupplierInput("acme enamel"), actor=ACTOR)
        create_purchase_order(s, acme, shop.main, [POLineInput(shop.mug, 1)], actor=ACTOR)
    with unit_of_work(session_factory, write=False) as s:
        rows = list_suppliers(s)
        assert [(r.name, r.currency, r.lead_time_days) for r in rows] == [
            ("Acme Enamel", "EUR", 5),
            ("Beta Wool", "USD", 14),
        ]
        assert (rows[0].product_count, rows[0].open_po_count) == (1, 1)
        assert [r.name for r in list_suppliers(s, name_contains="wool")] == ["Beta Wool"]
        assert get_supplier(s, beta).lead_time_days == 14
        with pytest.raises(NotFound):
            get_supplier(s, 999)
        events = list_events(s, entity_type="supplier", entity_id=beta)
    assert [e.action for e in events] == ["supplier.update", "supplier.create"]
    assert events[0].details == {"lead_time_days": {"old": 7, "new": 14}}


# --- purchase orders ----------------------------------------------------------------------------


def test_purchase_order_lifecycle_and_illegal_transitions(session_factory):
    p = build_purchasing(session_factory)
    with unit_of_work(session_factory) as s:
        po = create_purchase_order(
            s, p.acme, p.shop.main, [POLineInput(p.shop.mug, 10)], notes=" rush ", actor=ACTOR
        )
        assert (po.number, po.status) == ("PO-000001", "draft")
        add_purchase_order_line(s, po.id, POLineInput(p.shop.cap, 3, 120), actor=ACTOR)
        add_purchase_order_line(s, po.id, POLineInput(p.tee, 1), actor=ACTOR)
        with pytest.raises(Conflict, match="MUG-1 is already on PO-000001 \\(10 ordered\\)"):
            add_purchase_order_line(s, po.id, POLineInput(p.shop.mug, 1), actor=ACTOR)
        with pytest.raises(ValidationError, match="quantity must be a whole number above 0"):
            add_purchase_order_line(s, po.id, POLineInput(p.tee, 0), actor=ACTOR)
        detail = get_purchase_order(s, po.id)
        tee_line = detail.lines[2].id
        update_purchase_order_line(s, po.id, detail.lines[0].id, quantity=12, actor=ACTOR)
        remove_purchase_order_line(s, po.id, tee_line, actor=ACTOR)
        with pytest.raises(ValidationError, match="appears on two lines"):
            create_purchase_order(
                s, p.acme, p.shop.main, [POLineInput(p.tee, 1), POLineInput(p.tee, 2)], actor=ACTOR
            )
    with unit_of_work(session_factory) as s:
        detail = get_purchase_order(s, po.id)
        assert [
            (x.sku, x.ordered, x.received, x.outstanding, x.unit_cost_minor) for x in detail.lines
        ] == [
            ("MUG-1", 12, 0, 12, 250),  # default cost = the product's cost
            ("CAP-1", 3, 0, 3, 120),
        ]
        assert (detail.notes, detail.total_cost_minor, detail.supplier_name) == (
            "rush",
            12 * 250 + 3 * 120,
            "Acme Enamel",
        )
        with pytest.raises(InvalidTransition, match="from draft to received"):
            receive_scan(s, po.id, MUG_GTIN, actor=ACTOR)
        ordered = mark_ordered(s, po.id, actor=ACTOR)
        assert ordered.status == "ordered"
    with unit_of_work(session_factory) as s:
        with pytest.raises(
            InvalidTransition, match="cannot move purchase order from ordered to ordered"
        ):
            mark_ordered(s, po.id, actor=ACTOR)
        with pytest.raises(Conflict, match="PO-000001 is ordered; adding lines is only possible"):
            add_purchase_order_line(s, po.id, POLineInput(p.tee, 1), actor=ACTOR)
        with pytest.raises(Conflict, match="changing the receiving location"):
            update_purchase_order(s, po.id, location_id=p.shop.store, actor=ACTOR)
        update_purchase_order(s, po.id, notes="call first", actor=ACTOR)
        assert find_purchase_order(s, "po-1").id == po.id
        assert find_purchase_order(s, "PO-000001").notes == "call first"
        assert find_purchase_order(s, "PO-9") is None
        cancel_purchase_order(s, po.id, reason="supplier out of stock", actor=ACTOR)
    with unit_of_work(session_factory) as s:
        with pytest.raises(
            InvalidTransition, match="from cancelled to cancelled: PO-000001 is already cancelled"
        ):
            cancel_purchase_order(s, po.id, actor=ACTOR)
        with pytest.raises(InvalidTransition, match="from cancelled to received"):
            receive_scan(s, po.id, MUG_GTIN, actor=ACTOR)
        empty = create_purchase_order(s, p.acme, p.shop.main, actor=ACTOR).id
        with pytest.raises(
            InvalidTransition, match="from draft to ordered: PO-000002 has no lines"
        ):
            mark_ordered(s, empty, actor=ACTOR)
        rows = list_purchase_orders(s)
        assert [(r.number, r.status, r.line_count, r.ordered) for r in rows] == [
            ("PO-000002", "draft", 0, 0),
            ("PO-000001", "cancelled", 2, 15),
        ]
        assert [r.number for r in list_purchase_orders(s, status="cancelled")] == ["PO-000001"]
        assert [r.number for r in list_purchase_orders(s, before_id=empty)] == ["PO-000001"]
        actions = [e.action for e in list_events(s, entity_type="purchase_order", entity_id=po.id)]
    assert actions == [
        "purchase_order.cancel",
        "purchase_order.update",
        "purchase_order.order",
        "purchase_order.remove_line",
        "purchase_order.update_line",
        "purchase_order.add_line",
        "purchase_order.add_line",
        "purchase_order.create",
    ]


def test_cancel_refused_once_goods_were_received(session_factory):
    p = build_purchasing(session_factory)
    po = ordered_po(session_factory, p)
    with unit_of_work(session_factory) as s:
        receive_scan(s, po, MUG_GTIN, actor=ACTOR)
    with (
        pytest.raises(
            InvalidTransition,
            match="from partially_received to cancelled: 1 unit\\(s\\) of PO-000001 were already",
        ),
        unit_of_work(session_factory) as s,
    ):
        cancel_purchase_order(s, po, actor=ACTOR)


# --- receiving ----------------------------------------------------------------------------------


def test_receive_by_scan_partial_then_full_into_default_or_receiving_bin(session_factory):
    p = build_purchasing(session_factory)
    po = ordered_po(session_factory, p, mug=3, cap=2)
    with unit_of_work(session_factory) as s:
        set_default_bin(s, p.shop.mug, p.shop.main, p.shop.a2, actor=ACTOR)
        add_scan_code(s, p.shop.cap, "ACME-CAP", actor=ACTOR)
    with unit_of_work(session_factory) as s:
        first = receive_scan(s, po, MUG_GTIN, actor=ACTOR)
        assert (first.bin_code, first.received, first.outstanding, first.po_status) == (
            "A-02",  # the product's default bin
            1,
            2,
            "partially_received",
        )
        cap = receive_scan(s, po, "ACME-CAP", quantity=2, actor=ACTOR)  # extra scan code
        assert (cap.bin_code, cap.line_complete, cap.po_complete) == ("R-1", True, False)
        last = receive_scan(s, po, "mug-1", quantity=2, actor=ACTOR)  # typed SKU works too
    assert (last.po_status, last.po_complete, last.message) == (
        "received",
        True,
        "MUG-1 +2 → A-02 (3 of 3)",
    )
    assert levels(session_factory, p.shop.mug) == {"A-02": 3}
    assert levels(session_factory, p.shop.cap) == {"R-1": 2}
    with unit_of_work(session_factory, write=False) as s:
        detail = get_purchase_order(s, po)
        assert (detail.status, detail.received, detail.outstanding) == ("received", 5, 0)
        assert detail.received_at is not None
        moves = s.query(StockMove).order_by(StockMove.id).all()
        assert {(m.reason, m.reference) for m in moves} == {("receive", "PO-000001")}
        assert [r.quantity for r in list_receipts(s, po)] == [2, 2, 1]
        events = list_events(s, entity_type="purchase_order", entity_id=po)
        assert get_product(s, p.shop.mug).locations[0].incoming == 0
    assert [e.action for e in events[:3]] == ["purchase_order.receive"] * 3
    assert events[0].details["over_receipt"] == 0
    assert_doctor_clean(session_factory)


def test_scans_not_on_the_po_or_unknown_are_refused(session_factory):
    p = build_purchasing(session_factory)
    po = ordered_po(session_factory, p)
    with unit_of_work(session_factory) as s:
        with pytest.raises(ValidationError, match="TEE-1 is not on PO-000001") as info:
            receive_scan(s, po, "TEE-1", actor=ACTOR)
        assert info.value.field == "code"
        with pytest.raises(UnknownBarcode, match="'9999'"):
            receive_scan(s, po, "9999", actor=ACTOR)
        with pytest.raises(ValidationError, match="whole number above 0"):
            receive_scan(s, po, MUG_GTIN, quantity=0, actor=ACTOR)
        with pytest.raises(ValidationError, match="bin A-01 is at MAIN, but these goods"):
            other = create_purchase_order(
                s, p.acme, p.shop.store, [POLineInput(p.shop.mug, 1)], actor=ACTOR
            ).id
            mark_ordered(s, other, actor=ACTOR)
            receive_scan(s, other, MUG_GTIN, bin_id=p.shop.a1, actor=ACTOR)
    with unit_of_work(session_factory) as s:
        tee_po = create_purchase_order(
            s, p.acme, p.shop.store, [POLineInput(p.tee, 1)], actor=ACTOR
        ).id
        mark_ordered(s, tee_po, actor=ACTOR)
        # STORE has neither a default bin for TEE-1 nor a receiving bin
        with pytest.raises(ValidationError, match="no bin to receive TEE-1 into at STORE") as info:
            receive_scan(s, tee_po, "TEE-1", actor=ACTOR)
        assert info.value.field == "bin_id"
        assert (
            receive_scan(s, tee_po, "TEE-1", bin_id=p.shop.store_shelf, actor=ACTOR).bin_code
            == "S-1"
        )
    with unit_of_work(session_factory, write=False) as s:
        assert s.query(StockMove).count() == 1


def test_over_receipt_is_warned_then_accepted(session_factory):
    p = build_purchasing(session_factory)
    po = ordered_po(session_factory, p, mug=2, cap=1)
    with unit_of_work(session_factory) as s:
        receive_scan(s, po, MUG_GTIN, quantity=2, actor=ACTOR)
    with (
        pytest.raises(
            OverReceipt,
            match="PO-000001 line MUG-1: ordered 2, already received 2; scan again to confirm "
            "over-receipt",
        ) as info,
        unit_of_work(session_factory) as s,
    ):
        receive_scan(s, po, MUG_GTIN, actor=ACTOR)
    assert (info.value.ordered, info.value.received, info.value.sku) == (2, 2, "MUG-1")
    with unit_of_work(session_factory) as s:
        extra = receive_scan(s, po, MUG_GTIN, allow_over=True, actor=ACTOR)
    assert (extra.received, extra.over_received, extra.po_status) == (3, 1, "partially_received")
    assert "1 over the order, confirmed" in extra.message
    # The station helper: the same scan twice confirms, anything in between resets.
    scanner = ReceivingScanner(po)
    with pytest.raises(OverReceipt), unit_of_work(session_factory) as s:
        scanner.scan(s, MUG_GTIN, actor=ACTOR)
    with unit_of_work(session_factory) as s:
        assert scanner.scan(s, MUG_GTIN, actor=ACTOR).received == 4
        assert scanner.scan(s, CAP_UPC, actor=ACTOR).po_status == "received"
        with pytest.raises(OverReceipt, match="ordered 1, already received 1"):
            scanner.scan(s, CAP_UPC, actor=ACTOR)
        with pytest.raises(OverReceipt):
            scanner.scan(s, MUG_GTIN, actor=ACTOR)  # not a confirmation: a different code
    with unit_of_work(session_factory, write=False) as s:
        detail = get_purchase_order(s, po)
        assert [(x.sku, x.received, x.over_received) for x in detail.lines] == [
            ("MUG-1", 4, 2),
            ("CAP-1", 1, 0),
        ]
        events = list_events(s, entity_type="purchase_order", entity_id=po)
        receipts = list_receipts(s, po)
    over_events = [e for e in events if e.details and e.details.get("over_receipt")]
    assert len(over_events) == 2 and "confirmed" in over_events[0].summary
    assert receipts[1].note == "over-receipt: 1 beyond the 2 ordered"
    assert levels(session_factory, p.shop.mug) == {"R-1": 4}
    assert_doctor_clean(session_factory)


def test_receive_lines_by_keyboard(session_factory):
    p = build_purchasing(session_factory)
    po = ordered_po(session_factory, p, mug=10, cap=4)
    with unit_of_work(session_factory, write=False) as s:
        mug_line, cap_line = (x.id for x in get_purchase_order(s, po).lines)
    with unit_of_work(session_factory) as s:
        with pytest.raises(ValidationError, match="at least one line"):
            receive_lines(s, po, {mug_line: 0}, actor=ACTOR)
        with pytest.raises(NotFound, match="line\\(s\\) #999 are not on PO-000001"):
            receive_lines(s, po, {999: 1}, actor=ACTOR)
        with pytest.raises(OverReceipt, match="ordered 4, already received 0, receiving 5 more"):
            receive_lines(s, po, {mug_line: 1, cap_line: 5}, actor=ACTOR)
        result = receive_lines(s, po, {mug_line: 6, cap_line: 4}, bin_id=p.shop.a1, actor=ACTOR)
    assert (result.po_status, [x.quantity for x in result.lines]) == ("partially_received", [6, 4])
    assert len(result.move_ids) == 2
    with unit_of_work(session_factory) as s:
        done = receive_lines(s, po, {mug_line: 5}, actor=ACTOR, allow_over=True)
    assert (done.po_status, done.lines[0].over_received, done.lines[0].bin_code) == (
        "received",
        1,
        "R-1",
    )
    assert levels(session_factory, p.shop.mug) == {"A-01": 6, "R-1": 5}
    with unit_of_work(session_factory, write=False) as s:
        events = list_events(s, entity_type="purchase_order", entity_id=po)
    assert events[1].summary == "Received 10 unit(s) on 2 line(s) of PO-000001"
    assert_doctor_clean(session_factory)


def test_undo_receipt_restores_levels_and_received_quantity(session_factory):
    p = build_purchasing(session_factory)
    po = ordered_po(session_factory, p, mug=3, cap=1)
    with unit_of_work(session_factory) as s:
        receive_scan(s, po, MUG_GTIN, quantity=3, actor=ACTOR)
        cap = receive_scan(s, po, CAP_UPC, actor=ACTOR)
        assert cap.po_status == "received"
    with (
        pytest.raises(Conflict, match="undo the receipt on the purchase order"),
        unit_of_work(session_factory) as s,
    ):
        reverse_move(s, cap.move_id, actor=ACTOR)
    with unit_of_work(session_factory) as s:
        undone = undo_receipt(s, po, cap.move_id, actor=ACTOR)
    assert undone.po_status == "partially_received"
    with unit_of_work(session_factory) as s:
        with pytest.raises(Conflict, match=f"receipt move #{cap.move_id} was already undone"):
            undo_receipt(s, po, cap.move_id, actor=ACTOR)
        detail = get_purchase_order(s, po)
        assert [(x.sku, x.received) for x in detail.lines] == [("MUG-1", 3), ("CAP-1", 0)]
        assert detail.received_at is None
        receipts = list_receipts(s, po)
        assert [(r.sku, r.undone) for r in receipts] == [("CAP-1", True), ("MUG-1", False)]
        reversal = s.get(StockMove, undone.reversal_move_id)
        assert (reversal.reason, reversal.reverses_move_id, reversal.reference) == (
            "reversal",
            cap.move_id,
            "PO-000001",
        )
        # Once received goods were put away, the receipt cannot be pulled out of R-1.
        putaway(s, p.shop.mug, p.receiving, p.shop.a1, 2, actor=ACTOR)
    mug_move = receipts[1].move_id
    with (
        pytest.raises(OutOfStock, match="cannot undo the receipt of 3 × MUG-1 into R-1"),
        unit_of_work(session_factory) as s,
    ):
        undo_receipt(s, po, mug_move, actor=ACTOR)
    with (
        pytest.raises(ValidationError, match="R-1 is a receiving bin"),
        unit_of_work(session_factory) as s,
    ):
        putaway(s, p.shop.mug, p.shop.a1, p.receiving, 2, actor=ACTOR)
    assert levels(session_factory, p.shop.cap) == {}
    assert_doctor_clean(session_factory)


def test_undo_everything_returns_po_to_ordered(session_factory):
    p = build_purchasing(session_factory)
    po = ordered_po(session_factory, p, mug=2, cap=1)
    with unit_of_work(session_factory) as s:
        move = receive_scan(s, po, MUG_GTIN, quantity=2, actor=ACTOR).move_id
    with unit_of_work(session_factory) as s:
        assert undo_receipt(s, po, move, actor=ACTOR).po_status == "ordered"
        with pytest.raises(Conflict, match="is not a receipt on PO-000001"):
            undo_receipt(s, po, move + 1, actor=ACTOR)  # the reversal itself
        cancel_purchase_order(s, po, actor=ACTOR)  # nothing received any more
    assert levels(session_factory, p.shop.mug) == {}
    assert_doctor_clean(session_factory)


def test_putaway_from_receiving_to_storage(session_factory):
    p = build_purchasing(session_factory)
    po = ordered_po(session_factory, p, mug=6, cap=2)
    with unit_of_work(session_factory) as s:
        receive_scan(s, po, MUG_GTIN, quantity=6, actor=ACTOR)
        receive_scan(s, po, CAP_UPC, quantity=2, actor=ACTOR)
        set_default_bin(s, p.shop.mug, p.shop.main, p.shop.a2, actor=ACTOR)
    with unit_of_work(session_factory, write=False) as s:
        waiting = list_awaiting_putaway(s, p.shop.main)
    assert [(r.sku, r.bin_code, r.on_hand, r.default_bin_code) for r in waiting] == [
        ("CAP-1", "R-1", 2, None),
        ("MUG-1", "R-1", 6, "A-02"),
    ]
    with unit_of_work(session_factory) as s:
        to_default = putaway(s, p.shop.mug, p.receiving, None, 4, actor=ACTOR)
        assert (to_default.to_bin_code, to_default.changes.stock) == ("A-02", True)
        putaway(s, p.shop.mug, p.receiving, p.shop.a1, 2, actor=ACTOR)
        with pytest.raises(ValidationError, match="CAP-1 has no default bin at MAIN"):
            putaway(s, p.shop.cap, p.receiving, None, 1, actor=ACTOR)
        with pytest.raises(ValidationError, match="Q-1 is a quarantine bin"):
            putaway(s, p.shop.cap, p.receiving, p.shop.quarantine, 1, actor=ACTOR)
        with pytest.raises(ValidationError, match="another location"):
            putaway(s, p.shop.cap, p.receiving, p.shop.store_shelf, 1, actor=ACTOR)
        with pytest.raises(OutOfStock, match="bin R-1 holds 2 of CAP-1, cannot take 3"):
            putaway(s, p.shop.cap, p.receiving, p.shop.a1, 3, actor=ACTOR)
        events = list_events(s, entity_type="product", entity_id=p.shop.mug, limit=2)
    assert [e.action for e in events] == ["stock.transfer", "stock.transfer"]
    assert levels(session_factory, p.shop.mug) == {"A-01": 2, "A-02": 4}
    with unit_of_work(session_factory, write=False) as s:
        assert [r.sku for r in list_awaiting_putaway(s)] == ["CAP-1"]
        notes = {m.note for m in s.query(StockMove).filter(StockMove.reason == "transfer")}
    assert notes == {"putaway"}
    assert_doctor_clean(session_factory)


def test_a_confirmed_over_receipt_survives_a_deadlock_retry(session_factory):
    """The station's confirmation (the same code scanned twice) is kept when the database
    aborts the receipt to break a deadlock, so write_retrying's second run still receives the
    unit instead of asking for the confirmation again."""
    from sqlalchemy import event
    from sqlalchemy.exc import OperationalError

    from app.uow import write_retrying

    p = build_purchasing(session_factory)
    po = ordered_po(session_factory, p, mug=2, cap=1)
    with unit_of_work(session_factory) as s:
        receive_scan(s, po, MUG_GTIN, quantity=2, actor=ACTOR)
    scanner = ReceivingScanner(po)
    with pytest.raises(OverReceipt), unit_of_work(session_factory) as s:
        scanner.scan(s, MUG_GTIN, actor=ACTOR)  # over the order: asks for confirmation
    engine = session_factory.kw["bind"]
    aborted = []

    class _Deadlock(Exception):
        sqlstate = "40P01"

    def deadlock_once(conn, cursor, statement, params, context, executemany):
        if statement.startswith("INSERT INTO stock_move") and not aborted:
            aborted.append(True)
            raise OperationalError(statement, params, _Deadlock())

    event.listen(engine, "before_cursor_execute", deadlock_once)
    try:
        result = write_retrying(session_factory, lambda s: scanner.scan(s, MUG_GTIN, actor=ACTOR))
    finally:
        event.remove(engine, "before_cursor_execute", deadlock_once)
    assert aborted and result.over_received == 1
