"""show_error: domain and database problems as-is; anything else logged and pointed to the log."""

from __future__ import annotations

import logging
from pathlib import Path

from app.database import DatabaseProblem
from app.errors import ValidationError
from ui.errors import show_error, user_message


def test_domain_error_is_shown_as_is(messages):
    show_error(None, ValidationError("Currency: must be a three-letter code", field="currency"))
    assert messages == [("Packbench", "Currency: must be a three-letter code")]


def test_database_problem_is_shown_as_is(messages):
    show_error(None, DatabaseProblem("shop.sqlite3 is locked by another program"))
    assert messages == [("Packbench", "shop.sqlite3 is locked by another program")]


def test_unexpected_error_is_logged_once_with_traceback(messages, caplog, tmp_path: Path):
    log_file = tmp_path / "logs" / "packbench.log"
    try:
        raise RuntimeError("boom")
    except RuntimeError as exc:
        error = exc
    with caplog.at_level(logging.ERROR):
        show_error(None, error, log_file)
    assert messages == [("Packbench", f"Unexpected error — details in the log ({log_file}).")]
    (record,) = caplog.records
    assert record.exc_info is not None and record.exc_info[1] is error
    assert "RuntimeError: boom" in caplog.text


def test_unexpected_error_names_the_configured_log_file(tmp_path: Path):
    handler = logging.FileHandler(tmp_path / "current.log")
    handler._packbench = True  # as app.logging_setup marks its handlers
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        assert str(tmp_path / "current.log") in user_message(ValueError("x"))
    finally:
        root.removeHandler(handler)
        handler.close()
