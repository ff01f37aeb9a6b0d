"""The reports' extra reads: the channel list behind the channel filter."""

from __future__ import annotations

from app.reports.extra import ReportChannel, list_report_channels
from app.uow import unit_of_work
from db.models import Channel


def test_channels_listed_by_name_with_disabled_ones(session_factory):
    with unit_of_work(session_factory) as s:
        s.add_all(
            [
                Channel(kind="shopify", name="web shop"),
                Channel(kind="woocommerce", name="Amber", enabled=False),
                Channel(kind="shopify", name="Zebra"),
            ]
        )
    with unit_of_work(session_factory, write=False) as s:
        rows = list_report_channels(s)
    assert [(r.name, r.kind, r.enabled) for r in rows] == [
        ("Amber", "woocommerce", False),
        ("web shop", "shopify", True),
        ("Zebra", "shopify", True),
    ]
    assert all(isinstance(r, ReportChannel) and r.id > 0 for r in rows)


def test_no_channels_is_an_empty_list(session_factory):
    with unit_of_work(session_factory, write=False) as s:
        assert list_report_channels(s) == []
