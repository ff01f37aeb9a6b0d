"""`sales_order.first_shipped_at`: when the order's first parcel left (shipped or delivered
shipments only; a voided one no longer counts), kept by triggers on shipment so the fulfilment
report reads one indexed column instead of grouping every shipment by order.

A shipment insert, delete or update of its order, status or shipped_at recomputes the column
for the order(s) involved when the parcel counts (shipped or delivered, with a time) before or
after it: the packing steps, which write parcels that have not left, fire nothing. SQLite gets
plain triggers, PostgreSQL a PL/pgSQL trigger function.
A migration that rebuilds shipment in batch mode drops these triggers with the old table: call
`install_first_shipment` again at the end of such a migration.
"""

from __future__ import annotations

from sqlalchemy import Connection

from db.enums import ShipmentStatus
from db.triggers import differing_keys, drop_triggers, trigger_problems

SQLITE_TRIGGERS = ("first_shipment_ai", "first_shipment_ad", "first_shipment_au")
_PG_TRIGGERS = (("first_shipment", "shipment"),)
_PG_FUNCTIONS = ("first_shipment",)
POSTGRESQL_TRIGGERS = tuple(name for name, _table in _PG_TRIGGERS)
_LEFT = ", ".join(f"'{s.value}'" for s in (ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED))
_FIRST = (
    "(SELECT min(sh.shipped_at) FROM shipment sh WHERE sh.order_id = sales_order.id "
    f"AND sh.status IN ({_LEFT}) AND sh.shipped_at IS NOT NULL)"
)


def _refresh(row: str) -> str:
    return f"UPDATE sales_order SET first_shipped_at = {_FIRST} WHERE id = {row}.order_id;"


def _counts(row: str) -> str:
    """SQL: the shipment row (OLD / NEW) is a parcel that left, so it can be an order's first."""
    return f"({row}.status IN ({_LEFT}) AND {row}.shipped_at IS NOT NULL)"


def install_first_shipment(conn: Connection, *, rebuild: bool = True) -> None:
    """Create (or re-create) the triggers and (unless `rebuild` is False: the triggers only
    changed) recompute the column for every order."""
    drop_first_shipment_triggers(conn)
    if conn.dialect.name == "sqlite":
        ddl = [
            f"CREATE TRIGGER first_shipment_ai AFTER INSERT ON shipment WHEN {_counts('NEW')} "
            f"BEGIN {_refresh('NEW')} END",
            f"CREATE TRIGGER first_shipment_ad AFTER DELETE ON shipment WHEN {_counts('OLD')} "
            f"BEGIN {_refresh('OLD')} END",
            "CREATE TRIGGER first_shipment_au AFTER UPDATE OF order_id, status, shipped_at "
            f"ON shipment WHEN {_counts('OLD')} OR {_counts('NEW')} "
            f"BEGIN {_refresh('OLD')} {_refresh('NEW')} END",
        ]
    else:
        ddl = [
            "CREATE OR REPLACE FUNCTION first_shipment() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN "
            f"IF TG_OP IN ('UPDATE', 'DELETE') AND {_counts('OLD')} THEN {_refresh('OLD')} "
            "END IF; "
            f"IF TG_OP IN ('UPDATE', 'INSERT') AND {_counts('NEW')} THEN {_refresh('NEW')} "
            "END IF; "
            "RETURN NULL; END $$",
            "CREATE TRIGGER first_shipment AFTER INSERT OR DELETE OR UPDATE OF "
            "order_id, status, shipped_at ON shipment "
            "FOR EACH ROW EXECUTE FUNCTION first_shipment()",
        ]
    for statement in ddl:
        conn.exec_driver_sql(statement)
    if rebuild:
        conn.exec_driver_sql(
            f"UPDATE sales_order SET first_shipped_at = {_FIRST} "
            "WHERE id IN (SELECT order_id FROM shipment) OR first_shipped_at IS NOT NULL"
        )


def drop_first_shipment_triggers(conn: Connection) -> None:
    drop_triggers(conn, SQLITE_TRIGGERS, _PG_TRIGGERS, _PG_FUNCTIONS)


def first_shipment_problems(conn: Connection, *, show_at_most: int = 20) -> list[str]:
    problems = trigger_problems(conn, SQLITE_TRIGGERS, POSTGRESQL_TRIGGERS, "first shipment dates")
    stored = "SELECT id, first_shipped_at FROM sales_order WHERE first_shipped_at IS NOT NULL"
    expected = (
        "SELECT order_id AS id, min(shipped_at) AS first_shipped_at FROM shipment "
        f"WHERE status IN ({_LEFT}) AND shipped_at IS NOT NULL GROUP BY order_id"
    )
    for (order_id,) in differing_keys(conn, stored, expected, "id", limit=show_at_most):
        problems.append(
            f"order #{order_id}: first shipment date does not match its shipments "
            "(run `packbench doctor --repair`)"
        )
    return problems
