"""Alembic environment: runs on the connection handed over by db.migrate (or the URL in config)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

import db.models  # noqa: F401  (fills Base.metadata)
from db.base import Base
from db.engine import make_engine
from db.search import is_search_table

config = context.config
target_metadata = Base.metadata


def _include_object(obj, name, type_, reflected, compare_to) -> bool:
    # The FTS5 index and its shadow tables are managed by db.search, not by the models.
    return not (type_ == "table" and is_search_table(name))


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=_include_object,
        render_as_batch=True,
        compare_type=True,
        # SQLite DDL is transactional once pysqlite's own BEGIN handling is off (db/engine.py):
        # a failed upgrade then rolls back whole instead of leaving half-built tables.
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    try:
        with engine.connect() as conn:
            _run(conn)
            conn.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
