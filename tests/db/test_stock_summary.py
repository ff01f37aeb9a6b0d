"""The product_stock summary follows every change to stock levels and bin kinds, exactly.

`exercise_stock_summary` is also run on PostgreSQL (tests/db/test_postgres.py).
"""

from __future__ import annotations

from sqlalchemy import delete, select, update

from app.uow import unit_of_work
from db.models import Bin, Location, Product, ProductStock, StockLevel
from db.stock_summary import stock_summary_problems


def exercise_stock_summary(factory) -> None:
    with unit_of_work(factory) as s:
        loc = Location(code="T-STOCK", name="Summary test")
        mug, cap = Product(sku="T-MUG", name="Mug"), Product(sku="T-CAP", name="Cap")
        s.add_all([loc, mug, cap])
        s.flush()
        shelf = Bin(location_id=loc.id, code="T-A1", kind="storage")
        dock = Bin(location_id=loc.id, code="T-RCV", kind="receiving")
        hold = Bin(location_id=loc.id, code="T-Q", kind="quarantine")
        s.add_all([shelf, dock, hold])
        s.flush()
        ids = {"mug": mug.id, "cap": cap.id, "shelf": shelf.id, "dock": dock.id, "hold": hold.id}

    def check(change, expected: dict[str, tuple[int, int]]) -> None:
        with unit_of_work(factory) as s:
            change(s)
        with unit_of_work(factory, write=False) as s:
            rows = {
                pid: (sellable, quarantined)
                for pid, sellable, quarantined in s.execute(
                    select(
                        ProductStock.product_id, ProductStock.sellable, ProductStock.quarantined
                    ).where(ProductStock.product_id.in_((ids["mug"], ids["cap"])))
                )
            }
            assert rows == {ids[name]: pair for name, pair in expected.items()}
            assert stock_summary_problems(s.connection()) == []

    def level(product, bin_, qty):
        return StockLevel(product_id=ids[product], bin_id=ids[bin_], on_hand=qty)

    check(
        lambda s: s.add_all(
            [level("mug", "shelf", 5), level("mug", "hold", 2), level("cap", "dock", 3)]
        ),
        {"mug": (5, 2), "cap": (3, 0)},
    )
    check(
        lambda s: s.execute(
            update(StockLevel)
            .where(StockLevel.product_id == ids["mug"], StockLevel.bin_id == ids["shelf"])
            .values(on_hand=9)
        ),
        {"mug": (9, 2), "cap": (3, 0)},
    )
    check(  # the whole receiving bin is moved to the shelf row by row: bin_id changes
        lambda s: s.execute(
            update(StockLevel).where(StockLevel.bin_id == ids["dock"]).values(bin_id=ids["shelf"])
        ),
        {"mug": (9, 2), "cap": (3, 0)},
    )
    check(
        lambda s: s.execute(update(Bin).where(Bin.id == ids["shelf"]).values(kind="quarantine")),
        {"mug": (0, 11), "cap": (0, 3)},
    )
    check(
        lambda s: s.execute(update(Bin).where(Bin.id == ids["hold"]).values(kind="receiving")),
        {"mug": (2, 9), "cap": (0, 3)},
    )
    check(  # storage ↔ receiving does not move anything
        lambda s: s.execute(update(Bin).where(Bin.id == ids["hold"]).values(kind="storage")),
        {"mug": (2, 9), "cap": (0, 3)},
    )
    check(
        lambda s: s.execute(delete(StockLevel).where(StockLevel.product_id == ids["cap"])),
        {"mug": (2, 9), "cap": (0, 0)},
    )


def test_stock_summary_follows_levels_and_bin_kinds(session_factory):
    exercise_stock_summary(session_factory)


def test_doctor_reports_stock_summary_out_of_step(session_factory):
    exercise_stock_summary(session_factory)
    with unit_of_work(session_factory) as s:
        s.execute(update(ProductStock).values(sellable=ProductStock.sellable + 1))
    with unit_of_work(session_factory, write=False) as s:
        problems = stock_summary_problems(s.connection())
    assert len(problems) == 2
    assert problems[0].startswith("stock summary for product #")
