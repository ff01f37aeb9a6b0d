"""Outgoing customer mail (shipping notifications), queued in the transaction that caused it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, enum_check
from db.enums import MailStatus
from db.types import UTCDateTime, utcnow


class MailMessage(Base):
    __tablename__ = "mail_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("sales_order.id", ondelete="SET NULL"))
    shipment_id: Mapped[int | None] = mapped_column(ForeignKey("shipment.id", ondelete="SET NULL"))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=MailStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        enum_check("status", MailStatus),
        CheckConstraint("attempts >= 0", name="attempts_nonneg"),
        Index("ix_mail_message_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_mail_message_order_id", "order_id"),
    )
