"""Online sales channels, product listings, sync runs and the outbox of pending pushes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, enum_check
from db.enums import ChannelKind, OutboxStatus, SyncRunStatus
from db.types import UTCDateTime, utcnow


class Channel(Base):
    """A shop we sync with. Secrets live in the OS keyring, never here."""

    __tablename__ = "channel"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100), unique=True)
    base_url: Mapped[str | None] = mapped_column(String(500))
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    stock_buffer: Mapped[int] = mapped_column(Integer, default=0)
    last_pulled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        enum_check("kind", ChannelKind),
        CheckConstraint("stock_buffer >= 0", name="stock_buffer_nonneg"),
    )


class ChannelListing(Base):
    __tablename__ = "channel_listing"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    remote_product_id: Mapped[str | None] = mapped_column(String(100))
    remote_variant_id: Mapped[str | None] = mapped_column(String(100))
    remote_inventory_item_id: Mapped[str | None] = mapped_column(String(100))
    last_pushed_available: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        UniqueConstraint("channel_id", "product_id"),
        UniqueConstraint("channel_id", "remote_variant_id"),
        Index("ix_channel_listing_product_id", "product_id"),
    )


class SyncRun(Base):
    __tablename__ = "sync_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default=SyncRunStatus.RUNNING)
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pulled: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    pushed: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    error_text: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        enum_check("status", SyncRunStatus),
        Index("ix_sync_run_channel_id_started_at", "channel_id", "started_at"),
    )


class OutboxMessage(Base):
    """A push to a channel written in the same transaction as the change that caused it."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        enum_check("status", OutboxStatus),
        CheckConstraint("attempts >= 0", name="attempts_nonneg"),
        Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_outbox_channel_id", "channel_id"),
    )
