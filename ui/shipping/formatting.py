"""Text for fulfilment screens: local times, status words, status colours."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtGui import QColor

STATUS_TEXT = {
    "open": "Open",
    "in_progress": "In progress",
    "completed": "Completed",
    "cancelled": "Cancelled",
    "packing": "Packing",
    "packed": "Packed",
    "shipped": "Shipped",
    "delivered": "Delivered",
    "voided": "Voided",
    "partially_shipped": "Partially shipped",
    "pending": "Retrying",
    "sent": "Sent",
    "dead": "Failed",
}
STATUS_COLOURS = {
    "packed": QColor("#fff4d6"),
    "packing": QColor("#e8f0fe"),
    "voided": QColor("#eceff1"),
    "dead": QColor("#fde3e0"),
}
MUTED = QColor("#7b8794")


def local_time(moment: datetime | None) -> str:
    """An aware UTC timestamp in the computer's time zone: '2025-03-14 09:05'."""
    if moment is None:
        return ""
    if moment.tzinfo is None:  # stored values are aware; be lenient with test data
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def status_text(status: str | None) -> str:
    return STATUS_TEXT.get(status or "", (status or "").replace("_", " ").capitalize())
