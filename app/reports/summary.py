"""Reads over the `sales_day` summary (units and revenue per product, UTC day and channel),
which triggers keep exact (db/sales_summary.py): a year of sales is ~1M summary rows at most,
read without joining orders, instead of a million lines joined to 200k orders."""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    ColumnElement,
    Date,
    Select,
    func,
    literal_column,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session

from db.models import ProductSales, SalesDay

# Above this many days, SQLite reads the whole summary in its primary-key (product) order and
# sums as it goes (~110 ms per million rows) instead of collecting the range's rows by day and
# sorting them into groups (~450 ms for a year). Below it, the day index is much cheaper.
LONG_RANGE_DAYS = 92


def _day(session: Session, first: date | None, last: date | None) -> ColumnElement:
    long_range = first is None or last is None or (last - first).days + 1 > LONG_RANGE_DAYS
    if long_range and session.get_bind().dialect.name == "sqlite":
        # Unary plus is a no-op on the value but keeps SQLite's planner off the day index.
        return type_coerce(literal_column(f"+{SalesDay.__tablename__}.day"), Date)
    return SalesDay.day


def day_conditions(
    day: ColumnElement,
    channel_key: ColumnElement,
    first: date | None,
    last: date | None,
    *,
    channel_id: int | None = None,
    manual_only: bool = False,
) -> list[ColumnElement[bool]]:
    """WHERE terms on a summary's day and channel_key columns (sales_day, order_day): days
    `first`..`last` (inclusive, either open) and one channel or the manual orders only."""
    conditions: list[ColumnElement[bool]] = []
    if first is not None:
        conditions.append(day >= first)
    if last is not None:
        conditions.append(day <= last)
    if channel_id is not None:
        conditions.append(channel_key == channel_id)
    if manual_only:
        conditions.append(channel_key == 0)
    return conditions


def sales_day_conditions(
    session: Session,
    first: date | None,
    last: date | None,
    *,
    channel_id: int | None = None,
    manual_only: bool = False,
) -> list[ColumnElement[bool]]:
    """day_conditions on sales_day (a long range kept off the day index on SQLite)."""
    return day_conditions(
        _day(session, first, last),
        SalesDay.channel_key,
        first,
        last,
        channel_id=channel_id,
        manual_only=manual_only,
    )


def units_sold_by_product(session: Session, first: date, last: date | None = None) -> Select:
    """(product_id, qty) of catalogue products sold on days `first`..`last`, all channels.

    A window covering most of the recorded days (a year's reorder suggestions) is read as each
    product's all-time total (product_sales) minus the days outside it, which are few: ~10 ms
    instead of summing ~900k sales_day rows (~95 ms) on the 200k-order shop."""
    outside = _days_outside(session, first, last)
    if outside is None:
        return (
            select(SalesDay.product_key.label("product_id"), func.sum(SalesDay.units).label("qty"))
            .where(SalesDay.product_key != 0, *sales_day_conditions(session, first, last))
            .group_by(SalesDay.product_key)
        )
    parts = [select(SalesDay.product_key, SalesDay.units).where(term) for term in outside]
    qty = ProductSales.units
    query = select(ProductSales.product_key.label("product_id"))
    if parts:
        # OFFSET 0 keeps the day ranges a query of their own (read from the day index): merged
        # into the grouping by product, SQLite would walk the whole table in key order instead.
        rows = (parts[0] if len(parts) == 1 else union_all(*parts)).offset(0).subquery()
        left = (
            select(rows.c.product_key, func.sum(rows.c.units).label("qty"))
            .group_by(rows.c.product_key)
            .subquery()
        )
        qty = ProductSales.units - func.coalesce(left.c.qty, 0)
        query = query.outerjoin(left, left.c.product_key == ProductSales.product_key)
    return query.add_columns(qty.label("qty")).where(ProductSales.product_key != 0, qty != 0)


def _days_outside(
    session: Session, first: date, last: date | None
) -> list[ColumnElement[bool]] | None:
    """Day ranges (as WHERE terms, each one index range) of the recorded sales outside
    `first`..`last`, when they are under a third of the recorded days (the total minus them
    is then the cheaper sum); None otherwise."""
    oldest, newest = session.execute(
        select(
            select(func.min(SalesDay.day)).scalar_subquery(),  # two index ends, not a scan
            select(func.max(SalesDay.day)).scalar_subquery(),
        )
    ).one()
    if oldest is None:
        return None
    if isinstance(oldest, str):  # a bare scalar subquery on SQLite comes back as text
        oldest, newest = date.fromisoformat(oldest), date.fromisoformat(newest)
    before = max((first - oldest).days, 0)
    after = max((newest - last).days, 0) if last is not None else 0
    recorded = (newest - oldest).days + 1
    if 3 * (before + after) >= recorded:
        return None
    terms = []
    if before:
        terms.append(SalesDay.day < first)
    if after:
        terms.append(SalesDay.day > last)
    return terms
