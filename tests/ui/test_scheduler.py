"""The housekeeping scheduler runs its jobs through Ops and never twice at once."""

from __future__ import annotations

from datetime import timedelta

from app.uow import unit_of_work
from db.models import SalesOrder
from db.types import utcnow
from ui.scheduler import Scheduler, channel_sync_due


def test_jobs_run(ops, session_factory, paths, qtbot):
    with unit_of_work(session_factory) as s:
        s.add(
            SalesOrder(
                number="SO-000001",
                status="open",
                on_hold=True,
                hold_reason="check",
                hold_until=utcnow() - timedelta(minutes=1),
            )
        )
    seen = []
    ops.changes_applied.connect(seen.append)
    scheduler = Scheduler(ops, backup_dir=paths.backups)
    scheduler.run_all_now()
    with unit_of_work(session_factory, write=False) as s:
        assert not s.query(SalesOrder).one().on_hold
    assert seen and seen[0].orders
    assert len(list(paths.backups.glob("packbench-auto-*.sqlite3"))) == 1
    scheduler.run_all_now()  # backup not due again, holds already released: nothing changes
    assert len(list(paths.backups.glob("packbench-auto-*.sqlite3"))) == 1
    scheduler.start()
    scheduler.stop()


def test_channel_sync_runs_once_when_due(ops, session_factory, qtbot):
    from app.channels.service import create_channel
    from app.orders.queries import OrderFilter, list_order_page
    from app.settings import update_settings
    from tests.fixtures.channel_servers import WooCommerceEmulator, install_memory_keyring

    _backend, restore = install_memory_keyring()
    try:
        with WooCommerceEmulator() as woo:
            woo.add_order(lines=[{"sku": "CAP-1", "name": "Cap", "quantity": 1, "price": "2"}])
            scheduler = Scheduler(ops, backup_dir=None)
            seen = []
            ops.changes_applied.connect(seen.append)
            scheduler.sync_channels()  # no channel yet: nothing to do
            assert woo.orders_requests == 0 and not seen
            with unit_of_work(session_factory) as s:
                create_channel(
                    s,
                    "woocommerce",
                    "Woo",
                    woo.url,
                    {"consumer_key": "ck_test_key", "consumer_secret": "cs_test_secret"},
                    actor="tester",
                )
            seen.clear()
            scheduler.sync_channels()
            assert woo.orders_requests >= 1
            with unit_of_work(session_factory, write=False) as s:
                assert len(list_order_page(s, OrderFilter()).rows) == 1
            assert seen and seen[-1].orders and seen[-1].stock and seen[-1].channels
            requests = woo.orders_requests
            scheduler.sync_channels()  # ran a moment ago: not due for 15 minutes
            assert woo.orders_requests == requests
            with unit_of_work(session_factory, write=False) as s:
                assert channel_sync_due(s, now=utcnow() + timedelta(minutes=16))
            with unit_of_work(session_factory) as s:
                update_settings(s, {"channels.sync_minutes": 0}, actor="tester")
            scheduler.run_all_now()  # turned off
            assert woo.orders_requests == requests
    finally:
        restore()


def test_channel_sync_is_skipped_while_one_runs(ops, qtbot):
    scheduler = Scheduler(ops, backup_dir=None)
    scheduler._busy.add("channels")
    calls = []
    ops.session_factory, original = (lambda: calls.append(1)), ops.session_factory
    try:
        scheduler.sync_channels()
    finally:
        ops.session_factory = original
    assert not calls
