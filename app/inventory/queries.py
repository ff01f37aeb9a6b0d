"""Pages of the inventory table: products with stock figures, searched and filtered in SQL."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from app.inventory.dto import LocationStock
from app.inventory.products import location_stock
from app.inventory.search import search_product_ids
from db.enums import BinKind
from db.models import Bin, Product, Reservation, StockLevel

SORT_KEYS = ("sku", "name")


@dataclass(frozen=True, slots=True)
class ProductFilter:
    search: str = ""
    low_stock_only: bool = False
    include_archived: bool = False
    location_id: int | None = None  # totals for one location; all locations when None
    sort: str = "sku"  # sku or name; search results come in creation order
    descending: bool = False


@dataclass(frozen=True, slots=True)
class StockRow:
    id: int
    sku: str
    name: str
    gtin: str | None
    archived: bool
    price_minor: int
    reorder_point: int
    on_hand: int
    quarantined: int
    reserved: int
    incoming: int
    locations: tuple[LocationStock, ...]

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    @property
    def low(self) -> bool:
        return self.reorder_point > 0 and self.available <= self.reorder_point


@dataclass(frozen=True, slots=True)
class ProductPage:
    rows: tuple[StockRow, ...]
    next_after: tuple | None  # pass back as `after` for the next page; None when exhausted


def _sellable_on_hand(location_id: int | None):
    query = (
        select(func.coalesce(func.sum(StockLevel.on_hand), 0))
        .join(Bin, Bin.id == StockLevel.bin_id)
        .where(StockLevel.product_id == Product.id, Bin.kind != BinKind.QUARANTINE)
    )
    if location_id is not None:
        query = query.where(Bin.location_id == location_id)
    return query.scalar_subquery()


def _reserved(location_id: int | None):
    query = select(func.coalesce(func.sum(Reservation.quantity), 0)).where(
        Reservation.product_id == Product.id
    )
    if location_id is not None:
        query = query.where(Reservation.location_id == location_id)
    return query.scalar_subquery()


def list_product_page(
    session: Session, filt: ProductFilter, *, after: tuple | None = None, limit: int = 200
) -> ProductPage:
    """One page of products with stock figures, keyset-paged (pass `next_after` back).

    Without a search the order is by SKU or name (indexed); with a search it is the product
    search index's order. `low_stock_only` keeps products at or below their reorder point.
    """
    if filt.sort not in SORT_KEYS:
        raise ValueError(f"unknown sort {filt.sort!r}")
    # Plain columns, not ORM entities: a page is read-only and this halves its cost.
    query = select(*_COLUMNS)
    params: dict = {}
    if filt.search.strip():
        # With the low-stock filter several index pages may be needed for one table page.
        fetch = limit * 4 if filt.low_stock_only else limit
        after_id = after[0] if after else None
        ids = search_product_ids(
            session,
            filt.search,
            limit=fetch,
            after_id=after_id,
            include_archived=filt.include_archived,
        )
        if not ids:
            return ProductPage((), None)
        query = query.where(Product.id.in_(bindparam("page_ids", expanding=True)))
        query = query.order_by(Product.id)
        params = {"page_ids": ids}
        exhausted_source = len(ids) < fetch
        last_scanned = ids[-1]
    else:
        sort_col = Product.sku if filt.sort == "sku" else Product.name
        order = (sort_col.desc(), Product.id.desc()) if filt.descending else (sort_col, Product.id)
        query = query.order_by(*order)
        if after:
            cmp = (
                (sort_col < after[0]) | ((sort_col == after[0]) & (Product.id < after[1]))
                if filt.descending
                else (sort_col > after[0]) | ((sort_col == after[0]) & (Product.id > after[1]))
            )
            query = query.where(cmp)
        if not filt.include_archived:
            query = query.where(Product.archived.is_(False))
        exhausted_source = None
        last_scanned = None
    if filt.low_stock_only:
        query = query.where(
            Product.reorder_point > 0,
            _sellable_on_hand(filt.location_id) - _reserved(filt.location_id)
            <= Product.reorder_point,
        )
    products = session.execute(query.limit(limit), params).all()
    figures = location_stock(session, [p.id for p in products])
    rows = tuple(_row(p, figures.get(p.id, []), filt.location_id) for p in products)
    if filt.search.strip():
        if len(products) == limit:
            next_after = (products[-1].id,)
        else:
            next_after = None if exhausted_source else (last_scanned,)
    else:
        next_after = None
        if len(products) == limit:
            last = products[-1]
            next_after = (last.sku if filt.sort == "sku" else last.name, last.id)
    return ProductPage(rows, next_after)


_COLUMNS = (
    Product.id,
    Product.sku,
    Product.name,
    Product.gtin,
    Product.archived,
    Product.price_minor,
    Product.reorder_point,
)


def _row(product, locations: list[LocationStock], location_id: int | None) -> StockRow:
    on_hand = quarantined = reserved = incoming = 0
    for loc in locations:
        if location_id is None or loc.location_id == location_id:
            on_hand += loc.on_hand
            quarantined += loc.quarantined
            reserved += loc.reserved
            incoming += loc.incoming
    return StockRow(
        id=product.id,
        sku=product.sku,
        name=product.name,
        gtin=product.gtin,
        archived=product.archived,
        price_minor=product.price_minor,
        reorder_point=product.reorder_point,
        on_hand=on_hand,
        quarantined=quarantined,
        reserved=reserved,
        incoming=incoming,
        locations=tuple(locations),
    )


def count_products(session: Session, *, include_archived: bool = False) -> int:
    query = select(func.count()).select_from(Product)
    if not include_archived:
        query = query.where(Product.archived.is_(False))
    return session.scalar(query) or 0
