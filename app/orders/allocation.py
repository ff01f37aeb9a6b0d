"""Allocation: choose the fulfilment location by rules and reserve stock for an order's lines.

Rules, in order: a pickup order is served by its store; an order that already holds stock
somewhere stays there; otherwise a location that can ship the whole order wins, the customer's
nearest first (same region, then same country), warehouses before stores; when none can ship it
all, the location covering the most units (then the nearest) takes what it can and the rest is
reported as shortfalls.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Protocol

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from app.inventory.reservations import (
    LINE_NEED_COLUMNS,
    availability,
    hold_units,
    lock_products,
)
from app.orders.dto import AllocationResult, Shortfall
from app.uow import core_connection, expire_loaded
from db.enums import LocationKind
from db.models import Location, OrderLine, Product, SalesOrder


class OrderToAllocate(Protocol):
    """What allocation reads of an order: a SalesOrder, or a row of ORDER_TO_ALLOCATE."""

    id: int
    number: str
    delivery_method: str
    pickup_location_id: int | None
    fulfil_location_id: int | None
    ship_country: str | None
    ship_region: str | None


# Built once and run on the connection: allocation runs for every order.
ORDER_TO_ALLOCATE = select(
    SalesOrder.id,
    SalesOrder.number,
    SalesOrder.status,
    SalesOrder.delivery_method,
    SalesOrder.pickup_location_id,
    SalesOrder.fulfil_location_id,
    SalesOrder.ship_country,
    SalesOrder.ship_region,
).where(SalesOrder.id == bindparam("order_id"))
_LINES = (
    select(*LINE_NEED_COLUMNS, Product.allow_backorder)
    .join(Product, Product.id == OrderLine.product_id)
    .where(OrderLine.order_id == bindparam("order_id"))
    .order_by(OrderLine.line_no)
)
_ACTIVE_LOCATIONS = select(
    Location.id, Location.code, Location.kind, Location.country, Location.region
).where(Location.active.is_(True))
_LOCATION_CODE = select(Location.code).where(Location.id == bindparam("location_id"))
_ORDER_TABLE = SalesOrder.__table__
_FULFIL_FROM = (
    update(_ORDER_TABLE)
    .where(_ORDER_TABLE.c.id == bindparam("order_id"))
    .values(fulfil_location_id=bindparam("location_id"))
)


def _proximity(location, order: OrderToAllocate) -> int:
    if not order.ship_country or location.country != order.ship_country:
        return 0
    if order.ship_region and location.region and location.region == order.ship_region:
        return 2
    return 1


def choose_location(
    session: Session,
    order: OrderToAllocate,
    needs: dict[int, int],
    backorder: set[int],
    available: dict[tuple[int, int], int],
) -> int | None:
    """The location to fulfil `needs` ({product_id: units}) from, by the module's rules;
    `available` is availability() for the needed products at every location."""
    return _choose(session, order, needs, backorder, available)[0]


def _choose(
    session: Session,
    order: OrderToAllocate,
    needs: dict[int, int],
    backorder: set[int],
    available: dict[tuple[int, int], int],
) -> tuple[int | None, str | None]:
    """choose_location's answer and, when the ranking read it, the location's code."""
    if order.delivery_method == "pickup" and order.pickup_location_id:
        return order.pickup_location_id, None
    if order.fulfil_location_id is not None:
        return order.fulfil_location_id, None
    locations = core_connection(session).execute(_ACTIVE_LOCATIONS).all()
    if not locations:
        return None, None

    def covered(location) -> int:
        return sum(
            min(max(available.get((pid, location.id), 0), 0), qty) if pid not in backorder else qty
            for pid, qty in needs.items()
        )

    total = sum(needs.values())

    def rank(location) -> tuple:
        units = covered(location)
        return (
            units >= total,
            units,
            _proximity(location, order),
            location.kind == LocationKind.WAREHOUSE,
            [-ord(c) for c in location.code],
        )

    best = max(locations, key=rank)
    return best.id, best.code


def allocate(session: Session, order: OrderToAllocate) -> AllocationResult:
    """Reserve what each product line still needs at the chosen location (no audit here).
    Prebuilt statements on the connection; a SalesOrder loaded in the session re-reads its
    fulfilment location."""
    conn = core_connection(session)
    lines = conn.execute(_LINES, {"order_id": order.id}).all()
    needs: dict[int, int] = defaultdict(int)
    backorder: set[int] = set()
    for line in lines:
        need = line.quantity - line.allocated - line.shipped
        if need > 0:
            needs[line.product_id] += need
            if line.allow_backorder:
                backorder.add(line.product_id)
    if not needs:
        code = (
            conn.execute(_LOCATION_CODE, {"location_id": order.fulfil_location_id}).scalar()
            if order.fulfil_location_id
            else None
        )
        return AllocationResult(order.id, order.number, code, 0, ())
    # Locked before availability is read, so what is read stays true until commit and the
    # reservations below need no second check (hold_units).
    lock_products(session, needs)
    available = availability(session, list(needs))
    location_id, code = _choose(session, order, dict(needs), backorder, available)
    if location_id is None:
        shortfalls = tuple(
            Shortfall(line.line_no, line.sku, line.quantity - line.allocated - line.shipped, 0)
            for line in lines
            if line.quantity - line.allocated - line.shipped > 0
        )
        return AllocationResult(order.id, order.number, None, 0, shortfalls)
    if order.fulfil_location_id != location_id:
        conn.execute(_FULFIL_FROM, {"order_id": order.id, "location_id": location_id})
        expire_loaded(session, SalesOrder, [order.id], ["fulfil_location_id", "updated_at"])
    allocated, shortfalls, reservations = 0, [], []
    for line in lines:
        need = line.quantity - line.allocated - line.shipped
        if need <= 0:
            continue
        have = available.get((line.product_id, location_id), 0)
        take = need if line.product_id in backorder else max(min(need, have), 0)
        if take > 0:
            reservations.append((line.id, line.product_id, location_id, take))
            available[(line.product_id, location_id)] = have - take
            allocated += take
        if take < need:
            shortfalls.append(Shortfall(line.line_no, line.sku, need, max(have, 0)))
    hold_units(session, reservations)
    if code is None:
        code = conn.execute(_LOCATION_CODE, {"location_id": location_id}).scalar()
    return AllocationResult(order.id, order.number, code, allocated, tuple(shortfalls))
