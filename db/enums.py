"""Value sets stored as strings (checked by constraints); the domain layer re-exports them."""

from __future__ import annotations

from enum import StrEnum


class LocationKind(StrEnum):
    WAREHOUSE = "warehouse"
    STORE = "store"


class BinKind(StrEnum):
    STORAGE = "storage"
    RECEIVING = "receiving"
    QUARANTINE = "quarantine"  # not sellable: returns awaiting a decision


class MoveReason(StrEnum):
    RECEIVE = "receive"
    SHIP = "ship"
    ADJUST = "adjust"
    COUNT = "count"
    RETURN_RESTOCK = "return_restock"
    RETURN_QUARANTINE = "return_quarantine"
    TRANSFER = "transfer"
    SCRAP = "scrap"
    REVERSAL = "reversal"


class OrderStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    PICKING = "picking"
    PACKED = "packed"
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class PaymentStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"


class DeliveryMethod(StrEnum):
    SHIP = "ship"
    PICKUP = "pickup"


class PickListStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class ShipmentStatus(StrEnum):
    PACKING = "packing"
    PACKED = "packed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    VOIDED = "voided"


class ReturnStatus(StrEnum):
    REQUESTED = "requested"
    AUTHORIZED = "authorized"
    RECEIVED = "received"
    CLOSED = "closed"
    REJECTED = "rejected"


class ReturnResolution(StrEnum):
    REFUND = "refund"
    EXCHANGE = "exchange"
    STORE_CREDIT = "store_credit"


class ReturnReason(StrEnum):
    DAMAGED = "damaged"
    WRONG_ITEM = "wrong_item"
    NOT_AS_DESCRIBED = "not_as_described"
    NO_LONGER_NEEDED = "no_longer_needed"
    OTHER = "other"


class ItemCondition(StrEnum):
    NEW = "new"
    OPENED = "opened"
    DAMAGED = "damaged"


class Disposition(StrEnum):
    RESTOCK = "restock"
    QUARANTINE = "quarantine"
    SCRAP = "scrap"
    RETURN_TO_VENDOR = "return_to_vendor"


class PurchaseOrderStatus(StrEnum):
    DRAFT = "draft"
    ORDERED = "ordered"
    PARTIALLY_RECEIVED = "partially_received"
    RECEIVED = "received"
    CANCELLED = "cancelled"


class ChannelKind(StrEnum):
    SHOPIFY = "shopify"
    WOOCOMMERCE = "woocommerce"
    CSV = "csv"


class SyncRunStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"


class MailStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"  # gave up after too many attempts; a person can retry
