"""Cycle counts: scan a bin, then its items; differences; posting; refusing stale sheets."""

from __future__ import annotations

import pytest

from app.audit import list_events
from app.doctor import run_doctor
from app.errors import Conflict, NotFound, OutOfStock, UnknownBarcode, ValidationError
from app.inventory.counts import (
    CountDifference,
    count_differences,
    count_scan,
    post_count,
    set_counted,
    start_bin_count,
)
from app.inventory.dto import ProductInput
from app.inventory.ledger import list_moves, transfer_stock
from app.inventory.locations import create_bin
from app.inventory.products import create_product, get_product
from app.inventory.reservations import reserve_stock
from app.uow import unit_of_work
from db.models import StockMove
from tests.app.inventory_fixtures import ACTOR, build_shop, order_line, stock

MUG_GTIN = "4006381333931"
CAP_UPC = "036000291452"


def bin_levels(session_factory, product_id: int) -> dict[str, int]:
    with unit_of_work(session_factory, write=False) as s:
        return {b.bin_code: b.on_hand for b in get_product(s, product_id).bins}


def test_scan_bin_then_items_shows_differences_and_posts_count_moves(session_factory):
    shop = build_shop(session_factory)
    with unit_of_work(session_factory) as s:
        tee = create_product(s, ProductInput(sku="TEE-1", name="T-shirt"), actor=ACTOR).id
    stock(session_factory, shop.mug, shop.a1, 3)
    stock(session_factory, shop.cap, shop.a1, 2)
    stock(session_factory, shop.mug, shop.a2, 7)  # another bin: not part of this count
    with unit_of_work(session_factory, write=False) as s:
        sheet = start_bin_count(s, "a-01")  # a scanned bin code, any case
        assert (sheet.bin_code, sheet.location_code) == ("A-01", "MAIN")
        assert [(x.sku, x.expected, x.counted) for x in sheet.lines] == [
            ("CAP-1", 2, 0),
            ("MUG-1", 3, 0),
        ]
        for code in (MUG_GTIN, MUG_GTIN, MUG_GTIN, MUG_GTIN, "tee-1"):
            sheet = count_scan(sheet, s, code)
    # CAP-1 was never scanned: it counts as 0. TEE-1 was not expected: found stock.
    assert sheet.last_product_id == tee
    assert count_differences(sheet) == [
        CountDifference(shop.cap, "CAP-1", "Merino Wool Beanie — Zoë edition", 2, 0, -2),
        CountDifference(shop.mug, "MUG-1", "Enamel Camp Mug 350 ml", 3, 4, 1),
        CountDifference(tee, "TEE-1", "T-shirt", 0, 1, 1),
    ]
    assert len(count_differences(sheet, include_matching=True)) == 3
    with unit_of_work(session_factory) as s:
        result = post_count(s, sheet, actor=ACTOR, note="weekly count")
    assert (len(result.move_ids), result.changes.stock) == (3, True)
    assert bin_levels(session_factory, shop.mug) == {"A-01": 4, "A-02": 7}
    assert bin_levels(session_factory, shop.cap) == {}
    assert bin_levels(session_factory, tee) == {"A-01": 1}
    with unit_of_work(session_factory, write=False) as s:
        moves = s.query(StockMove).filter(StockMove.reason == "count").order_by(StockMove.id).all()
        assert [(m.product_id, m.quantity, m.from_bin_id, m.to_bin_id) for m in moves] == [
            (shop.cap, 2, shop.a1, None),
            (shop.mug, 1, None, shop.a1),
            (tee, 1, None, shop.a1),
        ]
        assert {m.note for m in moves} == {"weekly count"}
        events = list_events(s, entity_type="bin", entity_id=shop.a1, limit=1)
        assert events[0].action == "stock.count"
        assert events[0].summary == "Counted MAIN/A-01: CAP-1 -2, MUG-1 +1, TEE-1 +1"
        assert [d["counted"] for d in events[0].details["differences"]] == [0, 4, 1]
        assert run_doctor(s).findings == ()
        # A fresh count of the bin now expects what was counted.
        again = start_bin_count(s, shop.a1)
        assert [(x.sku, x.expected) for x in again.lines] == [("MUG-1", 4), ("TEE-1", 1)]


