"""Builders shared by the purchasing and stock count UI tests (this module holds no tests)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt

from app.inventory.dto import ProductInput
from app.inventory.locations import create_bin
from app.inventory.products import create_product, get_product, update_product
from app.purchasing.dto import POLineInput, SupplierInput
from app.purchasing.orders import create_purchase_order, get_purchase_order, mark_ordered
from app.purchasing.suppliers import create_supplier
from app.uow import unit_of_work
from tests.app.inventory_fixtures import ACTOR, Shop, build_shop

MUG_GTIN = "4006381333931"
CAP_UPC = "036000291452"


@dataclass
class Data:
    shop: Shop
    acme: int
    receiving: int  # MAIN/R-1, a receiving bin
    tee: int


def build_data(session_factory) -> Data:
    """MAIN (bins A-01, A-02, Q-1, R-1) and STORE; MUG-1 from Acme at 2.50, CAP-1, TEE-1."""
    shop = build_shop(session_factory)
    with unit_of_work(session_factory) as s:
        acme = create_supplier(s, SupplierInput("Acme Enamel", lead_time_days=5), actor=ACTOR).id
        receiving = create_bin(
            s, location_id=shop.main, code="R-1", kind="receiving", actor=ACTOR
        ).id
        update_product(
            s,
            shop.mug,
            ProductInput(
                sku="MUG-1",
                name="Enamel Camp Mug 350 ml",
                gtin=MUG_GTIN,
                cost_minor=250,
                supplier_id=acme,
            ),
            actor=ACTOR,
        )
        tee = create_product(s, ProductInput(sku="TEE-1", name="Organic T-shirt"), actor=ACTOR).id
    return Data(shop, acme, receiving, tee)


def ordered_po(session_factory, data: Data, mug: int = 10, cap: int = 4) -> tuple[int, str]:
    """An ordered PO from Acme to receive at MAIN: (id, number)."""
    with unit_of_work(session_factory) as s:
        po = create_purchase_order(
            s,
            data.acme,
            data.shop.main,
            [POLineInput(data.shop.mug, mug), POLineInput(data.shop.cap, cap, unit_cost_minor=99)],
            actor=ACTOR,
        )
        mark_ordered(s, po.id, actor=ACTOR)
    return po.id, po.number


def po_lines(session_factory, po_id: int) -> dict[str, tuple[int, int]]:
    """SKU → (ordered, received)."""
    with unit_of_work(session_factory, write=False) as s:
        return {x.sku: (x.ordered, x.received) for x in get_purchase_order(s, po_id).lines}


def po_status(session_factory, po_id: int) -> str:
    with unit_of_work(session_factory, write=False) as s:
        return get_purchase_order(s, po_id).status


def levels(session_factory, product_id: int) -> dict[str, int]:
    """Bin code → units on hand for a product (bins holding none left out)."""
    with unit_of_work(session_factory, write=False) as s:
        return {b.bin_code: b.on_hand for b in get_product(s, product_id).bins if b.on_hand}


def scan(qtbot, field, code: str) -> None:
    """What a USB scanner does: type the code, then Enter."""
    qtbot.keyClicks(field, code)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
