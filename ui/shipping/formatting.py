"""Text for fulfilment screens: local times, status words, status colours."""

from __future__ import annotations

from PySide6.QtGui import QColor

from ui.formatting import local_time as local_time  # re-exported

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


def status_text(status: str | None) -> str:
    return STATUS_TEXT.get(status or "", (status or "").replace("_", " ").capitalize())
