"""Channel listings: link catalog products to the channel's products and variants by SKU.

Stock pushes need to know which remote product, variant (and on Shopify, inventory item) a
catalog product is. Pulls learn it from order lines and a stock push looks an unknown SKU up
once; `link_listings` reads the channel's whole catalog instead, so every product sold there
gets its stock pushed from the first sync on (run_sync(listings=True), or a "Link products"
button). Network pages are fetched with no session open; each page is stored in one
transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.audit import record_event
from app.channels.base import ChannelConnector, RemoteListing
from app.errors import NotFound
from app.uow import unit_of_work
from db.models import Channel, ChannelListing, Product

_CHUNK = 500


@dataclass(frozen=True, slots=True)
class LinkReport:
    seen: int  # remote products/variants with a SKU
    linked: int  # listings created or changed
    unknown: tuple[str, ...]  # remote SKUs not in the catalog (first 50)


def store_listings(session: Session, channel_id: int, items: Sequence[RemoteListing]) -> int:
    """Create or update the listings for the catalog products whose SKU (exact, else ignoring
    case) a remote item carries; returns how many changed. A changed remote id forgets the
    level last pushed, so the next stock sync sends it again."""
    forms = sorted({f for item in items for f in (item.sku, item.sku.lower(), item.sku.upper())})
    exact: dict[str, int] = {}
    folded: dict[str, int] = {}
    for start in range(0, len(forms), _CHUNK):
        for product_id, sku in session.execute(
            select(Product.id, Product.sku).where(
                Product.sku.in_(forms[start : start + _CHUNK]), Product.archived.is_(False)
            )
        ):
            exact[sku] = product_id
            folded.setdefault(sku.lower(), product_id)
    wanted: dict[int, RemoteListing] = {}
    for item in items:
        product_id = exact.get(item.sku) or folded.get(item.sku.lower())
        if product_id is not None and product_id not in wanted:
            wanted[product_id] = item
    if not wanted:
        return 0
    ids = sorted(wanted)
    existing = {
        listing.product_id: listing
        for start in range(0, len(ids), _CHUNK)
        for listing in session.scalars(
            select(ChannelListing).where(
                ChannelListing.channel_id == channel_id,
                ChannelListing.product_id.in_(ids[start : start + _CHUNK]),
            )
        )
    }
    variants = sorted({i.remote_variant_id for i in wanted.values() if i.remote_variant_id})
    owner = {
        variant: product_id
        for start in range(0, len(variants), _CHUNK)
        for variant, product_id in session.execute(
            select(ChannelListing.remote_variant_id, ChannelListing.product_id).where(
                ChannelListing.channel_id == channel_id,
                ChannelListing.remote_variant_id.in_(variants[start : start + _CHUNK]),
            )
        )
    }
    changed = 0
    for product_id, item in wanted.items():
        if item.remote_variant_id and owner.get(item.remote_variant_id, product_id) != product_id:
            continue  # that variant is linked to another product (two SKUs, one variant)
        values = (item.remote_product_id, item.remote_variant_id, item.remote_inventory_item_id)
        listing = existing.get(product_id)
        if listing is None:
            session.add(
                ChannelListing(
                    channel_id=channel_id,
                    product_id=product_id,
                    remote_product_id=values[0],
                    remote_variant_id=values[1],
                    remote_inventory_item_id=values[2],
                )
            )
            changed += 1
        elif (
            listing.remote_product_id,
            listing.remote_variant_id,
            listing.remote_inventory_item_id,
        ) != values:
            (
                listing.remote_product_id,
                listing.remote_variant_id,
                listing.remote_inventory_item_id,
            ) = values
            listing.last_pushed_available = None
            changed += 1
        if item.remote_variant_id:
            owner[item.remote_variant_id] = product_id
    session.flush()
    return changed


def link_listings(
    session_factory: sessionmaker[Session],
    channel_id: int,
    *,
    connector: ChannelConnector | None = None,
    connector_factory: Callable | None = None,
    actor: str = "sync",
) -> LinkReport:
    """Read the channel's products and variants and link them to catalog products by SKU.

    Raises ChannelError when the channel cannot be read (pages stored before stay stored) and
    NotFound for an unknown channel."""
    from app.channels.service import channel_view, connector_for

    with unit_of_work(session_factory, write=False) as session:
        channel = session.get(Channel, channel_id)
        if channel is None:
            raise NotFound(f"channel #{channel_id} does not exist")
        view = channel_view(channel)
    own = connector is None
    if connector is None:
        connector = (connector_factory or connector_for)(view)
    seen = linked = 0
    unknown: list[str] = []
    try:
        cursor = None
        while True:
            page = connector.fetch_listings(cursor)
            seen += len(page.items)
            with unit_of_work(session_factory) as session:
                linked += store_listings(session, channel_id, page.items)
                if len(unknown) < 50:
                    known = set(
                        session.scalars(
                            select(Product.sku).where(
                                Product.sku.in_([i.sku for i in page.items][:_CHUNK])
                            )
                        )
                    )
                    unknown += [i.sku for i in page.items if i.sku not in known][
                        : 50 - len(unknown)
                    ]
                if not page.next_cursor and linked:
                    record_event(
                        session,
                        actor=actor,
                        action="channel.link_listings",
                        entity_type="channel",
                        entity_id=channel_id,
                        summary=f"Linked {linked} product(s) to {view.name} by SKU "
                        f"({seen} listed there)",
                    )
            cursor = page.next_cursor
            if not cursor:
                break
    finally:
        if own:
            connector.close()
    return LinkReport(seen, linked, tuple(unknown))
