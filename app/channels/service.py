"""Channel setup and the sync entry point: CRUD, connectors from settings, runs, outbox lists.

Secrets (a Shopify access token or client secret, a WooCommerce consumer secret) are passed
in `settings` under the keys "token", "client_secret" and "consumer_secret"; they are stored
with app.secrets under f"channel.{id}.{key}" and never reach the database, audit trail, logs or
error messages. Every other setting is checked against the lists below:

    both kinds     push_stock (yes/no, default yes), import_since (ISO date: the first pull's
                   start; default everything), page_size, timeout_s (default 30)
    shopify        api_version (default 2026-07), client_id (with client_secret: the client
                   credentials grant; else token), location_id (stock location; default the
                   first), lines_per_order (line items per order in one query, default 100)
    woocommerce    consumer_key (required), query_string_auth (yes/no), tracking_meta_key,
                   tracking_note_to_customer (yes/no), refund_via_gateway (yes/no)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.audit import record_event
from app.channels.base import (
    ChannelAuthError,
    ChannelConnector,
    ChannelError,
    normalise_base_url,
)
from app.channels.dto import (
    ChannelSyncResult,
    ChannelView,
    OutboxReport,
    OutboxRow,
    RunSyncReport,
    SyncRunView,
)
from app.channels.listings import link_listings
from app.channels.outbox import (
    _describe,
    plan_stock_pushes,
    queue_stock_updates,
    send_outbox,
    stock_push_candidates,
)
from app.channels.sync import Progress, pull_orders
from app.errors import Conflict, DomainError, NotFound, ValidationError
from app.secrets import SecretStoreUnavailable, get_secret, set_secret
from app.uow import unit_of_work
from db.enums import ChannelKind, OutboxStatus
from db.models import Channel, OutboxMessage, SyncRun

SECRET_FIELDS: dict[str, tuple[str, ...]] = {
    ChannelKind.SHOPIFY: ("token", "client_secret"),
    ChannelKind.WOOCOMMERCE: ("consumer_secret",),
    ChannelKind.CSV: (),
}

ConnectorFactory = Callable[[ChannelView], ChannelConnector]


def secret_key(channel_id: int, name: str) -> str:
    """The app.secrets key of a channel's secret ("channel.3.token")."""
    return f"channel.{channel_id}.{name}"


# ----------------------------------------------------------------------------------- settings


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ValueError("must be yes or no")


