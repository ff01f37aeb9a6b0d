"""Pure order rules (no Session): status transitions, totals, risk flags."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from app.errors import InvalidTransition
from db.enums import OrderStatus as S

TRANSITIONS: Mapping[S, frozenset[S]] = {
    S.DRAFT: frozenset({S.OPEN, S.CANCELLED}),
    S.OPEN: frozenset({S.PICKING, S.PACKED, S.PARTIALLY_SHIPPED, S.SHIPPED, S.CANCELLED}),
    S.PICKING: frozenset({S.OPEN, S.PACKED, S.PARTIALLY_SHIPPED, S.SHIPPED, S.CANCELLED}),
    S.PACKED: frozenset({S.OPEN, S.PICKING, S.PARTIALLY_SHIPPED, S.SHIPPED, S.CANCELLED}),
    S.PARTIALLY_SHIPPED: frozenset({S.PICKING, S.PACKED, S.SHIPPED}),
    S.SHIPPED: frozenset({S.DELIVERED}),
    S.DELIVERED: frozenset(),
    S.CANCELLED: frozenset(),
}

# A hold stops the order moving towards the customer; it can still be cancelled or reopened.
BLOCKED_BY_HOLD = frozenset({S.PICKING, S.PACKED, S.PARTIALLY_SHIPPED, S.SHIPPED})
HOLDABLE = frozenset({S.DRAFT, S.OPEN, S.PICKING, S.PACKED, S.PARTIALLY_SHIPPED})
ALLOCATABLE = frozenset({S.OPEN, S.PICKING, S.PARTIALLY_SHIPPED})


def check_transition(
    current: str, target: str, *, on_hold: bool = False, hold_reason: str | None = None
) -> None:
    """Raise InvalidTransition naming both states unless current → target is allowed."""
    cur, tgt = S(current), S(target)
    if tgt not in TRANSITIONS[cur]:
        raise InvalidTransition("order", cur, tgt)
    if on_hold and tgt in BLOCKED_BY_HOLD:
        raise InvalidTransition(
            "order",
            cur,
            tgt,
            f"the order is on hold ({hold_reason or 'no reason given'}); release the hold first",
        )


def line_total(quantity: int, unit_price_minor: int, discount_minor: int = 0) -> int:
    return max(quantity * unit_price_minor - discount_minor, 0)


def order_totals(
    lines: Iterable[tuple[int, int, int]],
    *,
    discount_minor: int = 0,
    shipping_minor: int = 0,
    tax_minor: int = 0,
) -> dict[str, int]:
    """Subtotal (sum of line totals), then total = subtotal − discount + shipping + tax."""
    subtotal = sum(line_total(q, p, d) for q, p, d in lines)
    discount = min(discount_minor, subtotal)
    return {
        "subtotal_minor": subtotal,
        "discount_minor": discount,
        "shipping_minor": shipping_minor,
        "tax_minor": tax_minor,
        "total_minor": subtotal - discount + shipping_minor + tax_minor,
    }


def risk_flags(
    *,
    ship_country: str | None,
    bill_country: str | None,
    total_minor: int,
    high_value_minor: int,
    orders_to_address_today: int,
    channel_risk: str | None,
) -> list[str]:
    """Reasons to look at an order before shipping it (shown and filterable, never blocking)."""
    flags = []
    if bill_country and ship_country and bill_country.upper() != ship_country.upper():
        flags.append(
            f"billing country {bill_country.upper()} differs from shipping country "
            f"{ship_country.upper()}"
        )
    if high_value_minor and total_minor >= high_value_minor:
        flags.append("unusually high value")
    if orders_to_address_today >= 3:
        flags.append(f"{orders_to_address_today} orders to this address in a day")
    if channel_risk and channel_risk.lower() not in ("low", "none", ""):
        flags.append(f"channel risk: {channel_risk.lower()}")
    return flags
