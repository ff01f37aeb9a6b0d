"""Order pull: fetch channel orders page by page and upsert them, one transaction per page.

How a pull works, and why:

* The watermark is `channel.last_pulled_at`: the newest channel `updated_at` applied so far
  (the channel's clock, not ours). A pull asks for orders updated since the watermark minus an
  overlap (10 minutes by default), oldest update first.
* Every page is fetched with no database session open, then applied in ONE write transaction
  that also moves the watermark and the sync run's counts. A crash loses at most the page in
  flight; the next pull starts from the last applied page, and the overlap plus upserts keyed by
  (channel, external id) mean nothing is duplicated or missed.
* New orders go through a bulk path (app.channels.intake: Core inserts for customers,
  orders, lines and audit events; stock reserved by app.orders.allocation's rules) that
  applies the same rules as app.orders.services.create_order: SKUs matched case-insensitively
  (or through the channel's product listings), unknown SKUs kept as unmatched lines and
  flagged as a risk, addresses validated (a bad or redacted address imports the order on hold
  with the reason), risk flags. Orders awaiting payment arrive as drafts; orders already
  cancelled or fulfilled on the channel before we ever saw them are skipped.
* Existing orders (app.channels.reconcile) are compared with the channel data last seen (a
  snapshot stored in the details of the order's sync audit events), so only what changed on
  the channel is applied and a local correction is not overwritten by an unrelated channel
  update. Draft and open orders take every change (cancellation through cancel_order, payment
  arriving confirms a draft); picking orders take address, e-mail, note and payment changes;
  once picked, packed or shipped nothing that affects the parcel is applied: the order is put
  on hold ("channel changed this order after it was packed: …") or, when already shipped, an
  audit event records it. Payment status, e-mail and notes follow the channel at any stage.
  Running the same pull twice changes nothing the second time.
* Dry run: the same fetch and classification in read-only transactions; nothing is written,
  not even a sync run (the report is the record). Every real run writes a SyncRun row.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from app.changes import ChangeSet
from app.channels.base import (
    ChannelConnector,
    ChannelDataError,
    ChannelError,
    ExternalOrder,
    OrderPage,
)
from app.channels.dto import SyncReport
from app.channels.intake import create_orders, learn_listings
from app.channels.matching import PageResult, ProductResolver, PullContext, chunks
from app.channels.reconcile import reconcile_orders
from app.errors import DomainError, NotFound
from app.settings import get_setting
from app.uow import unit_of_work
from db.enums import ChannelKind, SyncRunStatus
from db.models import Channel, SalesOrder, SyncRun
from db.types import utcnow

log = logging.getLogger(__name__)

Progress = Callable[[str, float], None]
ConnectorFactory = Callable[[Any], ChannelConnector]

DEFAULT_OVERLAP = timedelta(minutes=10)
SYNC_ACTOR = "sync"


def _apply_page(
    session: Session, ctx: PullContext, page: OrderPage, *, dry_run: bool
) -> PageResult:
    """Upsert one page of channel orders (in the caller's transaction)."""
    latest: dict[str, ExternalOrder] = {}
    for order in page.orders:
        seen = latest.get(order.external_id)
        if seen is None or order.updated_at >= seen.updated_at:
            latest[order.external_id] = order
    orders = list(latest.values())
    existing: dict[str, int] = {}
    for chunk in chunks([o.external_id for o in orders]):
        existing.update(
            (external_id, order_id)
            for order_id, external_id in session.execute(
                select(SalesOrder.id, SalesOrder.external_id).where(
                    SalesOrder.channel_id == ctx.channel_id, SalesOrder.external_id.in_(chunk)
                )
            )
        )
    resolver = ProductResolver(session, ctx.channel_id, (line for o in orders for line in o.lines))
    result = PageResult()
    new = [o for o in orders if o.external_id not in existing]
    old = [o for o in orders if o.external_id in existing]
    if new:
        result.add(create_orders(session, ctx, new, resolver, dry_run=dry_run))
    if old:
        result.add(reconcile_orders(session, ctx, old, existing, resolver, dry_run=dry_run))
    if not dry_run:
        learn_listings(session, ctx, orders, resolver)
    return result


# ------------------------------------------------------------------------------------ the run


def _progress(progress: Progress | None, text: str, fraction: float) -> None:
    if progress is not None:
        progress(text, max(0.0, min(fraction, 1.0)))


def _fraction(page: OrderPage, since: datetime | None, now: datetime) -> float:
    if page.total_pages:
        return page.page_number / page.total_pages
    if not page.orders or since is None:
        return 0.5 if page.next_cursor else 1.0
    newest = max(o.updated_at for o in page.orders)
    span = (now - since).total_seconds()
    return (newest - since).total_seconds() / span if span > 0 else 1.0


def pull_orders(
    session_factory: sessionmaker[Session],
    channel_id: int,
    *,
    connector: ChannelConnector | None = None,
    connector_factory: ConnectorFactory | None = None,
    dry_run: bool = False,
    full: bool = False,
    overlap: timedelta = DEFAULT_OVERLAP,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    now: datetime | None = None,
    actor: str = SYNC_ACTOR,
    max_pages: int | None = None,
) -> SyncReport:
    """Pull orders updated on the channel since the last pull (minus `overlap`) and upsert them.

    `full` ignores the watermark (from the channel's `import_since` setting, else everything),
    e.g. after granting protected customer data access. Network errors (ChannelError) end the
    run as failed with their safe message in the report and the SyncRun row; pages applied
    before stay applied. `cancelled()` is checked between pages. Raises NotFound or DomainError
    when the channel is unknown, disabled or a CSV channel; unexpected errors are recorded on
    the SyncRun and raised.
    """
    from app.channels.service import channel_view, connector_for

    started = now or utcnow()
    clock = time.perf_counter()
    with unit_of_work(session_factory, write=not dry_run) as session:
        channel = session.get(Channel, channel_id)
        if channel is None:
            raise NotFound(f"channel #{channel_id} does not exist")
        if channel.kind == ChannelKind.CSV:
            raise DomainError(f"{channel.name} is a CSV channel: import its order files instead")
        if not channel.enabled:
            raise DomainError(f"channel {channel.name} is disabled; enable it to sync")
        view = channel_view(channel)
        ctx = PullContext(
            channel.id,
            channel.name,
            channel.kind,
            actor,
            int(get_setting(session, "risk.high_value_minor") or 0),
            str(get_setting(session, "currency")),
        )
        since = _since(view, full=full, overlap=overlap)
        watermark = channel.last_pulled_at
        run_id = None
        if not dry_run:
            session.execute(
                update(SyncRun)
                .where(SyncRun.channel_id == channel.id, SyncRun.status == SyncRunStatus.RUNNING)
                .values(
                    status=SyncRunStatus.FAILED,
                    finished_at=started,
                    error_text="interrupted: the program stopped during this sync",
                )
            )
            run = SyncRun(channel_id=channel.id, status=SyncRunStatus.RUNNING, started_at=started)
            session.add(run)
            session.flush()
            run_id = run.id
    totals = PageResult()
    pages = pulled = 0
    status, error = SyncRunStatus.SUCCEEDED, None
    own_connector = connector is None
    try:
        if connector is None:
            connector = (connector_factory or connector_for)(view)
        cursor = None
        _progress(progress, f"Fetching orders from {view.name}", 0.0)
        while True:
            if cancelled is not None and cancelled():
                status, error = SyncRunStatus.CANCELLED, "stopped by the user"
                break
            page = connector.fetch_orders(since, cursor)  # no session is open here
            if cursor is not None and page.next_cursor == cursor:
                raise ChannelDataError(f"{view.name} sent the same page twice; stopped the sync")
            pages += 1
            pulled += len(page.orders)
            with unit_of_work(session_factory, write=not dry_run) as session:
                outcome = _apply_page(session, ctx, page, dry_run=dry_run)
                if not dry_run:
                    newest = max((o.updated_at for o in page.orders), default=None)
                    if newest is not None and (watermark is None or newest > watermark):
                        watermark = newest
                        session.execute(
                            update(Channel)
                            .where(Channel.id == ctx.channel_id)
                            .values(last_pulled_at=watermark)
                        )
                    totals.add(outcome)
                    _write_run(session, run_id, totals, pulled, None, None)
                else:
                    totals.add(outcome)
            _progress(
                progress,
                f"{view.name}: {pulled} order(s) pulled, {totals.created} new",
                _fraction(page, since, started),
            )
            cursor = page.next_cursor
            if not cursor or (max_pages is not None and pages >= max_pages):
                break
    except ChannelError as exc:
        status, error = SyncRunStatus.FAILED, str(exc)
    except Exception as exc:
        log.exception("sync of channel %s failed", view.name)
        if run_id is not None:
            with unit_of_work(session_factory) as session:
                _write_run(
                    session,
                    run_id,
                    totals,
                    pulled,
                    SyncRunStatus.FAILED,
                    f"unexpected error ({type(exc).__name__}); details in the log",
                    utcnow(),
                )
        raise
    finally:
        if own_connector and connector is not None:
            connector.close()
    finished = utcnow() if now is None else started + timedelta(seconds=time.perf_counter() - clock)
    if run_id is not None:
        with unit_of_work(session_factory) as session:
            _write_run(session, run_id, totals, pulled, status, error, finished)
    _progress(progress, f"{view.name}: done", 1.0)
    return SyncReport(
        channel_id=view.id,
        channel=view.name,
        run_id=run_id,
        dry_run=dry_run,
        status=str(status),
        since=since,
        pages=pages,
        pulled=pulled,
        created=totals.created,
        updated=totals.updated,
        cancelled=totals.cancelled,
        flagged=totals.flagged,
        unchanged=totals.unchanged,
        skipped=totals.skipped,
        held=totals.held,
        unmatched_lines=totals.unmatched_lines,
        problems=totals.problems,
        error=error,
        issues=tuple(totals.issues),
        last_pulled_at=watermark,
        started_at=started,
        finished_at=finished,
        duration_s=time.perf_counter() - clock,
        changes=ChangeSet(orders=True, stock=True, channels=True)
        if not dry_run and (totals.created or totals.updated or totals.cancelled or totals.flagged)
        else ChangeSet(channels=not dry_run),
    )


def _since(view, *, full: bool, overlap: timedelta) -> datetime | None:
    floor = None
    text = (view.settings or {}).get("import_since")
    if text:
        floor = datetime.fromisoformat(str(text))
        if floor.tzinfo is None:
            floor = floor.replace(tzinfo=UTC)
    if full or view.last_pulled_at is None:
        return floor
    since = view.last_pulled_at - overlap
    return max(since, floor) if floor else since


def _write_run(
    session: Session,
    run_id: int | None,
    totals: PageResult,
    pulled: int,
    status: str | None,
    error: str | None,
    finished: datetime | None = None,
) -> None:
    if run_id is None:
        return
    lines = [str(issue) for issue in totals.issues if issue.kind in ("problem", "flagged")]
    text = "\n".join(([error] if error else []) + lines[:50])
    if len(lines) > 50:
        text += f"\n… and {len(lines) - 50} more"
    values: dict[str, Any] = {
        "pulled": pulled,
        "created": totals.created,
        "updated": totals.updated + totals.cancelled + totals.flagged,
        "errors": totals.problems + (1 if error else 0),
        "error_text": text or None,
    }
    if status is not None:
        values["status"] = status
    if finished is not None:
        values["finished_at"] = finished
    session.execute(update(SyncRun).where(SyncRun.id == run_id).values(**values))