def _int_range(low: int, high: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ValueError("must be a whole number") from None
        if not low <= number <= high:
            raise ValueError(f"must be between {low} and {high}")
        return number

    return check


def _text(size: int) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        text = str(value).strip()
        if len(text) > size:
            raise ValueError(f"must be at most {size} characters")
        return text

    return check


def _date(value: Any) -> str:
    text = str(value).strip()
    try:
        datetime.fromisoformat(text)
    except ValueError:
        raise ValueError("must be a date like 2026-01-31 (or a date and time)") from None
    return text


def _api_version(value: Any) -> str:
    text = str(value).strip()
    if not re.fullmatch(r"\d{4}-(01|04|07|10)|unstable", text):
        raise ValueError("must be a Shopify API version such as 2026-07")
    return text


_COMMON: dict[str, Callable[[Any], Any]] = {
    "push_stock": _bool,
    "import_since": _date,
    "timeout_s": _int_range(1, 300),
}
_KIND_SETTINGS: dict[str, dict[str, Callable[[Any], Any]]] = {
    ChannelKind.SHOPIFY: {
        "api_version": _api_version,
        "client_id": _text(200),
        "location_id": _text(100),
        "page_size": _int_range(1, 250),
        "lines_per_order": _int_range(1, 250),
    },
    ChannelKind.WOOCOMMERCE: {
        "consumer_key": _text(200),
        "query_string_auth": _bool,
        "page_size": _int_range(1, 100),
        "tracking_meta_key": _text(100),
        "tracking_note_to_customer": _bool,
        "refund_via_gateway": _bool,
    },
    ChannelKind.CSV: {"format": _text(40)},
}


def _split(kind: str, settings: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Checked plain settings (None or "" removes a key) and the secrets among them."""
    allowed = {**_COMMON, **_KIND_SETTINGS[kind]}
    plain: dict[str, Any] = {}
    secrets: dict[str, str] = {}
    for key, value in settings.items():
        if key in SECRET_FIELDS[kind]:
            secrets[key] = "" if value is None else str(value).strip()
            continue
        parse = allowed.get(key)
        if parse is None:
            raise ValidationError(f"unknown {kind} channel setting {key!r}", field=key)
        if value is None or value == "":
            plain[key] = None
            continue
        try:
            plain[key] = parse(value)
        except ValueError as exc:
            raise ValidationError(f"{key.replace('_', ' ')} {exc}", field=key) from None
    return plain, secrets


def _has_secret(channel_id: int | None, name: str, given: Mapping[str, str]) -> bool:
    if name in given:
        return bool(given[name])
    if channel_id is None:
        return False
    try:
        return bool(get_secret(secret_key(channel_id, name)))
    except SecretStoreUnavailable:
        return False


def _check_credentials(kind: str, channel_id: int | None, plain: dict, secrets: dict) -> None:
    if kind == ChannelKind.SHOPIFY:
        has_token = _has_secret(channel_id, "token", secrets)
        has_client = bool(plain.get("client_id")) and _has_secret(
            channel_id, "client_secret", secrets
        )
        if not (has_token or has_client):
            raise ValidationError(
                "a Shopify channel needs an Admin API access token, or the app's client id and "
                "client secret",
                field="token",
            )
    elif kind == ChannelKind.WOOCOMMERCE:
        if not plain.get("consumer_key"):
            raise ValidationError(
                "a WooCommerce channel needs the REST API consumer key", field="consumer_key"
            )
        if not _has_secret(channel_id, "consumer_secret", secrets):
            raise ValidationError(
                "a WooCommerce channel needs the REST API consumer secret",
                field="consumer_secret",
            )


# --------------------------------------------------------------------------------------- CRUD


def channel_view(channel: Channel) -> ChannelView:
    return ChannelView(
        channel.id,
        channel.kind,
        channel.name,
        channel.base_url,
        dict(channel.settings or {}),
        bool(channel.enabled),
        channel.stock_buffer or 0,
        channel.last_pulled_at,
        channel.created_at,
    )


def _channel(session: Session, channel_id: int) -> Channel:
    channel = session.get(Channel, channel_id)
    if channel is None:
        raise NotFound(f"channel #{channel_id} does not exist")
    return channel


def _check_name(session: Session, name: str, channel_id: int | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError("give the channel a name", field="name")
    if len(name) > 100:
        raise ValidationError("the channel name must be at most 100 characters", field="name")
    query = select(Channel.id).where(func.lower(Channel.name) == name.lower())
    if channel_id is not None:
        query = query.where(Channel.id != channel_id)
    if session.scalar(query) is not None:
        raise Conflict(f"there is already a channel called {name}")
    return name


def create_channel(
    session: Session,
    kind: str,
    name: str,
    base_url: str | None,
    settings: Mapping[str, Any],
    *,
    actor: str,
    enabled: bool = True,
    stock_buffer: int = 0,
) -> ChannelView:
    """Add a Shopify, WooCommerce or CSV channel.

    `base_url` is the shop's address (https://acme.myshopify.com, https://shop.example.com);
    secrets in `settings` go to the keyring (see the module docstring). Raises ValidationError
    naming the field (unknown kind or setting, bad address, missing credentials, negative
    buffer), Conflict for a duplicate name, SecretStoreUnavailable when no keyring can hold the
    secret.
    """
    if kind not in set(ChannelKind):
        raise ValidationError("channel kind must be shopify, woocommerce or csv", field="kind")
    name = _check_name(session, name)
    url = None
    if kind != ChannelKind.CSV:
        url = normalise_base_url(base_url or "")
    if stock_buffer < 0:
        raise ValidationError("the stock buffer must not be negative", field="stock_buffer")
    plain, secrets = _split(kind, settings)
    plain = {k: v for k, v in plain.items() if v is not None}
    _check_credentials(kind, None, plain, secrets)
    channel = Channel(
        kind=kind,
        name=name,
        base_url=url,
        settings=plain,
        enabled=enabled,
        stock_buffer=stock_buffer,
    )
    session.add(channel)
    session.flush()
    for key, value in secrets.items():
        set_secret(secret_key(channel.id, key), value)
    record_event(
        session,
        actor=actor,
        action="channel.create",
        entity_type="channel",
        entity_id=channel.id,
        summary=f"Created {kind} channel {name}" + (f" ({url})" if url else ""),
        details={"settings": plain, "secrets": sorted(k for k, v in secrets.items() if v)},
    )
    return channel_view(channel)


def update_channel(
    session: Session,
    channel_id: int,
    *,
    actor: str,
    name: str | None = None,
    base_url: str | None = None,
    settings: Mapping[str, Any] | None = None,
    enabled: bool | None = None,
    stock_buffer: int | None = None,
) -> ChannelView:
    """Change a channel; `settings` are merged (None or "" removes one; an empty secret
    deletes it). Same errors as create_channel."""
    channel = _channel(session, channel_id)
    changed: list[str] = []
    if name is not None and name.strip() != channel.name:
        channel.name = _check_name(session, name, channel.id)
        changed.append("name")
    if base_url is not None and channel.kind != ChannelKind.CSV:
        url = normalise_base_url(base_url)
        if url != channel.base_url:
            channel.base_url = url
            changed.append("address")
    secrets: dict[str, str] = {}
    if settings:
        plain, secrets = _split(channel.kind, settings)
        before = dict(channel.settings or {})
        merged = dict(before)
        for key, value in plain.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        if merged != before:
            changed += sorted(k for k in {*before, *merged} if before.get(k) != merged.get(k))
            channel.settings = merged
        _check_credentials(channel.kind, channel.id, merged, secrets)
    if enabled is not None and bool(enabled) != channel.enabled:
        channel.enabled = bool(enabled)
        changed.append("enabled" if enabled else "disabled")
    if stock_buffer is not None and stock_buffer != channel.stock_buffer:
        if stock_buffer < 0:
            raise ValidationError("the stock buffer must not be negative", field="stock_buffer")
        channel.stock_buffer = stock_buffer
        changed.append("stock buffer")
    for key, value in secrets.items():
        set_secret(secret_key(channel.id, key), value)
        changed.append(f"{key} {'replaced' if value else 'removed'}")
    if changed:
        record_event(
            session,
            actor=actor,
            action="channel.update",
            entity_type="channel",
            entity_id=channel.id,
            summary=f"Changed channel {channel.name}: {', '.join(dict.fromkeys(changed))}",
            details={"settings": dict(channel.settings or {})},
        )
    session.flush()
    return channel_view(channel)


def get_channel(session: Session, channel_id: int) -> ChannelView:
    """One channel; raises NotFound."""
    return channel_view(_channel(session, channel_id))


def list_channels(session: Session, *, enabled_only: bool = False) -> list[ChannelView]:
    """Every channel by name."""
    query = select(Channel).order_by(Channel.name)
    if enabled_only:
        query = query.where(Channel.enabled.is_(True))
    return [channel_view(c) for c in session.scalars(query)]


def find_channel(session: Session, name_or_id: str) -> ChannelView:
    """A channel by id or name (ignoring case), as typed on the command line."""
    text = (name_or_id or "").strip()
    channel = None
    if text.isdigit():
        channel = session.get(Channel, int(text))
    if channel is None:
        channel = session.scalar(select(Channel).where(func.lower(Channel.name) == text.lower()))
    if channel is None:
        names = ", ".join(c.name for c in session.scalars(select(Channel).order_by(Channel.name)))
        raise NotFound(f"no channel {text!r}" + (f" (channels: {names})" if names else ""))
    return channel_view(channel)


# --------------------------------------------------------------------------------- connectors


def connector_for(
    channel: ChannelView,
    *,
    sleep: Callable[[float], None] | None = None,
    clock: Callable[[], float] | None = None,
    timeout: float | tuple[float, float] | None = None,
    retries: int | None = None,
) -> ChannelConnector:
    """The connector for a channel, with its secrets from the keyring (or environment).

    Raises ChannelAuthError when credentials are missing or the keyring cannot be read, and
    DomainError for a CSV channel."""
    settings = channel.settings or {}
    seconds = float(settings.get("timeout_s") or 30)
    options: dict[str, Any] = {"timeout": timeout or (min(10.0, seconds), seconds)}
    if sleep is not None:
        options["sleep"] = sleep
    if retries is not None:
        options["retries"] = retries

    def secret(name: str) -> str | None:
        try:
            return get_secret(secret_key(channel.id, name))
        except SecretStoreUnavailable as exc:
            raise ChannelAuthError(str(exc)) from None

    base_url = normalise_base_url(channel.base_url or "")
    if channel.kind == ChannelKind.SHOPIFY:
        from app.channels.shopify import DEFAULT_API_VERSION, ShopifyConnector

        if clock is not None:
            options["clock"] = clock
        token = secret("token")
        return ShopifyConnector(
            base_url,
            access_token=token,
            client_id=None if token else settings.get("client_id"),
            client_secret=None if token else secret("client_secret"),
            api_version=settings.get("api_version") or DEFAULT_API_VERSION,
            location_id=settings.get("location_id"),
            page_size=int(settings.get("page_size") or 250),
            lines_per_order=int(settings.get("lines_per_order") or 100),
            **options,
        )
    if channel.kind == ChannelKind.WOOCOMMERCE:
        from app.channels.woocommerce import DEFAULT_TRACKING_META_KEY, WooCommerceConnector

        return WooCommerceConnector(
            base_url,
            consumer_key=settings.get("consumer_key") or "",
            consumer_secret=secret("consumer_secret") or "",
            query_string_auth=bool(settings.get("query_string_auth")),
            page_size=int(settings.get("page_size") or 100),
            tracking_meta_key=settings.get("tracking_meta_key") or DEFAULT_TRACKING_META_KEY,
            tracking_note_to_customer=bool(settings.get("tracking_note_to_customer")),
            refund_via_gateway=bool(settings.get("refund_via_gateway")),
            **options,
        )
    raise DomainError(f"{channel.name} is a CSV channel: it has nothing to connect to")


def test_channel_connection(
    session_factory: sessionmaker[Session],
    channel_id: int,
    *,
    connector_factory: ConnectorFactory | None = None,
) -> str:
    """Reach the channel with its stored credentials; returns what answered ("Shopify shop
    Acme (API 2026-07)"). Raises ChannelError (auth, unreachable, bad reply) or NotFound."""
    with unit_of_work(session_factory, write=False) as session:
        view = get_channel(session, channel_id)
    connector = (connector_factory or connector_for)(view)
    try:
        return connector.test_connection()
    finally:
        connector.close()


test_channel_connection.__test__ = False  # a service, not a pytest test, wherever imported


# -------------------------------------------------------------------------------------- reads


def list_sync_runs(
    session: Session, *, channel_id: int | None = None, limit: int = 50
) -> list[SyncRunView]:
    """Newest first."""
    query = (
        select(SyncRun, Channel.name)
        .join(Channel, Channel.id == SyncRun.channel_id)
        .order_by(SyncRun.started_at.desc(), SyncRun.id.desc())
        .limit(limit)
    )
    if channel_id is not None:
        query = query.where(SyncRun.channel_id == channel_id)
    return [
        SyncRunView(
            r.id,
            r.channel_id,
            name,
            r.status,
            r.dry_run,
            r.started_at,
            r.finished_at,
            r.pulled,
            r.created,
            r.updated,
            r.pushed,
            r.errors,
            r.error_text,
        )
        for r, name in session.execute(query)
    ]


def list_outbox(
    session: Session,
    *,
    status: str | None = None,
    channel_id: int | None = None,
    problems_only: bool = False,
    limit: int = 200,
) -> list[OutboxRow]:
    """Newest first; `problems_only` shows dead messages and pending ones that failed before."""
    query = (
        select(OutboxMessage, Channel.name)
        .join(Channel, Channel.id == OutboxMessage.channel_id)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(limit)
    )
    if status is not None:
        if status not in set(OutboxStatus):
            raise ValidationError("status must be pending, sent or dead", field="status")
        query = query.where(OutboxMessage.status == status)
    if channel_id is not None:
        query = query.where(OutboxMessage.channel_id == channel_id)
    if problems_only:
        query = query.where(
            (OutboxMessage.status == OutboxStatus.DEAD)
            | ((OutboxMessage.status == OutboxStatus.PENDING) & (OutboxMessage.attempts > 0))
        )
    return [
        OutboxRow(
            m.id,
            m.channel_id,
            name,
            m.kind,
            m.idempotency_key,
            m.status,
            m.attempts,
            m.next_attempt_at,
            m.last_error,
            m.created_at,
            m.sent_at,
            f"{m.kind} " + _describe(m.kind, dict(m.payload or {})).removeprefix("stock "),
        )
        for m, name in session.execute(query)
    ]


# ------------------------------------------------------------------------------------ the run


def run_sync(
    session_factory: sessionmaker[Session],
    channel_id: int | None = None,
    *,
    dry_run: bool = False,
    push: bool = True,
    full: bool = False,
    listings: bool = False,
    connector_factory: ConnectorFactory | None = None,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    now: datetime | None = None,
    actor: str = "sync",
) -> RunSyncReport:
    """Pull orders, queue changed stock levels, then send the outbox, for one channel or every
    enabled Shopify/WooCommerce channel (`listings`: first link catalog products to the
    channel's products by SKU, see app.channels.listings). One channel's failure does not
    stop the others. Prints nothing: the CLI prints `report.lines()` and exits non-zero unless
    `report.ok`; the app's scheduler calls this off the GUI thread. A dry run writes nothing
    and reports what would be created, updated, flagged, queued and sent."""
    with unit_of_work(session_factory, write=False) as session:
        if channel_id is not None:
            views = [get_channel(session, channel_id)]
        else:
            views = [
                v
                for v in list_channels(session, enabled_only=True)
                if v.kind in (ChannelKind.SHOPIFY, ChannelKind.WOOCOMMERCE)
            ]
    factory = connector_factory or connector_for
    results = []
    for view in views:
        if cancelled is not None and cancelled():
            break
        try:
            connector = factory(view) if view.kind != ChannelKind.CSV else None
        except ChannelError as exc:
            # no connection at all (missing secret, keyring locked): still a recorded run
            problem = exc

            def failing(_view: ChannelView, problem: ChannelError = problem) -> ChannelConnector:
                raise problem

            try:
                report = pull_orders(
                    session_factory, view.id, connector_factory=failing, dry_run=dry_run, now=now
                )
                results.append(ChannelSyncResult(view.id, view.name, report, None))
            except DomainError as error:
                results.append(ChannelSyncResult(view.id, view.name, None, None, error=str(error)))
            continue
        except DomainError as exc:
            results.append(ChannelSyncResult(view.id, view.name, None, None, error=str(exc)))
            continue
        try:
            results.append(
                _sync_channel(
                    session_factory,
                    view,
                    connector,
                    dry_run=dry_run,
                    push=push,
                    full=full,
                    listings=listings,
                    progress=progress,
                    cancelled=cancelled,
                    now=now,
                    actor=actor,
                )
            )
        except DomainError as exc:
            results.append(ChannelSyncResult(view.id, view.name, None, None, error=str(exc)))
        finally:
            if connector is not None:
                connector.close()
    return RunSyncReport(dry_run, tuple(results))


def _sync_channel(
    session_factory: sessionmaker[Session],
    view: ChannelView,
    connector: ChannelConnector | None,
    *,
    dry_run: bool,
    push: bool,
    full: bool,
    listings: bool,
    progress: Progress | None,
    cancelled: Callable[[], bool] | None,
    now: datetime | None,
    actor: str,
) -> ChannelSyncResult:
    pull = pull_orders(
        session_factory,
        view.id,
        connector=connector,
        dry_run=dry_run,
        full=full,
        progress=progress,
        cancelled=cancelled,
        now=now,
        actor=actor,
    )
    queued = would_push = 0
    report: OutboxReport | None = None
    if dry_run:
        with unit_of_work(session_factory, write=False) as session:
            candidates = stock_push_candidates(session, channel_id=view.id)
            queued = sum(
                1
                for p in plan_stock_pushes(session, candidates, channel_id=view.id)
                if p.available >= 0
            )
            would_push = (
                session.scalar(
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(
                        OutboxMessage.channel_id == view.id,
                        OutboxMessage.status == OutboxStatus.PENDING,
                    )
                )
                or 0
            )
        return ChannelSyncResult(view.id, view.name, pull, None, queued, would_push)
    if not push or not pull.ok:
        return ChannelSyncResult(view.id, view.name, pull, None)
    linked = 0
    if listings:
        try:
            linked = link_listings(session_factory, view.id, connector=connector).linked
        except ChannelError as exc:
            return ChannelSyncResult(view.id, view.name, pull, None, error=str(exc))
    with unit_of_work(session_factory) as session:
        queued = queue_stock_updates(
            session, stock_push_candidates(session, channel_id=view.id), channel_id=view.id
        )
    report = send_outbox(
        session_factory,
        channel_id=view.id,
        connector_factory=lambda _view: connector,
        now=now,
        close_connectors=False,
        actor=actor,
    )
    if pull.run_id is not None:
        with unit_of_work(session_factory) as session:
            session.execute(
                update(SyncRun)
                .where(SyncRun.id == pull.run_id)
                .values(
                    pushed=report.sent,
                    error_text=_join(
                        session.scalar(select(SyncRun.error_text).where(SyncRun.id == pull.run_id)),
                        report.errors,
                    ),
                )
            )
    return ChannelSyncResult(view.id, view.name, pull, report, queued, linked=linked)


def _join(text: str | None, errors: tuple[str, ...]) -> str | None:
    if not errors:
        return text
    extra = "\n".join(f"push: {e}" for e in errors)
    return f"{text}\n{extra}" if text else extra
