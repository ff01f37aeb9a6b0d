"""Product search index (SQLite FTS5 over sku, name and GTIN), kept current by triggers.

Other databases have no index here and search with LIKE (app.inventory.search). A migration that
rebuilds the product table in batch mode ("move and copy") drops these triggers with the old
table: call `install_product_search` again at the end of such a migration.
"""

from __future__ import annotations

from sqlalchemy import Connection

SEARCH_TABLE = "product_fts"

_DDL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {SEARCH_TABLE} USING fts5("
    "sku, name, gtin, content='product', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER IF NOT EXISTS {SEARCH_TABLE}_ai AFTER INSERT ON product BEGIN "
    f"INSERT INTO {SEARCH_TABLE}(rowid, sku, name, gtin) VALUES (new.id, new.sku, new.name, "
    "new.gtin); END",
    f"CREATE TRIGGER IF NOT EXISTS {SEARCH_TABLE}_ad AFTER DELETE ON product BEGIN "
    f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}, rowid, sku, name, gtin) "
    "VALUES ('delete', old.id, old.sku, old.name, old.gtin); END",
    f"CREATE TRIGGER IF NOT EXISTS {SEARCH_TABLE}_au AFTER UPDATE OF sku, name, gtin ON product "
    f"BEGIN INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}, rowid, sku, name, gtin) "
    "VALUES ('delete', old.id, old.sku, old.name, old.gtin); "
    f"INSERT INTO {SEARCH_TABLE}(rowid, sku, name, gtin) VALUES (new.id, new.sku, new.name, "
    "new.gtin); END",
    f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}) VALUES ('rebuild')",
)


def install_product_search(conn: Connection) -> None:
    """Create (or re-create) the index and its triggers and rebuild it from the product table."""
    if conn.dialect.name != "sqlite":
        return
    for statement in _DDL:
        conn.exec_driver_sql(statement)


def drop_product_search(conn: Connection) -> None:
    if conn.dialect.name != "sqlite":
        return
    for suffix in ("ai", "ad", "au"):
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {SEARCH_TABLE}_{suffix}")
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {SEARCH_TABLE}")


def is_search_table(name: str) -> bool:
    """Tables FTS5 owns (the index and its shadow tables), which Alembic must not compare."""
    return name == SEARCH_TABLE or name.startswith(f"{SEARCH_TABLE}_")


def search_index_problems(conn: Connection) -> list[str]:
    """What is wrong with the index: missing triggers or an index out of step with products."""
    if conn.dialect.name != "sqlite":
        return []
    names = {
        r[0]
        for r in conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')"
        )
    }
    missing = [
        n
        for n in (SEARCH_TABLE, f"{SEARCH_TABLE}_ai", f"{SEARCH_TABLE}_ad", f"{SEARCH_TABLE}_au")
        if n not in names
    ]
    if missing:
        return [f"product search index is missing {', '.join(missing)}"]
    try:
        conn.exec_driver_sql(
            f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}, rank) VALUES ('integrity-check', 1)"
        )
    except Exception as exc:  # the driver error text is the useful part
        return [f"product search index does not match the products: {exc}"]
    return []
