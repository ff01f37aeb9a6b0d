"""Reservations: stock held for order lines at a location (reserve, release, consume on ship).

These are building blocks for the order and shipping commands, which audit the whole step; they
never commit. available = sellable on hand − reserved, and never goes below zero unless the
product allows backorders. Concurrent writers are serialised by the write lock (SQLite
BEGIN IMMEDIATE) or the product row locks (PostgreSQL), so two allocations for the last unit
cannot both succeed. Every function works on many lines at once with a fixed number of
statements, so a five-line order costs little more than a one-line order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import (
    bindparam,
    delete,
    func,
    insert,
    select,
    union_all,
    update,
)
from sqlalchemy.orm import Session

from app.errors import NotFound, OutOfStock, ValidationError
from app.inventory.ledger import BIN_LOCATION, LOCK_PRODUCTS, MoveSpec, post_moves
from app.uow import core_connection, expire_loaded
from db.enums import BinKind, MoveReason
from db.models import (
    Bin,
    Location,
    OrderLine,
    ProductBinDefault,
    Reservation,
    StockLevel,
)
from db.types import utcnow


@dataclass(frozen=True, slots=True)
class Consumed:
    """Units taken from bins for shipped order lines (the moves carry the reference)."""

    bins: tuple[tuple[int, int], ...]  # (bin_id, quantity), in the order taken


_RESERVATION = Reservation.__table__
_LINE = OrderLine.__table__

# Built once (allocation and shipping run these for every order): expanding IN parameters,
# executed on the connection without the ORM's per-call work.
_ON_HAND_BY_LOCATION = (
    select(StockLevel.product_id, Bin.location_id, func.sum(StockLevel.on_hand))
    .join(Bin, Bin.id == StockLevel.bin_id)
    .where(
        StockLevel.product_id.in_(bindparam("products", expanding=True)),
        Bin.kind != BinKind.QUARANTINE,
    )
    .group_by(StockLevel.product_id, Bin.location_id)
)
_RESERVED_BY_LOCATION = (
    select(Reservation.product_id, Reservation.location_id, -func.sum(Reservation.quantity))
    .where(Reservation.product_id.in_(bindparam("products", expanding=True)))
    .group_by(Reservation.product_id, Reservation.location_id)
)
# One statement: on hand per location, then reserved (negative) per location.
_AVAILABLE = union_all(_ON_HAND_BY_LOCATION, _RESERVED_BY_LOCATION)
_AVAILABLE_AT = union_all(
    _ON_HAND_BY_LOCATION.where(BIN_LOCATION.in_(bindparam("locations", expanding=True))),
    _RESERVED_BY_LOCATION.where(
        Reservation.location_id.in_(bindparam("locations", expanding=True))
    ),
)
# Sellable stock in walk order, each bin flagged when it is the product's default there.
_PICKABLE_STOCK = (
    select(
        StockLevel.product_id,
        Bin.location_id,
        StockLevel.bin_id,
        StockLevel.on_hand,
        ProductBinDefault.bin_id.is_not(None),
    )
    .join(Bin, Bin.id == StockLevel.bin_id)
    .outerjoin(
        ProductBinDefault,
        (ProductBinDefault.product_id == StockLevel.product_id)
        & (ProductBinDefault.location_id == Bin.location_id)
        & (ProductBinDefault.bin_id == StockLevel.bin_id),
    )
    .where(
        StockLevel.product_id.in_(bindparam("products", expanding=True)),
        BIN_LOCATION.in_(bindparam("locations", expanding=True)),
        Bin.kind != BinKind.QUARANTINE,
        StockLevel.on_hand > 0,
    )
    .order_by(Bin.walk_sequence, Bin.code)
)


def availability(
    session: Session, product_ids: Iterable[int], location_ids: Iterable[int] | None = None
) -> dict[tuple[int, int], int]:
    """Available (sellable on hand − reserved) per (product_id, location_id); one query."""
    product_ids = list(set(product_ids))
    if not product_ids:
        return {}
    result: dict[tuple[int, int], int] = defaultdict(int)
    params: dict[str, list[int]] = {"products": product_ids}
    statement = _AVAILABLE
    if location_ids is not None:
        params["locations"] = list(set(location_ids))
        statement = _AVAILABLE_AT
    for product_id, location_id, qty in core_connection(session).execute(statement, params):
        result[(product_id, location_id)] += int(qty or 0)
    return result


_NEW_RESERVATIONS = insert(Reservation.__table__)
# What deciding a line's reservation reads of it (allocation reads the same).
LINE_NEED_COLUMNS = (
    OrderLine.id,
    OrderLine.line_no,
    OrderLine.sku,
    OrderLine.product_id,
    OrderLine.quantity,
    OrderLine.allocated,
    OrderLine.shipped,
)
_RESERVE_LINES = select(*LINE_NEED_COLUMNS).where(
    OrderLine.id.in_(bindparam("ids", expanding=True))
)
_EXISTING_RESERVATIONS = select(
    Reservation.id, Reservation.order_line_id, Reservation.location_id
).where(Reservation.order_line_id.in_(bindparam("ids", expanding=True)))
_ADD_RESERVED = (
    update(_RESERVATION)
    .where(_RESERVATION.c.id == bindparam("rid"))
    .values(quantity=_RESERVATION.c.quantity + bindparam("qty"))
)
_ALLOCATE_LINE = (
    update(_LINE)
    .where(_LINE.c.id == bindparam("lid"))
    .values(allocated=_LINE.c.allocated + bindparam("qty"))
)


def reserve_lines(session: Session, items: Sequence[tuple[int, int, int]]) -> int:
    """Hold units for lines: items are (order_line_id, location_id, quantity). Raises
    OutOfStock naming the product and location when any of them is short (nothing is held).
    Prebuilt statements on the connection (allocation runs this for every order); order lines
    and reservations already loaded in the session are expired so they read the new figures."""
    if not items:
        return 0
    conn = core_connection(session)
    wanted: dict[int, int] = defaultdict(int)
    for line_id, _location, quantity in items:
        if quantity <= 0:
            raise ValidationError("quantity to reserve must be above 0", field="quantity")
        wanted[line_id] += quantity
    lines = {row.id: row for row in conn.execute(_RESERVE_LINES, {"ids": list(wanted)})}
    for line_id in wanted:
        if line_id not in lines:
            raise NotFound(f"order line #{line_id} does not exist")
    for line_id, quantity in wanted.items():
        line = lines[line_id]
        if line.product_id is None:
            raise ValidationError(
                f"line {line.line_no} ({line.sku}) is not linked to a product; "
                "link it before allocating",
                field="product_id",
            )
        if line.allocated + line.shipped + quantity > line.quantity:
            raise ValidationError(
                f"line {line.line_no} needs only "
                f"{line.quantity - line.allocated - line.shipped} more",
                field="quantity",
            )
    # Row locks serialise allocations of the same products on PostgreSQL.
    products = {
        pid: (sku, backorder)
        for pid, sku, backorder in conn.execute(
            LOCK_PRODUCTS, {"ids": list({line.product_id for line in lines.values()})}
        )
    }
    need: dict[tuple[int, int], int] = defaultdict(int)
    for line_id, location_id, quantity in items:
        need[(lines[line_id].product_id, location_id)] += quantity
    available = availability(session, (p for p, _ in need), (loc for _, loc in need))
    for (product_id, location_id), quantity in need.items():
        sku, backorder = products[product_id]
        have = available.get((product_id, location_id), 0)
        if have < quantity and not backorder:
            code = session.scalar(select(Location.code).where(Location.id == location_id))
            raise OutOfStock(
                f"only {max(have, 0)} of {sku} available at {code or location_id}, need {quantity}"
            )
    hold_units(
        session,
        [
            (line_id, lines[line_id].product_id, location_id, qty)
            for line_id, location_id, qty in items
        ],
    )
    return sum(quantity for _, _, quantity in items)


def hold_units(session: Session, items: Sequence[tuple[int, int, int, int]]) -> None:
    """Write reservations already checked: items are (order_line_id, product_id, location_id,
    quantity) that the caller has validated against the lines and against availability read
    under the product lock in this transaction (reserve_lines does both; allocation too).
    Adds to a line's reservation at that location or makes one; raises the lines' allocated."""
    if not items:
        return
    conn = core_connection(session)
    wanted: dict[int, int] = defaultdict(int)
    for line_id, _product, _location, quantity in items:
        wanted[line_id] += quantity
    existing = {
        (line_id, location_id): rid
        for rid, line_id, location_id in conn.execute(_EXISTING_RESERVATIONS, {"ids": list(wanted)})
    }
    added: dict[int, int] = defaultdict(int)
    new_rows: dict[tuple[int, int], dict] = {}
    now = utcnow()
    for line_id, product_id, location_id, quantity in items:
        rid = existing.get((line_id, location_id))
        if rid is not None:
            added[rid] += quantity
        elif (line_id, location_id) in new_rows:
            new_rows[(line_id, location_id)]["quantity"] += quantity
        else:
            new_rows[(line_id, location_id)] = {
                "order_line_id": line_id,
                "product_id": product_id,
                "location_id": location_id,
                "quantity": quantity,
                "created_at": now,
            }
    if added:
        conn.execute(_ADD_RESERVED, [{"rid": rid, "qty": qty} for rid, qty in added.items()])
    if new_rows:
        conn.execute(_NEW_RESERVATIONS, list(new_rows.values()))
    conn.execute(_ALLOCATE_LINE, [{"lid": lid, "qty": qty} for lid, qty in wanted.items()])
    expire_loaded(session, OrderLine, wanted, ("allocated",))
    expire_loaded(session, Reservation, added, ("quantity",))


def lock_products(session: Session, product_ids) -> None:
    """Take the products' row locks before reading their availability (PostgreSQL: concurrent
    allocations of the same products queue here). SQLite has one writer already: no read."""
    conn = core_connection(session)
    if conn.dialect.name != "sqlite":
        conn.execute(LOCK_PRODUCTS, {"ids": sorted(set(product_ids))}).all()


def reserve_stock(session: Session, order_line_id: int, location_id: int, quantity: int) -> int:
    """Hold `quantity` more units for one line at the location; raises OutOfStock if short."""
    return reserve_lines(session, [(order_line_id, location_id, quantity)])


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


def plan_picks(
    session: Session, wants: Sequence[tuple[int, int, int]]
) -> list[list[tuple[int, int]]]:
    """For each (product_id, location_id, quantity): where to take it, as [(bin_id, qty)] —
    the product's default bin first, then bins in walk order. Raises OutOfStock when the
    location's sellable bins hold too little. Several wants for one product share its bins."""
    if not wants:
        return []
    params = {
        "products": list({p for p, _, _ in wants}),
        "locations": list({loc for _, loc, _ in wants}),
    }
    stock: dict[tuple[int, int], list[list]] = defaultdict(list)
    for product_id, location_id, bin_id, on_hand, default in core_connection(session).execute(
        _PICKABLE_STOCK, params
    ):
        stock[(product_id, location_id)].append([bin_id, on_hand, default])
    for rows in stock.values():
        rows.sort(key=lambda row: not row[2])  # stable: the default bin, then walk order
    plans = []
    for product_id, location_id, quantity in wants:
        plan, remaining = [], quantity
        for row in stock[(product_id, location_id)]:
            if remaining <= 0:
                break
            take = min(row[1], remaining)
            if take > 0:
                plan.append((row[0], take))
                row[1] -= take
                remaining -= take
        if remaining > 0:
            raise OutOfStock(
                f"only {quantity - remaining} on hand at this location, need {quantity}"
            )
        plans.append(plan)
    return plans


