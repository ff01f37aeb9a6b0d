"""Catalog, places and stock: products, scan codes, locations, bins, the stock ledger and levels."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, enum_check
from db.enums import BinKind, LocationKind, MoveReason
from db.types import UTCDateTime, utcnow


class Supplier(Base):
    __tablename__ = "supplier"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(50))
    lead_time_days: Mapped[int] = mapped_column(Integer, default=7)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (CheckConstraint("lead_time_days >= 0", name="lead_time_nonneg"),)


class Product(Base):
    __tablename__ = "product"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    gtin: Mapped[str | None] = mapped_column(String(14), unique=True)
    weight_g: Mapped[int] = mapped_column(Integer, default=0)
    price_minor: Mapped[int] = mapped_column(Integer, default=0)
    cost_minor: Mapped[int] = mapped_column(Integer, default=0)
    reorder_point: Mapped[int] = mapped_column(Integer, default=0)
    reorder_quantity: Mapped[int] = mapped_column(Integer, default=0)
    allow_backorder: Mapped[bool] = mapped_column(Boolean, default=False)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("supplier.id", ondelete="SET NULL"))
    supplier_sku: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        CheckConstraint("weight_g >= 0", name="weight_nonneg"),
        CheckConstraint("price_minor >= 0", name="price_nonneg"),
        CheckConstraint("cost_minor >= 0", name="cost_nonneg"),
        CheckConstraint("reorder_point >= 0", name="reorder_point_nonneg"),
        CheckConstraint("reorder_quantity >= 0", name="reorder_quantity_nonneg"),
        Index("ix_product_archived_name", "archived", "name"),
        Index("ix_product_archived_sku", "archived", "sku"),
        Index("ix_product_supplier_id", "supplier_id"),
        # SKUs match in any case (a scanner with Caps Lock, a CSV typed by hand): lookups by
        # lower(sku) would otherwise read every product.
        Index("ix_product_sku_lower", func.lower(sku)),
    )


class ProductBarcode(Base):
    """An extra code that scans to a product (supplier label, old GTIN, internal code)."""

    __tablename__ = "product_barcode"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64), unique=True)
    note: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (Index("ix_product_barcode_product_id", "product_id"),)


class Location(Base):
    __tablename__ = "location"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default=LocationKind.WAREHOUSE)
    address1: Mapped[str | None] = mapped_column(String(200))
    address2: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(100))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2), default="US")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (enum_check("kind", LocationKind),)


class Bin(Base):
    __tablename__ = "bin"

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id", ondelete="RESTRICT"))
    code: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16), default=BinKind.STORAGE)
    walk_sequence: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (
        UniqueConstraint("location_id", "code"),
        enum_check("kind", BinKind),
        Index("ix_bin_location_id_walk_sequence", "location_id", "walk_sequence"),
    )


class ProductBinDefault(Base):
    """The bin a product is put away to and picked from by default, per location."""

    __tablename__ = "product_bin_default"

    product_id: Mapped[int] = mapped_column(
        ForeignKey("product.id", ondelete="CASCADE"), primary_key=True
    )
    location_id: Mapped[int] = mapped_column(
        ForeignKey("location.id", ondelete="CASCADE"), primary_key=True
    )
    bin_id: Mapped[int] = mapped_column(ForeignKey("bin.id", ondelete="CASCADE"))


class StockMove(Base):
    """Append-only ledger row: `quantity` units of a product moved from one bin to another.

    A receipt has no source bin, a shipment or scrap no destination. Corrections are new moves
    (reason `reversal`, `reverses_move_id` set), never edits.
    """

    __tablename__ = "stock_move"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="RESTRICT"))
    from_bin_id: Mapped[int | None] = mapped_column(ForeignKey("bin.id", ondelete="RESTRICT"))
    to_bin_id: Mapped[int | None] = mapped_column(ForeignKey("bin.id", ondelete="RESTRICT"))
    quantity: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(24))
    reference: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    reverses_move_id: Mapped[int | None] = mapped_column(
        ForeignKey("stock_move.id", ondelete="RESTRICT"), unique=True
    )
    actor: Mapped[str] = mapped_column(String(100), default="system")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("from_bin_id IS NOT NULL OR to_bin_id IS NOT NULL", name="has_a_bin"),
        enum_check("reason", MoveReason),
        Index("ix_stock_move_product_id_at", "product_id", "at"),
        Index("ix_stock_move_reference", "reference"),
        Index("ix_stock_move_at", "at"),
    )


class StockLevel(Base):
    """Cached on-hand per product and bin, updated in the same transaction as each move."""

    __tablename__ = "stock_level"

    product_id: Mapped[int] = mapped_column(
        ForeignKey("product.id", ondelete="RESTRICT"), primary_key=True
    )
    bin_id: Mapped[int] = mapped_column(ForeignKey("bin.id", ondelete="RESTRICT"), primary_key=True)
    on_hand: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        CheckConstraint("on_hand >= 0", name="on_hand_nonneg"),
        Index("ix_stock_level_bin_id", "bin_id"),
    )


class ProductStock(Base):
    """On hand per product over all bins, sellable and quarantined apart: a summary of
    stock_level kept exact by triggers (db/stock_summary.py) so shop-wide reads need not group
    every bin row. `packbench doctor` compares it with the levels."""

    __tablename__ = "product_stock"

    product_id: Mapped[int] = mapped_column(
        ForeignKey("product.id", ondelete="CASCADE"), primary_key=True
    )
    sellable: Mapped[int] = mapped_column(Integer, default=0)
    quarantined: Mapped[int] = mapped_column(Integer, default=0)


class Reservation(Base):
    """Stock held for an order line at one location; available = on hand − reserved."""

    __tablename__ = "reservation"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_line.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="RESTRICT"))
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id", ondelete="RESTRICT"))
    quantity: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("order_line_id", "location_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_reservation_product_id_location_id", "product_id", "location_id"),
    )
