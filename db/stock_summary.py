"""The `product_stock` summary (on hand per product over all bins, sellable and quarantined
apart), kept exact by triggers so shop-wide reads (reorder suggestions, low stock, slow movers,
stock value) do not group ~220k stock_level rows each time.

Changes arrive as signed deltas through one upsert: stock_level insert / delete / update of
product, bin or on_hand, and a bin whose kind changes to or from quarantine (its levels move
between the two columns). Rows stay at zero rather than being deleted.

SQLite gets plain triggers, PostgreSQL two PL/pgSQL trigger functions with the same statements.
A migration that rebuilds stock_level or bin in batch mode drops these triggers with the old
table: call `install_stock_summary` again at the end of such a migration.
"""

from __future__ import annotations

from sqlalchemy import Connection

from db.enums import BinKind
from db.triggers import differing_keys, drop_triggers, trigger_problems

TABLE = "product_stock"
SQLITE_TRIGGERS = (
    "product_stock_level_ai",
    "product_stock_level_ad",
    "product_stock_level_au",
    "product_stock_bin_au",
)
_PG_TRIGGERS = (("product_stock_level", "stock_level"), ("product_stock_bin_au", "bin"))
_PG_FUNCTIONS = ("product_stock_level", "product_stock_bin")
POSTGRESQL_TRIGGERS = tuple(name for name, _table in _PG_TRIGGERS)
_QUARANTINE = f"'{BinKind.QUARANTINE.value}'"

_UPSERT = (
    f"INSERT INTO {TABLE} (product_id, sellable, quarantined) "
    "{select} ON CONFLICT (product_id) DO UPDATE SET"
    f" sellable = {TABLE}.sellable + excluded.sellable,"
    f" quarantined = {TABLE}.quarantined + excluded.quarantined;"
)


def _level_delta(row: str, sign: str) -> str:
    """Add (`sign` '+') or take away ('-') one stock_level row (NEW / OLD)."""
    return _UPSERT.format(
        select=(
            f"SELECT {row}.product_id, "
            f"CASE WHEN b.kind = {_QUARANTINE} THEN 0 ELSE {sign}{row}.on_hand END, "
            f"CASE WHEN b.kind = {_QUARANTINE} THEN {sign}{row}.on_hand ELSE 0 END "
            f"FROM bin b WHERE b.id = {row}.bin_id"
        )
    )


def _bin_kind_moves() -> str:
    """A bin's levels change column when it becomes (or stops being) quarantine."""
    into_quarantine = f"CASE WHEN NEW.kind = {_QUARANTINE} THEN -1 ELSE 1 END"
    return _UPSERT.format(
        select=(
            f"SELECT sl.product_id, {into_quarantine} * sl.on_hand, "
            f"-({into_quarantine}) * sl.on_hand FROM stock_level sl WHERE sl.bin_id = NEW.id"
        )
    )


_BIN_KIND_CHANGED = f"(OLD.kind = {_QUARANTINE}) <> (NEW.kind = {_QUARANTINE})"
_LEVEL_COLUMNS = "product_id, bin_id, on_hand"


def _sqlite_ddl() -> list[str]:
    return [
        "CREATE TRIGGER product_stock_level_ai AFTER INSERT ON stock_level BEGIN "
        f"{_level_delta('NEW', '+')} END",
        "CREATE TRIGGER product_stock_level_ad AFTER DELETE ON stock_level BEGIN "
        f"{_level_delta('OLD', '-')} END",
        f"CREATE TRIGGER product_stock_level_au AFTER UPDATE OF {_LEVEL_COLUMNS} ON stock_level "
        f"BEGIN {_level_delta('OLD', '-')} {_level_delta('NEW', '+')} END",
        f"CREATE TRIGGER product_stock_bin_au AFTER UPDATE OF kind ON bin "
        f"WHEN {_BIN_KIND_CHANGED} BEGIN {_bin_kind_moves()} END",
    ]


def _postgresql_ddl() -> list[str]:
    return [
        "CREATE OR REPLACE FUNCTION product_stock_level() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN "
        f"IF TG_OP IN ('UPDATE', 'DELETE') THEN {_level_delta('OLD', '-')} END IF; "
        f"IF TG_OP IN ('UPDATE', 'INSERT') THEN {_level_delta('NEW', '+')} END IF; "
        "RETURN NULL; END $$",
        "CREATE OR REPLACE FUNCTION product_stock_bin() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN IF {_BIN_KIND_CHANGED} THEN {_bin_kind_moves()} END IF; RETURN NULL; END $$",
        "CREATE TRIGGER product_stock_level AFTER INSERT OR DELETE OR UPDATE OF "
        f"{_LEVEL_COLUMNS} ON stock_level FOR EACH ROW EXECUTE FUNCTION product_stock_level()",
        "CREATE TRIGGER product_stock_bin_au AFTER UPDATE OF kind ON bin "
        "FOR EACH ROW EXECUTE FUNCTION product_stock_bin()",
    ]


_RECOMPUTE = (
    "SELECT sl.product_id AS product_id, "
    f"sum(CASE WHEN b.kind = {_QUARANTINE} THEN 0 ELSE sl.on_hand END) AS sellable, "
    f"sum(CASE WHEN b.kind = {_QUARANTINE} THEN sl.on_hand ELSE 0 END) AS quarantined "
    "FROM stock_level sl JOIN bin b ON b.id = sl.bin_id GROUP BY sl.product_id"
)


def install_stock_summary(conn: Connection) -> int:
    """Create (or re-create) the triggers and rebuild the table from the levels; returns the
    rows written."""
    drop_stock_summary_triggers(conn)
    for statement in _sqlite_ddl() if conn.dialect.name == "sqlite" else _postgresql_ddl():
        conn.exec_driver_sql(statement)
    conn.exec_driver_sql(f"DELETE FROM {TABLE}")
    return conn.exec_driver_sql(
        f"INSERT INTO {TABLE} (product_id, sellable, quarantined) {_RECOMPUTE}"
    ).rowcount


def drop_stock_summary_triggers(conn: Connection) -> None:
    drop_triggers(conn, SQLITE_TRIGGERS, _PG_TRIGGERS, _PG_FUNCTIONS)


def stock_summary_problems(conn: Connection, *, show_at_most: int = 20) -> list[str]:
    """Missing triggers, and products whose summary differs from their stock levels."""
    problems = trigger_problems(conn, SQLITE_TRIGGERS, POSTGRESQL_TRIGGERS, "stock summary")
    stored = (
        f"SELECT product_id, sellable, quarantined FROM {TABLE} "
        "WHERE sellable <> 0 OR quarantined <> 0"
    )
    expected = (
        f"SELECT product_id, sellable, quarantined FROM ({_RECOMPUTE}) AS r "
        "WHERE sellable <> 0 OR quarantined <> 0"
    )
    for (product_id,) in differing_keys(conn, stored, expected, "product_id", limit=show_at_most):
        problems.append(
            f"stock summary for product #{product_id} does not match its stock levels "
            "(run `packbench doctor --repair`)"
        )
    return problems
