"""Allocation: choose the fulfilment location by rules and reserve stock for an order's lines.

Rules, in order: a pickup order is served by its store; an order that already holds stock
somewhere stays there; otherwise a location that can ship the whole order wins, the customer's
nearest first (same region, then same country), warehouses before stores; when none can ship it
all, the location covering the most units (then the nearest) takes what it can and the rest is
reported as shortfalls.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.inventory.reservations import availability, reserve_lines
from app.orders.dto import AllocationResult, Shortfall
from db.enums import LocationKind
from db.models import Location, OrderLine, Product, SalesOrder


def _proximity(location: Location, order: SalesOrder) -> int:
    if not order.ship_country or location.country != order.ship_country:
        return 0
    if order.ship_region and location.region and location.region == order.ship_region:
        return 2
    return 1


def choose_location(
    session: Session,
    order: SalesOrder,
    needs: dict[int, int],
    backorder: set[int],
    available: dict[tuple[int, int], int],
) -> int | None:
    """The location to fulfil `needs` ({product_id: units}) from, by the module's rules;
    `available` is availability() for the needed products at every location."""
    if order.delivery_method == "pickup" and order.pickup_location_id:
        return order.pickup_location_id
    if order.fulfil_location_id is not None:
        return order.fulfil_location_id
    locations = list(session.scalars(select(Location).where(Location.active.is_(True))))
    if not locations:
        return None

    def covered(location: Location) -> int:
        return sum(
            min(max(available.get((pid, location.id), 0), 0), qty) if pid not in backorder else qty
            for pid, qty in needs.items()
        )

    total = sum(needs.values())

    def rank(location: Location) -> tuple:
        units = covered(location)
        return (
            units >= total,
            units,
            _proximity(location, order),
            location.kind == LocationKind.WAREHOUSE,
            [-ord(c) for c in location.code],
        )

    return max(locations, key=rank).id


def allocate(session: Session, order: SalesOrder) -> AllocationResult:
    """Reserve what each product line still needs at the chosen location (no audit here)."""
    lines = list(
        session.scalars(
            select(OrderLine)
            .where(OrderLine.order_id == order.id, OrderLine.product_id.is_not(None))
            .order_by(OrderLine.line_no)
        )
    )
    needs: dict[int, int] = defaultdict(int)
    for line in lines:
        need = line.quantity - line.allocated - line.shipped
        if need > 0:
            needs[line.product_id] += need
    if not needs:
        location = (
            session.get(Location, order.fulfil_location_id) if order.fulfil_location_id else None
        )
        return AllocationResult(order.id, order.number, location.code if location else None, 0, ())
    backorder = set(
        session.scalars(
            select(Product.id).where(Product.id.in_(needs), Product.allow_backorder.is_(True))
        )
    )
    available = availability(session, list(needs))
    location_id = choose_location(session, order, dict(needs), backorder, available)
    if location_id is None:
        shortfalls = tuple(
            Shortfall(line.line_no, line.sku, line.quantity - line.allocated - line.shipped, 0)
            for line in lines
            if line.quantity - line.allocated - line.shipped > 0
        )
        return AllocationResult(order.id, order.number, None, 0, shortfalls)
    order.fulfil_location_id = location_id
    allocated, shortfalls, reservations = 0, [], []
    for line in lines:
        need = line.quantity - line.allocated - line.shipped
        if need <= 0:
            continue
        have = available.get((line.product_id, location_id), 0)
        take = need if line.product_id in backorder else max(min(need, have), 0)
        if take > 0:
            reservations.append((line.id, location_id, take))
            available[(line.product_id, location_id)] = have - take
            allocated += take
        if take < need:
            shortfalls.append(Shortfall(line.line_no, line.sku, need, max(have, 0)))
    reserve_lines(session, reservations)
    location = session.get(Location, location_id)
    return AllocationResult(order.id, order.number, location.code, allocated, tuple(shortfalls))
