"""The small fixed shop the report tests (app and UI) compute their expected figures from."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.inventory.dto import ProductInput
from app.inventory.ledger import receive_stock
from app.inventory.locations import create_bin, create_location
from app.inventory.products import create_product
from app.orders.address import Address
from app.orders.dto import LineInput, OrderInput
from app.orders.services import cancel_order, create_order
from db.models import Channel, Shipment

ACTOR = "owner"
ADDRESS = Address("Ann", "1 Main St", "Austin", "73301", "US", "TX")
DAY1 = datetime(2026, 3, 2, 10, tzinfo=UTC)
DAY2 = datetime(2026, 3, 3, 15, tzinfo=UTC)


def build_report_shop(s) -> dict:
    """In the caller's session. Mug 10.00 (cost 4.00, reorder point 50), cap 25.00 (cost
    10.00), lamp 50.00 (cost 30.00, never sold); A-01 holds 20 mugs, 10 caps, 2 lamps; 3 mugs
    in quarantine. Orders: SO-1 day 1 manual 2 mugs + 1 cap + 5.00 shipping = 50.00 (SH-1 left
    day 2 16:00, +30 h); SO-2 day 1 web 1 mug 10.00; SO-3 day 2 web 3 caps 75.00 (SH-2 left day
    2 20:00, +5 h); SO-4 day 2 manual 1 mug, cancelled. Returns the ids and `make(lines, placed,
    channel=None, **kw)` for more orders."""
    main = create_location(s, code="MAIN", name="Main", actor=ACTOR).id
    shelf = create_bin(s, location_id=main, code="A-01", actor=ACTOR).id
    q = create_bin(s, location_id=main, code="Q-1", kind="quarantine", actor=ACTOR).id
    mug = create_product(
        s,
        ProductInput(sku="MUG", name="Mug", price_minor=1000, cost_minor=400, reorder_point=50),
        actor=ACTOR,
    ).id
    cap = create_product(
        s, ProductInput(sku="CAP", name="Cap", price_minor=2500, cost_minor=1000), actor=ACTOR
    ).id
    lamp = create_product(
        s, ProductInput(sku="LAMP", name="Lamp", price_minor=5000, cost_minor=3000), actor=ACTOR
    ).id
    for product, qty in ((mug, 20), (cap, 10), (lamp, 2)):
        receive_stock(s, product_id=product, bin_id=shelf, quantity=qty, actor=ACTOR)
    receive_stock(s, product_id=mug, bin_id=q, quantity=3, actor=ACTOR)
    web = Channel(kind="shopify", name="Web")
    s.add(web)
    s.flush()

    def make(lines, placed, channel=None, **kw):
        return create_order(
            s,
            OrderInput(
                tuple(LineInput(product_id=p, quantity=n) for p, n in lines),
                ship_to=ADDRESS,
                placed_at=placed,
                channel_id=channel,
                external_id=f"x{placed}{lines}" if channel else None,
                **kw,
            ),
            actor=ACTOR,
        ).id

    o1 = make([(mug, 2), (cap, 1)], DAY1, shipping_minor=500)
    o2 = make([(mug, 1)], DAY1, web.id)
    o3 = make([(cap, 3)], DAY2, web.id)
    o4 = make([(mug, 1)], DAY2)
    cancel_order(s, o4, reason="duplicate", actor=ACTOR)
    sh1 = Shipment(
        number="SH-1", order_id=o1, status="shipped", created_at=DAY1,
        shipped_at=DAY1 + timedelta(hours=30),
    )  # fmt: skip
    sh2 = Shipment(
        number="SH-2", order_id=o3, status="shipped", created_at=DAY2,
        shipped_at=DAY2 + timedelta(hours=5),
    )  # fmt: skip
    s.add_all([sh1, sh2])
    s.flush()
    return {
        "web": web.id, "mug": mug, "cap": cap, "lamp": lamp, "o1": o1, "o2": o2, "o3": o3,
        "sh1": sh1.id, "sh2": sh2.id, "make": make,
    }  # fmt: skip