def pick_bins(
    session: Session, product_id: int, location_id: int, quantity: int
) -> list[tuple[int, int]]:
    """Where to take `quantity` units of one product (see plan_picks)."""
    return plan_picks(session, [(product_id, location_id, quantity)])[0]


# The lines with their reservations, oldest first (a row per reservation; NULLs when none).
_CONSUME_LINES = (
    select(
        OrderLine.id,
        OrderLine.line_no,
        OrderLine.product_id,
        OrderLine.allocated,
        Reservation.id,
        Reservation.location_id,
        Reservation.quantity,
    )
    .outerjoin(Reservation, Reservation.order_line_id == OrderLine.id)
    .where(OrderLine.id.in_(bindparam("ids", expanding=True)))
    .order_by(Reservation.id)
)
_TAKE_RESERVED = (
    update(_RESERVATION)
    .where(_RESERVATION.c.id == bindparam("rid"))
    .values(quantity=_RESERVATION.c.quantity - bindparam("take"))
)
_DROP_RESERVATIONS = delete(_RESERVATION).where(
    _RESERVATION.c.id.in_(bindparam("ids", expanding=True))
)
_SHIP_LINE = (
    update(_LINE)
    .where(_LINE.c.id == bindparam("lid"))
    .values(
        allocated=_LINE.c.allocated - bindparam("qty"),
        shipped=_LINE.c.shipped + bindparam("qty"),
    )
)


