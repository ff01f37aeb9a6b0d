"""Report queries: each is one or two grouped SQL statements returning small frozen rows.

Dates are UTC days; the UI shows them as the owner's local dates. Cancelled and draft orders
never count as sales. Money is in minor units of the order's currency; shops that sell in
several currencies get one row per currency.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.orm import Session

from app.settings import get_setting
from db.enums import BinKind, MailStatus, OrderStatus, OutboxStatus
from db.models import (
    Bin,
    Channel,
    MailMessage,
    OrderLine,
    OutboxMessage,
    Product,
    Reservation,
    SalesOrder,
    Shipment,
    StockLevel,
    SyncRun,
)
from db.types import utcnow

NOT_SALES = (OrderStatus.DRAFT, OrderStatus.CANCELLED)
TO_PICK = (OrderStatus.OPEN, OrderStatus.PARTIALLY_SHIPPED)


@dataclass(frozen=True, slots=True)
class ReportFilter:
    date_from: date | None = None  # inclusive, UTC day
    date_to: date | None = None  # inclusive, UTC day
    channel_id: int | None = None
    manual_only: bool = False

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        start = (
            datetime.combine(self.date_from, datetime.min.time(), UTC) if self.date_from else None
        )
        end = (
            datetime.combine(self.date_to + timedelta(days=1), datetime.min.time(), UTC)
            if self.date_to
            else None
        )
        return start, end


def _orders_in(filt: ReportFilter, column=SalesOrder.placed_at):
    start, end = filt.bounds()
    conditions = [SalesOrder.status.not_in(NOT_SALES)]
    if start is not None:
        conditions.append(column >= start)
    if end is not None:
        conditions.append(column < end)
    if filt.channel_id is not None:
        conditions.append(SalesOrder.channel_id == filt.channel_id)
    if filt.manual_only:
        conditions.append(SalesOrder.channel_id.is_(None))
    return and_(*conditions)


# ------------------------------------------------------------------------------------- sales


@dataclass(frozen=True, slots=True)
class SalesRow:
    day: str  # YYYY-MM-DD (UTC)
    channel: str
    currency: str
    orders: int
    units: int
    revenue_minor: int


def sales_by_day(session: Session, filt: ReportFilter) -> list[SalesRow]:
    """Orders, units and revenue (order totals) per day and channel."""
    # Correlated per order: only the range's orders have their lines summed (via the covering
    # order_line(order_id, …) index), not every line in the database.
    units = (
        select(func.sum(OrderLine.quantity))
        .where(OrderLine.order_id == SalesOrder.id)
        .correlate(SalesOrder)
        .scalar_subquery()
    )
    day = func.date(SalesOrder.placed_at)
    channel = func.coalesce(Channel.name, literal("Manual"))
    query = (
        select(
            day,
            channel,
            SalesOrder.currency,
            func.count(SalesOrder.id),
            func.coalesce(func.sum(units), 0),
            func.sum(SalesOrder.total_minor),
        )
        .outerjoin(Channel, Channel.id == SalesOrder.channel_id)
        .where(_orders_in(filt))
        .group_by(day, channel, SalesOrder.currency)
        .order_by(day, channel)
    )
    return [
        SalesRow(str(d), c, cur, n, int(u), int(r or 0))
        for d, c, cur, n, u, r in session.execute(query)
    ]


@dataclass(frozen=True, slots=True)
class ChannelSales:
    channel: str
    currency: str
    orders: int
    revenue_minor: int
    average_minor: int


def sales_by_channel(session: Session, filt: ReportFilter) -> list[ChannelSales]:
    channel = func.coalesce(Channel.name, literal("Manual"))
    query = (
        select(
            channel,
            SalesOrder.currency,
            func.count(SalesOrder.id),
            func.sum(SalesOrder.total_minor),
        )
        .outerjoin(Channel, Channel.id == SalesOrder.channel_id)
        .where(_orders_in(filt))
        .group_by(channel, SalesOrder.currency)
        .order_by(func.sum(SalesOrder.total_minor).desc())
    )
    return [
        ChannelSales(c, cur, n, int(r or 0), int((r or 0) // n) if n else 0)
        for c, cur, n, r in session.execute(query)
    ]


@dataclass(frozen=True, slots=True)
class ProductSales:
    product_id: int | None
    sku: str
    name: str
    units: int
    revenue_minor: int


def top_products(
    session: Session, filt: ReportFilter, *, by: str = "units", limit: int = 20
) -> list[ProductSales]:
    """Best sellers by units or by revenue (line totals after line discounts)."""
    revenue = func.sum(OrderLine.quantity * OrderLine.unit_price_minor - OrderLine.discount_minor)
    units = func.sum(OrderLine.quantity)
    # Grouped from the covering order_line(order_id, product_id, sku, quantity, …) index; the
    # (long) line names are read afterwards for the few rows shown.
    query = (
        select(OrderLine.product_id, OrderLine.sku, units, revenue)
        .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
        .where(_orders_in(filt))
        .group_by(OrderLine.product_id, OrderLine.sku)
        .order_by((revenue if by == "revenue" else units).desc(), OrderLine.sku)
        .limit(limit)
    )
    rows = session.execute(query).all()
    names: dict[tuple[int | None, str], str] = {}
    if rows:
        for pid, sku, name in session.execute(
            select(OrderLine.product_id, OrderLine.sku, func.max(OrderLine.name))
            .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
            .where(_orders_in(filt), OrderLine.sku.in_({sku for _pid, sku, _u, _r in rows}))
            .group_by(OrderLine.product_id, OrderLine.sku)
        ):
            names[(pid, sku)] = name
    return [
        ProductSales(pid, sku, names[(pid, sku)], int(u), int(r or 0)) for pid, sku, u, r in rows
    ]


# ------------------------------------------------------------------------------ fulfilment


@dataclass(frozen=True, slots=True)
class FulfilmentBucket:
    label: str
    orders: int


FULFILMENT_BUCKETS = (
    (1, "under 1 day"),
    (2, "1–2 days"),
    (3, "2–3 days"),
    (5, "3–5 days"),
    (7, "5–7 days"),
    (None, "over 7 days"),
)


def _days_between(session: Session, start, end):
    """SQL for the (fractional) days from `start` to `end`, both timestamp columns."""
    if session.get_bind().dialect.name == "sqlite":
        return func.julianday(end) - func.julianday(start)
    return func.extract("epoch", end - start) / 86400.0


def fulfilment_times(
    session: Session, filt: ReportFilter
) -> tuple[list[FulfilmentBucket], float | None]:
    """How long orders took from placed to first shipment, in buckets, and the median in days.
    Only orders with a shipment that left in the period count."""
    start, end = filt.bounds()
    # First shipment per order, looking only at shipments that left in the period (the
    # shipment(shipped_at, order_id) index); an order shipped earlier as well is dropped below.
    in_range = [Shipment.shipped_at.is_not(None)]
    if start is not None:
        in_range.append(Shipment.shipped_at >= start)
    if end is not None:
        in_range.append(Shipment.shipped_at < end)
    first_ship = (
        select(Shipment.order_id, func.min(Shipment.shipped_at).label("shipped_at"))
        .where(*in_range)
        .group_by(Shipment.order_id)
        .subquery()
    )
    conditions = [SalesOrder.status.not_in(NOT_SALES)]
    if start is not None:
        earlier = Shipment.__table__.alias("earlier")
        conditions.append(
            ~select(earlier.c.id)
            .where(earlier.c.order_id == first_ship.c.order_id, earlier.c.shipped_at < start)
            .exists()
        )
    if filt.channel_id is not None:
        conditions.append(SalesOrder.channel_id == filt.channel_id)
    if filt.manual_only:
        conditions.append(SalesOrder.channel_id.is_(None))
    days = _days_between(session, SalesOrder.placed_at, first_ship.c.shipped_at)
    query = (
        select(days)
        .select_from(SalesOrder)
        .join(first_ship, first_ship.c.order_id == SalesOrder.id)
        .where(and_(*conditions))
    )
    durations = sorted(max(float(d), 0.0) for d in session.scalars(query))
    counts = [0] * len(FULFILMENT_BUCKETS)
    for days_taken in durations:
        for index, (limit, _label) in enumerate(FULFILMENT_BUCKETS):
            if limit is None or days_taken < limit:
                counts[index] += 1
                break
    median = durations[len(durations) // 2] if durations else None
    return (
        [
            FulfilmentBucket(label, n)
            for (_limit, label), n in zip(FULFILMENT_BUCKETS, counts, strict=True)
        ],
        median,
    )


# ----------------------------------------------------------------------------------- stock


@dataclass(frozen=True, slots=True)
class StockValue:
    products: int
    units: int
    cost_value_minor: int
    retail_value_minor: int
    quarantined_units: int


def stock_value(session: Session, *, location_id: int | None = None) -> StockValue:
    """On-hand units valued at cost and at price (quarantined stock counted separately)."""
    sellable = case((Bin.kind != BinKind.QUARANTINE, StockLevel.on_hand), else_=0)
    quarantined = case((Bin.kind == BinKind.QUARANTINE, StockLevel.on_hand), else_=0)
    query = (
        select(
            func.count(func.distinct(StockLevel.product_id)),
            func.coalesce(func.sum(sellable), 0),
            func.coalesce(func.sum(sellable * Product.cost_minor), 0),
            func.coalesce(func.sum(sellable * Product.price_minor), 0),
            func.coalesce(func.sum(quarantined), 0),
        )
        .join(Bin, Bin.id == StockLevel.bin_id)
        .join(Product, Product.id == StockLevel.product_id)
        .where(StockLevel.on_hand > 0)
    )
    if location_id is not None:
        query = query.where(Bin.location_id == location_id)
    products, units, cost, retail, quarantine = session.execute(query).one()
    return StockValue(int(products), int(units), int(cost), int(retail), int(quarantine))


@dataclass(frozen=True, slots=True)
class SlowMover:
    product_id: int
    sku: str
    name: str
    on_hand: int
    sold: int
    cost_value_minor: int
    last_sold: str | None


def slow_movers(
    session: Session, *, days: int = 90, limit: int = 50, today: date | None = None
) -> list[SlowMover]:
    """Products holding stock that sold least in the last `days` days, most money tied first."""
    since = datetime.combine(
        (today or utcnow().date()) - timedelta(days=days), datetime.min.time(), UTC
    )
    on_hand = (
        select(StockLevel.product_id, func.sum(StockLevel.on_hand).label("qty"))
        .join(Bin, Bin.id == StockLevel.bin_id)
        .where(Bin.kind != BinKind.QUARANTINE)
        .group_by(StockLevel.product_id)
        .having(func.sum(StockLevel.on_hand) > 0)
        .subquery()
    )
    # Driven from the window's orders (an IN list from the placed_at index, then their lines by
    # the covering order_line(order_id, …) index), not by walking every line by product.
    window_orders = select(SalesOrder.id).where(
        SalesOrder.status.not_in(NOT_SALES), SalesOrder.placed_at >= since
    )
    sold = (
        select(OrderLine.product_id, func.sum(OrderLine.quantity).label("qty"))
        .where(OrderLine.order_id.in_(window_orders))
        .group_by(OrderLine.product_id)
        .subquery()
    )
    tied = on_hand.c.qty * Product.cost_minor
    query = (
        select(
            Product.id,
            Product.sku,
            Product.name,
            on_hand.c.qty,
            func.coalesce(sold.c.qty, 0),
            tied,
        )
        .join(on_hand, on_hand.c.product_id == Product.id)
        .outerjoin(sold, sold.c.product_id == Product.id)
        .where(Product.archived.is_(False))
        .order_by(func.coalesce(sold.c.qty, 0), tied.desc())
        .limit(limit)
    )
    rows = session.execute(query).all()
    # "Last sold" (all history) only for the rows shown, by the order_line(product_id) index.
    last: dict[int, datetime] = {}
    if rows:
        last = dict(
            session.execute(
                select(OrderLine.product_id, func.max(SalesOrder.placed_at))
                .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
                .where(
                    SalesOrder.status.not_in(NOT_SALES),
                    OrderLine.product_id.in_([row[0] for row in rows]),
                )
                .group_by(OrderLine.product_id)
            ).all()
        )
    return [
        SlowMover(
            pid,
            sku,
            name,
            int(qty),
            int(s),
            int(t),
            str(last[pid])[:10] if last.get(pid) else None,
        )
        for pid, sku, name, qty, s, t in rows
    ]


# ------------------------------------------------------------------------------- dashboard


@dataclass(frozen=True, slots=True)
class Dashboard:
    to_pick: int
    picking: int
    to_ship: int  # packed, waiting for the carrier
    on_hold: int
    late: int
    late_after_days: int
    low_stock: int
    sync_errors: int
    outbox_dead: int
    mail_problems: int
    shipped_today: int
    generated_at: datetime = field(default_factory=utcnow)


def dashboard(session: Session, *, now: datetime | None = None) -> Dashboard:
    """The morning numbers; each has a matching filter in its panel (see app.reports.links)."""
    now = now or utcnow()
    late_days = int(get_setting(session, "orders.late_after_days"))
    status_counts = dict(
        session.execute(
            select(SalesOrder.status, func.count())
            .where(SalesOrder.on_hold.is_(False))
            .where(SalesOrder.status.in_((*TO_PICK, OrderStatus.PICKING, OrderStatus.PACKED)))
            .group_by(SalesOrder.status)
        ).all()
    )
    on_hold = (
        session.scalar(
            select(func.count())
            .select_from(SalesOrder)
            .where(
                SalesOrder.on_hold.is_(True),
                SalesOrder.status.not_in(
                    (OrderStatus.CANCELLED, OrderStatus.SHIPPED, OrderStatus.DELIVERED)
                ),
            )
        )
        or 0
    )
    late = (
        session.scalar(
            select(func.count())
            .select_from(SalesOrder)
            .where(
                SalesOrder.status.in_(LATE_STATUSES),
                SalesOrder.placed_at < now - timedelta(days=late_days),
            )
        )
        or 0
    )
    day_start = datetime.combine(now.date(), datetime.min.time(), UTC)
    shipped_today = (
        session.scalar(
            select(func.count()).select_from(Shipment).where(Shipment.shipped_at >= day_start)
        )
        or 0
    )
    return Dashboard(
        to_pick=sum(status_counts.get(s, 0) for s in TO_PICK),
        picking=status_counts.get(OrderStatus.PICKING, 0),
        to_ship=status_counts.get(OrderStatus.PACKED, 0),
        on_hold=on_hold,
        late=late,
        late_after_days=late_days,
        low_stock=low_stock_count(session),
        sync_errors=session.scalar(
            select(func.count())
            .select_from(SyncRun)
            .where(SyncRun.errors > 0, SyncRun.started_at >= now - timedelta(days=1))
        )
        or 0,
        outbox_dead=session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.DEAD)
        )
        or 0,
        mail_problems=session.scalar(
            select(func.count())
            .select_from(MailMessage)
            .where(
                (MailMessage.status == MailStatus.DEAD)
                | ((MailMessage.status == MailStatus.PENDING) & (MailMessage.attempts > 0))
            )
        )
        or 0,
        shipped_today=shipped_today,
        generated_at=now,
    )


LATE_STATUSES = (
    OrderStatus.OPEN,
    OrderStatus.PICKING,
    OrderStatus.PACKED,
    OrderStatus.PARTIALLY_SHIPPED,
)


def low_stock_count(session: Session) -> int:
    """Products (not archived) whose available stock is at or below their reorder point."""
    on_hand = (
        select(StockLevel.product_id, func.sum(StockLevel.on_hand).label("qty"))
        .join(Bin, Bin.id == StockLevel.bin_id)
        .where(Bin.kind != BinKind.QUARANTINE)
        .group_by(StockLevel.product_id)
        .subquery()
    )
    reserved = (
        select(Reservation.product_id, func.sum(Reservation.quantity).label("qty"))
        .group_by(Reservation.product_id)
        .subquery()
    )
    available = func.coalesce(on_hand.c.qty, 0) - func.coalesce(reserved.c.qty, 0)
    return (
        session.scalar(
            select(func.count())
            .select_from(Product)
            .outerjoin(on_hand, on_hand.c.product_id == Product.id)
            .outerjoin(reserved, reserved.c.product_id == Product.id)
            .where(
                Product.archived.is_(False),
                Product.reorder_point > 0,
                available <= Product.reorder_point,
            )
        )
        or 0
    )
