"""Product commands and reads: create/edit/archive, scan codes, default bins, lookup by code."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, replace

from sqlalchemy import bindparam, case, func, literal, select, union_all
from sqlalchemy.orm import Session

from app.audit import record_event
from app.changes import ChangeSet
from app.errors import Conflict, NotFound, ValidationError
from app.inventory.dto import (
    BinStock,
    DefaultBin,
    LocationStock,
    ProductDetail,
    ProductInput,
    ProductRef,
    Saved,
)
from app.inventory.gtin import gtin_variants, normalize_gtin
from app.uow import core_connection
from db.enums import BinKind
from db.models import (
    Bin,
    Location,
    Product,
    ProductBarcode,
    ProductBinDefault,
    PurchaseOrder,
    PurchaseOrderLine,
    Reservation,
    StockLevel,
    Supplier,
)

PRODUCT_CHANGED = ChangeSet(products=True)


def clean_product_input(data: ProductInput) -> ProductInput:
    """Trim and validate; raises ValidationError naming the field."""
    sku = (data.sku or "").strip()
    name = " ".join((data.name or "").split())
    if not sku:
        raise ValidationError("SKU is required", field="sku")
    if len(sku) > 64 or any(ch.isspace() for ch in sku):
        raise ValidationError(
            f"SKU {sku!r} must be at most 64 characters without spaces", field="sku"
        )
    if not name:
        raise ValidationError("name is required", field="name")
    if len(name) > 300:
        raise ValidationError("name must be at most 300 characters", field="name")
    gtin = normalize_gtin(data.gtin) if data.gtin and data.gtin.strip() else None
    for field_name in (
        "weight_g",
        "price_minor",
        "cost_minor",
        "reorder_point",
        "reorder_quantity",
    ):
        value = getattr(data, field_name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValidationError(
                f"{field_name.replace('_', ' ')} must be a whole number ≥ 0", field=field_name
            )
    supplier_sku = (data.supplier_sku or "").strip() or None
    return ProductInput(
        sku=sku,
        name=name,
        gtin=gtin,
        weight_g=data.weight_g,
        price_minor=data.price_minor,
        cost_minor=data.cost_minor,
        reorder_point=data.reorder_point,
        reorder_quantity=data.reorder_quantity,
        allow_backorder=bool(data.allow_backorder),
        supplier_id=data.supplier_id,
        supplier_sku=supplier_sku,
    )


def _check_unique(session: Session, data: ProductInput, product_id: int | None) -> None:
    clash = session.scalar(
        select(Product.sku).where(
            func.lower(Product.sku) == data.sku.lower(), Product.id != (product_id or -1)
        )
    )
    if clash:
        raise Conflict(f"SKU {data.sku} is already used by product {clash}")
    if data.gtin:
        owner = find_product_by_code(session, data.gtin)
        if owner is not None and owner.id != product_id:
            raise Conflict(f"GTIN {data.gtin} already scans to product {owner.sku}")
    if data.supplier_id is not None and session.get(Supplier, data.supplier_id) is None:
        raise ValidationError(f"supplier #{data.supplier_id} does not exist", field="supplier_id")


def create_product(session: Session, data: ProductInput, *, actor: str) -> Saved:
    """Add a product. Raises ValidationError (bad field) or Conflict (SKU/GTIN taken)."""
    data = clean_product_input(data)
    _check_unique(session, data, None)
    product = Product(**asdict(data))
    session.add(product)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="product.create",
        entity_type="product",
        entity_id=product.id,
        summary=f"Created product {data.sku} {data.name}",
    )
    return Saved(product.id, PRODUCT_CHANGED, f"Created {data.sku}")


def update_product(session: Session, product_id: int, data: ProductInput, *, actor: str) -> Saved:
    """Change a product's fields; the audit event lists old and new values."""
    product = _get(session, product_id)
    data = clean_product_input(data)
    _check_unique(session, data, product_id)
    changed = {}
    for key, value in asdict(data).items():
        old = getattr(product, key)
        if old != value:
            changed[key] = {"old": old, "new": value}
            setattr(product, key, value)
    if changed:
        record_event(
            session,
            actor=actor,
            action="product.update",
            entity_type="product",
            entity_id=product.id,
            summary=f"Edited {product.sku}: {', '.join(changed)}",
            details=changed,
        )
    return Saved(
        product.id,
        PRODUCT_CHANGED if changed else ChangeSet(),
        f"Saved {product.sku}" if changed else "Nothing changed",
    )


def set_archived(session: Session, product_id: int, archived: bool, *, actor: str) -> Saved:
    """Archive (hide from lists and scanning for new orders) or restore a product."""
    product = _get(session, product_id)
    if product.archived == archived:
        return Saved(product.id, ChangeSet(), "Nothing changed")
    product.archived = archived
    verb = "Archived" if archived else "Restored"
    record_event(
        session,
        actor=actor,
        action="product.archive" if archived else "product.restore",
        entity_type="product",
        entity_id=product.id,
        summary=f"{verb} {product.sku}",
    )
    return Saved(product.id, PRODUCT_CHANGED, f"{verb} {product.sku}")


