"""Pick lists, shipments, their packages and lines."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, enum_check
from db.enums import PickListStatus, ShipmentStatus
from db.types import UTCDateTime, utcnow


class PickList(Base):
    __tablename__ = "pick_list"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=PickListStatus.OPEN)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id", ondelete="RESTRICT"))
    created_by: Mapped[str] = mapped_column(String(100), default="system")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        enum_check("status", PickListStatus),
        Index("ix_pick_list_status_created_at", "status", "created_at"),
    )


class PickListOrder(Base):
    """An order in a batch pick list, with the tote/slot it is collected into."""

    __tablename__ = "pick_list_order"

    pick_list_id: Mapped[int] = mapped_column(
        ForeignKey("pick_list.id", ondelete="CASCADE"), primary_key=True
    )
    order_id: Mapped[int] = mapped_column(
        ForeignKey("sales_order.id", ondelete="CASCADE"), primary_key=True
    )
    slot: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        UniqueConstraint("pick_list_id", "slot"),
        Index("ix_pick_list_order_order_id", "order_id"),
    )


class PickListLine(Base):
    """What to take from which bin for which order line; picked and short counts as scanned."""

    __tablename__ = "pick_list_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    pick_list_id: Mapped[int] = mapped_column(ForeignKey("pick_list.id", ondelete="CASCADE"))
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_line.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="RESTRICT"))
    bin_id: Mapped[int | None] = mapped_column(ForeignKey("bin.id", ondelete="RESTRICT"))
    quantity: Mapped[int] = mapped_column(Integer)
    picked: Mapped[int] = mapped_column(Integer, default=0)
    short: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("picked >= 0 AND short >= 0 AND picked + short <= quantity", name="counts"),
        Index("ix_pick_list_line_pick_list_id", "pick_list_id"),
        Index("ix_pick_list_line_order_line_id", "order_line_id"),
    )


class Shipment(Base):
    __tablename__ = "shipment"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id", ondelete="RESTRICT"))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(16), default=ShipmentStatus.PACKING)
    carrier: Mapped[str | None] = mapped_column(String(40))
    service: Mapped[str | None] = mapped_column(String(80))
    tracking_number: Mapped[str | None] = mapped_column(String(64))
    tracking_url: Mapped[str | None] = mapped_column(String(500))
    weight_g: Mapped[int | None] = mapped_column(Integer)
    expected_weight_g: Mapped[int | None] = mapped_column(Integer)
    package_count: Mapped[int] = mapped_column(Integer, default=1)
    verified_by: Mapped[str | None] = mapped_column(String(100))
    override_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    packed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        enum_check("status", ShipmentStatus),
        CheckConstraint("package_count >= 1", name="package_count_positive"),
        CheckConstraint("weight_g IS NULL OR weight_g >= 0", name="weight_nonneg"),
        Index("ix_shipment_order_id", "order_id"),
        Index("ix_shipment_tracking_number", "tracking_number"),
        Index("ix_shipment_status_created_at", "status", "created_at"),
        Index("ix_shipment_created_at_id", "created_at", "id"),
        Index("ix_shipment_shipped_at_order_id", "shipped_at", "order_id"),
    )


class ShipmentPackage(Base):
    __tablename__ = "shipment_package"

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipment.id", ondelete="CASCADE"))
    box_type: Mapped[str | None] = mapped_column(String(40))
    weight_g: Mapped[int | None] = mapped_column(Integer)
    length_mm: Mapped[int | None] = mapped_column(Integer)
    width_mm: Mapped[int | None] = mapped_column(Integer)
    height_mm: Mapped[int | None] = mapped_column(Integer)
    tracking_number: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        CheckConstraint("weight_g IS NULL OR weight_g >= 0", name="weight_nonneg"),
        Index("ix_shipment_package_shipment_id", "shipment_id"),
    )


class ShipmentLine(Base):
    __tablename__ = "shipment_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipment.id", ondelete="CASCADE"))
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_line.id", ondelete="RESTRICT"))
    quantity: Mapped[int] = mapped_column(Integer)
    verified: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        UniqueConstraint("shipment_id", "order_line_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("verified >= 0 AND verified <= quantity", name="verified_in_range"),
        Index("ix_shipment_line_order_line_id", "order_line_id"),
    )
