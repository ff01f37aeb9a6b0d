"""Return authorizations (RMAs) and their lines."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, enum_check
from db.enums import Disposition, ItemCondition, ReturnReason, ReturnResolution, ReturnStatus
from db.types import UTCDateTime, utcnow


class ReturnAuthorization(Base):
    __tablename__ = "return_authorization"

    id: Mapped[int] = mapped_column(primary_key=True)
    rma_number: Mapped[str] = mapped_column(String(32), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(16), default=ReturnStatus.REQUESTED)
    resolution: Mapped[str | None] = mapped_column(String(16))
    refund_minor: Mapped[int] = mapped_column(Integer, default=0)
    refund_method: Mapped[str | None] = mapped_column(String(40))
    store_credit_minor: Mapped[int] = mapped_column(Integer, default=0)
    exchange_order_id: Mapped[int | None] = mapped_column(
        ForeignKey("sales_order.id", ondelete="SET NULL")
    )
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    authorized_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        enum_check("status", ReturnStatus),
        enum_check("resolution", ReturnResolution, nullable=True),
        CheckConstraint("refund_minor >= 0 AND store_credit_minor >= 0", name="money_nonneg"),
        Index("ix_return_authorization_order_id", "order_id"),
        Index("ix_return_authorization_status_created_at", "status", "created_at"),
        Index("ix_return_authorization_created_at_id", "created_at", "id"),
    )


class ReturnLine(Base):
    __tablename__ = "return_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    rma_id: Mapped[int] = mapped_column(ForeignKey("return_authorization.id", ondelete="CASCADE"))
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_line.id", ondelete="RESTRICT"))
    quantity: Mapped[int] = mapped_column(Integer)
    received_quantity: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(String(24))
    reason_note: Mapped[str | None] = mapped_column(Text)
    condition: Mapped[str | None] = mapped_column(String(16))
    disposition: Mapped[str | None] = mapped_column(String(20))
    bin_id: Mapped[int | None] = mapped_column(ForeignKey("bin.id", ondelete="RESTRICT"))

    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(
            "received_quantity >= 0 AND received_quantity <= quantity", name="received_in_range"
        ),
        enum_check("reason", ReturnReason),
        enum_check("condition", ItemCondition, nullable=True),
        enum_check("disposition", Disposition, nullable=True),
        Index("ix_return_line_rma_id", "rma_id"),
        Index("ix_return_line_order_line_id", "order_line_id"),
    )