def add_scan_code(
    session: Session, product_id: int, code: str, *, actor: str, note: str | None = None
) -> Saved:
    """Let another barcode (supplier label, old GTIN) scan to this product."""
    product = _get(session, product_id)
    code = code.strip()
    if not code or len(code) > 64:
        raise ValidationError("scan code must be 1 to 64 characters", field="code")
    if code.isdigit() and len(code) in (8, 12, 13, 14):
        code = normalize_gtin(code, field="code")
    owner = find_product_by_code(session, code)
    if owner is not None:
        raise Conflict(f"code {code} already scans to product {owner.sku}")
    session.add(ProductBarcode(product_id=product.id, code=code, note=note))
    session.flush()
    record_event(
        session,
        actor=actor,
        action="product.add_code",
        entity_type="product",
        entity_id=product.id,
        summary=f"{code} now scans to {product.sku}",
    )
    return Saved(product.id, PRODUCT_CHANGED, f"{code} now scans to {product.sku}")


def remove_scan_code(session: Session, product_id: int, code: str, *, actor: str) -> Saved:
    row = session.scalar(
        select(ProductBarcode).where(
            ProductBarcode.product_id == product_id, ProductBarcode.code == code
        )
    )
    if row is None:
        raise NotFound(f"code {code} is not an extra code of this product")
    session.delete(row)
    record_event(
        session,
        actor=actor,
        action="product.remove_code",
        entity_type="product",
        entity_id=product_id,
        summary=f"Removed scan code {code}",
    )
    return Saved(product_id, PRODUCT_CHANGED)


def set_default_bin(
    session: Session, product_id: int, location_id: int, bin_id: int | None, *, actor: str
) -> Saved:
    """Set (or clear, with None) where the product is put away and picked at a location."""
    product = _get(session, product_id)
    row = session.get(ProductBinDefault, (product_id, location_id))
    if bin_id is None:
        if row is not None:
            session.delete(row)
        summary = f"Cleared default bin of {product.sku} at location #{location_id}"
    else:
        target = session.get(Bin, bin_id)
        if target is None or target.location_id != location_id:
            raise ValidationError("the bin must belong to that location", field="bin_id")
        if row is None:
            session.add(
                ProductBinDefault(product_id=product_id, location_id=location_id, bin_id=bin_id)
            )
        else:
            row.bin_id = bin_id
        summary = f"Default bin of {product.sku} is now {target.code}"
    record_event(
        session,
        actor=actor,
        action="product.default_bin",
        entity_type="product",
        entity_id=product_id,
        summary=summary,
    )
    return Saved(product_id, PRODUCT_CHANGED)


_CODE_COLUMNS = (Product.id, Product.sku, Product.name, Product.gtin, Product.archived)
# Built once (every scan runs these); run on the connection, without the ORM's per-call work.
_BY_GTIN = select(*_CODE_COLUMNS).where(Product.gtin.in_(bindparam("codes", expanding=True)))
_BY_SKU = select(*_CODE_COLUMNS).where(Product.sku.in_(bindparam("codes", expanding=True)))
_BY_EXTRA_CODE = (
    select(*_CODE_COLUMNS)
    .join(ProductBarcode, ProductBarcode.product_id == Product.id)
    .where(ProductBarcode.code == bindparam("code"))
)


def find_product_by_code(session: Session, code: str) -> ProductRef | None:
    """Resolve a scanned or typed code: GTIN (UPC-A/EAN-13 forms), SKU, then extra code.

    Each step is one unique-index lookup, so a scan resolves in well under a millisecond. SKUs
    also match in upper or lower case (a scanner with Caps Lock on).
    """
    code = code.strip()
    if not code:
        return None
    conn = core_connection(session)
    if code.isdigit():
        row = conn.execute(_BY_GTIN, {"codes": list(gtin_variants(code))}).first()
        if row is not None:
            return ProductRef(*row, matched_by="gtin")
    forms = list(dict.fromkeys((code, code.upper(), code.lower())))
    rows = conn.execute(_BY_SKU, {"codes": forms}).all()
    if rows:
        exact = next((row for row in rows if row.sku == code), rows[0])
        return ProductRef(*exact, matched_by="sku")
    row = conn.execute(_BY_EXTRA_CODE, {"code": code}).first()
    return ProductRef(*row, matched_by="code") if row is not None else None


def find_among(candidates: Iterable[ProductRef], code: str) -> ProductRef | None:
    """The candidate find_product_by_code would return first for `code`, decided without the
    database: a GTIN form for digits, else the exact SKU. None means only the catalogue can
    tell (another product's code, a SKU in another case, an extra barcode, or unknown). Kept
    next to find_product_by_code so the two orders of lookup stay the same."""
    code = code.strip()
    if not code:
        return None
    if code.isdigit():
        forms = gtin_variants(code)
        found = next((c for c in candidates if c.gtin is not None and c.gtin in forms), None)
        return replace(found, matched_by="gtin") if found is not None else None
    found = next((c for c in candidates if c.sku == code), None)
    return replace(found, matched_by="sku") if found is not None else None


