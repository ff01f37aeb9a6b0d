"""The `order_day` summary (orders, units and order totals per UTC day, channel and currency),
kept exact by triggers so sales by day and by channel never scan a year of orders.

Counted orders are those not draft or cancelled (as in db/sales_summary.py); revenue is the
order total (after discounts, with shipping and tax); units are the order's line quantities.
Changes arrive as signed deltas through one upsert, rows that fall to nothing are removed:

- sales_order insert; update of status, placed_at, channel, currency or total that changes
  whether or how the order counts (lifecycle steps between counted statuses do not);
  delete (before the cascade removes its lines, which then find no order);
- order_line insert / delete / update of its order or quantity.

Bulk loaders suspend the insert triggers and sum their new orders in one statement
(db.summaries.new_orders_summed_after). A migration that rebuilds sales_order or order_line in
batch mode drops these triggers: call `install_order_summary` again at its end.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from db.sales_summary import BULK_DEFERRED, counted, day_sql
from db.triggers import differing_keys, drop_triggers, id_lists, trigger_problems

TABLE = "order_day"
SQLITE_TRIGGERS = (
    "order_day_order_ai",
    "order_day_order_au",
    "order_day_order_bd",
    "order_day_line_ai",
    "order_day_line_ad",
    "order_day_line_au",
)
SQLITE_INSERT_TRIGGERS = ("order_day_order_ai", "order_day_line_ai")
_PG_TRIGGERS = (
    ("order_day_order", "sales_order"),
    ("order_day_order_bd", "sales_order"),
    ("order_day_line", "order_line"),
)
_PG_FUNCTIONS = ("order_day_order", "order_day_line")
POSTGRESQL_TRIGGERS = tuple(name for name, _table in _PG_TRIGGERS)

_UPSERT = (
    f"INSERT INTO {TABLE} (day, channel_key, currency, orders, units, revenue_minor) "
    "{select} ON CONFLICT (day, channel_key, currency) DO UPDATE SET"
    f" orders = {TABLE}.orders + excluded.orders,"
    f" units = {TABLE}.units + excluded.units,"
    f" revenue_minor = {TABLE}.revenue_minor + excluded.revenue_minor;"
)


def _key(dialect: str, row: str) -> str:
    return f"{day_sql(dialect, f'{row}.placed_at')}, coalesce({row}.channel_id, 0), {row}.currency"


def _drop_empty(dialect: str, row: str) -> str:
    return (
        f" DELETE FROM {TABLE} WHERE day = {day_sql(dialect, f'{row}.placed_at')}"
        f" AND channel_key = coalesce({row}.channel_id, 0) AND currency = {row}.currency"
        " AND orders = 0 AND units = 0 AND revenue_minor = 0;"
    )


def _order_delta(dialect: str, row: str, sign: str, *, with_units: bool) -> str:
    """One order row (NEW / OLD) in or out, if it counts; its lines' units too when asked
    (an order is inserted before its lines, so an insert brings none)."""
    units = (
        f"{sign}(SELECT coalesce(sum(l.quantity), 0) FROM order_line l WHERE l.order_id = {row}.id)"
        if with_units
        else "0"
    )
    sql = _UPSERT.format(
        select=(
            f"SELECT {_key(dialect, row)}, {sign}1, {units}, {sign}{row}.total_minor "
            f"WHERE {counted(f'{row}.status')}"
        )
    )
    return sql + (_drop_empty(dialect, row) if sign == "-" else "")


def _line_delta(dialect: str, row: str, sign: str) -> str:
    """One line row's units in or out, under its order's key if the order counts."""
    sql = _UPSERT.format(
        select=(
            f"SELECT {_key(dialect, 'o')}, 0, {sign}{row}.quantity, 0 FROM sales_order o "
            f"WHERE o.id = {row}.order_id AND {counted('o.status')}"
        )
    )
    if sign == "+":
        return sql
    return sql + (
        f" DELETE FROM {TABLE} WHERE orders = 0 AND units = 0 AND revenue_minor = 0"
        f" AND (day, channel_key, currency) IN (SELECT {_key(dialect, 'o')} FROM sales_order o"
        f" WHERE o.id = {row}.order_id);"
    )


def _order_moves(dialect: str) -> str:
    """An order update that changes whether or how the order counts."""
    return (
        f"({counted('OLD.status')}) <> ({counted('NEW.status')})"
        f" OR ({counted('NEW.status')} AND ("
        f"{day_sql(dialect, 'OLD.placed_at')} <> {day_sql(dialect, 'NEW.placed_at')}"
        " OR coalesce(OLD.channel_id, 0) <> coalesce(NEW.channel_id, 0)"
        " OR OLD.currency <> NEW.currency OR OLD.total_minor <> NEW.total_minor))"
    )


def _sqlite_ddl() -> list[str]:
    q = "sqlite"
    return [
        *SQLITE_INSERT_DDL,
        "CREATE TRIGGER order_day_order_au AFTER UPDATE OF status, placed_at, channel_id, "
        f"currency, total_minor ON sales_order WHEN {_order_moves(q)} BEGIN "
        f"{_order_delta(q, 'OLD', '-', with_units=True)} "
        f"{_order_delta(q, 'NEW', '+', with_units=True)} END",
        "CREATE TRIGGER order_day_order_bd BEFORE DELETE ON sales_order BEGIN "
        f"{_order_delta(q, 'OLD', '-', with_units=True)} END",
        "CREATE TRIGGER order_day_line_ad AFTER DELETE ON order_line BEGIN "
        f"{_line_delta(q, 'OLD', '-')} END",
        "CREATE TRIGGER order_day_line_au AFTER UPDATE OF order_id, quantity ON order_line "
        f"BEGIN {_line_delta(q, 'OLD', '-')} {_line_delta(q, 'NEW', '+')} END",
    ]


SQLITE_INSERT_DDL = (
    "CREATE TRIGGER order_day_order_ai AFTER INSERT ON sales_order BEGIN "
    f"{_order_delta('sqlite', 'NEW', '+', with_units=False)} END",
    "CREATE TRIGGER order_day_line_ai AFTER INSERT ON order_line BEGIN "
    f"{_line_delta('sqlite', 'NEW', '+')} END",
)


def _postgresql_ddl() -> list[str]:
    pg = "postgresql"
    skip_bulk = f"IF TG_OP = 'INSERT' AND {BULK_DEFERRED} THEN RETURN NULL; END IF; "
    return [
        "CREATE OR REPLACE FUNCTION order_day_order() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN {skip_bulk}"
        f"IF TG_OP = 'DELETE' THEN {_order_delta(pg, 'OLD', '-', with_units=True)} "
        "RETURN OLD; END IF; "
        f"IF TG_OP = 'INSERT' THEN {_order_delta(pg, 'NEW', '+', with_units=False)} "
        "RETURN NULL; END IF; "
        f"IF {_order_moves(pg)} THEN {_order_delta(pg, 'OLD', '-', with_units=True)} "
        f"{_order_delta(pg, 'NEW', '+', with_units=True)} END IF; RETURN NULL; END $$",
        "CREATE OR REPLACE FUNCTION order_day_line() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN {skip_bulk}"
        f"IF TG_OP IN ('UPDATE', 'DELETE') THEN {_line_delta(pg, 'OLD', '-')} END IF; "
        f"IF TG_OP IN ('UPDATE', 'INSERT') THEN {_line_delta(pg, 'NEW', '+')} END IF; "
        "RETURN NULL; END $$",
        "CREATE TRIGGER order_day_order AFTER INSERT OR UPDATE OF status, placed_at, "
        "channel_id, currency, total_minor ON sales_order "
        "FOR EACH ROW EXECUTE FUNCTION order_day_order()",
        "CREATE TRIGGER order_day_order_bd BEFORE DELETE ON sales_order "
        "FOR EACH ROW EXECUTE FUNCTION order_day_order()",
        "CREATE TRIGGER order_day_line AFTER INSERT OR DELETE OR UPDATE OF order_id, quantity "
        "ON order_line FOR EACH ROW EXECUTE FUNCTION order_day_line()",
    ]


def _recompute(dialect: str, where: str = "true") -> str:
    """What the table should hold (for the orders matching `where`), from orders and lines."""
    return (
        f"SELECT {day_sql(dialect, 'o.placed_at')} AS day, coalesce(o.channel_id, 0) AS "
        "channel_key, o.currency AS currency, count(*) AS orders, "
        "coalesce(sum((SELECT sum(l.quantity) FROM order_line l WHERE l.order_id = o.id)), 0) "
        "AS units, sum(o.total_minor) AS revenue_minor "
        f"FROM sales_order o WHERE {counted('o.status')} AND {where} "
        f"GROUP BY {day_sql(dialect, 'o.placed_at')}, coalesce(o.channel_id, 0), o.currency"
    )


def add_orders(conn: Connection, order_ids: Sequence[int]) -> None:
    """Add orders that are not in the summary yet (a bulk load's), in grouped statements."""
    tail = _UPSERT.split("{select}", 1)[1]
    for ids in id_lists(order_ids):
        conn.exec_driver_sql(
            f"INSERT INTO {TABLE} (day, channel_key, currency, orders, units, revenue_minor) "
            f"{_recompute(conn.dialect.name, f'o.id IN ({ids})')}{tail}"
        )


def install_order_summary(conn: Connection) -> int:
    """Create (or re-create) the triggers and rebuild the table; returns the rows written."""
    drop_order_summary_triggers(conn)
    for statement in _sqlite_ddl() if conn.dialect.name == "sqlite" else _postgresql_ddl():
        conn.exec_driver_sql(statement)
    conn.exec_driver_sql(f"DELETE FROM {TABLE}")
    return conn.exec_driver_sql(
        f"INSERT INTO {TABLE} (day, channel_key, currency, orders, units, revenue_minor) "
        f"{_recompute(conn.dialect.name)}"
    ).rowcount


def drop_order_summary_triggers(conn: Connection) -> None:
    drop_triggers(conn, SQLITE_TRIGGERS, _PG_TRIGGERS, _PG_FUNCTIONS)


def order_summary_problems(conn: Connection, *, show_at_most: int = 20) -> list[str]:
    """Missing triggers, and days whose summary differs from the orders."""
    problems = trigger_problems(conn, SQLITE_TRIGGERS, POSTGRESQL_TRIGGERS, "order summary")
    stored = f"SELECT day, channel_key, currency, orders, units, revenue_minor FROM {TABLE}"
    expected = _recompute(conn.dialect.name)
    keys = "day, channel_key, currency"
    for day, channel_key, currency in differing_keys(
        conn, stored, expected, keys, limit=show_at_most
    ):
        channel = "manual" if not channel_key else f"channel {channel_key}"
        problems.append(
            f"order summary for {day} ({channel}, {currency}) does not match the orders "
            "(run `packbench doctor --repair`)"
        )
    return problems
