"""Reservations: stock held for order lines at a location (reserve, release, consume on ship).

These are building blocks for the order and shipping commands, which audit the whole step; they
never commit. available = sellable on hand − reserved, and never goes below zero unless the
product allows backorders. Concurrent writers are serialised by the write lock (SQLite
BEGIN IMMEDIATE) or the product row lock (PostgreSQL), so two allocations for the last unit
cannot both succeed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.errors import NotFound, OutOfStock, ValidationError
from app.inventory.ledger import available_at, load_product, post_move
from db.enums import BinKind, MoveReason
from db.models import Bin, Location, OrderLine, ProductBinDefault, Reservation, StockLevel


@dataclass(frozen=True, slots=True)
class Consumed:
    """Units taken from bins for a shipped order line."""

    move_ids: tuple[int, ...]
    bins: tuple[tuple[int, int], ...]  # (bin_id, quantity)


def _line(session: Session, order_line_id: int) -> OrderLine:
    line = session.get(OrderLine, order_line_id)
    if line is None:
        raise NotFound(f"order line #{order_line_id} does not exist")
    if line.product_id is None:
        raise ValidationError(
            f"line {line.line_no} ({line.sku}) is not linked to a product; "
            "link it before allocating",
            field="product_id",
        )
    return line


def reserve_stock(session: Session, order_line_id: int, location_id: int, quantity: int) -> int:
    """Hold `quantity` more units for the line at the location; raises OutOfStock if short."""
    if quantity <= 0:
        raise ValidationError("quantity to reserve must be above 0", field="quantity")
    line = _line(session, order_line_id)
    if line.allocated + line.shipped + quantity > line.quantity:
        raise ValidationError(
            f"line {line.line_no} needs only {line.quantity - line.allocated - line.shipped} more",
            field="quantity",
        )
    product = load_product(session, line.product_id, lock=True)
    available = available_at(session, product.id, location_id)
    if available < quantity and not product.allow_backorder:
        location = session.get(Location, location_id)
        raise OutOfStock(
            f"only {max(available, 0)} of {product.sku} available at "
            f"{location.code if location else location_id}, need {quantity}"
        )
    updated = session.execute(
        update(Reservation)
        .where(Reservation.order_line_id == line.id, Reservation.location_id == location_id)
        .values(quantity=Reservation.quantity + quantity)
    )
    if updated.rowcount != 1:
        session.add(
            Reservation(
                order_line_id=line.id,
                product_id=product.id,
                location_id=location_id,
                quantity=quantity,
            )
        )
    line.allocated += quantity
    session.flush()
    return quantity


def release_reservation(session: Session, order_line_id: int, quantity: int | None = None) -> int:
    """Give back reserved units of a line (all of them by default); returns how many."""
    line = session.get(OrderLine, order_line_id)
    if line is None:
        raise NotFound(f"order line #{order_line_id} does not exist")
    remaining = line.allocated if quantity is None else min(quantity, line.allocated)
    released = 0
    for reservation in session.scalars(
        select(Reservation)
        .where(Reservation.order_line_id == order_line_id)
        .order_by(Reservation.id.desc())
    ):
        if remaining <= 0:
            break
        take = min(remaining, reservation.quantity)
        if take == reservation.quantity:
            session.delete(reservation)
        else:
            reservation.quantity -= take
        remaining -= take
        released += take
    line.allocated -= released
    session.flush()
    return released


def pick_bins(
    session: Session, product_id: int, location_id: int, quantity: int
) -> list[tuple[int, int]]:
    """Where to take `quantity` units: the default bin first, then bins in walk order."""
    default_bin = session.scalar(
        select(ProductBinDefault.bin_id).where(
            ProductBinDefault.product_id == product_id, ProductBinDefault.location_id == location_id
        )
    )
    rows = session.execute(
        select(StockLevel.bin_id, StockLevel.on_hand)
        .join(Bin, Bin.id == StockLevel.bin_id)
        .where(
            StockLevel.product_id == product_id,
            Bin.location_id == location_id,
            Bin.kind != BinKind.QUARANTINE,
            StockLevel.on_hand > 0,
        )
        .order_by(Bin.walk_sequence, Bin.code)
    ).all()
    rows.sort(key=lambda r: r[0] != default_bin)  # stable: default first, then walk order
    plan, remaining = [], quantity
    for bin_id, on_hand in rows:
        if remaining <= 0:
            break
        take = min(on_hand, remaining)
        plan.append((bin_id, take))
        remaining -= take
    if remaining > 0:
        raise OutOfStock(f"only {quantity - remaining} on hand at this location, need {quantity}")
    return plan


def consume_reservation(
    session: Session,
    order_line_id: int,
    quantity: int,
    *,
    reference: str,
    actor: str,
    bin_id: int | None = None,
) -> Consumed:
    """Ship `quantity` reserved units of the line: ship moves out of bins, reservation and
    `allocated` down, `shipped` up. Takes from `bin_id` when given, else default/walk order."""
    line = _line(session, order_line_id)
    if quantity <= 0 or quantity > line.allocated:
        raise ValidationError(
            f"line {line.line_no} has {line.allocated} reserved; cannot ship {quantity}",
            field="quantity",
        )
    reservations = list(
        session.scalars(
            select(Reservation).where(Reservation.order_line_id == line.id).order_by(Reservation.id)
        )
    )
    move_ids, used, remaining = [], [], quantity
    for reservation in reservations:
        if remaining <= 0:
            break
        take = min(remaining, reservation.quantity)
        plan = (
            [(bin_id, take)]
            if bin_id is not None
            else pick_bins(session, line.product_id, reservation.location_id, take)
        )
        for from_bin, qty in plan:
            move_ids.append(
                post_move(
                    session,
                    product_id=line.product_id,
                    quantity=qty,
                    reason=MoveReason.SHIP,
                    from_bin_id=from_bin,
                    reference=reference,
                    actor=actor,
                    protect_reservations=False,
                )
            )
            used.append((from_bin, qty))
        if take == reservation.quantity:
            session.delete(reservation)
        else:
            reservation.quantity -= take
        remaining -= take
    line.allocated -= quantity
    line.shipped += quantity
    session.flush()
    return Consumed(tuple(move_ids), tuple(used))
