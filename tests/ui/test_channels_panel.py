"""Channels panel against the WooCommerce emulator on 127.0.0.1, with an in-memory keyring."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.channels.service import create_channel, get_channel
from app.inventory.dto import ProductInput
from app.inventory.ledger import receive_stock
from app.inventory.locations import create_bin, create_location
from app.inventory.products import create_product
from app.orders.queries import OrderFilter, list_order_page
from app.uow import unit_of_work
from db.models import OutboxMessage
from db.types import utcnow
from tests.fixtures.channel_servers import WooCommerceEmulator, install_memory_keyring
from ui.channels.channels_panel import ChannelsPanel

ACTOR = "tester"
WOO_KEY, WOO_SECRET = "ck_test_key", "cs_test_secret"
WRONG_SECRET = "cs_WRONG_secret_value"


@pytest.fixture
def keyring_store():
    backend, restore = install_memory_keyring()
    yield backend.store
    restore()


@pytest.fixture
def woo():
    with WooCommerceEmulator() as server:
        yield server


@pytest.fixture
def catalog(session_factory) -> int:
    """CAP-1 with 5 on hand; returns its product id."""
    with unit_of_work(session_factory) as s:
        main = create_location(s, code="MAIN", name="Main", actor=ACTOR).id
        shelf = create_bin(s, location_id=main, code="A-01", actor=ACTOR).id
        cap = create_product(s, ProductInput(sku="CAP-1", name="Cap"), actor=ACTOR).id
        receive_stock(s, product_id=cap, bin_id=shelf, quantity=5, actor=ACTOR)
    return cap


@pytest.fixture
def panel(ops, qtbot) -> ChannelsPanel:
    widget = ChannelsPanel(ops)
    qtbot.addWidget(widget)
    widget.resize(1280, 800)
    widget.show()
    return widget


def make_woo(session_factory, server, secret: str = WOO_SECRET) -> int:
    with unit_of_work(session_factory) as s:
        return create_channel(
            s,
            "woocommerce",
            "Woo",
            server.url,
            {"consumer_key": WOO_KEY, "consumer_secret": secret},
            actor=ACTOR,
        ).id


def order_count(session_factory) -> int:
    with unit_of_work(session_factory, write=False) as s:
        return len(list_order_page(s, OrderFilter()).rows)


def select_channel(panel: ChannelsPanel, name: str) -> None:
    names = [row.channel.name for row in panel.channel_model.rows()]
    panel.channel_table.selectRow(names.index(name))


def cell(model, row: int, column: int):
    return model.data(model.index(row, column), Qt.ItemDataRole.DisplayRole)


def test_models_pass_the_model_tester(panel, session_factory, keyring_store, woo, qtmodeltester):
    make_woo(session_factory, woo)
    panel.refresh()
    for model in (panel.channel_model, panel.run_model, panel.outbox_model):
        qtmodeltester.check(model)


def test_add_channel_test_connection_and_sync(
    panel, qtbot, session_factory, keyring_store, woo, catalog, messages
):
    woo.add_product("CAP-1", stock_quantity=0)
    for _ in range(2):
        woo.add_order(lines=[{"sku": "CAP-1", "name": "Cap", "quantity": 1, "price": "9.99"}])
    dialog = panel.open_channel_dialog()
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData("woocommerce"))
    assert dialog.consumer_secret_edit.isVisible() and not dialog.token_edit.isVisible()
    assert dialog.consumer_secret_edit.echoMode() == dialog.consumer_secret_edit.EchoMode.Password
    qtbot.keyClicks(dialog.name_edit, "Web shop")
    qtbot.keyClicks(dialog.url_edit, woo.url)
    qtbot.keyClicks(dialog.consumer_key_edit, WOO_KEY)
    qtbot.keyClicks(dialog.consumer_secret_edit, WOO_SECRET)
    dialog.buffer_spin.setValue(1)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible() and not dialog.error_label.text()
    rows = panel.channel_model.rows()
    assert [r.channel.name for r in rows] == ["Web shop"]
    channel = rows[0].channel
    assert channel.settings == {"consumer_key": WOO_KEY} and channel.stock_buffer == 1
    assert keyring_store[("Packbench", f"channel.{channel.id}.consumer_secret")] == WOO_SECRET
    assert cell(panel.channel_model, 0, 5) == "never synced"

    select_channel(panel, "Web shop")
    qtbot.mouseClick(panel.test_button, Qt.MouseButton.LeftButton)
    text = panel.results_edit.toPlainText()
    assert "Connection OK" in text and "WooCommerce" in text

    qtbot.mouseClick(panel.sync_button, Qt.MouseButton.LeftButton)
    text = panel.results_edit.toPlainText()
    assert "2 order(s) pulled" in text and "created 2" in text
    assert order_count(session_factory) == 2
    assert not panel.progress_box.isVisible() and panel.sync_button.isEnabled()
    assert cell(panel.channel_model, 0, 5).startswith("succeeded")
    assert cell(panel.channel_model, 0, 4) != "never"
    runs = panel.run_model.rows()
    assert len(runs) == 1 and (runs[0].status, runs[0].created) == ("succeeded", 2)
    outbox = panel.outbox_model.rows()
    assert outbox and all(r.channel == "Web shop" for r in outbox)
    assert any(r.kind == "stock" and r.status == "sent" for r in outbox)
    assert not messages


def test_dry_run_changes_nothing(panel, qtbot, session_factory, keyring_store, woo):
    woo.add_order(lines=[{"sku": "CAP-1", "name": "Cap", "quantity": 1, "price": "9.99"}])
    make_woo(session_factory, woo)
    panel.refresh()
    qtbot.mouseClick(panel.dry_run_button, Qt.MouseButton.LeftButton)
    text = panel.results_edit.toPlainText()
    assert text.startswith("Dry run") and "would create 1" in text
    assert order_count(session_factory) == 0 and not panel.run_model.rows()


def test_wrong_secret_shows_the_auth_message_without_the_secret(
    panel, qtbot, session_factory, keyring_store, woo, messages
):
    woo.add_order(lines=[{"sku": "CAP-1", "name": "Cap", "quantity": 1, "price": "9.99"}])
    make_woo(session_factory, woo, WRONG_SECRET)
    panel.refresh()
    select_channel(panel, "Woo")
    qtbot.mouseClick(panel.test_button, Qt.MouseButton.LeftButton)
    text = panel.results_edit.toPlainText()
    assert "connection failed" in text and "401" in text
    assert WRONG_SECRET not in text and WOO_KEY not in text
    qtbot.mouseClick(panel.sync_button, Qt.MouseButton.LeftButton)
    text = panel.results_edit.toPlainText()
    assert "problems" in text and "401" in text and WRONG_SECRET not in text
    assert [r.status for r in panel.run_model.rows()] == ["failed"]
    assert WRONG_SECRET not in (panel.run_model.rows()[0].error_text or "")
    assert order_count(session_factory) == 0
    assert not messages  # channel errors go to the results box, not a message box


def test_editing_keeps_a_secret_left_empty(panel, qtbot, session_factory, keyring_store, woo):
    channel_id = make_woo(session_factory, woo)
    panel.refresh()
    select_channel(panel, "Woo")
    qtbot.mouseClick(panel.edit_button, Qt.MouseButton.LeftButton)
    dialog = panel.channel_dialog
    assert dialog is not None and dialog.channel is not None and dialog.isVisible()
    assert dialog.consumer_secret_edit.text() == ""  # stored secrets are never shown back
    assert dialog.consumer_key_edit.text() == WOO_KEY and not dialog.kind_combo.isEnabled()
    dialog.name_edit.setText("Woo EU")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert keyring_store[("Packbench", f"channel.{channel_id}.consumer_secret")] == WOO_SECRET
    with unit_of_work(session_factory, write=False) as s:
        assert get_channel(s, channel_id).name == "Woo EU"
    assert [r.channel.name for r in panel.channel_model.rows()] == ["Woo EU"]


def test_dialog_shows_validation_errors(panel, qtbot, keyring_store, woo):
    dialog = panel.open_channel_dialog()
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData("woocommerce"))
    qtbot.keyClicks(dialog.name_edit, "Shop")
    qtbot.keyClicks(dialog.url_edit, woo.url)
    qtbot.keyClicks(dialog.consumer_key_edit, WOO_KEY)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "consumer secret" in dialog.error_label.text()
    assert not panel.channel_model.rows()


def test_retry_a_dead_outbox_message(panel, qtbot, session_factory, keyring_store, woo):
    channel_id = make_woo(session_factory, woo)
    with unit_of_work(session_factory) as s:
        s.add(
            OutboxMessage(
                channel_id=channel_id,
                kind="stock",
                idempotency_key="stock:test:1",
                payload={"product_id": 1, "sku": "CAP-1", "available": 3},
                status="dead",
                attempts=8,
                next_attempt_at=utcnow(),
                last_error="WooCommerce answered HTTP 500",
            )
        )
    panel.problems_check.setChecked(True)  # toggling reloads
    rows = panel.outbox_model.rows()
    assert [(r.status, r.attempts) for r in rows] == [("dead", 8)]
    assert "HTTP 500" in cell(panel.outbox_model, 0, 6)
    assert not panel.retry_button.isEnabled()
    panel.outbox_table.selectRow(0)
    assert panel.retry_button.isEnabled()
    qtbot.mouseClick(panel.retry_button, Qt.MouseButton.LeftButton)
    assert "queued again" in panel.results_edit.toPlainText()
    with unit_of_work(session_factory, write=False) as s:
        message = s.query(OutboxMessage).one()
        assert (message.status, message.attempts) == ("pending", 0)
    assert not panel.outbox_model.rows()  # pending with no failed attempt: not a problem now
    panel.problems_check.setChecked(False)
    assert [r.status for r in panel.outbox_model.rows()] == ["pending"]
