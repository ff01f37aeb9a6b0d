"""Receiving station and putaway: scanning into a real database, over-receipts, bins, undo."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.inventory.ledger import receive_stock
from app.inventory.products import set_default_bin
from app.uow import unit_of_work
from tests.app.inventory_fixtures import ACTOR
from tests.ui.test_purchasing_fixtures import (
    CAP_UPC,
    MUG_GTIN,
    build_data,
    click,
    levels,
    ordered_po,
    po_lines,
    po_status,
    scan,
)
from ui.purchasing.purchasing_panel import PurchasingPanel


@pytest.fixture
def data(session_factory):
    return build_data(session_factory)


@pytest.fixture
def panel(qtbot, ops, data) -> PurchasingPanel:
    widget = PurchasingPanel(ops)
    qtbot.addWidget(widget)
    widget.resize(1280, 800)
    widget.show()
    qtbot.waitExposed(widget)
    widget.show_tab(widget.receiving_tab)
    return widget


@pytest.fixture
def station(panel):
    return panel.receiving_tab


def shown_lines(station) -> dict[str, tuple[int, int, int]]:
    return {x.sku: (x.ordered, x.received, x.outstanding) for x in station.lines_model.rows()}


def test_scan_a_po_then_its_items(qtbot, station, data, session_factory, messages):
    po_id, number = ordered_po(session_factory, data, mug=3, cap=2)
    with unit_of_work(session_factory) as s:
        set_default_bin(s, data.shop.mug, data.shop.main, data.shop.a1, actor=ACTOR)
    station.refresh()
    assert station.open_combo.count() == 1 and number in station.open_combo.itemText(0)

    scan(qtbot, station.scan_edit, number.lower())
    assert station.detail is not None and station.detail.id == po_id
    assert "Opened" in station.message_label.text()
    assert shown_lines(station) == {"MUG-1": (3, 0, 3), "CAP-1": (2, 0, 2)}

    scan(qtbot, station.scan_edit, MUG_GTIN)
    assert station.scan_edit.scan_state == "ok"
    assert station.message_label.property("tone") == "ok"
    assert "MUG-1 +1 → A-01 (1 of 3)" in station.message_label.text()
    station.quantity_spin.setValue(2)
    scan(qtbot, station.scan_edit, "MUG-1")
    assert "line complete" in station.message_label.text()
    assert station.quantity_spin.value() == 1  # back to one unit per scan
    scan(qtbot, station.scan_edit, CAP_UPC)

    assert po_lines(session_factory, po_id) == {"MUG-1": (3, 3), "CAP-1": (2, 1)}
    assert shown_lines(station) == {"MUG-1": (3, 3, 0), "CAP-1": (2, 1, 1)}
    assert po_status(session_factory, po_id) == "partially_received"
    assert levels(session_factory, data.shop.mug) == {"A-01": 3}
    assert levels(session_factory, data.shop.cap) == {"R-1": 1}  # no default bin: receiving bin
    assert station.last_line_id == station.lines_model.rows()[1].id
    assert station.progress_label.text() == "4 of 5 units received · 1 to come"
    assert [r.sku for r in station.receipts] == ["CAP-1", "MUG-1", "MUG-1"]

    scan(qtbot, station.scan_edit, "CAP-1")
    assert "is complete" in station.message_label.text()
    assert po_status(session_factory, po_id) == "received"
    assert messages == []


def test_over_receipt_needs_a_second_identical_scan(qtbot, station, data, session_factory):
    po_id, number = ordered_po(session_factory, data, mug=1, cap=1)
    scan(qtbot, station.scan_edit, number)
    scan(qtbot, station.scan_edit, "CAP-1")
    scan(qtbot, station.scan_edit, "CAP-1")  # one more than ordered
    assert station.message_label.property("tone") == "warning"
    assert "scan again to confirm" in station.message_label.text()
    assert station.scan_edit.scan_state == "warning"
    assert po_lines(session_factory, po_id)["CAP-1"] == (1, 1)

    scan(qtbot, station.scan_edit, "MUG-1")  # another scan forgets the pending confirmation
    scan(qtbot, station.scan_edit, "CAP-1")
    assert "scan again to confirm" in station.message_label.text()
    assert po_lines(session_factory, po_id)["CAP-1"] == (1, 1)

    scan(qtbot, station.scan_edit, "CAP-1")  # the confirming scan
    assert station.message_label.property("tone") == "ok"
    assert "over the order, confirmed" in station.message_label.text()
    assert po_lines(session_factory, po_id) == {"MUG-1": (1, 1), "CAP-1": (1, 2)}
    assert levels(session_factory, data.shop.cap) == {"R-1": 2}


def test_a_bin_label_sets_where_the_next_items_go(qtbot, station, data, session_factory):
    _po_id, number = ordered_po(session_factory, data)
    scan(qtbot, station.scan_edit, "BIN/MAIN/A-02")
    assert "Open a purchase order first" in station.message_label.text()

    scan(qtbot, station.scan_edit, number)
    scan(qtbot, station.scan_edit, "BIN/STORE/S-1")
    assert station.message_label.property("tone") == "error"
    assert "received at MAIN" in station.message_label.text()
    scan(qtbot, station.scan_edit, "BIN/MAIN/ZZ-9")
    assert "does not exist" in station.message_label.text()

    scan(qtbot, station.scan_edit, "BIN/MAIN/A-02")
    assert station.target_bin is not None and station.target_bin.code == "A-02"
    assert "bin A-02" in station.target_label.text()
    scan(qtbot, station.scan_edit, "MUG-1")
    scan(qtbot, station.scan_edit, "CAP-1")
    assert levels(session_factory, data.shop.mug) == {"A-02": 1}
    assert levels(session_factory, data.shop.cap) == {"A-02": 1}

    click(qtbot, station.default_bin_button)
    assert station.target_bin is None
    scan(qtbot, station.scan_edit, "MUG-1")
    assert levels(session_factory, data.shop.mug) == {"A-02": 1, "R-1": 1}


def test_undo_last_receipt_by_button_and_by_command_scan(qtbot, station, data, session_factory):
    po_id, number = ordered_po(session_factory, data, mug=5, cap=2)
    scan(qtbot, station.scan_edit, number)
    assert not station.undo_button.isEnabled()
    scan(qtbot, station.scan_edit, "MUG-1")
    scan(qtbot, station.scan_edit, "CAP-1")
    assert po_lines(session_factory, po_id) == {"MUG-1": (5, 1), "CAP-1": (2, 1)}

    click(qtbot, station.undo_button)
    assert "Undid 1 × CAP-1" in station.message_label.text()
    assert po_lines(session_factory, po_id) == {"MUG-1": (5, 1), "CAP-1": (2, 0)}
    assert levels(session_factory, data.shop.cap) == {}
    assert [r.undone for r in station.receipts] == [True, False]

    scan(qtbot, station.scan_edit, "CMD-UNDO")
    assert po_lines(session_factory, po_id) == {"MUG-1": (5, 0), "CAP-1": (2, 0)}
    assert po_status(session_factory, po_id) == "ordered"
    assert not station.undo_button.isEnabled()
    scan(qtbot, station.scan_edit, "CMD-UNDO")
    assert "nothing to undo" in station.message_label.text()
    assert station.message_label.property("tone") == "error"

    scan(qtbot, station.scan_edit, "CMD-DONE")
    assert station.detail is None and station.scanner is None


def test_refusals_say_what_to_do(qtbot, station, data, session_factory, messages):
    po_id, number = ordered_po(session_factory, data)
    scan(qtbot, station.scan_edit, "PO-999999")
    assert "no purchase order PO-999999" in station.message_label.text()
    scan(qtbot, station.scan_edit, "SO-000001")
    assert "sales order" in station.message_label.text()

    panel = station.parent()
    while not isinstance(panel, PurchasingPanel):
        panel = panel.parent()
    orders = panel.orders_tab
    click(qtbot, orders.new_button)
    orders.dialog.select_supplier(data.acme)
    scan(qtbot, orders.dialog.entry.scan_edit, "MUG-1")
    click(qtbot, orders.dialog.create_button)
    draft_number = orders.detail.number
    scan(qtbot, station.scan_edit, draft_number)
    assert "is a draft" in station.message_label.text()
    assert station.detail is None

    scan(qtbot, station.scan_edit, number.removeprefix("PO-"))  # typed without its prefix
    assert station.detail.number == number
    scan(qtbot, station.scan_edit, "TEE-1")
    assert "TEE-1 is not on" in station.message_label.text()
    scan(qtbot, station.scan_edit, "NOPE-1")
    assert "unknown barcode" in station.message_label.text()
    assert station.scan_edit.scan_state == "error"
    assert po_lines(session_factory, po_id) == {"MUG-1": (10, 0), "CAP-1": (4, 0)}
    assert messages == []


def test_receive_all_outstanding_after_confirming(qtbot, station, data, session_factory):
    po_id, number = ordered_po(session_factory, data, mug=3, cap=2)
    scan(qtbot, station.scan_edit, number)
    scan(qtbot, station.scan_edit, "MUG-1")
    asked = []
    station.confirm = lambda title, text: asked.append(text) or True
    click(qtbot, station.receive_all_button)
    assert asked == [f"Receive all 4 outstanding unit(s) of {number} into their default bins?"]
    assert po_lines(session_factory, po_id) == {"MUG-1": (3, 3), "CAP-1": (2, 2)}
    assert po_status(session_factory, po_id) == "received"
    assert not station.receive_all_button.isEnabled()


def test_putaway_moves_received_stock_to_a_scanned_bin(qtbot, panel, data, session_factory):
    with unit_of_work(session_factory) as s:
        receive_stock(s, product_id=data.shop.mug, bin_id=data.receiving, quantity=6, actor=ACTOR)
        receive_stock(s, product_id=data.shop.cap, bin_id=data.receiving, quantity=2, actor=ACTOR)
        set_default_bin(s, data.shop.cap, data.shop.main, data.shop.a2, actor=ACTOR)
    tab = panel.putaway_tab
    panel.show_tab(tab)
    assert [(r.sku, r.on_hand, r.default_bin_code) for r in tab.model.rows()] == [
        ("CAP-1", 2, "A-02"),
        ("MUG-1", 6, None),
    ]

    dialog = tab.open_dialog(1)
    assert not dialog.put_button.isEnabled()  # no default bin: scan one first
    scan(qtbot, dialog.scan_edit, "BIN/STORE/S-1")
    assert "No bin S-1" in dialog.message_label.text()
    scan(qtbot, dialog.scan_edit, "BIN/MAIN/A-01")
    assert dialog.target_label.text() == "→ A-01"
    dialog.quantity_spin.setValue(4)
    click(qtbot, dialog.put_button)
    assert not dialog.isVisible()
    assert levels(session_factory, data.shop.mug) == {"A-01": 4, "R-1": 2}
    assert tab.message_label.text() == "Put 4 away in A-01."

    dialog = tab.open_dialog(0)  # CAP-1 goes to its default bin without a scan
    assert dialog.put_button.isEnabled()
    click(qtbot, dialog.put_button)
    assert levels(session_factory, data.shop.cap) == {"A-02": 2}
    assert [(r.sku, r.on_hand) for r in tab.model.rows()] == [("MUG-1", 2)]


def test_enter_in_the_quantity_box_returns_to_the_scan_field(qtbot, station):
    station.window().activateWindow()
    station.quantity_spin.setFocus()
    station.quantity_spin.selectAll()
    qtbot.keyClicks(station.quantity_spin, "6")
    qtbot.keyClick(station.quantity_spin, Qt.Key.Key_Return)
    assert station.quantity_spin.value() == 6
    qtbot.waitUntil(station.scan_edit.hasFocus, timeout=1000)


def _receiving_panel(qtbot, deferred_ops):
    """(panel, work): the purchasing panel on its receiving station, over deferred Ops. Keep
    `panel`: the station dies with it."""
    ops, work = deferred_ops
    panel = PurchasingPanel(ops)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    panel.show_tab(panel.receiving_tab)
    work.run_all()
    return panel, work


def test_close_clicked_while_items_are_queued_receives_them_first(
    qtbot, deferred_ops, data, session_factory
):
    """The Close button goes through the scan queue like a scanned DONE: two mugs scanned just
    before it are received, not taken for PO numbers after the PO closed."""
    po_id, number = ordered_po(session_factory, data, mug=3, cap=2)
    panel, work = _receiving_panel(qtbot, deferred_ops)
    station = panel.receiving_tab
    station.scan(number)
    work.run_all()
    station.scan(MUG_GTIN)
    station.scan(MUG_GTIN)
    qtbot.mouseClick(station.close_button, Qt.MouseButton.LeftButton)
    work.run_all()
    assert po_lines(session_factory, po_id)["MUG-1"] == (3, 2)
    assert station.detail is None
    assert "no purchase order" not in station.message_label.text().lower()


def test_scans_wait_their_turn_and_the_lists_reload_once_after(
    qtbot, deferred_ops, data, session_factory
):
    """A scanner sends the PO label and three items before the PO has even loaded: each scan
    waits for the one before (the items are received, not taken for PO numbers), and the
    lists reload once when the burst is over, not after every scan."""
    po_id, number = ordered_po(session_factory, data, mug=3, cap=2)
    panel, work = _receiving_panel(qtbot, deferred_ops)
    station = panel.receiving_tab
    reloads = []
    original = station.refresh

    def counted_refresh():
        reloads.append(bool(station.queue.busy or station.queue.waiting))
        original()

    station.refresh = counted_refresh
    for code in (number, MUG_GTIN, "MUG-1", CAP_UPC):
        station.scan(code)
    assert station.queue.busy and station.queue.waiting == 3 and station.detail is None
    work.run_all()
    assert po_lines(session_factory, po_id) == {"MUG-1": (3, 2), "CAP-1": (2, 1)}
    assert shown_lines(station) == {"MUG-1": (3, 2, 1), "CAP-1": (2, 1, 1)}
    assert not station.queue.busy and station.queue.waiting == 0
    # Each receipt asked for a refresh while scans were queued; they ran once, at the end.
    assert reloads == [True, True, True, False]
