"""Small shop builders shared by inventory tests (real database, real services)."""

from __future__ import annotations

from dataclasses import dataclass

from app.inventory.dto import ProductInput
from app.inventory.ledger import receive_stock
from app.inventory.locations import create_bin, create_location
from app.inventory.products import create_product
from app.uow import unit_of_work
from db.models import OrderLine, SalesOrder

ACTOR = "tester"


@dataclass
class Shop:
    main: int
    store: int
    a1: int
    a2: int
    quarantine: int
    store_shelf: int
    mug: int
    cap: int


def build_shop(session_factory) -> Shop:
    with unit_of_work(session_factory) as s:
        main = create_location(s, code="main", name="Main warehouse", actor=ACTOR).id
        store = create_location(s, code="STORE", name="Shop floor", kind="store", actor=ACTOR).id
        a1 = create_bin(s, location_id=main, code="A-01", actor=ACTOR).id
        a2 = create_bin(s, location_id=main, code="A-02", actor=ACTOR).id
        quarantine = create_bin(s, location_id=main, code="Q-1", kind="quarantine", actor=ACTOR).id
        store_shelf = create_bin(s, location_id=store, code="S-1", actor=ACTOR).id
        mug = create_product(
            s,
            ProductInput(sku="MUG-1", name="Enamel Camp Mug 350 ml", gtin="4006381333931"),
            actor=ACTOR,
        ).id
        cap = create_product(
            s,
            ProductInput(sku="CAP-1", name="Merino Wool Beanie — Zoë edition", gtin="036000291452"),
            actor=ACTOR,
        ).id
    return Shop(main, store, a1, a2, quarantine, store_shelf, mug, cap)


def stock(session_factory, product_id: int, bin_id: int, quantity: int) -> None:
    with unit_of_work(session_factory) as s:
        receive_stock(
            s,
            product_id=product_id,
            bin_id=bin_id,
            quantity=quantity,
            actor=ACTOR,
            reference="OPENING",
        )


def order_line(session_factory, product_id: int, quantity: int, number: str = "SO-1") -> int:
    with unit_of_work(session_factory) as s:
        order = SalesOrder(number=number, status="open")
        s.add(order)
        s.flush()
        line = OrderLine(
            order_id=order.id,
            line_no=1,
            product_id=product_id,
            sku="x",
            name="x",
            quantity=quantity,
        )
        s.add(line)
        s.flush()
        return line.id
