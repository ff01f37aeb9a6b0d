"""Order CSV export in Packbench's order template, which `import_orders` reads back."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import csvtext
from app.money import currency_exponent, decimal_text
from app.orders.csv_import import PACKBENCH_COLUMNS
from app.orders.queries import OrderFilter, list_order_page
from db.models import Location, OrderLine, SalesOrder

_CHUNK = 500  # orders read per query
_CHANNEL_RISK = "channel risk: "  # how app.orders.rules.risk_flags words it


def export_orders(
    session: Session, target: str | Path | TextIO, *, filt: OrderFilter | None = None
) -> int:
    """Write the orders matching `filt` (default: all, newest first) in the order template.

    One row per order line with the order's columns repeated on each row; `order_id` is the
    order number, so the file imports into another shop (or back here under another channel)
    as the same orders. Amounts are plain decimals in each order's currency, times are ISO 8601
    UTC. A path is written as UTF-8 with BOM (so spreadsheets show accents), replacing the file
    only once complete; a text stream gets plain text (open it with newline=""). Returns the
    number of orders written. Raises ValidationError when the file cannot be written.
    """
    filt = filt or OrderFilter()
    ids: list[int] = []
    after = None
    while True:
        page = list_order_page(session, filt, after=after, limit=1000)
        ids += [row.id for row in page.rows]
        if page.next_after is None:
            break
        after = page.next_after
    stores = dict(session.execute(select(Location.id, Location.code)).all())
    count = 0
    with csvtext.open_target(target) as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(PACKBENCH_COLUMNS)
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            orders = {
                o.id: o for o in session.scalars(select(SalesOrder).where(SalesOrder.id.in_(chunk)))
            }
            lines: dict[int, list[OrderLine]] = {}
            for line in session.scalars(
                select(OrderLine)
                .where(OrderLine.order_id.in_(chunk))
                .order_by(OrderLine.order_id, OrderLine.line_no)
            ):
                lines.setdefault(line.order_id, []).append(line)
            for order_id in chunk:
                order = orders.get(order_id)
                if order is None or not lines.get(order_id):
                    continue
                head = _order_cells(order, stores)
                exponent = currency_exponent(order.currency)
                for line in lines[order_id]:
                    writer.writerow(
                        [
                            *head,
                            line.sku,
                            line.name,
                            line.quantity,
                            decimal_text(line.unit_price_minor, exponent),
                            decimal_text(line.discount_minor, exponent),
                        ]
                    )
                count += 1
    return count


def _order_cells(order: SalesOrder, stores: dict[int, str]) -> list[object]:
    exponent = currency_exponent(order.currency)

    def money(minor: int | None) -> str:
        return decimal_text(minor or 0, exponent)

    return [
        order.number,
        order.placed_at.isoformat(timespec="seconds"),
        order.status,
        (order.hold_reason or "on hold") if order.on_hold else "",
        order.email or "",
        order.phone or "",
        order.ship_name or "",
        order.ship_company or "",
        order.ship_address1 or "",
        order.ship_address2 or "",
        order.ship_city or "",
        order.ship_region or "",
        order.ship_postal_code or "",
        order.ship_country or "",
        order.bill_country or "",
        order.delivery_method,
        stores.get(order.pickup_location_id, "") if order.pickup_location_id else "",
        order.payment_status,
        money(order.paid_minor),
        money(order.refunded_minor),
        order.currency,
        money(order.shipping_minor),
        money(order.tax_minor),
        money(order.discount_minor),
        money(order.total_minor),
        order.notes or "",
        _channel_risk(order.risk_flags),
    ]


def _channel_risk(flags: str | None) -> str:
    """The channel's own risk level, kept among the order's risk flags as "channel risk: …"."""
    for flag in (flags or "").split("; "):
        if flag.startswith(_CHANNEL_RISK):
            return flag.removeprefix(_CHANNEL_RISK)
    return ""
