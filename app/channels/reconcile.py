"""Channel changes to orders we already have: what to apply, what to hold for a person."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import record_event
from app.channels.base import ExternalOrder, ExternalStatus
from app.channels.dto import SyncIssue
from app.channels.matching import (
    HOLD_CHANGED,
    OWN_HOLDS,
    SNAPSHOT_ACTIONS,
    PageResult,
    ProductResolver,
    PullContext,
    balance_totals,
    check_address,
    chunks,
    clip,
    line_rows,
    local_snapshot,
    paid_amounts,
    snapshot,
    unmatched_flag,
)
from app.errors import DomainError
from app.inventory.reservations import release_reservation
from app.orders.allocation import allocate
from app.orders.rules import HOLDABLE
from app.orders.services import cancel_order, confirm_order, hold_order, release_hold
from db.enums import OrderStatus
from db.models import AuditEvent, OrderLine, SalesOrder

_EDITABLE = frozenset({OrderStatus.DRAFT, OrderStatus.OPEN})
_PICKING = frozenset({OrderStatus.PICKING})
_DONE = frozenset({OrderStatus.SHIPPED, OrderStatus.DELIVERED})


# -------------------------------------------------------------------------- existing orders


@dataclass
class _Decision:
    changed: list[str] = field(default_factory=list)
    apply: list[str] = field(default_factory=list)  # snapshot keys to apply
    flag: list[str] = field(default_factory=list)  # words for the hold reason
    seen: list[str] = field(default_factory=list)  # noted, nothing to do
    cancel: bool = False
    confirm: bool = False


_WORDS = {
    "ship": "ship-to address changed",
    "lines": "items changed",
    "email": "e-mail changed",
    "notes": "note changed",
    "payment": "payment status changed",
    "amounts": "amounts changed",
}


def decide(status: str, previous: dict[str, Any], current: dict[str, Any]) -> _Decision:
    """What to do with the channel's changes to an order in `status` (pure; tested directly)."""
    decision = _Decision(changed=[key for key in current if previous.get(key) != current[key]])
    if not decision.changed:
        return decision
    state = OrderStatus(status)
    if state == OrderStatus.CANCELLED:
        decision.seen = [_WORDS.get(k, k) for k in decision.changed]
        return decision
    if "status" in decision.changed:
        remote, before = current["status"], previous.get("status")
        if remote == ExternalStatus.CANCELLED:
            if state in _EDITABLE:
                decision.cancel = True
                return decision
            decision.flag.append("cancelled on the channel")
        elif remote == ExternalStatus.FULFILLED:
            if state in _DONE:
                decision.seen.append("fulfilled on the channel")
            else:
                decision.flag.append("marked fulfilled on the channel")
        elif remote == ExternalStatus.OPEN and before == ExternalStatus.PENDING:
            if state == OrderStatus.DRAFT:
                decision.confirm = True
            else:
                decision.seen.append("payment confirmed on the channel")
        else:
            decision.seen.append(f"status {remote} on the channel")
    for key in ("email", "notes", "payment"):
        if key in decision.changed:
            decision.apply.append(key)
    if "ship" in decision.changed:
        if state in _EDITABLE or state in _PICKING:
            decision.apply.append("ship")
        else:
            decision.flag.append(_WORDS["ship"])
    if "lines" in decision.changed:
        if state in _EDITABLE:
            decision.apply.append("lines")
        else:
            decision.flag.append(_WORDS["lines"])
    if "amounts" in decision.changed:
        if state in _EDITABLE:
            decision.apply.append("amounts")
        else:
            decision.seen.append(_WORDS["amounts"])
    return decision


