"""Outbox: queue stock pushes, send due messages to channels with backoff, dead letters, retry.

Messages are written in the transaction of the change that causes them (shipping writes
"fulfillment", returns write "refund", `queue_stock_updates` writes "stock"). `send_outbox`
sends them one at a time with no database session open during the network call:

1. lease: in its own transaction the message gets attempts + 1 and a next attempt a little in
   the future, so a second sender (or a re-run after a crash) leaves it alone for that long;
2. send: the connector checks the channel's state first (an existing fulfilment with our
   tracking number, a refund noting our RMA) and passes our idempotency key where the API
   takes one (Shopify's @idempotent), so a message whose first attempt went through but was
   never recorded is not applied twice;
3. record: sent; or a retry after an exponential backoff (or the channel's Retry-After, when
   longer); or dead after `max_attempts` attempts, with the last error, until a person retries
   it (`retry_outbox_message`).

Stock messages are coalesced: queuing a new level supersedes a pending one for the same
product and channel (it is marked sent without a sent time, "superseded"), and a level equal
to the one last pushed is not queued at all.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.audit import record_event
from app.batches import chunks
from app.changes import ChangeSet
from app.channels.base import (
    ChannelAuthError,
    ChannelConnector,
    ChannelError,
    ChannelThrottled,
    ChannelUnavailable,
    StockItem,
)
from app.channels.dto import OutboxReport, PushOutcome
from app.errors import Conflict, DomainError, NotFound
from app.inventory.reservations import availability
from app.uow import unit_of_work
from db.enums import ChannelKind, OutboxStatus
from db.models import (
    Channel,
    ChannelListing,
    OrderLine,
    OutboxMessage,
    Product,
    Reservation,
    SalesOrder,
    StockMove,
)
from db.types import utcnow

log = logging.getLogger(__name__)

DEFAULT_MAX_ATTEMPTS = 8
DEFAULT_LEASE = timedelta(minutes=2)
SUPERSEDED = "superseded by a newer stock level (not sent)"

ConnectorFactory = Callable[[Any], ChannelConnector]


def backoff(attempts: int) -> timedelta:
    """Wait before attempt `attempts + 1`: 30 s, 1 min, 2 min … capped at 6 hours."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 6 * 3600))


# ------------------------------------------------------------------------------------ stock


@dataclass(frozen=True, slots=True)
class StockPush:
    """One stock level that should go to one channel."""

    channel_id: int
    product_id: int
    sku: str
    available: int  # what the channel should show: on hand − reserved − buffer, at least 0
    supersedes: tuple[int, ...] = ()  # pending stock messages this one replaces


def _push_channels(session: Session, channel_id: int | None) -> list[Channel]:
    query = select(Channel).where(
        Channel.enabled.is_(True),
        Channel.kind.in_((ChannelKind.SHOPIFY, ChannelKind.WOOCOMMERCE)),
    )
    if channel_id is not None:
        query = query.where(Channel.id == channel_id)
    return [c for c in session.scalars(query) if (c.settings or {}).get("push_stock", True)]


def sellable_available(session: Session, product_ids: Iterable[int]) -> dict[int, int]:
    """Available units per product over every location (sellable on hand − reserved)."""
    totals: dict[int, int] = defaultdict(int)
    for (product_id, _location), quantity in availability(session, product_ids).items():
        totals[product_id] += quantity
    return totals


def plan_stock_pushes(
    session: Session, product_ids: Iterable[int], *, channel_id: int | None = None
) -> list[StockPush]:
    """The stock levels that differ from what each channel was last sent (or is about to be
    sent), for the given products; reads only."""
    ids = sorted(set(product_ids))
    channels = _push_channels(session, channel_id)
    if not ids or not channels:
        return []
    products: dict[int, str] = {}
    for chunk in chunks(ids):
        products.update(
            session.execute(
                select(Product.id, Product.sku).where(
                    Product.id.in_(chunk), Product.archived.is_(False)
                )
            ).all()
        )
    ids = sorted(products)
    channel_ids = [c.id for c in channels]
    listings: dict[tuple[int, int], ChannelListing] = {}
    for chunk in chunks(ids):
        for listing in session.scalars(
            select(ChannelListing).where(
                ChannelListing.channel_id.in_(channel_ids), ChannelListing.product_id.in_(chunk)
            )
        ):
            listings[(listing.channel_id, listing.product_id)] = listing
    wanted = set(ids)
    pending: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    for message_id, message_channel, payload in session.execute(
        select(OutboxMessage.id, OutboxMessage.channel_id, OutboxMessage.payload)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.kind == "stock",
            OutboxMessage.channel_id.in_(channel_ids),
        )
        .order_by(OutboxMessage.id)
    ):
        product_id = (payload or {}).get("product_id")
        if product_id in wanted:
            pending[(message_channel, product_id)].append(
                (message_id, (payload or {}).get("available"))
            )
    levels = sellable_available(session, ids)
    plans = []
    for channel in channels:
        for product_id in ids:
            listing = listings.get((channel.id, product_id))
            if listing is not None and not (
                listing.remote_product_id
                or listing.remote_variant_id
                or listing.remote_inventory_item_id
            ):
                continue  # looked up before: this product is not sold on that channel
            value = max(levels.get(product_id, 0) - (channel.stock_buffer or 0), 0)
            queued = pending.get((channel.id, product_id), [])
            if queued and queued[-1][1] == value:
                if len(queued) > 1:
                    plans.append(
                        StockPush(
                            channel.id,
                            product_id,
                            products[product_id],
                            -1,
                            tuple(m for m, _ in queued[:-1]),
                        )
                    )
                continue
            last = listing.last_pushed_available if listing is not None else None
            supersedes = tuple(m for m, _ in queued)
            if last == value:
                if supersedes:
                    plans.append(
                        StockPush(channel.id, product_id, products[product_id], -1, supersedes)
                    )
                continue
            plans.append(StockPush(channel.id, product_id, products[product_id], value, supersedes))
    return plans


