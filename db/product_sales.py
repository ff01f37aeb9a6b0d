"""The `product_sales` summary (all-time units sold per product), kept exact by triggers on
sales_day, so a sales window covering most of the recorded days is read as this total minus
the few days outside it instead of summing a year of sales_day rows (reorder suggestions over
365 days on the 200k-order shop).

Every sales_day change (insert, delete, update of product_key or units: the upserts of
db/sales_summary.py) is applied as a signed delta through one upsert. Rows stay at zero rather
than being deleted. A bulk load (db.summaries.new_orders_summed_after) suspends these triggers
only while it sums its new orders into sales_day in grouped statements (`paused`), and adds
their units here in grouped statements too; changes made inside the block are counted as usual.

SQLite gets plain triggers, PostgreSQL one PL/pgSQL trigger function with the same statements.
A migration that rebuilds sales_day in batch mode drops these triggers with the old table: call
`install_product_sales` again at the end of such a migration.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Connection

from db.sales_summary import counted
from db.triggers import differing_keys, drop_triggers, id_lists, trigger_problems

TABLE = "product_sales"
SQLITE_TRIGGERS = ("product_sales_day_ai", "product_sales_day_ad", "product_sales_day_au")
_PG_TRIGGERS = (("product_sales_day", "sales_day"),)
_PG_FUNCTIONS = ("product_sales_day",)
POSTGRESQL_TRIGGERS = tuple(name for name, _table in _PG_TRIGGERS)

# PostgreSQL: a transaction-local setting `paused` turns on (other sessions never see it).
PAUSE_SETTING = "packbench.pause_product_sales"
_PAUSED = f"current_setting('{PAUSE_SETTING}', true) = 'on'"

_UPSERT_TAIL = f" ON CONFLICT (product_key) DO UPDATE SET units = {TABLE}.units + excluded.units"


def _delta(row: str, sign: str) -> str:
    """Add (`sign` '+') or take away ('-') one sales_day row (NEW / OLD)."""
    return (
        f"INSERT INTO {TABLE} (product_key, units) VALUES ({row}.product_key, {sign}{row}.units)"
        f"{_UPSERT_TAIL};"
    )


_CHANGED = "OLD.product_key <> NEW.product_key OR OLD.units <> NEW.units"


SQLITE_DDL = (
    f"CREATE TRIGGER product_sales_day_ai AFTER INSERT ON sales_day BEGIN {_delta('NEW', '+')} END",
    f"CREATE TRIGGER product_sales_day_ad AFTER DELETE ON sales_day BEGIN {_delta('OLD', '-')} END",
    # An upsert's DO UPDATE fires this (revenue-only changes do not move units).
    "CREATE TRIGGER product_sales_day_au AFTER UPDATE OF product_key, units ON sales_day "
    f"WHEN {_CHANGED} BEGIN {_delta('OLD', '-')} {_delta('NEW', '+')} END",
)


def _postgresql_ddl() -> list[str]:
    return [
        "CREATE OR REPLACE FUNCTION product_sales_day() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN IF {_PAUSED} THEN RETURN NULL; END IF; "
        f"IF TG_OP = 'UPDATE' AND NOT ({_CHANGED}) THEN RETURN NULL; END IF; "
        f"IF TG_OP IN ('UPDATE', 'DELETE') THEN {_delta('OLD', '-')} END IF; "
        f"IF TG_OP IN ('UPDATE', 'INSERT') THEN {_delta('NEW', '+')} END IF; "
        "RETURN NULL; END $$",
        "CREATE TRIGGER product_sales_day AFTER INSERT OR DELETE OR UPDATE OF product_key, units "
        "ON sales_day FOR EACH ROW EXECUTE FUNCTION product_sales_day()",
    ]


_RECOMPUTE = "SELECT product_key, sum(units) AS units FROM sales_day GROUP BY product_key"


def install_product_sales(conn: Connection) -> int:
    """Create (or re-create) the triggers and rebuild the table from sales_day; returns the
    rows written."""
    drop_product_sales_triggers(conn)
    for statement in SQLITE_DDL if conn.dialect.name == "sqlite" else _postgresql_ddl():
        conn.exec_driver_sql(statement)
    conn.exec_driver_sql(f"DELETE FROM {TABLE}")
    return conn.exec_driver_sql(f"INSERT INTO {TABLE} (product_key, units) {_RECOMPUTE}").rowcount


def drop_product_sales_triggers(conn: Connection) -> None:
    drop_triggers(conn, SQLITE_TRIGGERS, _PG_TRIGGERS, _PG_FUNCTIONS)


@contextmanager
def paused(conn: Connection) -> Iterator[None]:
    """Within a transaction: sales_day changes made in the block do not reach product_sales
    (the caller adds them itself, in grouped statements). SQLite drops and re-creates the
    triggers (one writer at a time); PostgreSQL sets a transaction-local switch."""
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        drop_product_sales_triggers(conn)
    else:
        conn.exec_driver_sql(f"SELECT set_config('{PAUSE_SETTING}', 'on', true)")
    try:
        yield
    finally:
        if sqlite:  # (a failed SQLite statement leaves the transaction usable)
            for statement in SQLITE_DDL:
                conn.exec_driver_sql(statement)
    if not sqlite:  # only after success: an aborted transaction takes no more statements
        conn.exec_driver_sql(f"SELECT set_config('{PAUSE_SETTING}', 'off', true)")


def add_order_units(conn: Connection, order_ids: Sequence[int]) -> None:
    """Add the units of new orders (a bulk load's, summed into sales_day with these triggers
    suspended) in grouped statements."""
    for chunk in id_lists(order_ids):
        conn.exec_driver_sql(
            f"INSERT INTO {TABLE} (product_key, units) "
            "SELECT coalesce(l.product_id, 0), sum(l.quantity) "
            "FROM order_line l JOIN sales_order o ON o.id = l.order_id "
            f"WHERE {counted('o.status')} AND l.order_id IN ({chunk}) "
            f"GROUP BY coalesce(l.product_id, 0){_UPSERT_TAIL}"
        )


def product_sales_problems(conn: Connection, *, show_at_most: int = 20) -> list[str]:
    """Missing triggers, and products whose total differs from their sales_day rows."""
    problems = trigger_problems(conn, SQLITE_TRIGGERS, POSTGRESQL_TRIGGERS, "sales totals")
    stored = f"SELECT product_key, units FROM {TABLE} WHERE units <> 0"
    expected = f"SELECT product_key, units FROM ({_RECOMPUTE}) AS r WHERE units <> 0"
    for (key,) in differing_keys(conn, stored, expected, "product_key", limit=show_at_most):
        what = f"product #{key}" if key else "unmatched SKUs"
        problems.append(
            f"sales total for {what} does not match the sales summary "
            "(run `packbench doctor --repair`)"
        )
    return problems
