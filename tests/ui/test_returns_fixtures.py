"""Builders shared by the returns UI tests (this module holds no tests)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt

from app.inventory.dto import ProductInput
from app.inventory.ledger import receive_stock
from app.inventory.locations import create_bin, create_location
from app.inventory.products import create_product, get_product, set_default_bin
from app.orders.address import Address
from app.orders.dto import LineInput, OrderInput
from app.orders.queries import get_order
from app.orders.services import create_order
from app.returns.dto import ReturnLineInput
from app.returns.queries import get_return
from app.returns.services import create_return
from app.shipping.services import complete_packing, ship_shipment, start_packing, verify_item
from app.uow import unit_of_work

ACTOR = "clerk"
UPS = "1Z999AA10123456784"
MUG_GTIN = "4006381333931"
ADDRESS = Address("Zoë Łukasiewicz", "1 Main St", "Austin", "73301", "US", "TX")


@dataclass
class Shop:
    main: int
    shelf: int  # MAIN/A-01, the mug's default bin
    overflow: int  # MAIN/B-01
    quarantine: int  # MAIN/Q-1
    mug: int  # MUG-1, $12.00, GTIN 4006381333931
    cap: int  # CAP-1, $8.00, no default bin


def build_shop(session_factory) -> Shop:
    """MAIN with bins A-01, B-01 and quarantine Q-1; 10 mugs and 10 caps on A-01."""
    with unit_of_work(session_factory) as s:
        main = create_location(s, code="MAIN", name="Main", actor=ACTOR).id
        shelf = create_bin(s, location_id=main, code="A-01", actor=ACTOR).id
        overflow = create_bin(s, location_id=main, code="B-01", actor=ACTOR).id
        quarantine = create_bin(s, location_id=main, code="Q-1", kind="quarantine", actor=ACTOR).id
        mug = create_product(
            s,
            ProductInput(sku="MUG-1", name="Enamel Camp Mug", gtin=MUG_GTIN, price_minor=1200),
            actor=ACTOR,
        ).id
        cap = create_product(
            s, ProductInput(sku="CAP-1", name="Wool Cap", price_minor=800), actor=ACTOR
        ).id
        for product in (mug, cap):
            receive_stock(s, product_id=product, bin_id=shelf, quantity=10, actor=ACTOR)
        set_default_bin(s, mug, main, shelf, actor=ACTOR)
    return Shop(main, shelf, overflow, quarantine, mug, cap)


def shipped_order(session_factory, *lines: tuple[int, int], ship: bool = True, **kwargs) -> int:
    """A paid order of (product id, quantity) lines, packed by scanning and shipped."""
    kwargs.setdefault("payment_status", "paid")
    kwargs.setdefault("email", "zoe@example.com")
    with unit_of_work(session_factory) as s:
        order_id = create_order(
            s,
            OrderInput(
                tuple(LineInput(product_id=p, quantity=q) for p, q in lines),
                ship_to=ADDRESS,
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


def order_number(session_factory, order_id: int) -> str:
    with unit_of_work(session_factory, write=False) as s:
        return get_order(s, order_id).number


def rma_for(
    session_factory, order_id: int, *quantities: tuple[int, int, str], authorize: bool = True
) -> tuple[int, str]:
    """An RMA on the order: (line index, quantity, reason) per line; returns (id, number)."""
    with unit_of_work(session_factory) as s:
        lines = get_order(s, order_id).lines
        saved = create_return(
            s,
            order_id,
            [ReturnLineInput(lines[i].id, q, reason) for i, q, reason in quantities],
            actor=ACTOR,
            authorize=authorize,
        )
    return saved.id, saved.number


def rma_view(session_factory, rma_id: int):
    with unit_of_work(session_factory, write=False) as s:
        return get_return(s, rma_id)


def figures(session_factory, product_id: int) -> tuple[int, int, int]:
    """(sellable on hand, quarantined, available) over all locations."""
    with unit_of_work(session_factory, write=False) as s:
        detail = get_product(s, product_id)
        quarantined = sum(loc.quarantined for loc in detail.locations)
        available = sum(loc.available for loc in detail.locations)
        on_hand = sum(loc.on_hand for loc in detail.locations)
    return on_hand, quarantined, available


def levels(session_factory, product_id: int) -> dict[str, int]:
    """Bin code → units on hand for a product (bins holding none left out)."""
    with unit_of_work(session_factory, write=False) as s:
        return {b.bin_code: b.on_hand for b in get_product(s, product_id).bins if b.on_hand}


def scan(qtbot, field, code: str) -> None:
    """What a USB scanner does: type the code, then Enter (ASCII only: keyClicks' limit)."""
    qtbot.keyClicks(field, code)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
