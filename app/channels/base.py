"""Channel connector contract: normalised order DTOs, push inputs, errors and the HTTP helper."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable
from urllib.parse import quote, urlsplit

import requests

from app.errors import DomainError, ValidationError
from app.money import currency_exponent, plain_amount

# ----------------------------------------------------------------------------------------- errors


class ChannelError(DomainError):
    """A channel could not be reached or refused a request; the message is safe to show and log
    (it never contains a token, key or secret)."""


class ChannelAuthError(ChannelError):
    """401/403: the stored credentials are wrong, expired or lack a permission."""


class ChannelThrottled(ChannelError):
    """The channel asked us to slow down for longer than we wait in one call."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ChannelUnavailable(ChannelError):
    """5xx, timeouts, refused connections: try again later."""


class ChannelDataError(ChannelError):
    """The channel answered with something we cannot read (not JSON, unexpected shape)."""


class ChannelRejected(ChannelError):
    """The channel understood the request and refused it (validation, 4xx, userErrors)."""


# ------------------------------------------------------------------------------------ money, time


def to_minor(amount: Any, currency: str, *, what: str = "amount") -> int:
    """A channel's decimal amount ("19.99", 19.99, None) in integer minor units (half up)."""
    if amount is None or amount == "":
        return 0
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        raise ChannelDataError(
            f"the channel sent {what} {str(amount)[:30]!r}, not a number"
        ) from None
    if not value.is_finite():
        raise ChannelDataError(f"the channel sent {what} {str(amount)[:30]!r}, not a number")
    scaled = value.scaleb(currency_exponent(currency)).quantize(Decimal(1), ROUND_HALF_UP)
    return int(scaled)


def from_minor(minor: int, currency: str) -> str:
    """Minor units as the decimal string channels expect ("12.50")."""
    return plain_amount(minor, currency)


def parse_time(value: Any, *, what: str = "timestamp") -> datetime:
    """An ISO-8601 time from a channel as an aware UTC datetime (no offset means UTC)."""
    if not isinstance(value, str) or not value:
        raise ChannelDataError(f"the channel sent no {what}")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ChannelDataError(f"the channel sent {what} {value[:40]!r}, not a time") from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


# ------------------------------------------------------------------------------------------- DTOs


class ExternalStatus(StrEnum):
    """Where a channel order stands, in the terms the sync acts on."""

    PENDING = "pending"  # awaiting payment: imported as a draft
    OPEN = "open"  # to be shipped by us
    FULFILLED = "fulfilled"  # shipped (by us, or elsewhere before we saw it)
    CANCELLED = "cancelled"  # cancelled, refunded before shipping, failed


@dataclass(frozen=True, slots=True)
class ExternalAddress:
    name: str
    address1: str
    city: str
    postal_code: str
    country: str
    region: str = ""
    address2: str = ""
    company: str = ""
    phone: str = ""


@dataclass(frozen=True, slots=True)
class ExternalLine:
    external_line_id: str
    sku: str
    name: str
    quantity: int  # current quantity (after edits and removals on the channel)
    unit_price_minor: int
    discount_minor: int = 0  # on the whole line
    remote_product_id: str | None = None
    remote_variant_id: str | None = None
    remote_inventory_item_id: str | None = None


@dataclass(frozen=True, slots=True)
class ExternalOrder:
    """One order as a channel reports it, normalised: money in minor units, times aware UTC."""

    external_id: str
    name: str  # the number the customer sees ("#1001", "727")
    placed_at: datetime
    updated_at: datetime
    status: ExternalStatus
    financial_status: str  # the channel's own word, lower case ("paid", "processing")
    payment_status: str  # Packbench's: pending, paid, partially_refunded, refunded
    currency: str
    lines: tuple[ExternalLine, ...]
    subtotal_minor: int = 0
    discount_minor: int = 0  # order-level discount not already on the lines
    shipping_minor: int = 0
    tax_minor: int = 0
    total_minor: int = 0
    refunded_minor: int = 0
    email: str | None = None
    phone: str | None = None
    ship_to: ExternalAddress | None = None  # None: no address, or redacted (protected data)
    bill_country: str | None = None
    notes: str | None = None
    risk_level: str | None = None  # "low", "medium", "high" or None when unknown
    customer_data_redacted: bool = False


