"""Inventory services against a real database: catalog, scan codes, bins, ledger, search."""

from __future__ import annotations

import pytest

from app.audit import list_events
from app.doctor import run_doctor
from app.errors import Conflict, OutOfStock, ValidationError
from app.inventory.dto import ProductInput
from app.inventory.gtin import gtin_kind, normalize_gtin
from app.inventory.ledger import (
    adjust_stock,
    list_moves,
    reverse_move,
    scrap_stock,
    transfer_stock,
)
from app.inventory.locations import create_bin, find_bin, list_bins, update_bin
from app.inventory.products import (
    add_scan_code,
    create_product,
    find_product_by_code,
    get_product,
    set_archived,
    set_default_bin,
    update_product,
)
from app.inventory.reservations import consume_reservation
from app.inventory.search import fts_query, search_product_ids
from app.uow import unit_of_work
from db.models import StockMove
from tests.app.inventory_fixtures import ACTOR, build_shop, order_line, stock


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("4006381333931", "EAN-13"),
        ("036000291452", "UPC-A"),
        ("96385074", "EAN-8"),
        ("4006-3813 33931", "EAN-13"),
        ("10012345678902", "GTIN-14"),
    ],
)
def test_valid_gtins(code, kind):
    assert gtin_kind(code) == kind


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (
            "4006381333932",
            "EAN-13 4006381333932 has a wrong check digit: 2, expected 1 (4006381333931)",
        ),
        ("036000291453", "UPC-A 036000291453 has a wrong check digit: 3, expected 2"),
        ("96385075", "EAN-8 96385075 has a wrong check digit: 5, expected 4"),
        ("12345", "has 5 digits"),
        ("40063813339A1", "digits only"),
    ],
)
def test_typo_gtins_are_refused_with_expected_digit(code, message):
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        normalize_gtin(code)


def test_create_edit_archive_product(session_factory):
    shop = build_shop(session_factory)
    with unit_of_work(session_factory) as s:
        saved = update_product(
            s,
            shop.mug,
            ProductInput(sku="MUG-1", name="Enamel Mug  Blue", price_minor=1299, weight_g=310),
            actor=ACTOR,
        )
        assert saved.changes.products
        set_archived(s, shop.mug, True, actor=ACTOR)
    with unit_of_work(session_factory, write=False) as s:
        detail = get_product(s, shop.mug)
        events = list_events(s, entity_type="product", entity_id=shop.mug)
    assert (detail.name, detail.price_minor, detail.gtin, detail.archived) == (
        "Enamel Mug Blue",
        1299,
        None,
        True,
    )
    assert [e.action for e in events] == ["product.archive", "product.update", "product.create"]
    assert events[1].details["price_minor"] == {"old": 0, "new": 1299}


@pytest.mark.parametrize(
    ("data", "error", "field"),
    [
        (ProductInput(sku="mug-1", name="Dup"), "SKU mug-1 is already used by product MUG-1", None),
        (
            ProductInput(sku="NEW", name="Dup", gtin="0036000291452"),
            "GTIN 0036000291452 already scans to product CAP-1",
            None,
        ),
        (ProductInput(sku="NEW", name="x", gtin="4006381333932"), "expected 1", "gtin"),
        (ProductInput(sku="", name="x"), "SKU is required", "sku"),
        (ProductInput(sku="A B", name="x"), "without spaces", "sku"),
        (ProductInput(sku="NEW", name="  "), "name is required", "name"),
        (ProductInput(sku="NEW", name="x", price_minor=-5), "price minor must be", "price_minor"),
    ],
)
def test_bad_products_are_refused(session_factory, data, error, field):
    build_shop(session_factory)
    with (
        pytest.raises((ValidationError, Conflict), match=error) as info,
        unit_of_work(session_factory) as s,
    ):
        create_product(s, data, actor=ACTOR)
    if field:
        assert info.value.field == field


