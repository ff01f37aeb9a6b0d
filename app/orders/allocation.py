"""Allocation: choose the fulfilment location by rules and reserve stock for an order's lines.

Rules, in order: a pickup order is served by its store; an order that already holds stock
somewhere stays there; otherwise a location that can ship the whole order wins, the customer's
nearest first (same region, then same country), warehouses before stores; when none can ship it
all, the location covering the most units (then the nearest) takes what it can and the rest is
reported as shortfalls.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.inventory.reservations import reserve_stock
from app.orders.dto import AllocationResult, Shortfall
from db.enums import BinKind, LocationKind
from db.models import Bin, Location, OrderLine, Product, Reservation, SalesOrder, StockLevel


def availability(session: Session, product_ids: list[int]) -> dict[tuple[int, int], int]:
    """Available (sellable on hand − reserved) per (product_id, location_id)."""
    if not product_ids:
        return {}
    result: dict[tuple[int, int], int] = defaultdict(int)
    on_hand = (
        select(StockLevel.product_id, Bin.location_id, func.sum(StockLevel.on_hand))
        .join(Bin, Bin.id == StockLevel.bin_id)
        .where(StockLevel.product_id.in_(product_ids), Bin.kind != BinKind.QUARANTINE)
        .group_by(StockLevel.product_id, Bin.location_id)
    )
    for product_id, location_id, qty in session.execute(on_hand):
        result[(product_id, location_id)] += int(qty or 0)
    reserved = (
        select(Reservation.product_id, Reservation.location_id, func.sum(Reservation.quantity))
        .where(Reservation.product_id.in_(product_ids))
        .group_by(Reservation.product_id, Reservation.location_id)
    )
    for product_id, location_id, qty in session.execute(reserved):
        result[(product_id, location_id)] -= int(qty or 0)
    return result


def _proximity(location: Location, order: SalesOrder) -> int:
    if not order.ship_country or location.country != order.ship_country:
        return 0
    if order.ship_region and location.region and location.region == order.ship_region:
        return 2
    return 1


def choose_location(
    session: Session, order: SalesOrder, needs: dict[int, int], backorder: set[int]
) -> int | None:
    """The location to fulfil `needs` ({product_id: units}) from, by the module's rules."""
    if order.delivery_method == "pickup" and order.pickup_location_id:
        return order.pickup_location_id
    if order.fulfil_location_id is not None:
        return order.fulfil_location_id
    locations = list(session.scalars(select(Location).where(Location.active.is_(True))))
    if not locations:
        return None
    available = availability(session, list(needs))

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
    products = {p.id: p for p in session.scalars(select(Product).where(Product.id.in_(needs)))}
    backorder = {pid for pid, p in products.items() if p.allow_backorder}
    location_id = choose_location(session, order, dict(needs), backorder)
    if location_id is None:
        shortfalls = tuple(
            Shortfall(line.line_no, line.sku, line.quantity - line.allocated - line.shipped, 0)
            for line in lines
            if line.quantity - line.allocated - line.shipped > 0
        )
        return AllocationResult(order.id, order.number, None, 0, shortfalls)
    order.fulfil_location_id = location_id
    available = availability(session, list(needs))
    allocated, shortfalls = 0, []
    for line in lines:
        need = line.quantity - line.allocated - line.shipped
        if need <= 0:
            continue
        have = available.get((line.product_id, location_id), 0)
        take = need if line.product_id in backorder else max(min(need, have), 0)
        if take > 0:
            reserve_stock(session, line.id, location_id, take)
            available[(line.product_id, location_id)] = have - take
            allocated += take
        if take < need:
            shortfalls.append(Shortfall(line.line_no, line.sku, need, max(have, 0)))
    location = session.get(Location, location_id)
    return AllocationResult(order.id, order.number, location.code, allocated, tuple(shortfalls))
