"""Show errors to people: domain messages as-is, anything else logged with a pointer to the log."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget

from app.errors import DatabaseProblem, DomainError

log = logging.getLogger(__name__)

TITLE = "Packbench"


def show_message(parent: QWidget | None, title: str, text: str) -> None:
    """The one place a warning box is shown; tests monkeypatch this hook."""
    QMessageBox.warning(parent, title, text)


def current_log_path() -> Path | None:
    """The file the root logger writes to: Packbench's own log first, else any real log file."""
    handlers = logging.getLogger().handlers
    ours = [h for h in handlers if getattr(h, "_packbench", False)]
    for handler in [*ours, *handlers]:
        filename = getattr(handler, "baseFilename", None)
        if filename and filename != os.devnull:
            return Path(filename)
    return None


def user_message(exc: BaseException, log_path: Path | str | None = None) -> str:
    """The text a person sees for `exc` (domain and database problems speak for themselves)."""
    if isinstance(exc, DomainError | DatabaseProblem):
        return str(exc) or type(exc).__name__
    where = log_path if log_path is not None else current_log_path()
    return (
        f"Unexpected error — details in the log ({where})."
        if where
        else ("Unexpected error — details in the log.")
    )


def show_error(
    parent: QWidget | None, exc: BaseException, log_path: Path | str | None = None
) -> None:
    """Tell the user about `exc`; unexpected errors are logged with their traceback first."""
    if not isinstance(exc, DomainError | DatabaseProblem):
        log.error("Unexpected error: %s", exc, exc_info=(type(exc), exc, exc.__traceback__))
    show_message(parent, TITLE, user_message(exc, log_path))
