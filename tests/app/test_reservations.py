"""Reservations: availability rules, backorders, release, and two processes racing."""

from __future__ import annotations

import multiprocessing

import pytest

from app.errors import OutOfStock, ValidationError
from app.inventory.dto import ProductInput
from app.inventory.ledger import available_at
from app.inventory.products import update_product
from app.inventory.reservations import release_reservation, reserve_stock
from app.uow import unit_of_work
from db.models import OrderLine, Reservation
from tests.app.inventory_fixtures import ACTOR, build_shop, order_line, stock


def test_reserve_up_to_available_then_refuse(session_factory):
    shop = build_shop(session_factory)
    stock(session_factory, shop.mug, shop.a1, 3)
    stock(session_factory, shop.mug, shop.quarantine, 10)  # quarantined: not for sale
    first = order_line(session_factory, shop.mug, 2, "SO-1")
    second = order_line(session_factory, shop.mug, 2, "SO-2")
    with unit_of_work(session_factory) as s:
        reserve_stock(s, first, shop.main, 2)
    with (
        pytest.raises(OutOfStock, match="only 1 of MUG-1 available at MAIN, need 2"),
        unit_of_work(session_factory) as s,
    ):
        reserve_stock(s, second, shop.main, 2)
    with unit_of_work(session_factory) as s:
        assert available_at(s, shop.mug, shop.main) == 1
        assert s.get(OrderLine, second).allocated == 0
        with pytest.raises(ValidationError, match="needs only 0 more"):
            reserve_stock(s, first, shop.main, 1)


def test_backorder_products_may_go_below_zero(session_factory):
    shop = build_shop(session_factory)
    line = order_line(session_factory, shop.cap, 5)
    with unit_of_work(session_factory) as s:
        update_product(
            s, shop.cap, ProductInput(sku="CAP-1", name="Beanie", allow_backorder=True), actor=ACTOR
        )
        reserve_stock(s, line, shop.main, 5)
        assert available_at(s, shop.cap, shop.main) == -5


def test_release_gives_stock_back(session_factory):
    shop = build_shop(session_factory)
    stock(session_factory, shop.mug, shop.a1, 4)
    line = order_line(session_factory, shop.mug, 4)
    with unit_of_work(session_factory) as s:
        reserve_stock(s, line, shop.main, 3)
        reserve_stock(s, line, shop.main, 1)
        assert s.query(Reservation).one().quantity == 4
        assert release_reservation(s, line, 1) == 1
        assert available_at(s, shop.mug, shop.main) == 1
        assert release_reservation(s, line) == 3
        assert s.query(Reservation).count() == 0
        assert s.get(OrderLine, line).allocated == 0


def _race(db_url: str, line_id: int, location_id: int, barrier, results) -> None:
    from app.database import open_database
    from app.paths import resolve_paths

    db = open_database(resolve_paths(data_dir="/nonexistent-unused", db_url=db_url, env={}))
    try:
        barrier.wait(timeout=30)
        with unit_of_work(db.session_factory) as s:
            reserve_stock(s, line_id, location_id, 1)
        results.put("won")
    except OutOfStock as exc:
        results.put(f"refused: {exc}")
    finally:
        db.close()


@pytest.mark.slow
def test_two_processes_race_for_the_last_unit(session_factory, database):
    shop = build_shop(session_factory)
    stock(session_factory, shop.mug, shop.a1, 1)
    lines = [order_line(session_factory, shop.mug, 1, f"SO-{i}") for i in (1, 2)]
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    workers = [
        ctx.Process(target=_race, args=(database.url, line, shop.main, barrier, results))
        for line in lines
    ]
    for worker in workers:
        worker.start()
    outcomes = sorted(results.get(timeout=60) for _ in workers)
    for worker in workers:
        worker.join(timeout=30)
    assert outcomes[0] == "refused: only 0 of MUG-1 available at MAIN, need 1"
    assert outcomes[1] == "won"
    with unit_of_work(session_factory, write=False) as s:
        assert s.query(Reservation).count() == 1
        assert available_at(s, shop.mug, shop.main) == 0
