"""Crash safety: a sync or outbox run killed with SIGKILL mid-way loses and duplicates nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.channels.outbox import send_outbox
from app.channels.service import connector_for
from app.channels.sync import pull_orders
from app.uow import unit_of_work
from db.models import Channel, OutboxMessage, SalesOrder, SyncRun
from db.types import utcnow
from tests.app.test_channels import (
    TOKEN,
    add_orders,
    build_catalog,
    make_shopify,
    orders_by_external,
    pack,
)
from tests.fixtures.channel_servers import ShopifyEmulator, install_memory_keyring

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL"),
]

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import sys
from app.database import open_database
from app.paths import resolve_paths
db = open_database(resolve_paths(data_dir=sys.argv[1], env={}))
if sys.argv[3] == "pull":
    from app.channels.sync import pull_orders
    pull_orders(db.session_factory, int(sys.argv[2]))
else:
    from app.channels.outbox import send_outbox
    send_outbox(db.session_factory, channel_id=int(sys.argv[2]))
"""


@pytest.fixture
def keyring_store():
    backend, restore = install_memory_keyring()
    yield backend.store
    restore()


def start(paths, channel_id: int, what: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        f"PACKBENCH_SECRET_CHANNEL_{channel_id}_TOKEN": TOKEN,
    }
    return subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(paths.data_dir), str(channel_id), what],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def kill_when_blocked(process: subprocess.Popen, server: ShopifyEmulator) -> None:
    reached = server.blocked.wait(timeout=60)
    if not reached:
        process.kill()
        _, err = process.communicate(timeout=10)
        pytest.fail(f"the sync never reached the blocking request: {err.decode()[-2000:]}")
    assert process.poll() is None, "the process finished before it was killed"
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=10)
    assert process.returncode == -signal.SIGKILL
    server.release.set()  # the held request now answers a dead client


def test_pull_killed_between_pages_resumes_without_duplicates(
    session_factory, paths, keyring_store
):
    build_catalog(session_factory)
    with ShopifyEmulator() as server:
        remote = add_orders(server, 12, lines=[{"sku": "MUG-1", "quantity": 1, "price": "4"}])
        channel_id = make_shopify(session_factory, server, keyring_store, page_size=3)
        server.block_on_orders_request = 3  # pages 1 and 2 are applied, then it hangs
        kill_when_blocked(start(paths, channel_id, "pull"), server)
        with unit_of_work(session_factory, write=False) as s:
            applied = s.scalar(select(func.count()).select_from(SalesOrder))
            channel = s.get(Channel, channel_id)
            run = s.scalar(select(SyncRun))
        assert applied == 6
        assert channel.last_pulled_at == server.orders[remote[5]]["updated_at"]
        assert run.status == "running" and (run.pulled, run.created) == (6, 6)
        server.update_order(remote[0], note="changed while we were down")
        report = pull_orders(
            session_factory, channel_id, connector_factory=lambda v: connector_for(v, timeout=5)
        )
        assert report.ok and report.created == 6 and report.updated == 1
        orders = orders_by_external(session_factory, channel_id)
        assert sorted(orders) == sorted(str(r) for r in remote)  # every order exactly once
        assert orders[str(remote[0])].notes == "changed while we were down"
        with unit_of_work(session_factory, write=False) as s:
            runs = s.scalars(select(SyncRun).order_by(SyncRun.id)).all()
            assert s.scalar(select(func.count()).select_from(SalesOrder)) == 12
        assert runs[0].status == "failed" and "interrupted" in runs[0].error_text
        assert runs[1].status == "succeeded"


def test_outbox_killed_mid_push_delivers_every_message_once(session_factory, paths, keyring_store):
    build_catalog(session_factory)
    with ShopifyEmulator() as server:
        remote = add_orders(server, 5, lines=[{"sku": "CAP-1", "quantity": 1, "price": "4"}])
        channel_id = make_shopify(session_factory, server, keyring_store)
        pull_orders(session_factory, channel_id, connector_factory=lambda v: connector_for(v))
        for order in orders_by_external(session_factory, channel_id).values():
            pack(session_factory, order.id, ship_it=True)
        server.hang_after_fulfillment = 3  # the 3rd push is applied, its answer never comes
        kill_when_blocked(start(paths, channel_id, "send"), server)
        with unit_of_work(session_factory, write=False) as s:
            statuses = s.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id)).all()
        assert statuses == ["sent", "sent", "pending", "pending", "pending"]
        report = send_outbox(
            session_factory,
            connector_factory=lambda v: connector_for(v, timeout=5),
            now=utcnow() + timedelta(hours=1),  # past the killed sender's lease
        )
        assert (report.sent, report.already_present, report.failed) == (3, 1, 0)
        assert [len(server.fulfillments(r)) for r in remote] == [1, 1, 1, 1, 1]
        with unit_of_work(session_factory, write=False) as s:
            assert set(s.scalars(select(OutboxMessage.status))) == {"sent"}
