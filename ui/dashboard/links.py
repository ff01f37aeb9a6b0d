"""Where each dashboard tile leads: MainWindow.open_link(panel, **criteria) and what they mean.

A panel that can narrow itself implements `show_filtered(**criteria)`; MainWindow.open_link
shows the panel and calls it with exactly these keyword names (panels without it are just
shown). Status values are the strings app/ stores (db.enums.OrderStatus), spelled out because
ui/ may not import db.

orders panel — show_filtered(statuses=None, on_hold=None, late=False):
    statuses: tuple[str, ...] | None — only orders in these statuses ("open",
        "partially_shipped", "picking", "packed", …); None = any status.
    on_hold: bool | None — True: only held orders (not cancelled, shipped or delivered);
        False: only orders not on hold; None: both.
    late: bool — True: orders in open / picking / packed / partially_shipped placed more than
        the setting `orders.late_after_days` days ago, held or not (app.reports.dashboard's
        `late`). Other criteria not given mean "no filter"; every call replaces the filter.
inventory panel — show_filtered(low_stock_only=False):
    low_stock_only: bool — products (not archived, reorder point > 0) whose available stock is
        at or below their reorder point (app.inventory.reorder.list_low_stock).
shipments panel — show_filtered(problems=None, shipped_on=None):
    problems: "mail" — shipments whose notification mail failed (dead, or pending after a
        failed attempt; app.reports.dashboard's `mail_problems`).
    shipped_on: datetime.date — shipments that left on that UTC day.
channels panel — no criteria: the tile just opens it (sync runs with errors in the last
    24 hours and dead outbox messages are what the tile counts).
reports panel — show_filtered(preset=None, date_from=None, date_to=None, channel_id=None,
    manual_only=False, tab=None): see ui.reports.reports_panel.ReportsPanel.show_filtered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

TO_PICK_STATUSES = ("open", "partially_shipped")


@dataclass(frozen=True, slots=True)
class Link:
    """A panel key and the criteria its show_filtered receives."""

    key: str
    criteria: dict[str, Any] = field(default_factory=dict)


def to_pick() -> Link:
    return Link("orders", {"statuses": TO_PICK_STATUSES, "on_hold": False})


def picking() -> Link:
    return Link("orders", {"statuses": ("picking",), "on_hold": False})


def to_ship() -> Link:
    return Link("orders", {"statuses": ("packed",), "on_hold": False})


def on_hold() -> Link:
    return Link("orders", {"on_hold": True})


def late() -> Link:
    return Link("orders", {"late": True})


def low_stock() -> Link:
    return Link("inventory", {"low_stock_only": True})


def sync_problems() -> Link:
    return Link("channels")


def mail_problems() -> Link:
    return Link("shipments", {"problems": "mail"})


def shipped_on(day: date) -> Link:
    return Link("shipments", {"shipped_on": day})


def sales_today() -> Link:
    return Link("reports", {"preset": "today", "tab": "sales_by_day"})
