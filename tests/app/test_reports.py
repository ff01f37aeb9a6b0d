"""Report figures checked against hand-computed numbers on a small fixed shop."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from app.orders.services import hold_order
from app.reports.queries import (
    ReportFilter,
    dashboard,
    fulfilment_times,
    sales_by_channel,
    sales_by_day,
    slow_movers,
    stock_value,
    top_products,
)
from app.uow import unit_of_work
from db.models import Shipment
from tests.app.report_fixtures import ACTOR, DAY2, build_report_shop


@pytest.fixture
def shop(session_factory):
    """See tests/app/report_fixtures.build_report_shop."""
    with unit_of_work(session_factory) as s:
        return build_report_shop(s)


def test_sales_by_day_and_channel(session_factory, shop):
    with unit_of_work(session_factory, write=False) as s:
        rows = [
            (r.day, r.channel, r.orders, r.units, r.revenue_minor)
            for r in sales_by_day(s, ReportFilter())
        ]
        channels = [
            (c.channel, c.orders, c.revenue_minor, c.average_minor)
            for c in sales_by_channel(s, ReportFilter())
        ]
        web_day2 = sales_by_day(s, ReportFilter(date_from=date(2026, 3, 3), channel_id=shop["web"]))
    assert rows == [
        ("2026-03-02", "Manual", 1, 3, 5000),
        ("2026-03-02", "Web", 1, 1, 1000),
        ("2026-03-03", "Web", 1, 3, 7500),
    ]
    assert channels == [("Web", 2, 8500, 4250), ("Manual", 1, 5000, 5000)]
    assert [(r.day, r.revenue_minor) for r in web_day2] == [("2026-03-03", 7500)]


def test_top_products(session_factory, shop):
    with unit_of_work(session_factory, write=False) as s:
        by_units = [(p.sku, p.units, p.revenue_minor) for p in top_products(s, ReportFilter())]
        by_revenue = [p.sku for p in top_products(s, ReportFilter(), by="revenue")]
    assert by_units == [("CAP", 4, 10000), ("MUG", 3, 3000)]
    assert by_revenue == ["CAP", "MUG"]


def test_fulfilment_times(session_factory, shop):
    with unit_of_work(session_factory, write=False) as s:
        buckets, median = fulfilment_times(s, ReportFilter())
    counts = {b.label: b.orders for b in buckets}
    assert counts["under 1 day"] == 1 and counts["1–2 days"] == 1
    assert sum(counts.values()) == 2
    assert median == pytest.approx(30 / 24)


def test_stock_value_and_slow_movers(session_factory, shop):
    with unit_of_work(session_factory, write=False) as s:
        value = stock_value(s)
        slow = slow_movers(s, days=30, today=date(2026, 3, 10))
    # sellable: 20 mugs, 10 caps, 2 lamps; quarantined 3 mugs
    assert (value.units, value.quarantined_units) == (32, 3)
    assert value.cost_value_minor == 20 * 400 + 10 * 1000 + 2 * 3000
    assert value.retail_value_minor == 20 * 1000 + 10 * 2500 + 2 * 5000
    assert [(m.sku, m.sold, m.cost_value_minor) for m in slow] == [
        ("LAMP", 0, 6000),
        ("MUG", 3, 8000),
        ("CAP", 4, 10000),
    ]


def test_dashboard_counts(session_factory, shop):
    with unit_of_work(session_factory) as s:
        hold_order(s, shop["o3"], reason="check", actor=ACTOR)
        board = dashboard(s, now=datetime(2026, 3, 10, tzinfo=UTC))
    # SO-1 and SO-2 are open (to pick) and placed over 2 days before; SO-3 is held.
    assert (board.to_pick, board.on_hold, board.late, board.low_stock) == (2, 1, 3, 1)
    assert board.to_ship == 0 and board.mail_problems == 0


def test_slow_movers_last_sold_and_top_product_names(session_factory, shop):
    with unit_of_work(session_factory, write=False) as s:
        slow = {m.sku: m.last_sold for m in slow_movers(s, days=30, today=date(2026, 3, 10))}
        names = [(p.sku, p.name) for p in top_products(s, ReportFilter(date_from=date(2026, 3, 3)))]
    # the cancelled SO-4 (day 2) is not a sale, so the mug last sold on day 1
    assert slow == {"LAMP": None, "MUG": "2026-03-02", "CAP": "2026-03-03"}
    assert names == [("CAP", "Cap")]


def test_fulfilment_times_ignores_orders_first_shipped_before_the_period(session_factory, shop):
    with unit_of_work(session_factory) as s:
        s.add(
            Shipment(
                number="SH-3",
                order_id=shop["o3"],
                status="shipped",
                created_at=DAY2,
                shipped_at=DAY2 + timedelta(days=3),
            )
        )
    with unit_of_work(session_factory, write=False) as s:
        buckets, median = fulfilment_times(s, ReportFilter(date_from=date(2026, 3, 4)))
    # SO-1 first shipped on 3 March 16:00 and SO-3 on 3 March 20:00: neither counts from the 4th
    assert sum(b.orders for b in buckets) == 0 and median is None


def test_fulfilment_times_ignore_voided_parcels(session_factory, shop):
    with unit_of_work(session_factory) as s:
        s.add(
            Shipment(
                number="SH-V",
                order_id=shop["o3"],
                status="voided",
                created_at=DAY2,
                shipped_at=DAY2 + timedelta(hours=1),
            )
        )
    with unit_of_work(session_factory, write=False) as s:
        buckets, median = fulfilment_times(s, ReportFilter())
    # Still SO-1 (30 h) and SO-3 (5 h): the voided parcel (1 h) for SO-3 never left.
    assert sum(b.orders for b in buckets) == 2
    assert median == pytest.approx(30 / 24)


def test_fulfilment_minutes_are_exact_for_whole_hours(session_factory, shop):
    """julianday() is a float on SQLite: 60 minutes must not floor to 59."""
    with unit_of_work(session_factory, write=False) as s:
        _buckets, median = fulfilment_times(s, ReportFilter())
    assert median * 1440 == 30 * 60  # SO-1 shipped 30 h after it was placed


def test_units_sold_over_wide_windows_come_from_the_totals_and_match_a_direct_sum(
    session_factory, shop
):
    """A window covering most recorded days is read as all-time totals minus the days outside
    it; every window gives the units placed inside it, counted by hand."""
    from sqlalchemy import select

    from app.orders.dto import LineInput, OrderInput
    from app.orders.services import create_order
    from app.reports.summary import _days_outside, units_sold_by_product
    from tests.app.report_fixtures import ADDRESS

    start = datetime(2026, 3, 2, 12, tzinfo=UTC)  # day 1 of the fixture's orders
    placed: list[tuple[date, int, int]] = [  # the fixture's counted sales (SO-4 is cancelled)
        (start.date(), shop["mug"], 3),
        (start.date(), shop["cap"], 1),
        (start.date() + timedelta(days=1), shop["cap"], 3),
    ]
    with unit_of_work(session_factory) as s:
        for n in range(2, 30):  # days 3..30: a mug a day, a cap every third day
            when = start + timedelta(days=n)
            lines = [(shop["mug"], 1)] + ([(shop["cap"], 2)] if n % 3 == 0 else [])
            order = OrderInput(
                tuple(LineInput(product_id=p, quantity=q) for p, q in lines),
                ship_to=ADDRESS,
                placed_at=when,
            )
            create_order(s, order, actor=ACTOR)
            placed += [(when.date(), pid, qty) for pid, qty in lines]
    last_day = start.date() + timedelta(days=29)
    windows = [
        (start.date(), last_day, True),  # everything: the totals alone
        (start.date() + timedelta(days=1), last_day, True),  # one day before
        (start.date(), last_day - timedelta(days=2), True),  # two days after
        (start.date() + timedelta(days=3), last_day - timedelta(days=1), True),  # both sides
        (start.date() + timedelta(days=10), start.date() + timedelta(days=12), False),
        (start.date() + timedelta(days=29), None, False),  # open-ended, the last day only
        (start.date() - timedelta(days=5), None, True),  # from before the first sale
    ]
    with unit_of_work(session_factory, write=False) as s:
        for first, last, from_totals in windows:
            expected: dict[int, int] = {}
            for day, pid, qty in placed:
                if day >= first and (last is None or day <= last):
                    expected[pid] = expected.get(pid, 0) + qty
            assert (_days_outside(s, first, last) is not None) is from_totals, (first, last)
            sold = units_sold_by_product(s, first, last).subquery()
            got = dict(s.execute(select(sold.c.product_id, sold.c.qty)).all())
            assert got == expected, (first, last)
