"""The inventory table's pages: keyset paging, sort, search, low stock, per-location figures."""

from __future__ import annotations

from itertools import chain

from app.inventory.dto import ProductInput
from app.inventory.products import create_product, set_archived
from app.inventory.queries import ProductFilter, list_product_page
from app.inventory.reservations import reserve_stock
from app.uow import unit_of_work
from tests.app.inventory_fixtures import ACTOR, build_shop, order_line, stock


def flat(pages: list[list[str]]) -> list[str]:
    return list(chain.from_iterable(pages))


def _all_pages(session_factory, filt: ProductFilter, limit: int) -> list[list[str]]:
    pages, after = [], None
    with unit_of_work(session_factory, write=False) as s:
        while True:
            page = list_product_page(s, filt, after=after, limit=limit)
            pages.append([r.sku for r in page.rows])
            if page.next_after is None:
                return pages
            after = page.next_after


def test_keyset_pages_cover_everything_once(session_factory):
    with unit_of_work(session_factory) as s:
        for i in range(23):
            create_product(
                s, ProductInput(sku=f"P-{i:03d}", name=f"Widget {22 - i:02d}"), actor=ACTOR
            )
    pages = _all_pages(session_factory, ProductFilter(), limit=10)
    assert [len(p) for p in pages] == [10, 10, 3]
    assert flat(pages) == [f"P-{i:03d}" for i in range(23)]
    by_name = flat(_all_pages(session_factory, ProductFilter(sort="name"), limit=7))
    assert by_name == [f"P-{i:03d}" for i in reversed(range(23))]
    desc = flat(_all_pages(session_factory, ProductFilter(descending=True), limit=6))
    assert desc == [f"P-{i:03d}" for i in reversed(range(23))]


def test_search_pages_and_archived(session_factory):
    with unit_of_work(session_factory) as s:
        ids = [
            create_product(s, ProductInput(sku=f"MUG-{i}", name=f"Camp mug {i}"), actor=ACTOR).id
            for i in range(9)
        ]
        create_product(s, ProductInput(sku="CAP-1", name="Beanie"), actor=ACTOR)
        set_archived(s, ids[0], True, actor=ACTOR)
    pages = _all_pages(session_factory, ProductFilter(search="camp"), limit=3)
    assert flat(pages) == [f"MUG-{i}" for i in range(1, 9)]
    with_archived = _all_pages(
        session_factory, ProductFilter(search="camp", include_archived=True), limit=4
    )
    assert flat(with_archived)[0] == "MUG-0"


def test_figures_per_location_and_low_stock(session_factory):
    shop = build_shop(session_factory)
    with unit_of_work(session_factory) as s:
        from app.inventory.products import update_product

        update_product(
            s, shop.mug, ProductInput(sku="MUG-1", name="Mug", reorder_point=5), actor=ACTOR
        )
        update_product(
            s, shop.cap, ProductInput(sku="CAP-1", name="Cap", reorder_point=2), actor=ACTOR
        )
    stock(session_factory, shop.mug, shop.a1, 8)
    stock(session_factory, shop.mug, shop.quarantine, 3)
    stock(session_factory, shop.mug, shop.store_shelf, 2)
    stock(session_factory, shop.cap, shop.a1, 9)
    line = order_line(session_factory, shop.mug, 4)
    with unit_of_work(session_factory) as s:
        reserve_stock(s, line, shop.main, 4)
        rows = {r.sku: r for r in list_product_page(s, ProductFilter()).rows}
        main_only = {
            r.sku: r for r in list_product_page(s, ProductFilter(location_id=shop.main)).rows
        }
        low = [r.sku for r in list_product_page(s, ProductFilter(low_stock_only=True)).rows]
        low_main = [
            r.sku
            for r in list_product_page(
                s, ProductFilter(low_stock_only=True, location_id=shop.main)
            ).rows
        ]
    mug = rows["MUG-1"]
    assert (mug.on_hand, mug.quarantined, mug.reserved, mug.available) == (10, 3, 4, 6)
    assert {loc.location_code: (loc.on_hand, loc.reserved) for loc in mug.locations} == {
        "MAIN": (8, 4),
        "STORE": (2, 0),
    }
    assert not mug.low
    assert (main_only["MUG-1"].available, main_only["MUG-1"].low) == (4, True)
    assert low == []
    assert low_main == ["MUG-1"]
