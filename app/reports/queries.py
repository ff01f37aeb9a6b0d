"""Report queries: each is one or two grouped SQL statements returning small frozen rows.

Dates are UTC days; the UI shows them as the owner's local dates. Cancelled and draft orders
never count as sales. Money is in minor units of the order's currency; shops that sell in
several currencies get one row per currency.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Integer, and_, case, cast, func, literal, select
from sqlalchemy.orm import Session

from app.reports.summary import day_conditions, sales_day_conditions, units_sold_by_product
from app.settings import get_setting
from db.enums import BinKind, MailStatus, OrderStatus, OutboxStatus
from db.models import (
    Bin,
    Channel,
    MailMessage,
    OrderDay,
    OrderLine,
    OutboxMessage,
    Product,
    ProductStock,
    Reservation,
    SalesDay,
    SalesOrder,
    Shipment,
    StockLevel,
    SyncRun,
)
from db.sales_summary import NOT_SALES
from db.types import utcnow

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


# ------------------------------------------------------------------------------------- sales


@dataclass(frozen=True, slots=True)
class SalesRow:
    day: str  # YYYY-MM-DD (UTC)
    channel: str
    currency: str
    orders: int
    units: int
    revenue_minor: int


def _order_day_conditions(filt: ReportFilter) -> list:
    return day_conditions(
        OrderDay.day,
        OrderDay.channel_key,
        filt.date_from,
        filt.date_to,
        channel_id=filt.channel_id,
        manual_only=filt.manual_only,
    )


_CHANNEL_NAME = func.coalesce(Channel.name, literal("Manual"))


def sales_by_day(session: Session, filt: ReportFilter) -> list[SalesRow]:
    """Orders, units and revenue (order totals) per day and channel, from the trigger-kept
    order_day summary (a few rows per day, not the day's orders)."""
    query = (
        select(
            OrderDay.day,
            _CHANNEL_NAME,
            OrderDay.currency,
            func.sum(OrderDay.orders),
            func.sum(OrderDay.units),
            func.sum(OrderDay.revenue_minor),
        )
        .outerjoin(Channel, Channel.id == OrderDay.channel_key)
        .where(*_order_day_conditions(filt))
        .group_by(OrderDay.day, _CHANNEL_NAME, OrderDay.currency)
        .having(func.sum(OrderDay.orders) > 0)
        .order_by(OrderDay.day, _CHANNEL_NAME)
    )
    return [
        SalesRow(d.isoformat(), c, cur, int(n), int(u or 0), int(r or 0))
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
    """Orders and revenue per channel (and currency), from the order_day summary."""
    revenue = func.sum(OrderDay.revenue_minor)
    query = (
        select(_CHANNEL_NAME, OrderDay.currency, func.sum(OrderDay.orders), revenue)
        .outerjoin(Channel, Channel.id == OrderDay.channel_key)
        .where(*_order_day_conditions(filt))
        .group_by(_CHANNEL_NAME, OrderDay.currency)
        .having(func.sum(OrderDay.orders) > 0)
        .order_by(revenue.desc())
    )
    return [
        ChannelSales(c, cur, int(n), int(r or 0), int((r or 0) // n) if n else 0)
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
    """Best sellers by units or by revenue (line totals after line discounts). Names are the
    product's current name, or the name on the order lines for an SKU matching no product."""
    revenue = func.sum(SalesDay.revenue_minor)
    units = func.sum(SalesDay.units)
    query = (
        select(SalesDay.product_key, SalesDay.sku, units, revenue)
        .where(
            *sales_day_conditions(
                session,
                filt.date_from,
                filt.date_to,
                channel_id=filt.channel_id,
                manual_only=filt.manual_only,
            )
        )
        .group_by(SalesDay.product_key, SalesDay.sku)
        .order_by((revenue if by == "revenue" else units).desc(), SalesDay.sku)
        .limit(limit)
    )
    rows = session.execute(query).all()
    names = dict(
        session.execute(
            select(Product.id, Product.name).where(Product.id.in_({key for key, *_ in rows}))
        ).all()
    )
    unmatched = {sku for key, sku, _u, _r in rows if not key}
    loose = (
        dict(
            session.execute(
                select(OrderLine.sku, func.max(OrderLine.name))
                .where(OrderLine.sku.in_(unmatched), OrderLine.product_id.is_(None))
                .group_by(OrderLine.sku)
            ).all()
        )
        if unmatched
        else {}
    )
    return [
        ProductSales(key or None, sku, names.get(key) or loose.get(sku, sku), int(u), int(r or 0))
        for key, sku, u, r in rows
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


def _minutes_between(session: Session, start, end):
    """SQL for the whole minutes from `start` to `end` (timestamp columns), floored, ≥ 0."""
    if session.get_bind().dialect.name == "sqlite":
        # CAST truncates, which floors a non-negative value (floor() needs SQLite's optional
        # math functions). julianday() is a float: an exact hour can come out as 59.9999999
        # minutes, so a hundredth of a second is added before truncating.
        minutes = (func.julianday(end) - func.julianday(start)) * 1440
        return case((minutes < 0, 0), else_=cast(minutes + 0.0002, Integer))
    minutes = func.extract("epoch", end - start) / 60
    return case((minutes < 0, 0), else_=func.floor(minutes))


def fulfilment_times(
    session: Session, filt: ReportFilter
) -> tuple[list[FulfilmentBucket], float | None]:
    """How long orders took from placed to first shipment, in buckets, and the median in days
    (the upper median, to the minute). Only orders whose first parcel left in the period count
    (voided shipments do not count). Reads the trigger-kept `first_shipped_at` through its
    covering index and groups by minute, so only a histogram leaves the database."""
    start, end = filt.bounds()
    conditions = [SalesOrder.status.not_in(NOT_SALES), SalesOrder.first_shipped_at.is_not(None)]
    if start is not None:
        conditions.append(SalesOrder.first_shipped_at >= start)
    if end is not None:
        conditions.append(SalesOrder.first_shipped_at < end)
    if filt.channel_id is not None:
        conditions.append(SalesOrder.channel_id == filt.channel_id)
    if filt.manual_only:
        conditions.append(SalesOrder.channel_id.is_(None))
    minutes = _minutes_between(session, SalesOrder.placed_at, SalesOrder.first_shipped_at)
    histogram = sorted(
        (int(m), int(n))
        for m, n in session.execute(
            select(minutes.label("m"), func.count()).where(and_(*conditions)).group_by("m")
        )
    )
    counts = [0] * len(FULFILMENT_BUCKETS)
    for minute, orders in histogram:
        for index, (limit, _label) in enumerate(FULFILMENT_BUCKETS):
            if limit is None or minute < limit * 1440:
                counts[index] += orders
                break
    total, median = sum(n for _m, n in histogram), None
    seen = 0
    for minute, orders in histogram:
        seen += orders
        if seen > total // 2:
            median = minute / 1440
            break
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
    if location_id is None:  # the trigger-kept per-product totals
        query = (
            select(
                func.count(),
                func.coalesce(func.sum(ProductStock.sellable), 0),
                func.coalesce(func.sum(ProductStock.sellable * Product.cost_minor), 0),
                func.coalesce(func.sum(ProductStock.sellable * Product.price_minor), 0),
                func.coalesce(func.sum(ProductStock.quarantined), 0),
            )
            .join(Product, Product.id == ProductStock.product_id)
            .where((ProductStock.sellable > 0) | (ProductStock.quarantined > 0))
        )
    else:
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
            .where(StockLevel.on_hand > 0, Bin.location_id == location_id)
        )
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
    since = (today or utcnow().date()) - timedelta(days=days)
    on_hand = (
        select(ProductStock.product_id, ProductStock.sellable.label("qty"))
        .where(ProductStock.sellable > 0)
        .subquery()
    )
    sold = units_sold_by_product(session, since).subquery()
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
    # "Last sold" (all history) only for the rows shown, from the summary's product order.
    last: dict[int, date] = {}
    if rows:
        last = dict(
            session.execute(
                select(SalesDay.product_key, func.max(SalesDay.day))
                .where(SalesDay.product_key.in_([row[0] for row in rows]))
                .group_by(SalesDay.product_key)
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
            last[pid].isoformat() if last.get(pid) else None,
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
    on_hand = select(ProductStock.product_id, ProductStock.sellable.label("qty")).subquery()
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
