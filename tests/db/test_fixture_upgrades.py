"""Databases written by earlier Packbench versions open, upgrade (with a backup first) and stay
consistent. Add a fixture file for every released schema (tests/fixtures/db/packbench-<rev>)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from app.database import open_database
from app.doctor import run_doctor
from app.uow import unit_of_work
from db.migrate import head_revision

FIXTURES = sorted(
    (Path(__file__).resolve().parents[1] / "fixtures" / "db").glob("packbench-*.sqlite3")
)


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.stem for f in FIXTURES])
def test_old_database_upgrades_and_stays_consistent(fixture, paths):
    shutil.copyfile(fixture, paths.db_file)
    conn = sqlite3.connect(paths.db_file)
    before = {
        table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in ("product", "sales_order", "order_line", "stock_move")
    }
    old_revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    conn.close()
    db = open_database(paths)
    try:
        if old_revision != head_revision():
            assert db.upgrade is not None and db.upgrade.backup is not None
        with unit_of_work(db.session_factory, write=False) as s:
            assert run_doctor(s).ok
            after = {
                table: s.connection().exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()
                for table in before
            }
    finally:
        db.close()
    assert after == before and all(before.values())