def queue_stock_updates(
    session: Session, product_ids: Iterable[int], *, channel_id: int | None = None
) -> int:
    """Queue a stock push per enabled channel (with push_stock on) and product whose level
    changed: available = sellable on hand − reserved over all locations, minus the channel's
    stock buffer, at least 0. Skips a level equal to the one last pushed or already queued;
    supersedes a pending different one. Call it in the transaction that changed stock (or from
    a periodic job with `stock_push_candidates`). Returns how many messages were queued."""
    now = utcnow()
    queued = 0
    superseded: list[int] = []
    for push in plan_stock_pushes(session, product_ids, channel_id=channel_id):
        superseded += push.supersedes
        if push.available < 0:
            continue
        session.add(
            OutboxMessage(
                channel_id=push.channel_id,
                kind="stock",
                idempotency_key=(
                    f"stock:{push.channel_id}:{push.product_id}:{push.available}:"
                    f"{uuid.uuid4().hex[:12]}"
                ),
                payload={
                    "product_id": push.product_id,
                    "sku": push.sku,
                    "available": push.available,
                },
                status=OutboxStatus.PENDING,
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )
        queued += 1
    for chunk in chunks(superseded):
        for message in session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.id.in_(chunk), OutboxMessage.status == OutboxStatus.PENDING
            )
        ):
            message.status, message.last_error = OutboxStatus.SENT, SUPERSEDED
    session.flush()
    return queued


def stock_push_candidates(
    session: Session, since: datetime | None = None, *, channel_id: int | None = None
) -> list[int]:
    """Products whose channel stock level differs from the one last pushed (or queued).

    With `since`, only products with stock moves, new reservations or order changes since then
    are examined (cheap, for a job running every few minutes); without it every product listed
    on a channel is (complete: also catches released reservations, buffer changes)."""
    if since is not None:
        ids: set[int] = set(
            session.scalars(select(StockMove.product_id).where(StockMove.at >= since).distinct())
        )
        ids.update(
            session.scalars(
                select(Reservation.product_id).where(Reservation.created_at >= since).distinct()
            )
        )
        ids.update(
            session.scalars(
                select(OrderLine.product_id)
                .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
                .where(SalesOrder.updated_at >= since, OrderLine.product_id.is_not(None))
                .distinct()
            )
        )
    else:
        query = select(ChannelListing.product_id).distinct()
        if channel_id is not None:
            query = query.where(ChannelListing.channel_id == channel_id)
        ids = set(session.scalars(query))
    plans = plan_stock_pushes(session, ids, channel_id=channel_id)
    return sorted({p.product_id for p in plans if p.available >= 0})


# ------------------------------------------------------------------------------------ sending


@dataclass(frozen=True, slots=True)
class _Due:
    id: int
    channel_id: int
    kind: str
    key: str
    payload: dict


def _order_id(session: Session, channel_id: int, payload: dict) -> int | None:
    external_id = payload.get("order_external_id")
    if not external_id:
        return None
    return session.scalar(
        select(SalesOrder.id).where(
            SalesOrder.channel_id == channel_id, SalesOrder.external_id == str(external_id)
        )
    )


def _stock_item(session: Session, message: _Due) -> StockItem:
    payload = message.payload
    product_id = int(payload["product_id"])
    listing = session.scalar(
        select(ChannelListing).where(
            ChannelListing.channel_id == message.channel_id,
            ChannelListing.product_id == product_id,
        )
    )
    sku = payload.get("sku") or session.scalar(select(Product.sku).where(Product.id == product_id))
    return StockItem(
        product_id=product_id,
        sku=sku or "",
        available=int(payload["available"]),
        idempotency_key=message.key,
        remote_product_id=listing.remote_product_id if listing else None,
        remote_variant_id=listing.remote_variant_id if listing else None,
        remote_inventory_item_id=listing.remote_inventory_item_id if listing else None,
    )


