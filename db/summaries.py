"""All trigger-kept summaries together: sales per product and day, all-time sales per product,
orders per day, stock per product and the orders' first shipment dates. Bulk loaders either
drop every trigger and rebuild at the end (the demo generator: `summaries_suspended`) or
suspend only the insert triggers and sum their new orders in grouped statements (CSV import:
`new_orders_summed_after`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection

from db.first_shipment import drop_first_shipment_triggers, install_first_shipment
from db.order_summary import (
    SQLITE_INSERT_DDL,
    SQLITE_INSERT_TRIGGERS,
    add_orders,
    drop_order_summary_triggers,
    install_order_summary,
)
from db.product_sales import (
    add_order_units,
    drop_product_sales_triggers,
    install_product_sales,
)
from db.product_sales import paused as paused_product_sales
from db.sales_summary import (
    BULK_SETTING,
    SQLITE_LINE_INSERT_TRIGGER,
    SQLITE_LINE_INSERT_TRIGGER_NAME,
    add_order_lines,
    drop_sales_summary_triggers,
    install_sales_summary,
)
from db.stock_summary import drop_stock_summary_triggers, install_stock_summary


def install_summaries(conn: Connection) -> int:
    """(Re-)create every summary trigger and rebuild the summaries; returns the sales summary
    rows written."""
    # The per-product totals follow sales_day through triggers: off while it is rebuilt (a
    # million rows would each fire them), then summed from it once.
    drop_product_sales_triggers(conn)
    rows = install_sales_summary(conn)
    install_product_sales(conn)
    install_order_summary(conn)
    install_stock_summary(conn)
    install_first_shipment(conn)
    return rows


def drop_summary_triggers(conn: Connection) -> None:
    drop_sales_summary_triggers(conn)
    drop_product_sales_triggers(conn)
    drop_order_summary_triggers(conn)
    drop_stock_summary_triggers(conn)
    drop_first_shipment_triggers(conn)


@contextmanager
def summaries_suspended(conn: Connection) -> Iterator[None]:
    """Within one transaction: no summary triggers inside the block, summaries rebuilt after it
    (not if it raises: the caller's rollback restores the triggers with everything else)."""
    drop_summary_triggers(conn)
    yield
    install_summaries(conn)


@contextmanager
def new_orders_summed_after(conn: Connection) -> Iterator[list[int]]:
    """For bulk order intake, inside its transaction: orders and their lines inserted in the
    block are summed into the sales summaries in grouped statements at its end instead of one
    trigger run per row (~25 µs each on SQLite). Put the new orders' ids in the yielded list.

    The contract: the block may change older orders as usual (counted as usual), and inserts
    new orders and their lines. It must not update or delete those new rows (the update
    triggers are live, so an update would be counted again at the end) nor insert lines for
    older orders (they would never be counted). If the block
    raises, nothing is summed and the caller's rollback undoes the rows and the switch."""
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:  # one writer at a time: the triggers are simply not there during the block
        for name in (SQLITE_LINE_INSERT_TRIGGER_NAME, *SQLITE_INSERT_TRIGGERS):
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    else:  # a transaction-local setting: other sessions keep counting row by row
        conn.exec_driver_sql(f"SELECT set_config('{BULK_SETTING}', 'on', true)")
    order_ids: list[int] = []
    try:
        yield order_ids
        with paused_product_sales(conn):  # the grouped upserts would fire them per summary row
            add_order_lines(conn, order_ids)
            add_order_units(conn, order_ids)
        add_orders(conn, order_ids)
    finally:
        if sqlite:  # (a failed SQLite statement leaves the transaction usable)
            for statement in (SQLITE_LINE_INSERT_TRIGGER, *SQLITE_INSERT_DDL):
                conn.exec_driver_sql(statement)
    if not sqlite:  # only after success: an aborted transaction takes no more statements
        conn.exec_driver_sql(f"SELECT set_config('{BULK_SETTING}', 'off', true)")