def test_scan_codes_resolve_to_products(session_factory):
    shop = build_shop(session_factory)
    with unit_of_work(session_factory) as s:
        add_scan_code(s, shop.mug, "SUPPLIER-778", actor=ACTOR)
        with pytest.raises(Conflict, match="already scans to product MUG-1"):
            add_scan_code(s, shop.cap, "SUPPLIER-778", actor=ACTOR)
    with unit_of_work(session_factory, write=False) as s:
        assert find_product_by_code(s, "4006381333931").matched_by == "gtin"
        assert find_product_by_code(s, "0036000291452").id == shop.cap  # UPC-A read as EAN-13
        assert find_product_by_code(s, "SUPPLIER-778").matched_by == "code"
        assert find_product_by_code(s, "cap-1").id == shop.cap
        assert find_product_by_code(s, "NOPE") is None
        assert get_product(s, shop.mug).scan_codes == ("SUPPLIER-778",)


def test_bins_keep_walk_order_and_unique_codes(session_factory):
    shop = build_shop(session_factory)
    with unit_of_work(session_factory) as s:
        later = create_bin(s, location_id=shop.main, code="b-05", actor=ACTOR).id
        first = create_bin(s, location_id=shop.main, code="A-00", walk_sequence=1, actor=ACTOR).id
        with pytest.raises(Conflict, match="bin A-01 already exists at MAIN"):
            create_bin(s, location_id=shop.main, code="a-01", actor=ACTOR)
        assert find_bin(s, "b-05").id == later
    with unit_of_work(session_factory, write=False) as s:
        codes = [b.code for b in list_bins(s, shop.main)]
    assert codes == ["A-00", "A-01", "A-02", "Q-1", "B-05"]
    assert first


def test_ledger_moves_levels_and_reversals(session_factory):
    shop = build_shop(session_factory)
    stock(session_factory, shop.mug, shop.a1, 10)
    with unit_of_work(session_factory) as s:
        transfer_stock(
            s,
            product_id=shop.mug,
            from_bin_id=shop.a1,
            to_bin_id=shop.store_shelf,
            quantity=4,
            actor=ACTOR,
        )
        adjust = adjust_stock(
            s, product_id=shop.mug, bin_id=shop.a1, delta=-1, note="dropped", actor=ACTOR
        )
        scrap_stock(s, product_id=shop.mug, bin_id=shop.a1, quantity=2, note="chipped", actor=ACTOR)
    with unit_of_work(session_factory) as s:
        reversal = reverse_move(s, adjust.move_ids[0], actor=ACTOR)
    with unit_of_work(session_factory, write=False) as s:
        detail = get_product(s, shop.mug)
        moves = list_moves(s, product_id=shop.mug)
        assert run_doctor(s).ok
    by_bin = {b.bin_code: b.on_hand for b in detail.bins}
    assert by_bin == {"A-01": 4, "S-1": 4}
    assert [m.reason for m in moves] == ["reversal", "scrap", "adjust", "transfer", "receive"]
    assert moves[2].reversed_by_move_id == reversal.move_ids[0]
    assert moves[0].to_bin == "MAIN/A-01"
    with pytest.raises(Conflict, match="already reversed"), unit_of_work(session_factory) as s:
        reverse_move(s, adjust.move_ids[0], actor=ACTOR)


def test_cannot_take_more_than_a_bin_holds(session_factory):
    shop = build_shop(session_factory)
    stock(session_factory, shop.mug, shop.a1, 3)
    with (
        pytest.raises(OutOfStock, match="bin A-01 holds 3 of MUG-1, cannot take 5"),
        unit_of_work(session_factory) as s,
    ):
        transfer_stock(
            s, product_id=shop.mug, from_bin_id=shop.a1, to_bin_id=shop.a2, quantity=5, actor=ACTOR
        )
    with pytest.raises(ValidationError, match="say why"), unit_of_work(session_factory) as s:
        adjust_stock(s, product_id=shop.mug, bin_id=shop.a1, delta=1, note=" ", actor=ACTOR)
    with unit_of_work(session_factory, write=False) as s:
        assert get_product(s, shop.mug).on_hand == 3
        assert s.query(StockMove).count() == 1


