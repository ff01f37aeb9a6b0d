"""Timers for housekeeping while the app is open: holds, customer mail, backup, channel sync.

Each job runs through Ops off the GUI thread; a job is skipped while its previous run is still
going, and failures are logged (not shown): they repeat on the next tick.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Slot

from app.maintenance import backup_if_due, mail_ready, release_expired_holds
from ui.ops import BackgroundOp, MutationOp, Ops, QueryOp

log = logging.getLogger(__name__)

HOLDS_EVERY_MS = 60_000
MAIL_EVERY_MS = 5 * 60_000
BACKUP_EVERY_MS = 60 * 60_000
CHANNELS_CHECK_MS = 60_000  # how often to ask whether a channel sync is due
DEFAULT_SYNC_MINUTES = 15
SYNCED_KINDS = ("shopify", "woocommerce")


def channel_sync_due(session, now: datetime | None = None) -> bool:
    """True when an enabled Shopify/WooCommerce channel exists, "channels.sync_minutes" > 0 and
    the newest recorded sync run started at least that many minutes ago (or none ran yet)."""
    from app.channels.service import list_channels, list_sync_runs
    from app.settings import get_settings

    values = get_settings(session).values
    try:
        minutes = int(values.get("channels.sync_minutes", DEFAULT_SYNC_MINUTES) or 0)
    except (TypeError, ValueError):
        minutes = DEFAULT_SYNC_MINUTES
    if minutes <= 0:
        return False
    if not any(c.kind in SYNCED_KINDS for c in list_channels(session, enabled_only=True)):
        return False
    runs = list_sync_runs(session, limit=1)
    if not runs:
        return True
    started = runs[0].started_at
    if started.tzinfo is None:
        started = started.replace(tzinfo=UTC)
    return started <= (now or datetime.now(UTC)) - timedelta(minutes=minutes)


class Scheduler(QObject):
    """Starts its timers with `start()`; `run_all_now()` runs every job once (tests, start-up)."""

    def __init__(
        self,
        ops: Ops,
        *,
        backup_dir: Path | None,
        mail_password: Callable[[], str | None] = lambda: None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._ops = ops
        self._backup_dir = backup_dir
        self._mail_password = mail_password
        self._busy: set[str] = set()
        self._timers: list[QTimer] = []
        for interval, job in (
            (HOLDS_EVERY_MS, self.release_holds),
            (MAIL_EVERY_MS, self.send_mail),
            (BACKUP_EVERY_MS, self.backup),
            (CHANNELS_CHECK_MS, self.sync_channels),
        ):
            timer = QTimer(self)
            timer.setInterval(interval)
            timer.timeout.connect(job)
            self._timers.append(timer)

    def start(self) -> None:
        for timer in self._timers:
            timer.start()

    def stop(self) -> None:
        for timer in self._timers:
            timer.stop()

    def run_all_now(self) -> None:
        self.release_holds()
        self.send_mail()
        self.backup()
        self.sync_channels()

    def _begin(self, name: str) -> bool:
        if name in self._busy or self._ops.closed:
            return False
        self._busy.add(name)
        return True

    def _done(self, name: str) -> Callable[..., None]:
        def finish(*_args) -> None:
            self._busy.discard(name)

        return finish

    def _failed(self, name: str) -> Callable[[BaseException], None]:
        def failed(exc: BaseException) -> None:
            self._busy.discard(name)
            log.warning("scheduled %s failed: %s", name, exc)

        return failed

    @Slot()
    def release_holds(self) -> None:
        if self._begin("holds"):
            MutationOp(
                self,
                release_expired_holds,
                success=self._done("holds"),
                failure=self._failed("holds"),
            ).run(self._ops)

    @Slot()
    def send_mail(self) -> None:
        if not self._begin("mail"):
            return

        def when_ready(ready: bool) -> None:
            if not ready:
                self._busy.discard("mail")
                return
            from app.notifications import send_pending_mail

            factory, password = self._ops.session_factory, self._mail_password
            BackgroundOp(
                self,
                # The keyring can block (D-Bus): read it on the worker, not the GUI thread.
                lambda: send_pending_mail(factory, password=password()),
                success=self._mail_sent,
                failure=self._failed("mail"),
            ).run(self._ops)

        QueryOp(self, mail_ready, success=when_ready, failure=self._failed("mail")).run(self._ops)

    def _mail_sent(self, report) -> None:
        self._busy.discard("mail")
        if report.sent or report.failed or report.dead:
            self._ops.changes_applied.emit(report.changes)

    @Slot()
    def backup(self) -> None:
        if self._backup_dir is None or not self._begin("backup"):
            return
        factory, folder = self._ops.session_factory, self._backup_dir
        BackgroundOp(
            self,
            lambda: backup_if_due(factory, folder),
            success=self._backed_up,
            failure=self._failed("backup"),
        ).run(self._ops)

    def _backed_up(self, path) -> None:
        self._busy.discard("backup")
        if path is not None:
            log.info("automatic backup written to %s", path)

    @Slot()
    def sync_channels(self) -> None:
        """Pull orders and push stock for every enabled channel when a sync is due."""
        if not self._begin("channels"):
            return

        def when_checked(due: bool) -> None:
            if not due:
                self._busy.discard("channels")
                return
            from app.channels.service import run_sync

            ops = self._ops
            factory = ops.session_factory
            BackgroundOp(
                self,
                lambda: run_sync(factory, cancelled=lambda: ops.closed),
                success=self._channels_synced,
                failure=self._failed("channels"),
            ).run(self._ops)

        QueryOp(self, channel_sync_due, success=when_checked, failure=self._failed("channels")).run(
            self._ops
        )

    def _channels_synced(self, report) -> None:
        self._busy.discard("channels")
        for line in report.lines():
            log.info("scheduled channel sync: %s", line)
        if not report.changes.empty and not self._ops.closed:
            self._ops.changes_applied.emit(report.changes)
