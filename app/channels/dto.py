"""Data transfer objects of the channels workflow: channels, sync runs, outbox rows, reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.changes import NO_CHANGES, ChangeSet

# What a sync that wrote something touches: orders pulled, stock pushed, the channel's runs.
SYNC_CHANGES = ChangeSet(orders=True, stock=True, channels=True)


@dataclass(frozen=True, slots=True)
class ChannelView:
    id: int
    kind: str
    name: str
    base_url: str | None
    settings: dict[str, Any]  # never holds a secret (those are in the keyring)
    enabled: bool
    stock_buffer: int
    last_pulled_at: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SyncRunView:
    id: int
    channel_id: int
    channel: str
    status: str
    dry_run: bool
    started_at: datetime
    finished_at: datetime | None
    pulled: int
    created: int
    updated: int
    pushed: int
    errors: int
    error_text: str | None

    @property
    def duration_s(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    channel_id: int
    channel: str
    kind: str
    idempotency_key: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    summary: str  # "fulfillment SH-000012 UPS 1Z…", "stock MUG-1 → 7", "refund RMA-000003 12.50"


@dataclass(frozen=True, slots=True)
class SyncIssue:
    """Something about one channel order a person may want to look at."""

    external_id: str
    order_number: str | None
    message: str
    kind: str = "problem"  # problem (not applied), flagged, unmatched, hold, skip

    def __str__(self) -> str:
        who = self.order_number or f"channel order {self.external_id}"
        return f"{who}: {self.message}"


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What one pull did (or, in a dry run, would do)."""

    channel_id: int
    channel: str
    run_id: int | None  # None for a dry run (nothing is written)
    dry_run: bool
    status: str  # succeeded, failed, cancelled
    since: datetime | None
    pages: int = 0
    pulled: int = 0
    created: int = 0
    updated: int = 0
    cancelled: int = 0
    flagged: int = 0
    unchanged: int = 0
    skipped: int = 0
    held: int = 0
    unmatched_lines: int = 0
    problems: int = 0
    error: str | None = None
    issues: tuple[SyncIssue, ...] = ()
    last_pulled_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    duration_s: float = 0.0
    changes: ChangeSet = field(default_factory=ChangeSet)

    @property
    def ok(self) -> bool:
        return self.status == "succeeded"

    @property
    def message(self) -> str:
        verb = "would create" if self.dry_run else "created"
        text = (
            f"{self.channel}: {self.pulled} order(s) pulled, {verb} {self.created}, "
            f"updated {self.updated}, cancelled {self.cancelled}, flagged {self.flagged}, "
            f"unchanged {self.unchanged}, skipped {self.skipped}"
        )
        if self.unmatched_lines:
            text += f", {self.unmatched_lines} unmatched line(s)"
        if self.held:
            text += f", {self.held} put on hold"
        if self.problems:
            text += f", {self.problems} problem(s)"
        if self.status != "succeeded":
            text += f" — {self.status}" + (f": {self.error}" if self.error else "")
        return text


@dataclass(frozen=True, slots=True)
class PushOutcome:
    message_id: int
    kind: str
    status: str  # sent, retry, dead, skipped, superseded
    detail: str = ""


@dataclass(frozen=True, slots=True)
class OutboxReport:
    sent: int = 0
    already_present: int = 0  # sent earlier (a crash before we recorded it): not sent again
    failed: int = 0  # will be retried
    dead: int = 0
    skipped: int = 0  # left for later: the channel was throttling, down or refused our keys
    outcomes: tuple[PushOutcome, ...] = ()
    errors: tuple[str, ...] = ()  # channel-level problems, safe to show
    changes: ChangeSet = field(default_factory=lambda: ChangeSet(channels=True))

    @property
    def message(self) -> str:
        text = f"{self.sent} push(es) sent"
        if self.already_present:
            text += f" ({self.already_present} were already on the channel)"
        if self.failed:
            text += f", {self.failed} to retry"
        if self.dead:
            text += f", {self.dead} gave up"
        if self.skipped:
            text += f", {self.skipped} postponed"
        if self.errors:
            text += ": " + "; ".join(self.errors[:3])
        return text


@dataclass(frozen=True, slots=True)
class ChannelSyncResult:
    channel_id: int
    channel: str
    pull: SyncReport | None
    push: OutboxReport | None
    stock_queued: int = 0  # stock messages queued (dry run: that would be queued)
    would_push: int = 0  # dry run: outbox messages due to be sent
    linked: int = 0  # products newly linked to the channel's listings
    error: str | None = None  # set when the channel could not be synced at all

    @property
    def wrote(self) -> bool:
        """Whether this channel's sync changed anything worth a refresh."""
        pull, push = self.pull, self.push
        if pull is not None and (
            pull.created or pull.updated or pull.cancelled or pull.flagged or pull.held
        ):
            return True
        if push is not None and (push.sent or push.failed or push.dead or push.already_present):
            return True
        return bool(self.stock_queued)

    @property
    def ok(self) -> bool:
        return (
            self.error is None
            and (self.pull is None or self.pull.ok)
            and (self.push is None or not self.push.errors)
        )


@dataclass(frozen=True, slots=True)
class RunSyncReport:
    """Pull-then-push results for every channel synced; the CLI prints `lines()`."""

    dry_run: bool
    channels: tuple[ChannelSyncResult, ...]

    @property
    def changes(self) -> ChangeSet:
        """Everything a real sync wrote; only the channels' run history when nothing else."""
        if not self.channels:
            return NO_CHANGES
        if not self.dry_run and any(result.wrote for result in self.channels):
            return SYNC_CHANGES
        return ChangeSet(channels=True)

    @property
    def ok(self) -> bool:
        return all(result.ok for result in self.channels)

    def lines(self) -> list[str]:
        out = []
        if not self.channels:
            out.append("no enabled channel to sync")
        for result in self.channels:
            if result.error:
                out.append(f"{result.channel}: {result.error}")
                continue
            if result.pull is not None:
                out.append(result.pull.message)
                out += [f"  {issue}" for issue in result.pull.issues[:20]]
                if len(result.pull.issues) > 20:
                    out.append(f"  … and {len(result.pull.issues) - 20} more")
            if result.linked:
                out.append(f"{result.channel}: linked {result.linked} product(s) by SKU")
            if result.stock_queued:
                verb = "would queue" if self.dry_run else "queued"
                out.append(f"{result.channel}: {verb} {result.stock_queued} stock update(s)")
            if result.push is not None:
                out.append(f"{result.channel}: {result.push.message}")
            if self.dry_run and result.would_push:
                out.append(f"{result.channel}: would send {result.would_push} queued push(es)")
        return out
