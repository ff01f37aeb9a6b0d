"""run_gui: QApplication, logging, database, operations hub and main window, in that order."""

from __future__ import annotations

import logging
import re
import sys
import threading
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

    The window is built and painted while the data layer loads and the database opens on a
    thread (SQLAlchemy, the models and the schema check are ~0.5 s of the start): the shell is
    interactive at once and the first panel is built when the database is ready. Refuses
    (exit code 1, after a message box) a database that cannot be opened or upgraded: newer
    schema, damaged file, failed migration. Nothing is written in that case.
    """
    from ui.qt_compat import guard_singleton_refcounts

    guard_singleton_refcounts()  # before any Qt call; see ui/qt_compat.py

    from PySide6.QtWidgets import QApplication

    from app.logging_setup import configure_logging

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    paths.ensure()
    log_path = configure_logging(paths.logs, verbose=verbose, to_stderr=verbose)
    log.info("starting Packbench GUI, data in %s", paths.data_dir)
    opener = DatabaseOpener(paths)
    try:
        return _run_window(app, paths, opener, log_path)
    finally:
        # Whatever happened, the opener (which may be migrating) finishes before we return.
        opener.join()
        if opener.database is not None:
            opener.database.close()
        log.info("Packbench GUI stopped")


def _run_window(app, paths: Paths, opener: DatabaseOpener, log_path: Path | None) -> int:
    """The window while the database opens, then the event loop; see run_gui."""
    from PySide6.QtCore import QEvent, QSettings, QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from app.errors import DatabaseProblem
    from ui.main_window import MainWindow
    from ui.ops import Ops
    from ui.style import app_icon, load_stylesheet

    app.setWindowIcon(app_icon())
    stylesheet = load_stylesheet()
    if stylesheet:
        app.setStyleSheet(stylesheet)
    settings = QSettings(str(paths.data_dir / UI_SETTINGS_FILE), QSettings.Format.IniFormat)
    # Work queued before the database is open waits for it on its worker thread.
    ops = Ops(opener.session_factory, log_path=log_path, exports_dir=paths.exports)
    previous_hook = sys.excepthook
    sys.excepthook = _make_excepthook(previous_hook, log_path)
    window = None
    schedulers: list = []
    try:
        window = MainWindow(
            ops,
            settings,
            database_name=database_display_name(paths),
            log_path=log_path,
            start=False,
        )
        window.show()
        opener.wait_showing_events()
        database, problem = opener.database, opener.error
        if problem is not None:
            if isinstance(problem, DatabaseProblem):
                log.error("cannot open the database: %s", problem)
                text = str(problem)
            else:  # a bad --db URL, a missing driver…: say so instead of a traceback
                log.error("cannot open the database", exc_info=problem)
                where = f" Details are in the log ({log_path})." if log_path else ""
                text = f"{type(problem).__name__}: {problem}.{where}"
            window.hide()
            QMessageBox.critical(None, "Packbench cannot open the database", text)
            return 1
        assert database is not None
        upgrade = getattr(database, "upgrade", None)
        if upgrade is not None:
            log.info(
                "database upgraded from %s to %s; backup: %s",
                upgrade.from_revision,
                upgrade.to_revision,
                upgrade.backup or "none",
            )
        ops.session_factory = database.session_factory
        if not window.isVisible():  # closed while the database was opening
            return 0
        window.start()

        from ui.first_start import offer_first_start

        offer_first_start(window, ops)
        # Housekeeping starts once the window is up, so its imports never slow the start.
        QTimer.singleShot(3000, lambda: schedulers.append(_start_scheduler(ops, paths)))
        return int(app.exec())
    finally:
        for scheduler in schedulers:
            scheduler.stop()
        if window is not None:
            window.close()
            window.deleteLater()
            QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        ops.shutdown()
        sys.excepthook = previous_hook


def database_display_name(paths: Paths) -> str:
    """What the title and status bar call the database before it is open: the file, or the
    server URL without its password."""
    if paths.db_file is not None:
        return str(paths.db_file)
    return re.sub(r"(//[^:/@]+):[^@]*@", r"\1:***@", paths.db_url)


class DatabaseOpener:
    """Loads the data layer and opens (creating or upgrading if needed) the database on its
    own thread, so the GUI thread paints the window meanwhile."""

    def __init__(self, paths: Paths) -> None:
        self.database = None
        self.error: BaseException | None = None
        self._paths = paths
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._open, name="packbench-open", daemon=True)
        self._thread.start()

    def _open(self) -> None:
        try:
            from app.database import open_database

            self.database = open_database(self._paths)
        except BaseException as exc:  # handed to the GUI thread, which decides
            self.error = exc
        finally:
            self._done.set()

    def session_factory(self, *args, **kwargs):
        """Stands in for the sessionmaker until the database is open (workers wait here)."""
        self._done.wait()
        if self.database is None:
            from app.errors import DatabaseProblem

            raise DatabaseProblem("the database could not be opened")
        return self.database.session_factory(*args, **kwargs)

    def wait_showing_events(self) -> None:
        """Keep the GUI responsive (paint, input) until the database is open or failed."""
        from PySide6.QtCore import QEventLoop
        from PySide6.QtWidgets import QApplication

        while not self._done.wait(0.005):
            QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)

    def join(self) -> None:
        self._thread.join()


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