def _describe(kind: str, payload: dict) -> str:
    if kind == "fulfillment":
        text = f"shipment {payload.get('shipment')}"
        if payload.get("tracking_number"):
            text += f" ({payload.get('carrier')} {payload.get('tracking_number')})"
        return text
    if kind == "refund":
        return f"refund {payload.get('rma')} #{payload.get('sequence', 1)}"
    return f"stock {payload.get('sku')} → {payload.get('available')}"


def send_outbox(
    session_factory: sessionmaker[Session],
    *,
    channel_id: int | None = None,
    connector_factory: ConnectorFactory | None = None,
    now: datetime | None = None,
    limit: int = 200,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    lease: timedelta = DEFAULT_LEASE,
    close_connectors: bool = True,
    actor: str = "sync",
) -> OutboxReport:
    """Send due pending messages (oldest first, at most `limit`), one at a time.

    A channel that throttles us, is unreachable or refuses our credentials is left alone for
    the rest of this call (its remaining messages are postponed, not failed). Never raises for
    channel problems: the report and each message's last_error say what happened.
    """
    from app.channels.service import channel_view, connector_for

    moment = now or utcnow()
    with unit_of_work(session_factory, write=False) as session:
        query = (
            select(OutboxMessage, Channel)
            .join(Channel, Channel.id == OutboxMessage.channel_id)
            .where(
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.next_attempt_at <= moment,
                Channel.enabled.is_(True),
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
        if channel_id is not None:
            query = query.where(OutboxMessage.channel_id == channel_id)
        due, views = [], {}
        for message, channel in session.execute(query):
            due.append(
                _Due(
                    message.id,
                    message.channel_id,
                    message.kind,
                    message.idempotency_key,
                    dict(message.payload or {}),
                )
            )
            views.setdefault(channel.id, channel_view(channel))
    factory = connector_factory or connector_for
    connectors: dict[int, ChannelConnector] = {}
    stopped: dict[int, str] = {}
    counts = defaultdict(int)
    outcomes: list[PushOutcome] = []
    try:
        for message in due:
            if message.channel_id in stopped:
                counts["skipped"] += 1
                continue
            view = views[message.channel_id]
            if view.kind == ChannelKind.CSV:
                continue
            connector = connectors.get(message.channel_id)
            if connector is None:
                try:
                    connector = factory(view)
                except DomainError as exc:
                    stopped[message.channel_id] = f"{view.name}: {exc}"
                    counts["skipped"] += 1
                    continue
                connectors[message.channel_id] = connector
            outcome = _send_one(
                session_factory, connector, view, message, moment, max_attempts, lease, actor
            )
            if outcome is None:
                continue
            outcomes.append(outcome)
            counts[outcome.status] += 1
            if outcome.status in ("retry", "dead", "postponed") and outcome.detail.startswith(
                "channel:"
            ):
                stopped[message.channel_id] = f"{view.name}: {outcome.detail[8:].strip()}"
    finally:
        if close_connectors:
            for connector in connectors.values():
                connector.close()
    return OutboxReport(
        sent=counts["sent"] + counts["present"],
        already_present=counts["present"],
        failed=counts["retry"],
        dead=counts["dead"],
        skipped=counts["skipped"] + counts["postponed"],
        outcomes=tuple(outcomes),
        errors=tuple(stopped.values()),
    )


def _send_one(
    session_factory: sessionmaker[Session],
    connector: ChannelConnector,
    view,
    message: _Due,
    moment: datetime,
    max_attempts: int,
    lease: timedelta,
    actor: str,
) -> PushOutcome | None:
    with unit_of_work(session_factory) as session:
        row = session.get(OutboxMessage, message.id)
        if row is None or row.status != OutboxStatus.PENDING or row.next_attempt_at > moment:
            return None  # another sender took it, or it was superseded meanwhile
        row.attempts += 1
        row.next_attempt_at = moment + lease
        item = _stock_item(session, message) if message.kind == "stock" else None
    error: ChannelError | None = None
    unexpected = None
    result = None
    try:
        if message.kind == "fulfillment":
            result = connector.push_fulfillment(message.payload, idempotency_key=message.key)
        elif message.kind == "refund":
            result = connector.push_refund(message.payload, idempotency_key=message.key)
        elif message.kind == "stock" and item is not None:
            result = connector.push_stock([item])[0]
        else:
            unexpected = f"unknown message kind {message.kind!r}"
    except ChannelError as exc:
        error = exc
    except Exception as exc:
        log.exception("pushing outbox message %s to %s failed", message.id, view.name)
        unexpected = f"unexpected error ({type(exc).__name__}); details in the log"
    with unit_of_work(session_factory) as session:
        row = session.get(OutboxMessage, message.id)
        if row is None:
            return None
        if error is None and unexpected is None:
            return _record_success(session, view, row, message, result, moment, actor)
        text = str(error) if error is not None else unexpected
        channel_wide = isinstance(error, ChannelThrottled | ChannelUnavailable | ChannelAuthError)
        prefix = "channel: " if channel_wide else ""
        if isinstance(error, ChannelThrottled):
            row.attempts = max(row.attempts - 1, 0)  # being asked to wait is not a failure
            row.next_attempt_at = moment + timedelta(seconds=max(error.retry_after, 1.0))
            row.last_error = text
            return PushOutcome(row.id, row.kind, "postponed", prefix + text)
        row.last_error = text
        unknown = unexpected is not None and unexpected.startswith("unknown message kind")
        if row.attempts >= max_attempts or unknown:
            row.status = OutboxStatus.DEAD
            order_id = _order_id(session, row.channel_id, message.payload)
            record_event(
                session,
                actor=actor,
                action="outbox.dead",
                entity_type="order" if order_id else "channel",
                entity_id=order_id or row.channel_id,
                summary=f"Gave up sending {_describe(row.kind, message.payload)} to {view.name} "
                f"after {row.attempts} attempt(s): {text}",
                details={"outbox_id": row.id, "key": row.idempotency_key},
            )
            return PushOutcome(row.id, row.kind, "dead", prefix + text)
        row.next_attempt_at = moment + backoff(row.attempts)
        return PushOutcome(row.id, row.kind, "retry", prefix + text)


def _record_success(
    session: Session, view, row: OutboxMessage, message: _Due, result, moment: datetime, actor: str
) -> PushOutcome:
    row.status, row.sent_at, row.last_error = OutboxStatus.SENT, moment, None
    if message.kind == "stock":
        listing = session.scalar(
            select(ChannelListing).where(
                ChannelListing.channel_id == row.channel_id,
                ChannelListing.product_id == result.product_id,
            )
        )
        if listing is None:
            listing = ChannelListing(channel_id=row.channel_id, product_id=result.product_id)
            session.add(listing)
        if result.found:
            taken = session.scalar(
                select(ChannelListing.id).where(
                    ChannelListing.channel_id == row.channel_id,
                    ChannelListing.remote_variant_id == result.remote_variant_id,
                    ChannelListing.product_id != result.product_id,
                )
            )
            listing.remote_product_id = result.remote_product_id
            listing.remote_variant_id = None if taken else result.remote_variant_id
            listing.remote_inventory_item_id = result.remote_inventory_item_id
            listing.last_pushed_available = int(message.payload["available"])
            return PushOutcome(row.id, row.kind, "sent", f"set to {message.payload['available']}")
        listing.remote_product_id = listing.remote_variant_id = None
        listing.remote_inventory_item_id = None
        listing.last_pushed_available = None
        row.last_error = (
            f"not sent: no product with SKU {message.payload.get('sku')} on the channel"
        )
        return PushOutcome(row.id, row.kind, "sent", row.last_error)
    order_id = _order_id(session, row.channel_id, message.payload)
    if order_id is not None:
        what = "Tracking" if row.kind == "fulfillment" else "Refund"
        record_event(
            session,
            actor=actor,
            action=f"order.channel_{row.kind}",
            entity_type="order",
            entity_id=order_id,
            summary=f"{what} sent to {view.name}: {_describe(row.kind, message.payload)}"
            + (" (it was already there)" if result.already_present else ""),
            details={"outbox_id": row.id, "remote_id": result.remote_id},
        )
    return PushOutcome(
        row.id, row.kind, "present" if result.already_present else "sent", result.detail
    )


def retry_outbox_message(session: Session, message_id: int, *, actor: str) -> ChangeSet:
    """Put a dead (or waiting) message back in the queue to be sent at the next send; a dead
    one starts again with a full set of attempts. Raises NotFound, or Conflict when sent."""
    row = session.get(OutboxMessage, message_id)
    if row is None:
        raise NotFound(f"outbox message #{message_id} does not exist")
    if row.status == OutboxStatus.SENT:
        raise Conflict(f"outbox message #{message_id} was already sent")
    was = row.status
    if row.status == OutboxStatus.DEAD:
        row.attempts = 0
    row.status, row.next_attempt_at = OutboxStatus.PENDING, utcnow()
    record_event(
        session,
        actor=actor,
        action="outbox.retry",
        entity_type="channel",
        entity_id=row.channel_id,
        summary=f"Retry {_describe(row.kind, dict(row.payload or {}))} ({was})",
        details={"outbox_id": row.id},
    )
    return ChangeSet(channels=True)