@dataclass(frozen=True, slots=True)
class OrderPage:
    orders: tuple[ExternalOrder, ...]
    next_cursor: str | None  # None: this was the last page
    total_pages: int | None = None  # when the channel says (WooCommerce)
    page_number: int = 1


@dataclass(frozen=True, slots=True)
class StockItem:
    """An absolute stock level to set on the channel for one of our products."""

    product_id: int
    sku: str
    available: int
    idempotency_key: str
    remote_product_id: str | None = None
    remote_variant_id: str | None = None
    remote_inventory_item_id: str | None = None


@dataclass(frozen=True, slots=True)
class StockResult:
    """What a stock push did; the remote ids found on the way are stored as the listing."""

    product_id: int
    found: bool  # False: no product with that SKU on the channel (nothing was set)
    remote_product_id: str | None = None
    remote_variant_id: str | None = None
    remote_inventory_item_id: str | None = None


@dataclass(frozen=True, slots=True)
class PushResult:
    """Outcome of a fulfilment or refund push."""

    remote_id: str | None
    already_present: bool = False  # the channel already had it (a retry after a crash)
    detail: str = ""


@dataclass(frozen=True, slots=True)
class RemoteListing:
    """A product or variant the channel sells, by SKU."""

    sku: str
    remote_product_id: str | None
    remote_variant_id: str | None = None
    remote_inventory_item_id: str | None = None


@dataclass(frozen=True, slots=True)
class ListingPage:
    items: tuple[RemoteListing, ...]
    next_cursor: str | None


@runtime_checkable
class ChannelConnector(Protocol):
    """What the sync and the outbox need from a channel. Implementations do network I/O only:
    they never touch the database, and every error they raise is a ChannelError."""

    kind: str

    def fetch_orders(self, since: datetime | None, cursor: str | None = None) -> OrderPage:
        """One page of orders updated at or after `since` (oldest update first)."""
        ...

    def fetch_listings(self, cursor: str | None = None) -> ListingPage:
        """One page of the products/variants the channel sells, with their SKUs."""
        ...

    def push_stock(self, items: Sequence[StockItem]) -> list[StockResult]:
        """Set absolute available quantities."""
        ...

    def push_fulfillment(self, payload: Mapping[str, Any], *, idempotency_key: str) -> PushResult:
        """Mark shipped with tracking (payload of app.shipping's outbox message)."""
        ...

    def push_refund(self, payload: Mapping[str, Any], *, idempotency_key: str) -> PushResult:
        """Record a refund (payload of app.returns' outbox message)."""
        ...

    def test_connection(self) -> str:
        """A short description of what we reached ("Shopify shop Acme"); raises ChannelError."""
        ...

    def close(self) -> None: ...


# ------------------------------------------------------------------------------------------- HTTP

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def normalise_base_url(url: str) -> str:
    """Check a channel's base URL: https (plain http only for this machine, used by test
    servers), a host, no credentials, query or fragment. Returns it without a trailing slash."""
    text = (url or "").strip()
    parts = urlsplit(text)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValidationError(
            "the shop address must look like https://myshop.example.com", field="base_url"
        )
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        raise ValidationError(
            "the shop address must start with https:// (keys must not travel unencrypted)",
            field="base_url",
        )
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValidationError(
            "the shop address must not contain a user name, password, ? or #", field="base_url"
        )
    return text.rstrip("/")