def reconcile_orders(
    session: Session,
    ctx: PullContext,
    orders: Sequence[ExternalOrder],
    existing: dict[str, int],
    resolver: ProductResolver,
    *,
    dry_run: bool,
) -> PageResult:
    """Apply (or with `dry_run` describe) the channel's changes to orders we already have,
    each in a savepoint: a refused change is reported and the rest of the page goes on."""
    result = PageResult()
    ids = [existing[o.external_id] for o in orders]
    snapshots: dict[int, dict] = {}
    for chunk in chunks(ids):
        for entity_id, details in session.execute(
            select(AuditEvent.entity_id, AuditEvent.details)
            .where(
                AuditEvent.entity_type == "order",
                AuditEvent.entity_id.in_(chunk),
                AuditEvent.action.in_(SNAPSHOT_ACTIONS),
            )
            .order_by(AuditEvent.id)
        ):
            if isinstance(details, dict) and isinstance(details.get("remote"), dict):
                snapshots[entity_id] = details["remote"]
    current = {o.external_id: snapshot(o) for o in orders}
    # Most orders in the overlap window are unchanged: decide that without loading them.
    changed = [
        o for o in orders if snapshots.get(existing[o.external_id]) != current[o.external_id]
    ]
    result.unchanged += len(orders) - len(changed)
    if not changed:
        return result
    changed_ids = [existing[o.external_id] for o in changed]
    loaded = {
        order.id: order
        for chunk in chunks(changed_ids)
        for order in session.scalars(select(SalesOrder).where(SalesOrder.id.in_(chunk)))
    }
    lines: dict[int, list[OrderLine]] = defaultdict(list)
    for chunk in chunks(changed_ids):
        for line in session.scalars(
            select(OrderLine).where(OrderLine.order_id.in_(chunk)).order_by(OrderLine.line_no)
        ):
            lines[line.order_id].append(line)
    for source in changed:
        order = loaded[existing[source.external_id]]
        previous = snapshots.get(order.id) or local_snapshot(order, lines[order.id])
        decision = decide(order.status, previous, current[source.external_id])
        if not decision.changed:
            if not dry_run:  # same data as our order: remember the snapshot only
                _record(session, ctx, order, "order.channel_seen", "Synced", current, source)
            result.unchanged += 1
            continue
        try:
            if dry_run:
                outcome = _describe(decision)
            else:
                with session.begin_nested():
                    outcome = _execute(
                        session, ctx, order, lines[order.id], source, decision, resolver, current
                    )
        except DomainError as exc:
            result.problems += 1
            result.issues.append(SyncIssue(source.external_id, order.number, str(exc)))
            continue
        kind, text = outcome
        if kind == "cancelled":
            result.cancelled += 1
        elif kind == "flagged":
            result.flagged += 1
            result.issues.append(SyncIssue(source.external_id, order.number, text, "flagged"))
        elif kind == "updated":
            result.updated += 1
            if "hold" in text:
                result.issues.append(SyncIssue(source.external_id, order.number, text, "hold"))
        else:
            result.unchanged += 1
    return result


def _describe(decision: _Decision) -> tuple[str, str]:
    if decision.cancel:
        return "cancelled", "would be cancelled"
    if decision.flag:
        return "flagged", "would be flagged: " + ", ".join(decision.flag)
    if decision.apply or decision.confirm:
        return "updated", "would be updated: " + ", ".join(
            [_WORDS.get(k, k) for k in decision.apply] + (["confirmed"] if decision.confirm else [])
        )
    return "seen", ", ".join(decision.seen)


def _record(
    session: Session,
    ctx: PullContext,
    order: SalesOrder,
    action: str,
    summary: str,
    current: dict[str, dict],
    source: ExternalOrder,
) -> None:
    record_event(
        session,
        actor=ctx.actor,
        action=action,
        entity_type="order",
        entity_id=order.id,
        summary=clip(summary, 2000),
        details={
            "channel_id": ctx.channel_id,
            "external_id": source.external_id,
            "remote": current[source.external_id],
        },
    )


