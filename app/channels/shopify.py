"""Shopify connector: GraphQL Admin API over requests (orders, fulfilments, stock, refunds).

Auth: a stored Admin API access token (legacy custom apps, `shpat_…`), or the client
credentials grant of a Dev Dashboard app on the merchant's own store (client id + secret →
a token that lives about 24 hours; cached and fetched again five minutes before it expires,
or at once when Shopify answers 401).

Rate limits: every GraphQL answer carries `extensions.cost.throttleStatus`; before a request
whose last cost no longer fits the bucket we wait for it to refill, and a THROTTLED answer is
retried after (requested − currentlyAvailable) / restoreRate seconds. HTTP 429 honours
Retry-After. A query over the single-query cost ceiling (MAX_COST_EXCEEDED) is repeated with a
smaller page.

Refunds implement this subset of refundCreate: the RMA's line items with NO_RESTOCK (our own
stock pushes keep Shopify's numbers right) and one REFUND transaction of the amount against the
order's first successful sale or capture; the note names the RMA and refund number, which is
how a retry recognises a refund that already went through.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import requests

from app.channels.base import (
    ChannelAuthError,
    ChannelDataError,
    ChannelRejected,
    ChannelThrottled,
    ChannelUnavailable,
    ExternalAddress,
    ExternalLine,
    ExternalOrder,
    ExternalStatus,
    HttpClient,
    ListingPage,
    OrderPage,
    PushResult,
    RemoteListing,
    StockItem,
    StockResult,
    from_minor,
    host_of,
    parse_time,
    required_field,
    text_of,
    to_minor,
)

DEFAULT_API_VERSION = "2026-07"
TOKEN_REFRESH_MARGIN = 300.0  # seconds before expiry when a client-credentials token is renewed

_MONEY = "shopMoney { amount }"
_LINE_FIELDS = f"""
      id sku name quantity currentQuantity requiresShipping
      originalUnitPriceSet {{ {_MONEY} }}
      totalDiscountSet {{ {_MONEY} }}
      variant {{
        legacyResourceId product {{ legacyResourceId }} inventoryItem {{ legacyResourceId }}
      }}
