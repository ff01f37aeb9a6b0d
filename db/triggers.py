"""Shared plumbing for the trigger-kept summary tables (db/sales_summary.py,
db/stock_summary.py): which of their triggers exist, and where a table differs from a fresh
recomputation."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import Connection, Row


def id_lists(ids: Sequence[int], size: int = 5000) -> Iterator[str]:
    """`ids` as comma-separated integer lists of at most `size`, for a bulk load's grouped
    `IN (...)` statements (integers only: nothing from outside reaches the SQL text)."""
    for start in range(0, len(ids), size):
        yield ", ".join(str(int(i)) for i in ids[start : start + size])


def drop_triggers(
    conn: Connection,
    sqlite_names: Sequence[str],
    pg_triggers: Sequence[tuple[str, str]],
    pg_functions: Sequence[str],
) -> None:
    """Drop a summary's triggers: by name on SQLite; (trigger, table) pairs and their trigger
    functions on PostgreSQL. Missing ones are fine."""
    if conn.dialect.name == "sqlite":
        for name in sqlite_names:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        return
    for name, table in pg_triggers:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    for function in pg_functions:
        conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {function}()")


def trigger_problems(
    conn: Connection, sqlite_names: Sequence[str], pg_names: Sequence[str], what: str
) -> list[str]:
    """One problem line naming the missing triggers of `what` (a summary), or none."""
    names = sqlite_names if conn.dialect.name == "sqlite" else pg_names
    if missing := missing_triggers(conn, names):
        return [f"{what} is missing triggers {', '.join(missing)}"]
    return []


def missing_triggers(conn: Connection, names: Sequence[str]) -> list[str]:
    """The `names` that have no trigger in the database (SQLite or PostgreSQL)."""
    if conn.dialect.name == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    else:
        query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
    present = {r[0] for r in conn.exec_driver_sql(query)}
    return [name for name in names if name not in present]


def differing_keys(
    conn: Connection, stored: str, expected: str, keys: str, *, limit: int
) -> list[Row]:
    """Key columns (`keys`, comma-separated) of rows in one SELECT but not the other, either
    way round: rows stored wrongly, missing, or left over."""
    return conn.exec_driver_sql(
        f"SELECT {keys} FROM ({stored} EXCEPT {expected}) AS a "
        f"UNION SELECT {keys} FROM ({expected} EXCEPT {stored}) AS b "
        f"LIMIT {int(limit)}"
    ).fetchall()
