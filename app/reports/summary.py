"""Reads over the `sales_day` summary (units and revenue per product, UTC day and channel),
which triggers keep exact (db/sales_summary.py): a year of sales is ~1M summary rows at most,
read without joining orders, instead of a million lines joined to 200k orders."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, Date, Select, func, literal_column, select, type_coerce
from sqlalchemy.orm import Session

from db.models import SalesDay

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


def sales_day_conditions(
    session: Session,
    first: date | None,
    last: date | None,
    *,
    channel_id: int | None = None,
    manual_only: bool = False,
) -> list[ColumnElement[bool]]:
    """WHERE terms for days `first`..`last` (inclusive, either open) and one channel or the
    manual orders only."""
    day = _day(session, first, last)
    conditions: list[ColumnElement[bool]] = []
    if first is not None:
        conditions.append(day >= first)
    if last is not None:
        conditions.append(day <= last)
    if channel_id is not None:
        conditions.append(SalesDay.channel_key == channel_id)
    if manual_only:
        conditions.append(SalesDay.channel_key == 0)
    return conditions


def units_sold_by_product(session: Session, first: date, last: date | None = None) -> Select:
    """(product_id, qty) of catalogue products sold on days `first`..`last`, all channels."""
    return (
        select(SalesDay.product_key.label("product_id"), func.sum(SalesDay.units).label("qty"))
        .where(SalesDay.product_key != 0, *sales_day_conditions(session, first, last))
        .group_by(SalesDay.product_key)
    )