class _Line(NamedTuple):
    line_no: int
    product_id: int
    allocated: int


def consume_lines(
    session: Session,
    items: Sequence[tuple[int, int]],
    *,
    reference: str,
    actor: str,
    bin_id: int | None = None,
) -> Consumed:
    """Ship reserved units: items are (order_line_id, quantity). Ship moves take the units out
    of bins (from `bin_id` when given, else default bin then walk order); reservations and
    `allocated` go down, `shipped` goes up. A fixed number of prebuilt statements for any line
    count (shipping runs this for every parcel); order lines and reservations already loaded
    in the session are expired so they read the new figures."""
    if not items:
        return Consumed(())
    conn = core_connection(session)
    wanted = list({line_id for line_id, _ in items})
    lines = {}
    reservations: dict[int, list[list[int]]] = defaultdict(list)  # line → [[id, loc, qty]]
    for line_id, line_no, product_id, allocated, rid, location_id, quantity in conn.execute(
        _CONSUME_LINES, {"ids": wanted}
    ):
        lines[line_id] = _Line(line_no, product_id, allocated)
        if rid is not None:
            reservations[line_id].append([rid, location_id, quantity])
    for line_id in wanted:
        if line_id not in lines:
            raise NotFound(f"order line #{line_id} does not exist")
    takes: list[tuple[int, int, int, int]] = []  # (product_id, reservation, location, take)
    for line_id, quantity in items:
        line = lines[line_id]
        if quantity <= 0 or quantity > line.allocated:
            raise ValidationError(
                f"line {line.line_no} has {line.allocated} reserved; cannot ship {quantity}",
                field="quantity",
            )
        remaining = quantity
        for held in reservations[line_id]:
            if remaining <= 0:
                break
            take = min(remaining, held[2])
            if take > 0:
                takes.append((line.product_id, held[0], held[1], take))
                held[2] -= take
                remaining -= take
    if bin_id is not None:
        plans = [[(bin_id, take)] for *_rest, take in takes]
    else:
        plans = plan_picks(session, [(product, loc, take) for product, _r, loc, take in takes])
    specs, used = [], []
    for (product_id, _rid, _loc, _take), plan in zip(takes, plans, strict=True):
        for from_bin, qty in plan:
            specs.append(
                MoveSpec(
                    product_id, qty, MoveReason.SHIP, from_bin_id=from_bin, reference=reference
                )
            )
            used.append((from_bin, qty))
    post_moves(session, specs, actor=actor, protect_reservations=False, want_ids=False)
    # A reservation used up goes (its quantity must stay above 0); the rest shrink.
    left = {held[0]: held[2] for rows in reservations.values() for held in rows}
    taken: dict[int, int] = defaultdict(int)
    for _product, rid, _loc, take in takes:
        taken[rid] += take
    emptied = [rid for rid in taken if left[rid] == 0]
    shrunk = [{"rid": rid, "take": take} for rid, take in taken.items() if left[rid] > 0]
    if emptied:
        conn.execute(_DROP_RESERVATIONS, {"ids": emptied})
    if shrunk:
        conn.execute(_TAKE_RESERVED, shrunk)
    shipped: dict[int, int] = defaultdict(int)
    for line_id, quantity in items:
        shipped[line_id] += quantity
    conn.execute(_SHIP_LINE, [{"lid": lid, "qty": qty} for lid, qty in shipped.items()])
    expire_loaded(session, OrderLine, shipped, ("allocated", "shipped"))
    expire_loaded(session, Reservation, [row["rid"] for row in shrunk], ("quantity",))
    expire_loaded(session, Reservation, emptied, None)
    return Consumed(tuple(used))


def consume_reservation(
    session: Session,
    order_line_id: int,
    quantity: int,
    *,
    reference: str,
    actor: str,
    bin_id: int | None = None,
) -> Consumed:
    """Ship `quantity` reserved units of one line (see consume_lines)."""
    return consume_lines(
        session, [(order_line_id, quantity)], reference=reference, actor=actor, bin_id=bin_id
    )