def test_second_post_or_stock_moved_meanwhile_is_refused(session_factory):
    shop = build_shop(session_factory)
    stock(session_factory, shop.mug, shop.a1, 5)
    with unit_of_work(session_factory, write=False) as s:
        sheet = set_counted(start_bin_count(s, shop.a1), shop.mug, 4)
    with unit_of_work(session_factory) as s:
        post_count(s, sheet, actor=ACTOR)
    with (
        pytest.raises(
            Conflict,
            match="stock in bin A-01 changed since the count started \\(MUG-1: was 5, now 4\\); "
            "start the count again",
        ),
        unit_of_work(session_factory) as s,
    ):
        post_count(s, sheet, actor=ACTOR)
    with unit_of_work(session_factory, write=False) as s:
        fresh = count_scan(start_bin_count(s, shop.a1), s, MUG_GTIN)
    with unit_of_work(session_factory) as s:  # someone picks from the bin mid-count
        transfer_stock(
            s, product_id=shop.mug, from_bin_id=shop.a1, to_bin_id=shop.a2, quantity=1, actor=ACTOR
        )
    with pytest.raises(Conflict, match="was 4, now 3"), unit_of_work(session_factory) as s:
        post_count(s, fresh, actor=ACTOR)
    stock(session_factory, shop.cap, shop.a1, 1)  # new stock arriving also makes a sheet stale
    with unit_of_work(session_factory, write=False) as s:
        sheet = start_bin_count(s, shop.a1)
    stock(session_factory, shop.cap, shop.a1, 1)
    with pytest.raises(Conflict, match="CAP-1: was 1, now 2"), unit_of_work(session_factory) as s:
        post_count(s, sheet, actor=ACTOR)
    assert bin_levels(session_factory, shop.mug) == {"A-01": 3, "A-02": 1}


def test_matching_count_posts_nothing(session_factory):
    shop = build_shop(session_factory)
    stock(session_factory, shop.mug, shop.a1, 2)
    with unit_of_work(session_factory) as s:
        sheet = start_bin_count(s, shop.a1)
        sheet = count_scan(sheet, s, MUG_GTIN, quantity=2)
        assert count_differences(sheet) == []
        result = post_count(s, sheet, actor=ACTOR)
        assert (result.move_ids, result.changes.empty) == ((), True)
        assert result.message == "A-01 matches: nothing to correct"
        assert len(list_moves(s, product_id=shop.mug)) == 1
        assert list_events(s, entity_type="bin", entity_id=shop.a1, limit=1)[0].action == (
            "bin.create"
        )


def test_unknown_codes_and_bad_input(session_factory):
    shop = build_shop(session_factory)
    with unit_of_work(session_factory) as s:
        create_bin(s, location_id=shop.store, code="A-01", actor=ACTOR)
    with unit_of_work(session_factory, write=False) as s:
        with pytest.raises(ValidationError, match="bin A-01 exists at several locations"):
            start_bin_count(s, "A-01")
        sheet = start_bin_count(s, "A-01", location_id=shop.main)
        assert sheet.bin_id == shop.a1
        with pytest.raises(NotFound, match="no bin Z-9"):
            start_bin_count(s, "Z-9")
        with pytest.raises(UnknownBarcode, match="unknown barcode '12345'"):
            count_scan(sheet, s, "12345")
        with pytest.raises(ValidationError, match="not on the count of A-01; scan it first"):
            set_counted(sheet, shop.cap, 3)
        sheet = count_scan(sheet, s, CAP_UPC)
        sheet = count_scan(set_counted(sheet, shop.cap, 5), s, CAP_UPC)
        assert sheet.line(shop.cap).counted == 6
        with pytest.raises(ValidationError, match="≥ 0"):
            set_counted(sheet, shop.cap, -1)


def test_shortfall_of_reserved_stock_is_refused(session_factory):
    shop = build_shop(session_factory)
    stock(session_factory, shop.mug, shop.a1, 3)
    line = order_line(session_factory, shop.mug, 3)
    with unit_of_work(session_factory) as s:
        reserve_stock(s, line, shop.main, 3)
        sheet = set_counted(start_bin_count(s, shop.a1), shop.mug, 1)
    with (
        pytest.raises(OutOfStock, match="MUG-1 counted 1 in A-01 \\(expected 3\\): only 0 of"),
        unit_of_work(session_factory) as s,
    ):
        post_count(s, sheet, actor=ACTOR)
    assert bin_levels(session_factory, shop.mug) == {"A-01": 3}
