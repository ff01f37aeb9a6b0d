"""Suppliers: create, edit, list (name unique regardless of case; lead time drives reordering)."""

from __future__ import annotations

import re
from dataclasses import asdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit import record_event
from app.changes import ChangeSet
from app.errors import Conflict, NotFound, ValidationError
from app.inventory.dto import Saved
from app.purchasing.dto import PURCHASING_CHANGED, SupplierInfo, SupplierInput
from db.enums import PurchaseOrderStatus
from db.models import Product, PurchaseOrder, Supplier

OPEN_STATUSES = (
    PurchaseOrderStatus.DRAFT,
    PurchaseOrderStatus.ORDERED,
    PurchaseOrderStatus.PARTIALLY_RECEIVED,
)
MAX_LEAD_TIME_DAYS = 365


def clean_supplier_input(data: SupplierInput) -> SupplierInput:
    """Trim and validate; raises ValidationError naming the field."""
    name = " ".join((data.name or "").split())
    if not name:
        raise ValidationError("supplier name is required", field="name")
    if len(name) > 200:
        raise ValidationError("supplier name must be at most 200 characters", field="name")
    email = (data.email or "").strip() or None
    if email is not None and (len(email) > 254 or not re.fullmatch(r"[^@\s]+@[^@\s]+", email)):
        raise ValidationError(f"{email!r} is not an e-mail address", field="email")
    phone = (data.phone or "").strip() or None
    if phone is not None and len(phone) > 50:
        raise ValidationError("phone must be at most 50 characters", field="phone")
    lead = data.lead_time_days
    if not isinstance(lead, int) or isinstance(lead, bool) or not 0 <= lead <= MAX_LEAD_TIME_DAYS:
        raise ValidationError(
            f"lead time must be a whole number of days from 0 to {MAX_LEAD_TIME_DAYS}",
            field="lead_time_days",
        )
    currency = (data.currency or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise ValidationError(
            "currency must be a three-letter ISO code such as USD or EUR", field="currency"
        )
    notes = (data.notes or "").strip() or None
    return SupplierInput(name, email, phone, lead, currency, notes)


def _check_name(session: Session, name: str, supplier_id: int | None) -> None:
    clash = session.scalar(
        select(Supplier.name).where(
            func.lower(Supplier.name) == name.lower(), Supplier.id != (supplier_id or -1)
        )
    )
    if clash:
        raise Conflict(f"supplier {clash} already exists; pick another name")


def create_supplier(session: Session, data: SupplierInput, *, actor: str) -> Saved:
    """Add a supplier. Raises ValidationError (bad field) or Conflict (name taken)."""
    data = clean_supplier_input(data)
    _check_name(session, data.name, None)
    supplier = Supplier(**asdict(data))
    session.add(supplier)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="supplier.create",
        entity_type="supplier",
        entity_id=supplier.id,
        summary=f"Created supplier {data.name}",
    )
    return Saved(supplier.id, PURCHASING_CHANGED, f"Created supplier {data.name}")


def update_supplier(
    session: Session, supplier_id: int, data: SupplierInput, *, actor: str
) -> Saved:
    """Change a supplier's fields; the audit event lists old and new values.

    A new lead time applies to future reorder suggestions; existing purchase orders keep their
    expected dates. Raises NotFound, ValidationError or Conflict (name taken).
    """
    supplier = _get(session, supplier_id)
    data = clean_supplier_input(data)
    _check_name(session, data.name, supplier_id)
    changed = {}
    for key, value in asdict(data).items():
        old = getattr(supplier, key)
        if old != value:
            changed[key] = {"old": old, "new": value}
            setattr(supplier, key, value)
    if not changed:
        return Saved(supplier.id, ChangeSet(), "Nothing changed")
    record_event(
        session,
        actor=actor,
        action="supplier.update",
        entity_type="supplier",
        entity_id=supplier.id,
        summary=f"Edited supplier {supplier.name}: {', '.join(changed)}",
        details=changed,
    )
    return Saved(supplier.id, PURCHASING_CHANGED, f"Saved {supplier.name}")


def _get(session: Session, supplier_id: int) -> Supplier:
    supplier = session.get(Supplier, supplier_id)
    if supplier is None:
        raise NotFound(f"supplier #{supplier_id} does not exist")
    return supplier


def list_suppliers(session: Session, *, name_contains: str | None = None) -> list[SupplierInfo]:
    """Suppliers by name, with how many products and open purchase orders each has."""
    products = (
        select(Product.supplier_id, func.count().label("n"))
        .where(Product.supplier_id.is_not(None), Product.archived.is_(False))
        .group_by(Product.supplier_id)
        .subquery()
    )
    orders = (
        select(PurchaseOrder.supplier_id, func.count().label("n"))
        .where(PurchaseOrder.status.in_(OPEN_STATUSES))
        .group_by(PurchaseOrder.supplier_id)
        .subquery()
    )
    query = (
        select(Supplier, func.coalesce(products.c.n, 0), func.coalesce(orders.c.n, 0))
        .outerjoin(products, products.c.supplier_id == Supplier.id)
        .outerjoin(orders, orders.c.supplier_id == Supplier.id)
        .order_by(func.lower(Supplier.name))
    )
    if name_contains and name_contains.strip():
        query = query.where(Supplier.name.icontains(name_contains.strip(), autoescape=True))
    return [_info(s, n_products, n_orders) for s, n_products, n_orders in session.execute(query)]


def get_supplier(session: Session, supplier_id: int) -> SupplierInfo:
    """One supplier; raises NotFound."""
    for info in _by_ids(session, [supplier_id]):
        return info
    raise NotFound(f"supplier #{supplier_id} does not exist")


def _by_ids(session: Session, ids: list[int]) -> list[SupplierInfo]:
    supplier_rows = list(session.scalars(select(Supplier).where(Supplier.id.in_(ids))))
    if not supplier_rows:
        return []
    n_products = dict(
        session.execute(
            select(Product.supplier_id, func.count())
            .where(Product.supplier_id.in_(ids), Product.archived.is_(False))
            .group_by(Product.supplier_id)
        ).all()
    )
    n_orders = dict(
        session.execute(
            select(PurchaseOrder.supplier_id, func.count())
            .where(PurchaseOrder.supplier_id.in_(ids), PurchaseOrder.status.in_(OPEN_STATUSES))
            .group_by(PurchaseOrder.supplier_id)
        ).all()
    )
    return [_info(s, n_products.get(s.id, 0), n_orders.get(s.id, 0)) for s in supplier_rows]


def _info(supplier: Supplier, n_products: int, n_orders: int) -> SupplierInfo:
    return SupplierInfo(
        id=supplier.id,
        name=supplier.name,
        email=supplier.email,
        phone=supplier.phone,
        lead_time_days=supplier.lead_time_days,
        currency=supplier.currency,
        notes=supplier.notes,
        product_count=int(n_products),
        open_po_count=int(n_orders),
    )