@dataclass
class HttpClient:
    """requests.Session wrapper that turns transport problems into ChannelErrors.

    Retries idempotent requests on timeouts, connection errors, 500/502/503/504 (`retries`
    times, 1 s, 2 s, 4 s … apart), waits out 429 + Retry-After up to `max_wait` seconds per
    wait, and maps 401/403 to ChannelAuthError. `sleep` and `clock` are injectable so tests
    never wait. Messages name the host, never a URL (query-string auth would leak a key).
    """

    label: str  # "Shopify", "WooCommerce"
    host: str
    timeout: float | tuple[float, float] = (10.0, 60.0)
    retries: int = 2
    max_wait: float = 120.0
    throttle_retries: int = 8
    sleep: Callable[[float], None] = time.sleep
    session: requests.Session = field(default_factory=requests.Session)
    secrets: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # urllib3 logs request lines (with the query string) at DEBUG: keep secrets out of them
        self._filter = _RedactFilter(self)
        for name in _TRANSPORT_LOGGERS:
            logging.getLogger(name).addFilter(self._filter)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            if secret:
                text = text.replace(secret, "•••").replace(quote(secret, safe=""), "•••")
        return text

    def request(
        self, method: str, url: str, *, idempotent: bool = True, **kwargs: Any
    ) -> requests.Response:
        """Send one request (with the retries above); 2xx, 3xx and 4xx other than 401/403/429
        come back for the caller to judge."""
        attempt = throttled = 0
        while True:
            try:
                response = self.session.request(method, url, timeout=self.timeout, **kwargs)
            except requests.Timeout:
                problem = f"{self.label} at {self.host} did not answer in time"
                if not idempotent or attempt >= self.retries:
                    raise ChannelUnavailable(problem + "; try again later") from None
            except requests.ConnectionError:
                problem = f"cannot reach {self.label} at {self.host}"
                if not idempotent or attempt >= self.retries:
                    raise ChannelUnavailable(
                        problem + " (network down or shop offline); try again later"
                    ) from None
            except requests.RequestException as exc:
                raise ChannelUnavailable(
                    f"request to {self.label} at {self.host} failed ({type(exc).__name__})"
                ) from None
            else:
                status = response.status_code
                if status == 403 and "html" in response.headers.get("Content-Type", ""):
                    raise ChannelDataError(
                        f"{self.label} at {self.host} answered with a web page (HTTP 403) "
                        "instead of JSON: a firewall or security plugin may be blocking the app"
                    )
                if status in (401, 403):
                    raise ChannelAuthError(self.auth_message(status))
                if status == 429:
                    wait = retry_after_seconds(response.headers.get("Retry-After"), default=2.0)
                    if wait > self.max_wait or throttled >= self.throttle_retries:
                        raise ChannelThrottled(
                            f"{self.label} at {self.host} is rate limiting us; "
                            f"retry in {wait:.0f} s",
                            wait,
                        )
                    throttled += 1
                    self.sleep(wait)
                    continue
                if status in (500, 502, 503, 504):
                    problem = f"{self.label} at {self.host} answered HTTP {status}"
                    if not idempotent or attempt >= self.retries:
                        raise ChannelUnavailable(problem + "; try again later")
                else:
                    return response
            self.sleep(float(2**attempt))
            attempt += 1

    def auth_message(self, status: int) -> str:
        what = "refused the credentials" if status == 401 else "refused access"
        return (
            f"{self.label} at {self.host} {what} (HTTP {status}): check the channel's "
            "credentials and permissions in the channel settings"
        )

    def json(self, response: requests.Response) -> Any:
        """The response body as JSON, or ChannelDataError saying what came instead."""
        try:
            return response.json()
        except ValueError:
            kind = response.headers.get("Content-Type", "").split(";")[0].strip() or "no type"
            hint = (
                " (a web page: a firewall, maintenance or login page?)"
                if "html" in kind or response.text.lstrip().startswith("<")
                else ""
            )
            raise ChannelDataError(
                f"{self.label} at {self.host} sent a reply that is not JSON "
                f"(HTTP {response.status_code}, {kind}){hint}"
            ) from None

    def close(self) -> None:
        self.session.close()
        for name in _TRANSPORT_LOGGERS:
            logging.getLogger(name).removeFilter(self._filter)


_TRANSPORT_LOGGERS = ("urllib3.connectionpool", "requests")


class _RedactFilter(logging.Filter):
    def __init__(self, client: HttpClient) -> None:
        super().__init__()
        self.client = client

    def filter(self, record: logging.LogRecord) -> bool:
        if self.client.secrets:
            message = record.getMessage()
            cleaned = self.client.redact(message)
            if cleaned != message:
                record.msg, record.args = cleaned, ()
        return True


def retry_after_seconds(value: str | None, *, default: float) -> float:
    """Seconds from a Retry-After header (a number; HTTP dates are rare here: default)."""
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        return default
    return max(seconds, 0.0) if seconds == seconds else default


def host_of(base_url: str) -> str:
    parts = urlsplit(base_url)
    return parts.netloc or base_url


def text_of(value: Any) -> str:
    """A payload field as stripped text; anything that is not a string is ''."""
    return value.strip() if isinstance(value, str) else ""


def required_field(payload: Mapping[str, Any], key: str) -> str:
    """An outbox payload field a push cannot do without (ChannelRejected if it is missing)."""
    value = payload.get(key)
    if not value:
        raise ChannelRejected(f"the message has no {key.replace('_', ' ')}")
    return str(value)