def _get(session: Session, product_id: int) -> Product:
    product = session.get(Product, product_id)
    if product is None:
        raise NotFound(f"product #{product_id} does not exist")
    return product


_IDS = bindparam("ids", expanding=True)
# One statement, built once: with an expanding parameter it compiles once and is cached, so a
# 200-product page does not pay for coercing 200 literals per keystroke. Column "slot":
# 0 sellable on hand, 1 quarantined, 2 reserved, 3 incoming on open purchase orders.
_FIGURES = union_all(
    select(
        StockLevel.product_id,
        Bin.location_id,
        case((Bin.kind == BinKind.QUARANTINE, 1), else_=0).label("slot"),
        func.sum(StockLevel.on_hand).label("qty"),
    )
    .join(Bin, Bin.id == StockLevel.bin_id)
    .where(StockLevel.product_id.in_(_IDS))
    .group_by(StockLevel.product_id, Bin.location_id, Bin.kind),
    select(
        Reservation.product_id, Reservation.location_id, literal(2), func.sum(Reservation.quantity)
    )
    .where(Reservation.product_id.in_(_IDS))
    .group_by(Reservation.product_id, Reservation.location_id),
    select(
        PurchaseOrderLine.product_id,
        PurchaseOrder.location_id,
        literal(3),
        func.sum(PurchaseOrderLine.quantity - PurchaseOrderLine.received_quantity),
    )
    .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.purchase_order_id)
    .where(
        PurchaseOrderLine.product_id.in_(_IDS),
        PurchaseOrder.status.in_(("ordered", "partially_received")),
        PurchaseOrderLine.quantity > PurchaseOrderLine.received_quantity,
    )
    .group_by(PurchaseOrderLine.product_id, PurchaseOrder.location_id),
)
_LOCATION_CODES = select(Location.id, Location.code)


def location_stock(session: Session, product_ids: list[int]) -> dict[int, list[LocationStock]]:
    """On hand (sellable and quarantined), reserved and incoming per location for products."""
    if not product_ids:
        return {}
    codes = {location_id: code for location_id, code in session.execute(_LOCATION_CODES)}
    figures: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for product_id, location_id, slot, qty in session.execute(_FIGURES, {"ids": list(product_ids)}):
        figures[(product_id, location_id)][slot] += int(qty or 0)
    result: dict[int, list[LocationStock]] = {pid: [] for pid in product_ids}
    for (product_id, location_id), f in sorted(
        figures.items(), key=lambda kv: codes.get(kv[0][1], "")
    ):
        result[product_id].append(
            LocationStock(location_id, codes.get(location_id, "?"), f[0], f[1], f[2], f[3])
        )
    return result


def get_product(session: Session, product_id: int) -> ProductDetail:
    """Everything the product detail pane shows; raises NotFound."""
    product = _get(session, product_id)
    supplier = session.get(Supplier, product.supplier_id) if product.supplier_id else None
    codes = tuple(
        session.scalars(
            select(ProductBarcode.code)
            .where(ProductBarcode.product_id == product_id)
            .order_by(ProductBarcode.code)
        )
    )
    defaults = tuple(
        DefaultBin(loc_id, loc_code, bin_id, bin_code)
        for loc_id, loc_code, bin_id, bin_code in session.execute(
            select(Location.id, Location.code, Bin.id, Bin.code)
            .join(ProductBinDefault, ProductBinDefault.location_id == Location.id)
            .join(Bin, Bin.id == ProductBinDefault.bin_id)
            .where(ProductBinDefault.product_id == product_id)
            .order_by(Location.code)
        )
    )
    bins = tuple(
        BinStock(loc_id, loc_code, bin_id, bin_code, kind, on_hand)
        for loc_id, loc_code, bin_id, bin_code, kind, on_hand in session.execute(
            select(Location.id, Location.code, Bin.id, Bin.code, Bin.kind, StockLevel.on_hand)
            .join(Bin, Bin.id == StockLevel.bin_id)
            .join(Location, Location.id == Bin.location_id)
            .where(StockLevel.product_id == product_id, StockLevel.on_hand != 0)
            .order_by(Location.code, Bin.walk_sequence, Bin.code)
        )
    )
    return ProductDetail(
        id=product.id,
        sku=product.sku,
        name=product.name,
        gtin=product.gtin,
        weight_g=product.weight_g,
        price_minor=product.price_minor,
        cost_minor=product.cost_minor,
        reorder_point=product.reorder_point,
        reorder_quantity=product.reorder_quantity,
        allow_backorder=product.allow_backorder,
        archived=product.archived,
        supplier_id=product.supplier_id,
        supplier_name=supplier.name if supplier else None,
        supplier_sku=product.supplier_sku,
        scan_codes=codes,
        default_bins=defaults,
        bins=bins,
        locations=tuple(location_stock(session, [product_id])[product_id]),
    )