"""
ORDERS_QUERY = f"""
query PackbenchOrders($first: Int!, $after: String, $query: String, $lines: Int!) {{
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{
      id legacyResourceId name email phone createdAt processedAt updatedAt cancelledAt note
      displayFinancialStatus displayFulfillmentStatus currencyCode
      subtotalPriceSet {{ {_MONEY} }}
      totalDiscountsSet {{ {_MONEY} }}
      totalShippingPriceSet {{ {_MONEY} }}
      totalTaxSet {{ {_MONEY} }}
      totalPriceSet {{ {_MONEY} }}
      totalRefundedSet {{ {_MONEY} }}
      shippingAddress {{
        name firstName lastName company address1 address2 city province provinceCode zip
        countryCodeV2 phone
      }}
      billingAddress {{ countryCodeV2 }}
      risk {{ assessments {{ riskLevel }} }}
      lineItems(first: $lines) {{
        pageInfo {{ hasNextPage endCursor }}
        nodes {{ {_LINE_FIELDS} }}
      }}
    }}
  }}
}}
"""
ORDER_LINES_QUERY = f"""
query PackbenchOrderLines($id: ID!, $after: String, $lines: Int!) {{
  order(id: $id) {{
    lineItems(first: $lines, after: $after) {{
      pageInfo {{ hasNextPage endCursor }}
      nodes {{ {_LINE_FIELDS} }}
    }}
  }}
}}
"""
FULFILLMENT_ORDERS_QUERY = """
query PackbenchFulfillmentOrders($id: ID!) {
  order(id: $id) {
    id
    fulfillments(first: 50) { id status trackingInfo(first: 10) { number company url } }
    fulfillmentOrders(first: 20) {
      nodes {
        id status supportedActions { action }
        lineItems(first: 250) { nodes { id remainingQuantity lineItem { id } } }
      }
    }
  }
}
"""
FULFILLMENT_CREATE = """
mutation PackbenchFulfil($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) {
    fulfillment { id status }
    userErrors { field message }
  }
}
"""
VARIANT_BY_SKU_QUERY = """
query PackbenchVariantBySku($query: String!) {
  productVariants(first: 10, query: $query) {
    nodes { legacyResourceId sku product { legacyResourceId } inventoryItem { legacyResourceId } }
  }
}
"""
VARIANTS_QUERY = """
query PackbenchVariants($first: Int!, $after: String) {
  productVariants(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { legacyResourceId sku product { legacyResourceId } inventoryItem { legacyResourceId } }
  }
}
"""
LOCATIONS_QUERY = """
query PackbenchLocations { locations(first: 1) { nodes { id legacyResourceId name } } }
"""
SET_QUANTITIES = """
mutation PackbenchSetStock($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { id }
    userErrors { field message code }
  }
}
"""
REFUND_CONTEXT_QUERY = """
query PackbenchRefundContext($id: ID!) {
  order(id: $id) {
    id
    refunds(first: 50) { id note }
    transactions(first: 20) { id kind status gateway }
  }
}
"""
REFUND_CREATE = """
mutation PackbenchRefund($input: RefundInput!, $key: String!) {
  refundCreate(input: $input) @idempotent(key: $key) {
    refund { id }
    userErrors { field message }
  }
}
"""
SHOP_QUERY = "query PackbenchShop { shop { name myshopifyDomain currencyCode } }"

# Our carrier codes (app.shipping.tracking) → the company names Shopify recognises.
TRACKING_COMPANIES = {
    "ups": "UPS",
    "usps": "USPS",
    "fedex": "FedEx",
    "dhl": "DHL Express",
    "canada_post": "Canada Post",
    "royal_mail": "Royal Mail",
    "dpd": "DPD",
    "purolator": "Purolator",
    "ontrac": "OnTrac",
    "amazon": "Amazon Logistics US",
}

_GID = re.compile(r"^gid://shopify/\w+/(\d+)")


def gid(kind: str, legacy_id: str | int) -> str:
    text = str(legacy_id)
    return text if text.startswith("gid://") else f"gid://shopify/{kind}/{text}"


def legacy_id(value: str | None) -> str | None:
    if not value:
        return None
    match = _GID.match(value)
    return match.group(1) if match else str(value)


class _CostTooHigh(Exception):
    def __init__(self, requested: float | None) -> None:
        super().__init__("query cost over the limit")
        self.requested = requested


def _money(node: Mapping | None, key: str, currency: str) -> int:
    value = (node or {}).get(key) or {}
    amount = (value.get("shopMoney") or {}).get("amount")
    return to_minor(amount, currency, what=key)


class ShopifyConnector:
    """ChannelConnector for one Shopify store (GraphQL Admin API)."""

    kind = "shopify"

    def __init__(
        self,
        base_url: str,
        *,
        access_token: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        api_version: str = DEFAULT_API_VERSION,
        location_id: str | None = None,
        page_size: int = 250,
        lines_per_order: int = 100,
        timeout: float | tuple[float, float] = (10.0, 60.0),
        retries: int = 2,
        max_wait: float = 120.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        session: requests.Session | None = None,
    ) -> None:
        if not access_token and not (client_id and client_secret):
            raise ChannelAuthError(
                "this Shopify channel has no credentials: enter an Admin API access token, "
                "or the app's client id and client secret"
            )
        self.base_url = base_url.rstrip("/")
        self.api_version = api_version
        self.endpoint = f"{self.base_url}/admin/api/{api_version}/graphql.json"
        self.page_size = max(1, min(int(page_size), 250))
        self.lines_per_order = max(1, min(int(lines_per_order), 250))
        self.location_id = location_id
        self._static_token = access_token
        self._client_id = client_id
        self._client_secret = client_secret
        self._token: str | None = access_token
        self._token_expires: float | None = None
        self.clock = clock
        self.sleep = sleep
        self.http = HttpClient(
            "Shopify",
            host_of(self.base_url),
            timeout=timeout,
            retries=retries,
            max_wait=max_wait,
            sleep=sleep,
            session=session or requests.Session(),
            secrets=tuple(s for s in (access_token, client_secret) if s),
        )
        self.http.auth_message = self._auth_message  # type: ignore[method-assign]
        self._bucket: tuple[float, float, float, float] | None = None  # avail, max, rate, at
        self._costs: dict[str, float] = {}
        self.tokens_fetched = 0

    # ------------------------------------------------------------------------------ plumbing

    def _auth_message(self, status: int) -> str:
        what = "access token" if self._static_token else "client id and client secret"
        if status == 403:
            return (
                f"Shopify at {self.http.host} refused access (HTTP 403): the app lacks a "
                "permission (API scope) or protected customer data access; check the app's "
                "configuration"
            )
        return (
            f"Shopify at {self.http.host} refused the {what} (HTTP 401): check the channel's "
            "credentials in the channel settings"
        )

    def _access_token(self, *, renew: bool = False) -> str:
        if self._static_token:
            return self._static_token
        now = self.clock()
        if (
            not renew
            and self._token
            and self._token_expires is not None
            and now < self._token_expires - TOKEN_REFRESH_MARGIN
        ):
            return self._token
        try:
            response = self.http.request(
                "POST",
                f"{self.base_url}/admin/oauth/access_token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": self._client_id,
                    "client_secret": self._client_secret,
                },
                headers={"Accept": "application/json"},
            )
        except ChannelAuthError:
            raise ChannelAuthError(
                f"Shopify at {self.http.host} refused the client id and client secret: check "
                "them in the channel settings (the app must be installed on this store)"
            ) from None
        if response.status_code >= 400:
            raise ChannelAuthError(
                f"Shopify at {self.http.host} did not issue an access token "
                f"(HTTP {response.status_code}): check the client id and client secret"
            )
        body = self.http.json(response)
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise ChannelDataError(f"Shopify at {self.http.host} sent no access token")
        try:
            lifetime = float(body.get("expires_in") or 86_400)
        except (TypeError, ValueError):
            lifetime = 86_400.0
        self._token, self._token_expires = token, now + lifetime
        self.http.secrets = (*self.http.secrets, token)
        self.tokens_fetched += 1
        return token

    def _wait_for_bucket(self, operation: str) -> None:
        """Sleep until the bucket holds what this operation cost last time (no THROTTLED)."""
        if self._bucket is None or operation not in self._costs:
            return
        available, maximum, rate, at = self._bucket
        if rate <= 0:
            return
        now = self.clock()
        estimate = min(maximum, available + (now - at) * rate)
        need = min(self._costs[operation], maximum)
        if estimate < need - 1e-6:
            wait = (need - estimate) / rate
            if wait > self.http.max_wait:
                raise ChannelThrottled(
                    f"Shopify at {self.http.host} is rate limiting us; retry in {wait:.0f} s", wait
                )
            self.sleep(wait)

    def _note_cost(self, operation: str, body: Mapping) -> dict:
        cost = ((body.get("extensions") or {}).get("cost")) or {}
        status = cost.get("throttleStatus") or {}
        try:
            if status:
                self._bucket = (
                    float(status["currentlyAvailable"]),
                    float(status["maximumAvailable"]),
                    float(status["restoreRate"]),
                    self.clock(),
                )
            if cost.get("requestedQueryCost") is not None:
                self._costs[operation] = float(cost["requestedQueryCost"])
        except (KeyError, TypeError, ValueError):
            pass
        return cost

    def graphql(
        self, query: str, variables: Mapping[str, Any] | None = None, *, read: bool = True
    ) -> dict:
        """Run one GraphQL operation and return its `data`; throttling is waited out.

        Raises ChannelAuthError (401/403/ACCESS_DENIED), ChannelThrottled (a wait over
        `max_wait`), ChannelUnavailable, ChannelDataError or ChannelRejected (other errors).
        """
        operation = query.split("(", 1)[0].split("{", 1)[0].strip()
        throttled = 0
        renewed = False
        while True:
            self._wait_for_bucket(operation)
            token = self._access_token()
            try:
                response = self.http.request(
                    "POST",
                    self.endpoint,
                    json={"query": query, "variables": dict(variables or {})},
                    headers={"X-Shopify-Access-Token": token, "Accept": "application/json"},
                    idempotent=read,
                )
            except ChannelAuthError:
                if self._static_token or renewed:
                    raise
                renewed = True  # the token may have been revoked early: fetch a new one once
                self._access_token(renew=True)
                continue
            status = response.status_code
            if status in (402, 423):
                raise ChannelUnavailable(
                    f"Shopify at {self.http.host} says the shop is "
                    f"{'frozen (unpaid)' if status == 402 else 'locked'} (HTTP {status})"
                )
            if status == 404:
                raise ChannelRejected(
                    f"Shopify at {self.http.host} answered 404: check the shop address and the "
                    f"API version ({self.api_version})"
                )
            body = self.http.json(response)
            if not isinstance(body, dict):
                raise ChannelDataError(f"Shopify at {self.http.host} sent an unexpected reply")
            cost = self._note_cost(operation, body)
            errors = body.get("errors")
            if status >= 400 and not errors:
                raise ChannelRejected(
                    f"Shopify at {self.http.host} refused the request (HTTP {status})"
                )
            if errors:
                codes = _error_codes(errors)
                if "THROTTLED" in codes:
                    wait = _throttle_wait(cost)
                    if wait > self.http.max_wait or throttled >= self.http.throttle_retries:
                        raise ChannelThrottled(
                            f"Shopify at {self.http.host} is rate limiting us; "
                            f"retry in {wait:.0f} s",
                            wait,
                        )
                    throttled += 1
                    self.sleep(wait)
                    continue
                if "MAX_COST_EXCEEDED" in codes:
                    raise _CostTooHigh(_number(cost.get("requestedQueryCost")))
                message = self.http.redact(_first_message(errors))
                if "ACCESS_DENIED" in codes:
                    raise ChannelAuthError(
                        f"Shopify at {self.http.host} denied access ({message}): the app lacks "
                        "a permission (API scope); check the app's configuration"
                    )
                raise ChannelRejected(f"Shopify at {self.http.host} refused the request: {message}")
            data = body.get("data")
            if not isinstance(data, dict):
                raise ChannelDataError(f"Shopify at {self.http.host} sent no data")
            return data

    def close(self) -> None:
        self.http.close()

    # -------------------------------------------------------------------------------- orders

    def test_connection(self) -> str:
        shop = self.graphql(SHOP_QUERY).get("shop") or {}
        name = shop.get("name") or shop.get("myshopifyDomain") or self.http.host
        return f"Shopify shop {name} (API {self.api_version})"

    def fetch_orders(self, since: datetime | None, cursor: str | None = None) -> OrderPage:
        """Orders updated at or after `since`, oldest update first, `page_size` at a time."""
        query = None
        if since is not None:
            stamp = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            query = f"updated_at:>='{stamp}'"
        while True:
            variables = {
                "first": self.page_size,
                "after": cursor,
                "query": query,
                "lines": self.lines_per_order,
            }
            try:
                data = self.graphql(ORDERS_QUERY, variables)
                break
            except _CostTooHigh as exc:
                if self.page_size <= 1:
                    raise ChannelRejected(
                        f"Shopify at {self.http.host} refuses even one order per query as too "
                        "expensive; lower lines_per_order in the channel settings"
                    ) from None
                shrink = self.page_size // 2
                if exc.requested:
                    shrink = min(shrink, int(self.page_size * 1000 / exc.requested) or 1)
                self.page_size = max(1, shrink)
        try:
            connection = data["orders"]
            nodes = connection["nodes"]
            info = connection.get("pageInfo") or {}
            orders = tuple(self._order(node) for node in nodes)
        except (KeyError, TypeError, AttributeError) as exc:
            raise ChannelDataError(
                f"Shopify at {self.http.host} sent orders in an unexpected shape "
                f"({type(exc).__name__}: {exc})"[:300]
            ) from None
        next_cursor = info.get("endCursor") if info.get("hasNextPage") else None
        return OrderPage(orders, next_cursor)

    def _all_lines(self, node: Mapping) -> list[Mapping]:
        connection = node.get("lineItems") or {}
        lines = list(connection.get("nodes") or [])
        info = connection.get("pageInfo") or {}
        while info.get("hasNextPage"):
            data = self.graphql(
                ORDER_LINES_QUERY,
                {"id": node["id"], "after": info.get("endCursor"), "lines": self.lines_per_order},
            )
            connection = (data.get("order") or {}).get("lineItems") or {}
            lines += connection.get("nodes") or []
            info = connection.get("pageInfo") or {}
        return lines

    def _order(self, node: Mapping) -> ExternalOrder:
        currency = node.get("currencyCode") or "USD"
        lines = []
        for item in self._all_lines(node):
            if item.get("requiresShipping") is False:
                continue  # gift cards, digital goods: nothing to pick
            quantity = item.get("currentQuantity")
            if quantity is None:
                quantity = item.get("quantity") or 0
            variant = item.get("variant") or {}
            lines.append(
                ExternalLine(
                    external_line_id=legacy_id(item["id"]) or "",
                    sku=text_of(item.get("sku")),
                    name=text_of(item.get("name")) or text_of(item.get("sku")) or "(no name)",
                    quantity=int(quantity),
                    unit_price_minor=_money(item, "originalUnitPriceSet", currency),
                    discount_minor=_money(item, "totalDiscountSet", currency),
                    remote_product_id=(variant.get("product") or {}).get("legacyResourceId"),
                    remote_variant_id=variant.get("legacyResourceId"),
                    remote_inventory_item_id=(variant.get("inventoryItem") or {}).get(
                        "legacyResourceId"
                    ),
                )
            )
        ship = node.get("shippingAddress")
        email = node.get("email") or None
        redacted = ship is None or not (ship.get("address1") and _ship_name(ship))
        ship_to = None
        if not redacted:
            ship_to = ExternalAddress(
                name=_ship_name(ship),
                address1=text_of(ship.get("address1")),
                address2=text_of(ship.get("address2")),
                city=text_of(ship.get("city")),
                region=text_of(ship.get("provinceCode")) or text_of(ship.get("province")),
                postal_code=text_of(ship.get("zip")),
                country=text_of(ship.get("countryCodeV2")).upper(),
                company=text_of(ship.get("company")),
                phone=text_of(ship.get("phone")),
            )
        financial = (node.get("displayFinancialStatus") or "").upper()
        fulfilment = (node.get("displayFulfillmentStatus") or "").upper()
        if node.get("cancelledAt"):
            status = ExternalStatus.CANCELLED
        elif fulfilment in ("FULFILLED", "RESTOCKED"):
            status = ExternalStatus.FULFILLED
        elif financial in ("PENDING", "EXPIRED", "VOIDED"):
            status = ExternalStatus.PENDING
        else:
            status = ExternalStatus.OPEN
        payment = {
            "PAID": "paid",
            "PARTIALLY_REFUNDED": "partially_refunded",
            "REFUNDED": "refunded",
        }.get(financial, "pending")
        levels = [
            (a or {}).get("riskLevel") for a in ((node.get("risk") or {}).get("assessments") or [])
        ]
        risk = None
        for level in ("HIGH", "MEDIUM", "LOW", "NONE"):
            if level in levels:
                risk = level.lower()
                break
        bill = node.get("billingAddress") or {}
        total = _money(node, "totalPriceSet", currency)
        return ExternalOrder(
            external_id=str(node.get("legacyResourceId") or legacy_id(node["id"])),
            name=text_of(node.get("name")),
            placed_at=parse_time(node.get("processedAt") or node.get("createdAt"), what="date"),
            updated_at=parse_time(node.get("updatedAt"), what="updatedAt"),
            status=status,
            financial_status=financial.lower(),
            payment_status=payment,
            currency=currency.upper(),
            lines=tuple(lines),
            subtotal_minor=sum(
                max(x.quantity * x.unit_price_minor - x.discount_minor, 0) for x in lines
            ),
            discount_minor=0,  # Shopify allocates every discount to the line items
            shipping_minor=_money(node, "totalShippingPriceSet", currency),
            tax_minor=_money(node, "totalTaxSet", currency),
            total_minor=total,
            refunded_minor=_money(node, "totalRefundedSet", currency),
            email=email,
            phone=node.get("phone") or None,
            ship_to=ship_to,
            bill_country=(text_of(bill.get("countryCodeV2")) or None),
            notes=text_of(node.get("note")) or None,
            risk_level=risk,
            customer_data_redacted=redacted and email is None,
        )

    # --------------------------------------------------------------------------- fulfilments

    def push_fulfillment(self, payload: Mapping[str, Any], *, idempotency_key: str) -> PushResult:
        """Create a fulfilment with tracking for the payload's lines (fulfilment order line
        items with remaining quantity). A fulfilment already carrying the tracking number, or
        nothing left to fulfil for these lines, means an earlier attempt went through."""
        order_gid = gid("Order", required_field(payload, "order_external_id"))
        data = self.graphql(FULFILLMENT_ORDERS_QUERY, {"id": order_gid})
        order = data.get("order")
        if not isinstance(order, dict):
            raise ChannelRejected(
                f"Shopify has no order {payload['order_external_id']} (deleted on the shop?)"
            )
        number = (payload.get("tracking_number") or "").strip()
        for fulfilment in order.get("fulfillments") or []:
            for info in fulfilment.get("trackingInfo") or []:
                if number and (info or {}).get("number") == number:
                    return PushResult(
                        legacy_id(fulfilment.get("id")), True, "tracking already on Shopify"
                    )
        wanted: dict[str, int] = {}
        for line in payload.get("lines") or []:
            if line.get("external_line_id"):
                key = gid("LineItem", line["external_line_id"])
                wanted[key] = wanted.get(key, 0) + int(line.get("quantity") or 0)
        groups = []
        for fo in ((order.get("fulfillmentOrders") or {}).get("nodes")) or []:
            actions = {(a or {}).get("action") for a in fo.get("supportedActions") or []}
            if "CREATE_FULFILLMENT" not in actions:
                continue
            items = []
            for item in ((fo.get("lineItems") or {}).get("nodes")) or []:
                line_gid = (item.get("lineItem") or {}).get("id")
                left = wanted.get(line_gid, 0)
                take = min(left, int(item.get("remainingQuantity") or 0))
                if take > 0:
                    items.append({"id": item["id"], "quantity": take})
                    wanted[line_gid] = left - take
            if items:
                groups.append({"fulfillmentOrderId": fo["id"], "fulfillmentOrderLineItems": items})
        if not groups:
            return PushResult(None, True, "nothing left to fulfil on Shopify for these lines")
        carrier = (payload.get("carrier") or "").strip()
        tracking = {
            "company": TRACKING_COMPANIES.get(carrier.lower(), carrier) or None,
            "number": number or None,
            "url": payload.get("tracking_url") or None,
        }
        data = self.graphql(
            FULFILLMENT_CREATE,
            {
                "fulfillment": {
                    "lineItemsByFulfillmentOrder": groups,
                    "trackingInfo": {k: v for k, v in tracking.items() if v},
                    "notifyCustomer": False,
                }
            },
            read=False,
        )
        result = data.get("fulfillmentCreate") or {}
        _raise_user_errors(result, "fulfilment")
        fulfilment = result.get("fulfillment") or {}
        return PushResult(legacy_id(fulfilment.get("id")), False, "fulfilment created")

    # --------------------------------------------------------------------------------- stock

    def _location(self) -> str:
        if self.location_id:
            return gid("Location", self.location_id)
        nodes = ((self.graphql(LOCATIONS_QUERY).get("locations") or {}).get("nodes")) or []
        if not nodes:
            raise ChannelRejected("Shopify lists no location to hold stock")
        self.location_id = nodes[0].get("id")
        return gid("Location", self.location_id)

    def find_variant(self, sku: str) -> StockResult | None:
        """The variant with exactly this SKU (productVariants search), or None."""
        escaped = sku.replace("\\", "\\\\").replace('"', '\\"')
        data = self.graphql(VARIANT_BY_SKU_QUERY, {"query": f'sku:"{escaped}"'})
        nodes = ((data.get("productVariants") or {}).get("nodes")) or []
        exact = [n for n in nodes if (n.get("sku") or "") == sku] or [
            n for n in nodes if (n.get("sku") or "").lower() == sku.lower()
        ]
        if not exact:
            return None
        node = exact[0]
        return StockResult(
            0,
            True,
            (node.get("product") or {}).get("legacyResourceId"),
            node.get("legacyResourceId"),
            (node.get("inventoryItem") or {}).get("legacyResourceId"),
        )

    def fetch_listings(self, cursor: str | None = None) -> ListingPage:
        """Every variant with a SKU, 250 at a time."""
        data = self.graphql(VARIANTS_QUERY, {"first": 250, "after": cursor})
        connection = data.get("productVariants") or {}
        items = tuple(
            RemoteListing(
                node["sku"],
                (node.get("product") or {}).get("legacyResourceId"),
                node.get("legacyResourceId"),
                (node.get("inventoryItem") or {}).get("legacyResourceId"),
            )
            for node in connection.get("nodes") or []
            if isinstance(node, dict) and (node.get("sku") or "").strip()
        )
        info = connection.get("pageInfo") or {}
        return ListingPage(items, info.get("endCursor") if info.get("hasNextPage") else None)

    def push_stock(self, items: Sequence[StockItem]) -> list[StockResult]:
        """inventorySetQuantities ("available", reason correction) for every item found; SKUs
        without a listing are looked up first. The mutation carries an @idempotent key."""
        results: list[StockResult] = []
        quantities = []
        keys = []
        for item in items:
            found = StockResult(
                item.product_id,
                True,
                item.remote_product_id,
                item.remote_variant_id,
                item.remote_inventory_item_id,
            )
            if not item.remote_inventory_item_id:
                looked = self.find_variant(item.sku) if item.sku else None
                if looked is None:
                    results.append(StockResult(item.product_id, False))
                    continue
                found = StockResult(
                    item.product_id,
                    True,
                    looked.remote_product_id,
                    looked.remote_variant_id,
                    looked.remote_inventory_item_id,
                )
            results.append(found)
            quantities.append(
                {
                    "inventoryItemId": gid("InventoryItem", found.remote_inventory_item_id),
                    "locationId": None,
                    "quantity": max(int(item.available), 0),
                    "changeFromQuantity": None,
                }
            )
            keys.append(item.idempotency_key)
        if quantities:
            location = self._location()
            for quantity in quantities:
                quantity["locationId"] = location
            key = keys[0] if len(keys) == 1 else hashlib.sha256("|".join(keys).encode()).hexdigest()
            data = self.graphql(
                SET_QUANTITIES,
                {
                    "input": {
                        "name": "available",
                        "reason": "correction",
                        "quantities": quantities,
                    },
                    "key": key,
                },
                read=False,
            )
            _raise_user_errors(data.get("inventorySetQuantities") or {}, "stock update")
        return results

    # ------------------------------------------------------------------------------- refunds

    def push_refund(self, payload: Mapping[str, Any], *, idempotency_key: str) -> PushResult:
        """refundCreate for the payload's amount (and, on an RMA's first refund, its lines)."""
        order_gid = gid("Order", required_field(payload, "order_external_id"))
        marker = f"Packbench {payload.get('rma')} refund {payload.get('sequence', 1)}"
        data = self.graphql(REFUND_CONTEXT_QUERY, {"id": order_gid})
        order = data.get("order")
        if not isinstance(order, dict):
            raise ChannelRejected(f"Shopify has no order {payload['order_external_id']}")
        for refund in order.get("refunds") or []:
            if marker in ((refund or {}).get("note") or ""):
                return PushResult(legacy_id(refund.get("id")), True, "refund already on Shopify")
        currency = payload.get("currency") or "USD"
        amount = int(payload.get("amount_minor") or 0)
        refund_input: dict[str, Any] = {
            "orderId": order_gid,
            "note": marker,
            "notify": False,
            "refundLineItems": [
                {
                    "lineItemId": gid("LineItem", line["external_line_id"]),
                    "quantity": int(line["quantity"]),
                    "restockType": "NO_RESTOCK",
                }
                for line in payload.get("lines") or []
                if line.get("external_line_id") and int(line.get("quantity") or 0) > 0
            ],
        }
        if amount > 0:
            parent = next(
                (
                    t
                    for t in order.get("transactions") or []
                    if (t.get("kind") or "").upper() in ("SALE", "CAPTURE")
                    and (t.get("status") or "").upper() == "SUCCESS"
                ),
                None,
            )
            if parent is None:
                raise ChannelRejected(
                    "Shopify shows no successful payment on this order to refund against"
                )
            refund_input["transactions"] = [
                {
                    "orderId": order_gid,
                    "parentId": parent["id"],
                    "gateway": parent.get("gateway") or "manual",
                    "kind": "REFUND",
                    "amount": from_minor(amount, currency),
                }
            ]
        data = self.graphql(
            REFUND_CREATE, {"input": refund_input, "key": idempotency_key}, read=False
        )
        result = data.get("refundCreate") or {}
        _raise_user_errors(result, "refund")
        return PushResult(legacy_id((result.get("refund") or {}).get("id")), False, "refunded")


# ------------------------------------------------------------------------------------ helpers


def _ship_name(ship: Mapping) -> str:
    name = text_of(ship.get("name"))
    if name:
        return name
    return " ".join(p for p in (text_of(ship.get("firstName")), text_of(ship.get("lastName"))) if p)


def _error_codes(errors: Any) -> set[str]:
    codes = set()
    if isinstance(errors, list):
        for error in errors:
            if isinstance(error, dict):
                code = (error.get("extensions") or {}).get("code")
                if code:
                    codes.add(str(code))
    return codes


def _first_message(errors: Any) -> str:
    if isinstance(errors, list) and errors:
        first = errors[0]
        if isinstance(first, dict):
            return str(first.get("message") or "error")[:200]
        return str(first)[:200]
    return str(errors)[:200]


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _throttle_wait(cost: Mapping) -> float:
    """Seconds until the bucket holds the requested cost again (at least 50 ms)."""
    status = cost.get("throttleStatus") or {}
    requested = _number(cost.get("requestedQueryCost"))
    available = _number(status.get("currentlyAvailable"))
    rate = _number(status.get("restoreRate"))
    if requested is None or available is None or not rate:
        return 1.0
    return max((requested - available) / rate, 0.05)


def _raise_user_errors(result: Mapping, what: str) -> None:
    errors = result.get("userErrors") or []
    if errors:
        messages = "; ".join(str((e or {}).get("message") or e)[:150] for e in errors[:3])
        raise ChannelRejected(f"Shopify refused the {what}: {messages}")
