"""All trigger-kept summaries together: the sales summary, the stock summary and the orders'
first shipment dates. Bulk loaders (the demo generator) drop the triggers, write, and install
them again, which rebuilds each summary in one grouped statement instead of millions of
per-row trigger runs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection

from db.first_shipment import drop_first_shipment_triggers, install_first_shipment
from db.sales_summary import drop_sales_summary_triggers, install_sales_summary
from db.stock_summary import drop_stock_summary_triggers, install_stock_summary


def install_summaries(conn: Connection) -> int:
    """(Re-)create every summary trigger and rebuild the summaries; returns the sales summary
    rows written."""
    rows = install_sales_summary(conn)
    install_stock_summary(conn)
    install_first_shipment(conn)
    return rows


def drop_summary_triggers(conn: Connection) -> None:
    drop_sales_summary_triggers(conn)
    drop_stock_summary_triggers(conn)
    drop_first_shipment_triggers(conn)


@contextmanager
def summaries_suspended(conn: Connection) -> Iterator[None]:
    """Within one transaction: no summary triggers inside the block, summaries rebuilt after it
    (not if it raises: the caller's rollback restores the triggers with everything else)."""
    drop_summary_triggers(conn)
    yield
    install_summaries(conn)
