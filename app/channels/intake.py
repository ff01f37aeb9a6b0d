"""New channel orders in bulk: customers, numbers, orders, lines, audit, allocation."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from app.batches import chunks
from app.channels.base import ExternalLine, ExternalOrder, ExternalStatus
from app.channels.dto import SyncIssue
from app.channels.matching import (
    LineRow,
    PageResult,
    ProductResolver,
    PullContext,
    balance_totals,
    check_address,
    clip,
    line_rows,
    paid_amounts,
    snapshot,
    unmatched_flag,
)
from app.inventory.reservations import availability, reserve_lines
from app.numbering import reserve_order_numbers
from app.orders.address import Address
from app.orders.address_counts import AddressTimes
from app.orders.allocation import choose_location
from app.orders.rules import risk_flags
from db.enums import OrderStatus
from db.models import (
    AuditEvent,
    ChannelListing,
    Customer,
    Location,
    OrderLine,
    Product,
    SalesOrder,
)
from db.types import utcnow

# ------------------------------------------------------------------------------- new orders


@dataclass
class _NewOrder:
    source: ExternalOrder
    rows: list[LineRow]
    unmatched: list[str]
    address: Address | None
    hold: str | None
    status: str
    totals: dict[str, int]
    flags: list[str] = field(default_factory=list)
    customer_id: int | None = None
    order_id: int | None = None
    number: str = ""


def create_orders(
    session: Session,
    ctx: PullContext,
    orders: Sequence[ExternalOrder],
    resolver: ProductResolver,
    *,
    dry_run: bool,
) -> PageResult:
    """Create the page's orders we do not have yet (in the caller's transaction), all at once;
    with `dry_run` only count what would be created, held and left unmatched."""
    result = PageResult()
    plans: list[_NewOrder] = []
    for order in orders:
        if order.status in (ExternalStatus.CANCELLED, ExternalStatus.FULFILLED):
            result.skipped += 1  # done on the channel before we saw it: nothing to ship
            continue
        rows, unmatched = line_rows(resolver, order)
        if not rows:  # gift cards, digital goods only
            result.skipped += 1
            result.issues.append(
                SyncIssue(
                    order.external_id, None, f"{order.name}: nothing to ship; not imported", "skip"
                )
            )
            continue
        address, hold = check_address(ctx, order)
        totals = balance_totals(
            ((r.quantity, r.unit_price_minor, r.discount_minor) for r in rows), order
        )
        plan = _NewOrder(
            order,
            rows,
            unmatched,
            address,
            hold,
            OrderStatus.OPEN if order.status == ExternalStatus.OPEN else OrderStatus.DRAFT,
            totals,
        )
        plans.append(plan)
        result.created += 1
        result.unmatched_lines += len(unmatched)
        if unmatched:
            result.issues.append(
                SyncIssue(order.external_id, None, unmatched_flag(unmatched), "unmatched")
            )
        if hold:
            result.held += 1
            result.issues.append(SyncIssue(order.external_id, None, f"on hold: {hold}", "hold"))
    if not plans:
        return result
    _flag_risks(session, ctx, plans)
    if dry_run:
        return result
    now = utcnow()
    _assign_customers(session, plans, now)
    numbers = reserve_order_numbers(session, len(plans))
    table = SalesOrder.__table__
    order_rows = []
    for plan, number in zip(plans, numbers, strict=True):
        plan.number = number
        order_rows.append(_order_row(ctx, plan, number, now))
    # executemany, then the ids by number: RETURNING in parameter order goes row by row on SQLite
    session.execute(insert(table), order_rows)
    ids: dict[str, int] = {}
    for chunk in chunks(numbers):
        ids.update(
            session.execute(
                select(SalesOrder.number, SalesOrder.id).where(SalesOrder.number.in_(chunk))
            ).all()
        )
    for plan in plans:
        plan.order_id = ids[plan.number]
    new_lines = [
        {
            "order_id": plan.order_id,
            "line_no": line_no,
            "product_id": row.product_id,
            "sku": row.sku,
            "name": row.name,
            "external_line_id": row.external_line_id,
            "quantity": row.quantity,
            "unit_price_minor": row.unit_price_minor,
            "discount_minor": row.discount_minor,
            "allocated": 0,
            "picked": 0,
            "shipped": 0,
            "returned": 0,
        }
        for plan in plans
        for line_no, row in enumerate(plan.rows, start=1)
    ]
    session.execute(insert(OrderLine.__table__), new_lines)
    allocations = _allocate_new(session, plans)
    audit_rows = []
    for plan in plans:
        source = plan.source
        summary = (
            f"Created {plan.number} from {ctx.channel} order {source.name or source.external_id}"
            f" ({plan.status}): {len(plan.rows)} line(s), total {plan.totals['total_minor']}"
        )
        if plan.hold:
            summary += f"; on hold: {plan.hold}"
        if plan.flags:
            summary += f"; risk: {'; '.join(plan.flags)}"
        if plan.order_id in allocations:
            summary += f"; {allocations[plan.order_id]}"
        audit_rows.append(
            {
                "at": now,
                "actor": ctx.actor,
                "action": "order.create",
                "entity_type": "order",
                "entity_id": plan.order_id,
                "summary": summary,
                "details": {
                    "channel_id": ctx.channel_id,
                    "external_id": source.external_id,
                    "remote": snapshot(source),
                },
            }
        )
    session.execute(insert(AuditEvent.__table__), audit_rows)
    numbers_by_id = {plan.source.external_id: plan.number for plan in plans}
    result.issues = [
        SyncIssue(i.external_id, numbers_by_id.get(i.external_id), i.message, i.kind)
        for i in result.issues
    ]
    return result


def _flag_risks(session: Session, ctx: PullContext, plans: Sequence[_NewOrder]) -> None:
    """Risk flags as create_order sets them; "orders to this address in a day" counts the page
    and the orders already in the shop."""
    times = AddressTimes()
    for plan in plans:
        if plan.address is not None:
            times.add(plan.address.address1, plan.address.postal_code, plan.source.placed_at)
    times.load_shop(session)
    for plan in plans:
        address = plan.address
        same = (
            times.within_a_day(address.address1, address.postal_code, plan.source.placed_at)
            if address is not None
            else 0
        )
        plan.flags = risk_flags(
            ship_country=address.country if address else None,
            bill_country=plan.source.bill_country,
            total_minor=plan.totals["total_minor"],
            high_value_minor=ctx.high_value,
            orders_to_address_today=same,
            channel_risk=plan.source.risk_level,
        )
        unmatched = unmatched_flag(plan.unmatched)
        if unmatched:
            plan.flags.append(unmatched)


def _assign_customers(session: Session, plans: Sequence[_NewOrder], now: datetime) -> None:
    """Reuse customers by e-mail (stored lower-case, the oldest wins); create the others."""
    emails = sorted({p.source.email.strip().lower() for p in plans if p.source.email})
    known: dict[str, int] = {}
    for chunk in chunks(emails):
        for customer_id, email in session.execute(
            select(Customer.id, Customer.email)
            .where(Customer.email.in_(chunk))
            .order_by(Customer.id.desc())
        ):
            known[email] = customer_id
    new_rows: list[dict[str, Any]] = []
    owners: list[list[_NewOrder]] = []
    pending: dict[str, int] = {}
    for plan in plans:
        email = plan.source.email.strip().lower() if plan.source.email else None
        if email and email in known:
            plan.customer_id = known[email]
            continue
        if email and email in pending:
            owners[pending[email]].append(plan)
            continue
        address = plan.address
        if address is None and not email:
            continue
        if email:
            pending[email] = len(new_rows)
        owners.append([plan])
        new_rows.append(
            {
                "name": ((address.name if address and address.name else email) or "")[:200],
                "email": email,
                "phone": plan.source.phone,
                "company": (address.company or None) if address else None,
                "address1": address.address1 if address else None,
                "address2": (address.address2 or None) if address else None,
                "city": address.city if address else None,
                "region": (address.region or None) if address else None,
                "postal_code": address.postal_code if address else None,
                "country": (address.country or None)[:2] if address and address.country else None,
                "notes": None,
                "created_at": now,
            }
        )
    if not new_rows:
        return
    table = Customer.__table__
    with_email = [i for i, row in enumerate(new_rows) if row["email"]]
    without = [i for i, row in enumerate(new_rows) if not row["email"]]
    if with_email:  # executemany, then the ids by e-mail (none of them existed before)
        session.execute(insert(table), [new_rows[i] for i in with_email])
        by_email: dict[str, int] = {}
        for chunk in chunks([new_rows[i]["email"] for i in with_email]):
            for customer_id, email in session.execute(
                select(Customer.id, Customer.email)
                .where(Customer.email.in_(chunk))
                .order_by(Customer.id)
            ):
                by_email[email] = customer_id
        for i in with_email:
            for plan in owners[i]:
                plan.customer_id = by_email[new_rows[i]["email"]]
    if without:
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        ids = list(session.scalars(statement, [new_rows[i] for i in without]))
        for i, customer_id in zip(without, ids, strict=True):
            for plan in owners[i]:
                plan.customer_id = customer_id


def _order_row(ctx: PullContext, plan: _NewOrder, number: str, now: datetime) -> dict[str, Any]:
    source, address, totals = plan.source, plan.address, plan.totals
    paid, refunded = paid_amounts(source, totals["total_minor"])
    country = (address.country or "")[:2] or None if address else None
    return {
        "number": number,
        "channel_id": ctx.channel_id,
        "external_id": source.external_id[:64],
        "customer_id": plan.customer_id,
        "status": plan.status,
        "on_hold": plan.hold is not None,
        "hold_reason": plan.hold,
        "hold_until": None,
        "payment_status": source.payment_status,
        "delivery_method": "ship",
        "email": clip((source.email or "").strip() or None, 254),
        "phone": clip(source.phone, 50),
        "ship_name": clip(address.name or None, 200) if address else None,
        "ship_company": clip(address.company or None, 200) if address else None,
        "ship_address1": clip(address.address1 or None, 200) if address else None,
        "ship_address2": clip(address.address2 or None, 200) if address else None,
        "ship_city": clip(address.city or None, 100) if address else None,
        "ship_region": clip(address.region or None, 100) if address else None,
        "ship_postal_code": clip(address.postal_code or None, 20) if address else None,
        "ship_country": country,
        "bill_country": (source.bill_country or "").upper()[:2] or None,
        "currency": (source.currency or ctx.shop_currency).upper()[:3],
        "paid_minor": paid,
        "refunded_minor": refunded,
        "risk_level": len(plan.flags),
        "risk_flags": clip("; ".join(plan.flags) or None, 500),
        "notes": source.notes,
        "placed_at": source.placed_at,
        "created_at": now,
        "updated_at": now,
        **totals,
    }


def _allocate_new(session: Session, plans: Sequence[_NewOrder]) -> dict[int, str]:
    """Reserve stock for the page's new open orders, oldest first, by the rules of
    app.orders.allocation (choose_location), with one availability read and one reserve_lines
    call for the whole page (allocate() per order costs several queries each). Returns the
    summary per order."""
    todo = [
        plan
        for plan in sorted(plans, key=lambda p: (p.source.placed_at, p.order_id))
        if plan.status == OrderStatus.OPEN and any(r.product_id for r in plan.rows)
    ]
    if not todo:
        return {}
    ids = [plan.order_id for plan in todo]
    lines: dict[int, list] = defaultdict(list)
    for chunk in chunks(ids):
        for row in session.execute(
            select(
                OrderLine.id,
                OrderLine.order_id,
                OrderLine.product_id,
                OrderLine.sku,
                OrderLine.quantity,
            )
            .where(OrderLine.order_id.in_(chunk), OrderLine.product_id.is_not(None))
            .order_by(OrderLine.order_id, OrderLine.line_no)
        ):
            lines[row.order_id].append(row)
    product_ids = sorted({row.product_id for rows in lines.values() for row in rows})
    backorder: set[int] = set()
    for chunk in chunks(product_ids):
        backorder.update(
            session.scalars(
                select(Product.id).where(Product.id.in_(chunk), Product.allow_backorder.is_(True))
            )
        )
    available = availability(session, product_ids)
    codes = dict(session.execute(select(Location.id, Location.code)).all())
    active = list(session.scalars(select(Location.id).where(Location.active.is_(True))))
    orders: dict[int, SalesOrder] = {}
    if len(active) != 1:  # several places to ship from: choose_location decides, per order
        orders = {
            order.id: order
            for chunk in chunks(ids)
            for order in session.scalars(select(SalesOrder).where(SalesOrder.id.in_(chunk)))
        }
    reservations: list[tuple[int, int, int]] = []
    summaries: dict[int, str] = {}
    chosen: list[dict[str, int]] = []
    with session.no_autoflush:  # else every location query flushes the previous order alone
        for plan in todo:
            rows = lines[plan.order_id]
            order = orders.get(plan.order_id)
            if order is None:  # one active location: choose_location's answer for shipping
                location_id = active[0] if active else None
            else:
                needs: dict[int, int] = defaultdict(int)
                for row in rows:
                    needs[row.product_id] += row.quantity
                location_id = choose_location(session, order, dict(needs), backorder, available)
            if location_id is None:
                summaries[plan.order_id] = "nothing reserved: no active location"
                continue
            if order is None:
                chosen.append({"order_id": plan.order_id, "location_id": location_id})
            else:
                order.fulfil_location_id = location_id
            summaries[plan.order_id] = _plan_reservations(
                rows, location_id, backorder, available, reservations, codes
            )
    if chosen:
        table = SalesOrder.__table__
        session.execute(
            update(table)
            .where(table.c.id == bindparam("order_id"))
            .values(fulfil_location_id=bindparam("location_id")),
            chosen,
        )
    reserve_lines(session, reservations)
    return summaries


def _plan_reservations(
    rows: Sequence,
    location_id: int,
    backorder: set[int],
    available: dict[tuple[int, int], int],
    reservations: list[tuple[int, int, int]],
    codes: dict[int, str],
) -> str:
    """What each line takes at the location (as allocate() does); returns the summary."""
    reserved, short = 0, []
    for row in rows:
        have = available.get((row.product_id, location_id), 0)
        take = row.quantity if row.product_id in backorder else max(min(row.quantity, have), 0)
        if take > 0:
            reservations.append((row.id, location_id, take))
            available[(row.product_id, location_id)] = have - take
            reserved += take
        if take < row.quantity:
            short.append(f"{row.sku} {row.quantity - max(have, 0)}")
    text = f"reserved {reserved} unit(s) at {codes.get(location_id, location_id)}"
    return text + (f"; short: {', '.join(short)}" if short else "")


def learn_listings(
    session: Session, ctx: PullContext, orders: Sequence[ExternalOrder], resolver: ProductResolver
) -> None:
    """Remember which remote product/variant each matched catalog product is, so stock pushes
    need no SKU look-up."""
    found: dict[int, ExternalLine] = {}
    for order in orders:
        for line in order.lines:
            if not (line.remote_variant_id or line.remote_product_id):
                continue
            match = resolver.match(line)
            if match is not None and match.product_id not in found:
                found[match.product_id] = line
    if not found:
        return
    known = {
        row.product_id: row
        for chunk in chunks(sorted(found))
        for row in session.execute(
            select(
                ChannelListing.id,
                ChannelListing.product_id,
                ChannelListing.remote_product_id,
                ChannelListing.remote_variant_id,
                ChannelListing.remote_inventory_item_id,
            ).where(
                ChannelListing.channel_id == ctx.channel_id, ChannelListing.product_id.in_(chunk)
            )
        )
    }
    variants = sorted({line.remote_variant_id for line in found.values() if line.remote_variant_id})
    taken = {
        variant
        for chunk in chunks(variants)
        for variant in session.scalars(
            select(ChannelListing.remote_variant_id).where(
                ChannelListing.channel_id == ctx.channel_id,
                ChannelListing.remote_variant_id.in_(chunk),
            )
        )
    }
    rows = []
    for product_id, line in found.items():
        if line.remote_variant_id and line.remote_variant_id in taken:
            continue
        listing = known.get(product_id)
        values = {
            "remote_product_id": line.remote_product_id,
            "remote_variant_id": line.remote_variant_id,
            "remote_inventory_item_id": line.remote_inventory_item_id,
        }
        if listing is None:
            rows.append({"channel_id": ctx.channel_id, "product_id": product_id, **values})
            taken.add(line.remote_variant_id)
        elif not (
            listing.remote_product_id
            or listing.remote_variant_id
            or listing.remote_inventory_item_id
        ):
            session.execute(
                update(ChannelListing).where(ChannelListing.id == listing.id).values(**values)
            )
    if rows:
        session.execute(insert(ChannelListing.__table__), rows)
