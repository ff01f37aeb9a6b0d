"""WooCommerce connector: REST API v3 over requests (orders, tracking, stock, refunds).

Auth: the consumer key and secret as HTTP Basic over HTTPS, or in the query string when the
web server strips the Authorization header (`query_string_auth`). Orders are paged with
`modified_after` (GMT), `orderby=modified&order=asc`, `per_page` ≤ 100 and X-WP-TotalPages.

Shipping is recorded without any plugin: an order note naming the carrier, tracking number and
our shipment number, an order meta entry (`tracking_meta_key`, a list of shipments with their
lines) and status `completed` once the shipments cover every line. The meta entry and the note
are how a retry recognises what an earlier attempt already did. Refunds are recorded with
`api_refund` off unless the channel setting `refund_via_gateway` is on (then WooCommerce also
refunds through the payment gateway), and never restock (our stock pushes do that).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import requests

from app.channels.base import (
    ChannelAuthError,
    ChannelDataError,
    ChannelRejected,
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

DEFAULT_TRACKING_META_KEY = "_packbench_tracking"

_STATUS = {
    "pending": ExternalStatus.PENDING,
    "on-hold": ExternalStatus.PENDING,
    "checkout-draft": ExternalStatus.PENDING,
    "processing": ExternalStatus.OPEN,
    "completed": ExternalStatus.FULFILLED,
    "shipped": ExternalStatus.FULFILLED,  # common plugin status
    "delivered": ExternalStatus.FULFILLED,
    "cancelled": ExternalStatus.CANCELLED,
    "refunded": ExternalStatus.CANCELLED,
    "failed": ExternalStatus.CANCELLED,
    "trash": ExternalStatus.CANCELLED,
}


class WooCommerceConnector:
    """ChannelConnector for one WooCommerce store (REST API v3)."""

    kind = "woocommerce"

    def __init__(
        self,
        base_url: str,
        *,
        consumer_key: str,
        consumer_secret: str,
        query_string_auth: bool = False,
        page_size: int = 100,
        tracking_meta_key: str = DEFAULT_TRACKING_META_KEY,
        tracking_note_to_customer: bool = False,
        refund_via_gateway: bool = False,
        timeout: float | tuple[float, float] = (10.0, 60.0),
        retries: int = 2,
        max_wait: float = 120.0,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
    ) -> None:
        if not consumer_key or not consumer_secret:
            raise ChannelAuthError(
                "this WooCommerce channel has no API keys: enter the consumer key and secret "
                "(WooCommerce → Settings → Advanced → REST API)"
            )
        self.base_url = base_url.rstrip("/")
        self.api = f"{self.base_url}/wp-json/wc/v3/"
        self.page_size = max(1, min(int(page_size), 100))
        self.tracking_meta_key = tracking_meta_key or DEFAULT_TRACKING_META_KEY
        self.tracking_note_to_customer = tracking_note_to_customer
        self.refund_via_gateway = refund_via_gateway
        session = session or requests.Session()
        self._auth_params: dict[str, str] = {}
        if query_string_auth:
            self._auth_params = {"consumer_key": consumer_key, "consumer_secret": consumer_secret}
        else:
            session.auth = (consumer_key, consumer_secret)
        self.http = HttpClient(
            "WooCommerce",
            host_of(self.base_url),
            timeout=timeout,
            retries=retries,
            max_wait=max_wait,
            sleep=sleep,
            session=session,
            secrets=(consumer_secret, consumer_key),
        )

    # ------------------------------------------------------------------------------ plumbing

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        read: bool = True,
    ) -> tuple[Any, requests.Response]:
        query = {**dict(params or {}), **self._auth_params}
        response = self.http.request(
            method,
            self.api + path,
            params=query or None,
            json=body,
            headers={"Accept": "application/json"},
            idempotent=read or method in ("GET", "PUT"),
        )
        data = self.http.json(response)
        if response.status_code >= 400:
            message = ""
            if isinstance(data, dict):
                message = self.http.redact(str(data.get("message") or data.get("code") or ""))
            if response.status_code == 404:
                raise ChannelRejected(
                    f"WooCommerce at {self.http.host} has no {path.split('?')[0]} "
                    f"({message or 'not found'}); check the shop address, that WooCommerce is "
                    "active and pretty permalinks are on"
                )
            raise ChannelRejected(
                f"WooCommerce at {self.http.host} refused the request "
                f"(HTTP {response.status_code}): {message or 'no reason given'}"[:300]
            )
        return data, response

    def close(self) -> None:
        self.http.close()

    def test_connection(self) -> str:
        _, response = self._call("GET", "orders", params={"per_page": 1})
        total = response.headers.get("X-WP-Total")
        suffix = f" ({total} orders)" if total is not None else ""
        return f"WooCommerce at {self.http.host}{suffix}"

    # -------------------------------------------------------------------------------- orders

    def fetch_orders(self, since: datetime | None, cursor: str | None = None) -> OrderPage:
        """One page (`page_size` orders, least recently modified first); the cursor is the
        next page number."""
        page = int(cursor or 1)
        params: dict[str, Any] = {
            "per_page": self.page_size,
            "page": page,
            "orderby": "modified",
            "order": "asc",
        }
        if since is not None:
            params["modified_after"] = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
            params["dates_are_gmt"] = "true"
        data, response = self._call("GET", "orders", params=params)
        if not isinstance(data, list):
            raise ChannelDataError(
                f"WooCommerce at {self.http.host} sent orders in an unexpected shape"
            )
        try:
            orders = [self._order(item) for item in data]
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            if isinstance(exc, ChannelDataError):
                raise
            raise ChannelDataError(
                f"WooCommerce at {self.http.host} sent orders in an unexpected shape "
                f"({type(exc).__name__}: {exc})"[:300]
            ) from None
        if since is not None:  # stores older than 5.8 ignore modified_after
            orders = [o for o in orders if o.updated_at >= since]
        try:
            total_pages = int(response.headers.get("X-WP-TotalPages", "0"))
        except ValueError:
            total_pages = 0
        more = page < total_pages if total_pages else len(data) >= self.page_size
        return OrderPage(
            tuple(orders), str(page + 1) if more and data else None, total_pages or None, page
        )

    def _order(self, item: Mapping) -> ExternalOrder:
        if not isinstance(item, Mapping):
            raise ChannelDataError("WooCommerce sent an order that is not an object")
        currency = (text_of(item.get("currency")) or "USD").upper()
        lines = []
        for line in item.get("line_items") or []:
            quantity = int(line.get("quantity") or 0)
            subtotal = to_minor(line.get("subtotal"), currency, what="line subtotal")
            total = to_minor(line.get("total"), currency, what="line total")
            unit = math.ceil(subtotal / quantity) if quantity > 0 else 0
            variation = line.get("variation_id") or 0
            lines.append(
                ExternalLine(
                    external_line_id=str(line["id"]),
                    sku=text_of(line.get("sku")),
                    name=text_of(line.get("name")) or text_of(line.get("sku")) or "(no name)",
                    quantity=quantity,
                    unit_price_minor=max(unit, 0),
                    discount_minor=max(unit * quantity - total, 0),
                    remote_product_id=str(line["product_id"]) if line.get("product_id") else None,
                    remote_variant_id=str(variation) if variation else None,
                )
            )
        raw_status = text_of(item.get("status")).lower()
        status = _STATUS.get(raw_status, ExternalStatus.OPEN)
        total = to_minor(item.get("total"), currency, what="total")
        refunded = sum(
            abs(to_minor(r.get("total"), currency, what="refund"))
            for r in item.get("refunds") or []
        )
        if raw_status == "refunded" or (refunded and refunded >= total):
            payment = "refunded"
        elif refunded:
            payment = "partially_refunded"
        elif item.get("date_paid_gmt") or raw_status in ("processing", "completed"):
            payment = "paid"
        else:
            payment = "pending"
        billing = item.get("billing") or {}
        shipping = item.get("shipping") or {}
        name = " ".join(
            p
            for p in (text_of(shipping.get("first_name")), text_of(shipping.get("last_name")))
            if p
        )
        ship_to = None
        if text_of(shipping.get("address_1")):
            ship_to = ExternalAddress(
                name=name or text_of(shipping.get("company")),
                address1=text_of(shipping.get("address_1")),
                address2=text_of(shipping.get("address_2")),
                city=text_of(shipping.get("city")),
                region=text_of(shipping.get("state")),
                postal_code=text_of(shipping.get("postcode")),
                country=text_of(shipping.get("country")).upper(),
                company=text_of(shipping.get("company")),
                phone=text_of(shipping.get("phone")),
            )
        created = item.get("date_created_gmt") or item.get("date_created")
        modified = item.get("date_modified_gmt") or item.get("date_modified") or created
        return ExternalOrder(
            external_id=str(item["id"]),
            name=text_of(str(item.get("number") or item["id"])),
            placed_at=parse_time(created, what="date_created_gmt"),
            updated_at=parse_time(modified, what="date_modified_gmt"),
            status=status,
            financial_status=raw_status,
            payment_status=payment,
            currency=currency,
            lines=tuple(lines),
            subtotal_minor=sum(
                max(x.quantity * x.unit_price_minor - x.discount_minor, 0) for x in lines
            ),
            discount_minor=0,  # WooCommerce line totals already carry the coupons
            shipping_minor=to_minor(item.get("shipping_total"), currency, what="shipping_total"),
            tax_minor=to_minor(item.get("total_tax"), currency, what="total_tax"),
            total_minor=total,
            refunded_minor=min(refunded, total),
            email=text_of(billing.get("email")) or None,
            phone=text_of(billing.get("phone")) or text_of(shipping.get("phone")) or None,
            ship_to=ship_to,
            bill_country=text_of(billing.get("country")).upper() or None,
            notes=text_of(item.get("customer_note")) or None,
            risk_level=None,
        )

    # --------------------------------------------------------------------------- fulfilments

    def push_fulfillment(self, payload: Mapping[str, Any], *, idempotency_key: str) -> PushResult:
        """Note + tracking meta, then `completed` when our shipments cover every line."""
        order_id = required_field(payload, "order_external_id")
        shipment = str(payload.get("shipment") or idempotency_key)
        order, _ = self._call("GET", f"orders/{order_id}")
        if not isinstance(order, dict):
            raise ChannelDataError("WooCommerce sent an order in an unexpected shape")
        entries = []
        for meta in order.get("meta_data") or []:
            if (meta or {}).get("key") == self.tracking_meta_key and isinstance(
                meta.get("value"), list
            ):
                entries = [e for e in meta["value"] if isinstance(e, dict)]
        recorded = any(e.get("shipment") == shipment for e in entries)
        notes, _ = self._call("GET", f"orders/{order_id}/notes")
        marker = f"[{shipment}]"
        noted = any(marker in str((n or {}).get("note") or "") for n in notes or [])
        carrier = (payload.get("carrier") or "").strip()
        number = (payload.get("tracking_number") or "").strip()
        url = (payload.get("tracking_url") or "").strip()
        if not noted:
            text = f"Shipped with {carrier or 'carrier'}"
            text += f": {number}" if number else ""
            text += f" {url}" if url else ""
            self._call(
                "POST",
                f"orders/{order_id}/notes",
                body={"note": f"{text} {marker}", "customer_note": self.tracking_note_to_customer},
                read=False,
            )
        if not recorded:
            entries.append(
                {
                    "shipment": shipment,
                    "carrier": carrier,
                    "tracking_number": number,
                    "tracking_url": url,
                    "lines": [
                        {"id": str(line.get("external_line_id")), "quantity": line.get("quantity")}
                        for line in payload.get("lines") or []
                    ],
                }
            )
        shipped: dict[str, int] = {}
        for entry in entries:
            for line in entry.get("lines") or []:
                key = str(line.get("id"))
                shipped[key] = shipped.get(key, 0) + int(line.get("quantity") or 0)
        complete = all(
            shipped.get(str(line.get("id")), 0) >= int(line.get("quantity") or 0)
            for line in order.get("line_items") or []
        )
        update: dict[str, Any] = {}
        if not recorded:
            update["meta_data"] = [{"key": self.tracking_meta_key, "value": entries}]
        if complete and order.get("status") != "completed":
            update["status"] = "completed"
        if update:
            self._call("PUT", f"orders/{order_id}", body=update)
        present = recorded and noted and not update
        return PushResult(order_id, present, "already recorded" if present else "tracking recorded")

    # --------------------------------------------------------------------------------- stock

    def fetch_listings(self, cursor: str | None = None) -> ListingPage:
        """Products with a SKU, `page_size` at a time; a variable product's variations are
        listed with it (their stock is set per variation)."""
        page = int(cursor or 1)
        data, response = self._call(
            "GET", "products", params={"per_page": self.page_size, "page": page}
        )
        if not isinstance(data, list):
            raise ChannelDataError(
                f"WooCommerce at {self.http.host} sent products in an unexpected shape"
            )
        items: list[RemoteListing] = []
        for product in data:
            if product.get("type") == "variable":
                items += self._variations(str(product["id"]))
            elif text_of(product.get("sku")):
                items.append(RemoteListing(text_of(product["sku"]), str(product["id"])))
        try:
            total_pages = int(response.headers.get("X-WP-TotalPages", "0"))
        except ValueError:
            total_pages = 0
        more = page < total_pages if total_pages else len(data) >= self.page_size
        return ListingPage(tuple(items), str(page + 1) if more and data else None)

    def _variations(self, product_id: str) -> list[RemoteListing]:
        found, page = [], 1
        while True:
            data, response = self._call(
                "GET", f"products/{product_id}/variations", params={"per_page": 100, "page": page}
            )
            for variation in data if isinstance(data, list) else []:
                if text_of(variation.get("sku")):
                    found.append(
                        RemoteListing(text_of(variation["sku"]), product_id, str(variation["id"]))
                    )
            pages = int(response.headers.get("X-WP-TotalPages", "1") or 1)
            if page >= pages or not data:
                return found
            page += 1

    def find_product(self, sku: str) -> StockResult | None:
        """The product or variation with exactly this SKU, or None."""
        data, _ = self._call("GET", "products", params={"sku": sku, "per_page": 10})
        for product in data if isinstance(data, list) else []:
            if text_of(product.get("sku")) == sku:
                parent = product.get("parent_id") or 0
                if parent:
                    return StockResult(0, True, str(parent), str(product["id"]))
                return StockResult(0, True, str(product["id"]), None)
        return None

    def push_stock(self, items: Sequence[StockItem]) -> list[StockResult]:
        """`manage_stock` + `stock_quantity` on each product or variation (absolute, so a
        repeated push changes nothing)."""
        results = []
        for item in items:
            product_id, variation_id = item.remote_product_id, item.remote_variant_id
            if not product_id:
                found = self.find_product(item.sku) if item.sku else None
                if found is None:
                    results.append(StockResult(item.product_id, False))
                    continue
                product_id, variation_id = found.remote_product_id, found.remote_variant_id
            path = (
                f"products/{product_id}/variations/{variation_id}"
                if variation_id
                else f"products/{product_id}"
            )
            self._call(
                "PUT",
                path,
                body={"manage_stock": True, "stock_quantity": max(int(item.available), 0)},
            )
            results.append(StockResult(item.product_id, True, product_id, variation_id))
        return results

    # ------------------------------------------------------------------------------- refunds

    def push_refund(self, payload: Mapping[str, Any], *, idempotency_key: str) -> PushResult:
        """A refund of the amount with a reason naming the RMA (how retries recognise it)."""
        order_id = required_field(payload, "order_external_id")
        marker = f"Packbench {payload.get('rma')} refund {payload.get('sequence', 1)}"
        refunds, _ = self._call("GET", f"orders/{order_id}/refunds")
        for refund in refunds if isinstance(refunds, list) else []:
            if marker in str((refund or {}).get("reason") or ""):
                return PushResult(str(refund.get("id")), True, "refund already recorded")
        currency = payload.get("currency") or "USD"
        data, _ = self._call(
            "POST",
            f"orders/{order_id}/refunds",
            body={
                "amount": from_minor(int(payload.get("amount_minor") or 0), currency),
                "reason": marker,
                "api_refund": self.refund_via_gateway,
                "api_restock": False,
            },
            read=False,
        )
        return PushResult(str((data or {}).get("id")), False, "refund recorded")