def _status_word(status: str) -> str:
    return {
        OrderStatus.PICKING: "picked",
        OrderStatus.PACKED: "packed",
        OrderStatus.PARTIALLY_SHIPPED: "partly shipped",
        OrderStatus.SHIPPED: "shipped",
        OrderStatus.DELIVERED: "delivered",
    }.get(OrderStatus(status), str(status))


def _execute(
    session: Session,
    ctx: PullContext,
    order: SalesOrder,
    lines: list[OrderLine],
    source: ExternalOrder,
    decision: _Decision,
    resolver: ProductResolver,
    current: dict[str, dict],
) -> tuple[str, str]:
    if decision.cancel:
        cancel_order(session, order.id, reason=f"cancelled on {ctx.channel}", actor=ctx.actor)
        _record(
            session,
            ctx,
            order,
            "order.channel_update",
            f"Cancelled on {ctx.channel}",
            current,
            source,
        )
        return "cancelled", "cancelled"
    applied: list[str] = []
    held = None
    if decision.confirm:
        confirm_order(session, order.id, actor=ctx.actor)
        applied.append("payment confirmed: opened")
    if "payment" in decision.apply:
        order.payment_status = source.payment_status
        if source.payment_status != "pending" and not order.paid_minor:
            order.paid_minor = order.total_minor
        order.refunded_minor = max(
            order.refunded_minor, min(source.refunded_minor, order.paid_minor)
        )
        applied.append(f"payment {source.payment_status}")
    if "email" in decision.apply:
        order.email = clip((source.email or "").strip() or None, 254)
        applied.append(_WORDS["email"])
    if "notes" in decision.apply:
        order.notes = source.notes
        applied.append(_WORDS["notes"])
    if "ship" in decision.apply:
        held = _apply_address(session, ctx, order, source)
        applied.append(_WORDS["ship"])
    if "lines" in decision.apply or "amounts" in decision.apply:
        if "lines" in decision.apply:
            if not _apply_lines(session, order, lines, source, resolver):
                cancel_order(
                    session,
                    order.id,
                    reason=f"every item was removed on {ctx.channel}",
                    actor=ctx.actor,
                )
                _record(
                    session,
                    ctx,
                    order,
                    "order.channel_update",
                    f"Every item removed on {ctx.channel}: cancelled",
                    current,
                    source,
                )
                return "cancelled", "cancelled"
            applied.append(_WORDS["lines"])
        else:
            applied.append(_WORDS["amounts"])
        _retotal(session, ctx, order, source)
    if decision.flag:
        reason = clip(
            f"{HOLD_CHANGED} {_status_word(order.status)}: {', '.join(decision.flag)}", 200
        )
        if order.status in HOLDABLE and not (order.on_hold and order.hold_reason == reason):
            hold_order(session, order.id, reason=reason, actor=ctx.actor)
        summary = f"{ctx.channel} changed this order after it was {_status_word(order.status)}: "
        summary += ", ".join(decision.flag) + "; not applied, a person should check it"
        if applied:
            summary += f" (applied: {', '.join(applied)})"
        _record(session, ctx, order, "order.channel_flag", summary, current, source)
        return "flagged", summary
    if applied:
        summary = f"Updated from {ctx.channel}: {', '.join(applied)}"
        if held:
            summary += f"; on hold: {held}"
        _record(session, ctx, order, "order.channel_update", summary, current, source)
        return "updated", summary
    summary = f"{ctx.channel}: {', '.join(decision.seen) or 'no change for us'}"
    _record(session, ctx, order, "order.channel_seen", summary, current, source)
    return "seen", summary


