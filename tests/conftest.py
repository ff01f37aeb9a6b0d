"""Shared fixtures.

Why this is necessary: Qt must be told to render offscreen before PySide6 is first imported, and
building and migrating a database takes ~0.3 s, so a migrated template is made once per session
and copied for each test that needs one (Anki's getEmptyCol idea).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from app.database import Database, open_database
from app.paths import Paths, resolve_paths


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("template")
    paths = resolve_paths(data_dir=folder, env={})
    db = open_database(paths)
    db.close()
    assert paths.db_file is not None
    return paths.db_file


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    """Folders for one test, never the user's real data dir."""
    p = resolve_paths(data_dir=tmp_path / "data", env={})
    p.ensure()
    return p


@pytest.fixture
def database(paths: Paths, template_db: Path) -> Iterator[Database]:
    """A migrated, empty shop database in the test's own folder."""
    assert paths.db_file is not None
    shutil.copyfile(template_db, paths.db_file)
    db = open_database(paths)
    yield db
    db.close()


@pytest.fixture
def session_factory(database: Database):
    return database.session_factory
