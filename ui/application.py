"""run_gui: QApplication, logging, database, operations hub and main window, in that order."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from app.paths import Paths

log = logging.getLogger(__name__)

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], None]

ORGANIZATION = "Packbench"
APPLICATION = "Packbench"
UI_SETTINGS_FILE = "ui.ini"


def run_gui(paths: Paths, *, verbose: bool = False) -> int:
    """Run the desktop app over the database named by `paths`; returns the exit code.

    Refuses (exit code 1, after a message box) a database that cannot be opened or upgraded:
    newer schema, damaged file, failed migration. Nothing is written in that case.
    """
    from ui.qt_compat import guard_singleton_refcounts

    guard_singleton_refcounts()  # before any Qt call; see ui/qt_compat.py

    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from app.logging_setup import configure_logging

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    paths.ensure()
    log_path = configure_logging(paths.logs, verbose=verbose, to_stderr=verbose)
    log.info("starting Packbench GUI, data in %s", paths.data_dir)

    from app.database import DatabaseProblem, database_file, open_database

    try:
        database = open_database(paths)
    except DatabaseProblem as exc:
        log.error("cannot open the database: %s", exc)
        QMessageBox.critical(None, "Packbench cannot open the database", str(exc))
        return 1
    upgrade = getattr(database, "upgrade", None)
    if upgrade is not None:
        log.info(
            "database upgraded from %s to %s; backup: %s",
            upgrade.from_revision,
            upgrade.to_revision,
            upgrade.backup or "none (new database)",
        )

    from ui.first_start import offer_first_start
    from ui.main_window import MainWindow
    from ui.ops import Ops
    from ui.style import app_icon, load_stylesheet

    app.setWindowIcon(app_icon())
    stylesheet = load_stylesheet()
    if stylesheet:
        app.setStyleSheet(stylesheet)
    settings = QSettings(str(paths.data_dir / UI_SETTINGS_FILE), QSettings.Format.IniFormat)
    ops = Ops(database.session_factory, log_path=log_path, exports_dir=paths.exports)
    previous_hook = sys.excepthook
    sys.excepthook = _make_excepthook(previous_hook, log_path)
    window = None
    schedulers: list = []
    try:
        location = database_file(database)
        window = MainWindow(
            ops,
            settings,
            database_name=str(location) if location else database.display_name,
            log_path=log_path,
        )
        window.show()
        offer_first_start(window, ops)
        # Housekeeping starts once the window is up, so its imports never slow the start.
        QTimer.singleShot(3000, lambda: schedulers.append(_start_scheduler(ops, paths)))
        return int(app.exec())
    finally:
        for scheduler in schedulers:
            scheduler.stop()
        if window is not None:
            window.close()
        ops.shutdown()
        database.close()
        sys.excepthook = previous_hook
        log.info("Packbench GUI stopped")


def _start_scheduler(ops, paths: Paths):
    """Housekeeping timers, and their first round right away."""
    from ui.scheduler import Scheduler

    def mail_password() -> str | None:
        from app.errors import DomainError
        from app.secrets import get_secret

        try:
            return get_secret("mail.smtp")
        except DomainError as exc:
            log.warning("%s", exc)
            return None

    scheduler = Scheduler(ops, backup_dir=paths.backups, mail_password=mail_password)
    scheduler.start()
    scheduler.run_all_now()
    return scheduler


def _make_excepthook(previous: ExceptHook, log_path: Path | None) -> ExceptHook:
    """Route exceptions escaping Qt slots to the log and one "Unexpected error" message.

    Each distinct error is shown once and never while another is on screen: an error in a
    paint handler would otherwise open boxes forever.
    """
    shown: set[tuple[str, str]] = set()
    showing = False

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        nonlocal showing
        if issubclass(exc_type, KeyboardInterrupt):
            previous(exc_type, exc, tb)
            return
        from ui.errors import show_error

        if exc.__traceback__ is None:
            exc = exc.with_traceback(tb)
        signature = (exc_type.__qualname__, str(exc))
        if showing or signature in shown:
            log.error("Unexpected error (again): %s", exc, exc_info=(exc_type, exc, tb))
            return
        shown.add(signature)
        showing = True
        try:
            show_error(None, exc, log_path)
        finally:
            showing = False

    return hook