def _apply_address(
    session: Session, ctx: PullContext, order: SalesOrder, source: ExternalOrder
) -> str | None:
    """Copy the channel's ship-to; hold when it is unusable, lift our own hold when fixed."""
    address, hold = check_address(ctx, source)
    if address is not None:
        order.ship_name = clip(address.name or None, 200)
        order.ship_company = clip(address.company or None, 200)
        order.ship_address1 = clip(address.address1 or None, 200)
        order.ship_address2 = clip(address.address2 or None, 200)
        order.ship_city = clip(address.city or None, 100)
        order.ship_region = clip(address.region or None, 100)
        order.ship_postal_code = clip(address.postal_code or None, 20)
        order.ship_country = (address.country or "")[:2] or None
        if address.phone:
            order.phone = clip(address.phone, 50)
    if hold:
        if order.status in HOLDABLE and not (order.on_hold and order.hold_reason == hold):
            hold_order(session, order.id, reason=hold, actor=ctx.actor)
        return hold
    if order.on_hold and (order.hold_reason or "").startswith(OWN_HOLDS):
        release_hold(
            session, order.id, actor=ctx.actor, note=f"{ctx.channel} sent a usable address"
        )
    return None


def _apply_lines(
    session: Session,
    order: SalesOrder,
    lines: list[OrderLine],
    source: ExternalOrder,
    resolver: ProductResolver,
) -> bool:
    """Make the order's lines match the channel's (quantities, prices, added and removed
    lines), releasing reservations that are no longer needed. False when no line is left."""
    rows, _ = line_rows(resolver, source)
    wanted = {row.external_line_id: row for row in rows}
    by_external = {line.external_line_id: line for line in lines if line.external_line_id}
    for external_id, line in by_external.items():
        if external_id not in wanted and line.shipped == 0 and line.picked == 0:
            if line.allocated:
                release_reservation(session, line.id)
            session.delete(line)
            lines.remove(line)
    if not lines and not wanted:
        return False
    next_no = max((line.line_no for line in lines), default=0) + 1
    for external_id, row in wanted.items():
        line = by_external.get(external_id)
        if line is None or line not in lines:
            new_line = OrderLine(
                order_id=order.id,
                line_no=next_no,
                product_id=row.product_id,
                sku=row.sku,
                name=row.name,
                external_line_id=row.external_line_id,
                quantity=row.quantity,
                unit_price_minor=row.unit_price_minor,
                discount_minor=row.discount_minor,
            )
            session.add(new_line)
            lines.append(new_line)
            next_no += 1
            continue
        if line.product_id != row.product_id and line.picked == 0 and line.shipped == 0:
            if line.allocated:
                release_reservation(session, line.id)
            line.product_id, line.sku = row.product_id, row.sku
        if row.quantity < line.allocated + line.shipped:
            release_reservation(session, line.id, line.allocated + line.shipped - row.quantity)
        line.quantity = max(row.quantity, line.shipped, line.picked, 1)
        line.unit_price_minor, line.discount_minor = row.unit_price_minor, row.discount_minor
        line.name = row.name
    session.flush()
    if order.status == OrderStatus.OPEN:
        allocate(session, order)
    return True


def _retotal(session: Session, ctx: PullContext, order: SalesOrder, source: ExternalOrder) -> None:
    rows = session.execute(
        select(
            OrderLine.quantity,
            OrderLine.unit_price_minor,
            OrderLine.discount_minor,
            OrderLine.product_id,
            OrderLine.sku,
        ).where(OrderLine.order_id == order.id)
    ).all()
    totals = balance_totals(((q, p, d) for q, p, d, _, _ in rows), source)
    for key, value in totals.items():
        setattr(order, key, value)
    paid, refunded = paid_amounts(source, order.total_minor)
    order.paid_minor = paid
    order.refunded_minor = min(max(order.refunded_minor, refunded), paid)
    unmatched = [sku for _, _, _, product_id, sku in rows if product_id is None]
    flags = [f for f in (order.risk_flags or "").split("; ") if f and not f.startswith("unmatched")]
    extra = unmatched_flag(unmatched)
    if extra:
        flags.append(extra)
    order.risk_flags = clip("; ".join(flags) or None, 500)
    order.risk_level = len(flags)
