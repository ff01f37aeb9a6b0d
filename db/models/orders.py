"""Customers, sales orders and order lines."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, enum_check
from db.enums import DeliveryMethod, OrderStatus, PaymentStatus
from db.types import UTCDateTime, utcnow


class Customer(Base):
    __tablename__ = "customer"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(50))
    company: Mapped[str | None] = mapped_column(String(200))
    address1: Mapped[str | None] = mapped_column(String(200))
    address2: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(100))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(2))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_customer_email", "email"),
        Index("ix_customer_name", "name"),
    )


class SalesOrder(Base):
    """An order with a snapshot of its ship-to; `on_hold` overlays the status and blocks picking."""

    __tablename__ = "sales_order"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channel.id", ondelete="RESTRICT"))
    external_id: Mapped[str | None] = mapped_column(String(64))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id", ondelete="SET NULL"))
    parent_order_id: Mapped[int | None] = mapped_column(
        ForeignKey("sales_order.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(20), default=OrderStatus.DRAFT)
    on_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    hold_reason: Mapped[str | None] = mapped_column(String(200))
    hold_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    payment_status: Mapped[str] = mapped_column(String(20), default=PaymentStatus.PENDING)
    delivery_method: Mapped[str] = mapped_column(String(10), default=DeliveryMethod.SHIP)
    fulfil_location_id: Mapped[int | None] = mapped_column(
        ForeignKey("location.id", ondelete="RESTRICT")
    )
    pickup_location_id: Mapped[int | None] = mapped_column(
        ForeignKey("location.id", ondelete="RESTRICT")
    )
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(50))
    ship_name: Mapped[str | None] = mapped_column(String(200))
    ship_company: Mapped[str | None] = mapped_column(String(200))
    ship_address1: Mapped[str | None] = mapped_column(String(200))
    ship_address2: Mapped[str | None] = mapped_column(String(200))
    ship_city: Mapped[str | None] = mapped_column(String(100))
    ship_region: Mapped[str | None] = mapped_column(String(100))
    ship_postal_code: Mapped[str | None] = mapped_column(String(20))
    ship_country: Mapped[str | None] = mapped_column(String(2))
    bill_country: Mapped[str | None] = mapped_column(String(2))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    subtotal_minor: Mapped[int] = mapped_column(Integer, default=0)
    discount_minor: Mapped[int] = mapped_column(Integer, default=0)
    shipping_minor: Mapped[int] = mapped_column(Integer, default=0)
    tax_minor: Mapped[int] = mapped_column(Integer, default=0)
    total_minor: Mapped[int] = mapped_column(Integer, default=0)
    paid_minor: Mapped[int] = mapped_column(Integer, default=0)
    refunded_minor: Mapped[int] = mapped_column(Integer, default=0)
    risk_level: Mapped[int] = mapped_column(Integer, default=0)
    risk_flags: Mapped[str | None] = mapped_column(String(500))
    notes: Mapped[str | None] = mapped_column(Text)
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the first parcel left; kept by triggers on shipment (db/first_shipment.py).
    first_shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("channel_id", "external_id"),
        enum_check("status", OrderStatus),
        enum_check("payment_status", PaymentStatus),
        enum_check("delivery_method", DeliveryMethod),
        CheckConstraint(
            "subtotal_minor >= 0 AND discount_minor >= 0 AND shipping_minor >= 0 "
            "AND tax_minor >= 0 AND total_minor >= 0 AND paid_minor >= 0 AND refunded_minor >= 0",
            name="money_nonneg",
        ),
        CheckConstraint("refunded_minor <= paid_minor", name="refund_within_paid"),
        Index("ix_sales_order_placed_at_id", "placed_at", "id"),
        Index("ix_sales_order_status_placed_at", "status", "placed_at"),
        Index("ix_sales_order_on_hold_hold_until", "on_hold", "hold_until"),
        Index("ix_sales_order_channel_id_placed_at", "channel_id", "placed_at"),
        Index("ix_sales_order_customer_id", "customer_id"),
        Index("ix_sales_order_email", "email"),
        Index("ix_sales_order_ship_name", "ship_name"),
        Index("ix_sales_order_risk_level", "risk_level"),
        Index("ix_sales_order_total_minor_id", "total_minor", "id"),
        Index("ix_sales_order_parent_order_id", "parent_order_id"),
        Index("ix_sales_order_status_on_hold", "status", "on_hold"),
        # Covering for the fulfilment report (orders by when they first shipped).
        Index(
            "ix_sales_order_first_shipped_at",
            "first_shipped_at",
            "placed_at",
            "status",
            "channel_id",
        ),
    )


class OrderLine(Base):
    """A product (or an unmatched SKU from a channel or file) with its fulfilment counters."""

    __tablename__ = "order_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id", ondelete="CASCADE"))
    line_no: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id", ondelete="RESTRICT"))
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(300))
    external_line_id: Mapped[str | None] = mapped_column(String(64))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_minor: Mapped[int] = mapped_column(Integer, default=0)
    discount_minor: Mapped[int] = mapped_column(Integer, default=0)
    allocated: Mapped[int] = mapped_column(Integer, default=0)
    picked: Mapped[int] = mapped_column(Integer, default=0)
    shipped: Mapped[int] = mapped_column(Integer, default=0)
    returned: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        UniqueConstraint("order_id", "line_no"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price_minor >= 0 AND discount_minor >= 0", name="money_nonneg"),
        CheckConstraint(
            "allocated >= 0 AND allocated + shipped <= quantity", name="allocated_in_range"
        ),
        CheckConstraint("picked >= 0 AND picked <= quantity", name="picked_in_range"),
        CheckConstraint("shipped >= 0 AND shipped <= quantity", name="shipped_in_range"),
        CheckConstraint("returned >= 0 AND returned <= shipped", name="returned_in_range"),
        Index("ix_order_line_product_id", "product_id"),
        Index("ix_order_line_sku", "sku"),
        # Covering for the reports: an order's lines summed/grouped without reading the rows.
        Index(
            "ix_order_line_order_id_product_id",
            "order_id",
            "product_id",
            "sku",
            "quantity",
            "unit_price_minor",
            "discount_minor",
        ),
    )


class SalesDay(Base):
    """Units and revenue sold per product, UTC day and channel: the reports' summary of order
    lines on orders that count as sales (not draft, not cancelled).

    Kept exact by database triggers on order_line and sales_order (db/sales_summary.py), so it
    never needs a refresh; `packbench doctor` compares it with the lines. `product_key` is the
    product id or 0 for an unmatched SKU, `channel_key` the channel id or 0 for manual orders
    (keys, not foreign keys, so the primary key has no NULLs).
    """

    __tablename__ = "sales_day"

    product_key: Mapped[int] = mapped_column(Integer)
    sku: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)
    channel_key: Mapped[int] = mapped_column(Integer)
    # 64-bit on PostgreSQL too: a day's sum can pass 2^31 minor units (IDR, KRW, VND).
    units: Mapped[int] = mapped_column(BigInteger)
    revenue_minor: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        # Product order: a long range is summed per product in one pass over the table.
        PrimaryKeyConstraint("product_key", "sku", "day", "channel_key"),
        # Day order, covering: a short range reads only its days.
        Index(
            "ix_sales_day_day",
            "day",
            "channel_key",
            "product_key",
            "sku",
            "units",
            "revenue_minor",
        ),
        {"sqlite_with_rowid": False},
    )


class ProductSales(Base):
    """All-time units sold per product (`product_key` as in sales_day: 0 for unmatched SKUs),
    kept exact by triggers on sales_day (db/product_sales.py). A window covering most of the
    recorded days is summed as this total minus the few days outside it."""

    __tablename__ = "product_sales"

    product_key: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    units: Mapped[int] = mapped_column(BigInteger)


class OrderDay(Base):
    """Orders, units and order totals per UTC day, channel and currency: the sales-by-day and
    by-channel summary of orders that count as sales, kept exact by triggers
    (db/order_summary.py). `channel_key` is the channel id, or 0 for manual orders."""

    __tablename__ = "order_day"

    day: Mapped[date] = mapped_column(Date)
    channel_key: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    orders: Mapped[int] = mapped_column(Integer)
    units: Mapped[int] = mapped_column(BigInteger)
    revenue_minor: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (PrimaryKeyConstraint("day", "channel_key", "currency"),)
