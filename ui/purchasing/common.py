"""Shared pieces of the purchasing screens: list table model, money/date text, messages, confirm."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QLabel,
    QSizePolicy,
)

from app.changes import ChangeSet
from app.money import currency_exponent, format_money, parse_amount, plain_amount
from ui.widgets.tables import make_table, set_column_widths
from ui.widgets.tone import show_toned

STATUS_TEXT = {
    "draft": "Draft",
    "ordered": "Ordered",
    "partially_received": "Partially received",
    "received": "Received",
    "cancelled": "Cancelled",
}

OK_BACKGROUND = QColor("#e3f6e6")
WARN_BACKGROUND = QColor("#fff1cc")
ERROR_BACKGROUND = QColor("#fde3e0")
HIGHLIGHT_BACKGROUND = QColor("#d6e8ff")
MUTED_FOREGROUND = QColor("#7b8794")

# Panel-local styles for the station labels (the application stylesheet knows nothing of them).
STATION_STYLE = """
QLabel#stationMessage {
    font-size: 18px; font-weight: 600; padding: 10px 14px; border-radius: 6px;
    background: #eef2f7; color: #323f4b;
}
QLabel#stationMessage[tone="ok"] { background: #d7f5dd; color: #1b5e20; }
QLabel#stationMessage[tone="warning"] { background: #fff1cc; color: #7a4b00; }
QLabel#stationMessage[tone="error"] { background: #fde3e0; color: #9b1c1c; }
QLabel#stationHeading { font-size: 20px; font-weight: 600; color: #1f2933; }
QLabel#stationTarget { font-size: 15px; color: #3e4c59; }
QTableView#stationTable { font-size: 16px; }
QLabel#sectionTitle { font-size: 15px; font-weight: 600; color: #1f2933; }
"""


@dataclass(frozen=True, slots=True)
class Changed:
    """A mutation result for services that return something without `.changes` (ids)."""

    value: Any
    changes: ChangeSet = field(default_factory=lambda: ChangeSet(purchasing=True))
    message: str = ""


def plain_money(minor: int, currency: str) -> str:
    """'12.50' (no symbol, no separators): what an edit field shows."""
    return plain_amount(minor, currency)


def parse_money(text: str, currency: str) -> int | None:
    """Minor units from '12.5', '12,50' or '$12.50'; None for blank; ValueError when unreadable."""
    return parse_amount(text, currency) if (text or "").strip() else None


def status_text(status: str) -> str:
    return STATUS_TEXT.get(status, status.replace("_", " ").capitalize())


Confirm = Callable[[str, str], bool]


def heading_label(object_name: str = "stationHeading") -> QLabel:
    """A one-line heading that is clipped rather than widening the window when text is long."""
    label = QLabel(objectName=object_name)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    return label


__all__ = [
    "currency_exponent",
    "format_money",
    "make_table",
    "parse_money",
    "plain_money",
    "set_column_widths",
    "show_toned",
]