def test_reserved_stock_cannot_leave_the_location(session_factory):
    shop = build_shop(session_factory)
    stock(session_factory, shop.mug, shop.a1, 5)
    line = order_line(session_factory, shop.mug, 4)
    from app.inventory.reservations import reserve_stock

    with unit_of_work(session_factory) as s:
        reserve_stock(s, line, shop.main, 4)
    with unit_of_work(session_factory) as s:  # within the location is fine
        transfer_stock(
            s, product_id=shop.mug, from_bin_id=shop.a1, to_bin_id=shop.a2, quantity=5, actor=ACTOR
        )
    with (
        pytest.raises(OutOfStock, match="only 1 of MUG-1 at this location are not reserved"),
        unit_of_work(session_factory) as s,
    ):
        transfer_stock(
            s,
            product_id=shop.mug,
            from_bin_id=shop.a2,
            to_bin_id=shop.store_shelf,
            quantity=2,
            actor=ACTOR,
        )
    with pytest.raises(OutOfStock), unit_of_work(session_factory) as s:
        transfer_stock(
            s,
            product_id=shop.mug,
            from_bin_id=shop.a2,
            to_bin_id=shop.quarantine,
            quantity=2,
            actor=ACTOR,
        )


def test_consume_takes_default_bin_then_walk_order(session_factory):
    shop = build_shop(session_factory)
    stock(session_factory, shop.mug, shop.a1, 2)
    stock(session_factory, shop.mug, shop.a2, 5)
    line = order_line(session_factory, shop.mug, 4)
    from app.inventory.reservations import reserve_stock

    with unit_of_work(session_factory) as s:
        set_default_bin(s, shop.mug, shop.main, shop.a2, actor=ACTOR)
        reserve_stock(s, line, shop.main, 4)
        consumed = consume_reservation(s, line, 4, reference="SH-000001", actor=ACTOR)
    assert consumed.bins == ((shop.a2, 4),)
    with unit_of_work(session_factory) as s:
        set_default_bin(s, shop.mug, shop.main, None, actor=ACTOR)
    line2 = order_line(session_factory, shop.mug, 3, number="SO-2")
    with unit_of_work(session_factory) as s:
        reserve_stock(s, line2, shop.main, 3)
        consumed = consume_reservation(s, line2, 3, reference="SH-000002", actor=ACTOR)
        # No shipment documents exist in this test, so only the stock checks must be clean.
        assert [f for f in run_doctor(s).findings if f.check != "order lines"] == []
    assert consumed.bins == ((shop.a1, 2), (shop.a2, 1))


def test_search_prefix_accents_paging_and_updates(session_factory):
    shop = build_shop(session_factory)
    with unit_of_work(session_factory) as s:
        for i in range(5):
            create_product(
                s, ProductInput(sku=f"MUG-{i + 10}", name=f"Travel mug {i}"), actor=ACTOR
            )
    with unit_of_work(session_factory, write=False) as s:
        assert search_product_ids(s, "beanie zoe") == [shop.cap]
        assert search_product_ids(s, "mer wo") == [shop.cap]
        assert search_product_ids(s, "400638") == [shop.mug]
        mugs = search_product_ids(s, "mug")
        assert len(mugs) == 6 and mugs == sorted(mugs)
        assert search_product_ids(s, "mug", limit=4, after_id=mugs[1]) == mugs[2:6]
        assert search_product_ids(s, "MUG-1") == [shop.mug, *mugs[1:]]
        assert search_product_ids(s, "  ") == []
    with unit_of_work(session_factory) as s:
        update_product(s, shop.mug, ProductInput(sku="CUP-1", name="Espresso cup"), actor=ACTOR)
        set_archived(s, shop.cap, True, actor=ACTOR)
    with unit_of_work(session_factory, write=False) as s:
        assert search_product_ids(s, "espresso") == [shop.mug]
        assert shop.mug not in search_product_ids(s, "enamel")
        assert search_product_ids(s, "beanie") == []
        assert search_product_ids(s, "beanie", include_archived=True) == [shop.cap]


def test_fts_query_quotes_words():
    assert fts_query('merino "bea') == '"merino"* "bea"*'
    assert fts_query("NL-100") == '"nl"* "100"*'
    assert fts_query("--") is None


def test_deactivating_a_bin_with_stock_is_refused(session_factory):
    shop = build_shop(session_factory)
    stock(session_factory, shop.mug, shop.a1, 1)
    with pytest.raises(Conflict, match="still holds stock"), unit_of_work(session_factory) as s:
        update_bin(s, shop.a1, active=False, actor=ACTOR)
    with unit_of_work(session_factory) as s:
        update_bin(s, shop.a2, active=False, walk_sequence=99, actor=ACTOR)
        assert [b.code for b in list_bins(s, shop.main)] == ["A-01", "Q-1"]
