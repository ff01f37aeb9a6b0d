"""Return receiving station: RMA and item scans, sticky condition/disposition/bin, stock figures."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.inventory.ledger import list_moves
from app.uow import unit_of_work
from tests.ui.test_returns_fixtures import (
    MUG_GTIN,
    build_shop,
    click,
    figures,
    levels,
    rma_for,
    rma_view,
    scan,
    shipped_order,
)
from ui.returns.receiving_station import ReturnReceivingStation
from ui.returns.returns_panel import ReturnsPanel


@pytest.fixture
def shop(session_factory):
    return build_shop(session_factory)


@pytest.fixture
def panel(qtbot, ops, tmp_path):
    panel = ReturnsPanel(ops, exports_dir=tmp_path / "exports")
    qtbot.addWidget(panel)
    panel.resize(1280, 800)
    panel.show()
    panel.show_station()
    return panel


def lines(station: ReturnReceivingStation) -> list[tuple[str, int, int, str]]:
    return [(x.sku, x.authorized, x.received, x.received_as) for x in station.lines_model.rows()]


def test_receive_by_scanning_with_restock_quarantine_and_scrap(qtbot, session_factory, shop, panel):
    order = shipped_order(session_factory, (shop.mug, 4), (shop.cap, 1))
    rma_id, _ = rma_for(session_factory, order, (0, 4, "damaged"), (1, 1, "wrong_item"))
    panel.refresh()
    station = panel.station
    assert figures(session_factory, shop.mug) == (6, 0, 6)

    scan(qtbot, station.scan_edit, "MUG-1")
    assert station.message_label.text() == (
        "Scan the return's RMA barcode first (RMA-… on the return slip)."
    )
    assert station.scan_edit.scan_state == "error"

    scan(qtbot, station.scan_edit, "rma-000001")
    assert station.view is not None and station.view.id == rma_id
    assert station.heading_label.text() == "RMA-000001 · SO-000001 · Authorized · Zoë Łukasiewicz"
    assert station.message_label.text() == "Opened RMA-000001 (5 unit(s) to come): scan each item."
    assert station.target_label.text() == (
        "Next scan: each unit new → restock into each product's default bin at MAIN"
    )
    assert lines(station) == [("MUG-1", 4, 0, ""), ("CAP-1", 1, 0, "")]

    # new, restock (the sticky defaults): the mug's default bin A-01
    scan(qtbot, station.scan_edit, MUG_GTIN)
    assert station.scan_edit.scan_state == "ok"
    assert station.message_label.property("tone") == "ok"
    assert station.message_label.text() == "MUG-1: restock → A-01; 1 of 5 received"
    assert figures(session_factory, shop.mug) == (7, 0, 7)
    assert lines(station)[0] == ("MUG-1", 4, 1, "1 new → restock A-01")
    assert station.progress_label.text() == "1 of 5 units received · 4 to come"

    # a quarantine bin label picks the bin and the disposition; opened stays for the next scans
    station.set_condition("opened")
    scan(qtbot, station.scan_edit, "BIN/MAIN/Q-1")
    assert station.disposition == "quarantine"
    assert station.quarantine_combo.currentText() == "Q-1"
    assert station.message_label.text() == (
        "Quarantined, scrapped and vendor units now go into bin Q-1."
    )
    scan(qtbot, station.scan_edit, "MUG-1")
    scan(qtbot, station.scan_edit, "MUG-1")
    assert figures(session_factory, shop.mug) == (7, 2, 7)
    assert levels(session_factory, shop.mug) == {"A-01": 7, "Q-1": 2}
    assert station.condition == "opened"  # sticky

    station.set_condition("damaged")
    station.set_disposition("scrap")
    assert station.target_label.text() == "Next scan: each unit damaged → scrap via Q-1 at MAIN"
    scan(qtbot, station.scan_edit, "MUG-1")
    assert figures(session_factory, shop.mug) == (7, 2, 7)  # in through quarantine and out
    assert lines(station)[0] == (
        "MUG-1",
        4,
        4,
        "1 damaged → scrap Q-1; 1 new → restock A-01; 2 opened → quarantine Q-1",
    )
    with unit_of_work(session_factory, write=False) as s:
        reasons = [m.reason for m in list_moves(s, product_id=shop.mug)[:2]]
    assert reasons == ["scrap", "return_quarantine"]

    # too many, wrong codes: red, with the service's words
    scan(qtbot, station.scan_edit, "MUG-1")
    assert station.message_label.text() == (
        "Too many: RMA-000001 expects 4 × MUG-1, all received already."
    )
    assert station.scan_edit.scan_state == "error"
    assert station.message_label.property("tone") == "error"
    scan(qtbot, station.scan_edit, "NOPE-1")
    assert station.message_label.text().startswith("Unknown barcode 'NOPE-1'")

    # the cap has no default bin: restock needs one; scanning a bin label sets it
    station.set_condition("new")
    station.set_disposition("restock")
    scan(qtbot, station.scan_edit, "CAP-1")
    assert station.message_label.text() == (
        "CAP-1 has no default bin at MAIN; choose the bin to restock it into."
    )
    scan(qtbot, station.scan_edit, "BIN/MAIN/B-01")
    assert station.restock_combo.currentText() == "B-01"
    assert station.bin_id() == shop.overflow
    scan(qtbot, station.scan_edit, "CAP-1")
    assert station.message_label.text() == (
        "CAP-1: restock → B-01; all received — RMA-000001 is fully received."
    )
    assert levels(session_factory, shop.cap) == {"A-01": 9, "B-01": 1}
    assert rma_view(session_factory, rma_id).status == "received"
    assert station.progress_label.text() == "5 of 5 units received · 0 to come"
    assert not station.receive_line_button.isEnabled()

    # the list tab saw it all
    assert panel.model.index(0, 4).data() == "Received"
    assert panel.model.index(0, 6).data() == "5 / 5"


def test_bin_labels_must_belong_to_the_returns_location(qtbot, session_factory, shop, panel):
    order = shipped_order(session_factory, (shop.mug, 1))
    rma_for(session_factory, order, (0, 1, "damaged"))
    station = panel.station
    scan(qtbot, station.scan_edit, "BIN/MAIN/A-01")
    assert station.message_label.text() == (
        "Open a return first, then scan the bin its units go into."
    )
    scan(qtbot, station.scan_edit, "RMA-000001")
    scan(qtbot, station.scan_edit, "BIN/STORE/S-1")
    assert station.message_label.text() == (
        "Bin S-1 is at STORE, but RMA-000001 goes back to MAIN; scan a bin there."
    )
    scan(qtbot, station.scan_edit, "BIN/MAIN/Z-9")
    assert station.message_label.text() == "There is no active bin Z-9 at MAIN."
    scan(qtbot, station.scan_edit, "CMD-DONE")
    assert station.view is None and station.heading_label.text().endswith("no return open")


def test_open_by_order_scan_or_list_and_wrong_items(qtbot, session_factory, shop, panel):
    order = shipped_order(session_factory, (shop.mug, 2), (shop.cap, 1))
    rma_for(session_factory, order, (0, 2, "damaged"))
    requested, _ = rma_for(session_factory, order, (1, 1, "damaged"), authorize=False)
    panel.refresh()
    station = panel.station
    assert station.open_combo.count() == 1
    assert station.open_combo.itemText(0) == "RMA-000001 · SO-000001 · Zoë Łukasiewicz · 2 to come"

    scan(qtbot, station.scan_edit, "SO-000001")  # the order's one waiting RMA
    assert station.view.number == "RMA-000001"
    scan(qtbot, station.scan_edit, "CAP-1")
    assert station.message_label.text() == "Wrong item: CAP-1 (Wool Cap) is not on RMA-000001."
    scan(qtbot, station.scan_edit, "PO-000001")
    assert station.message_label.text() == (
        "PO-000001 is a purchase order; scan a return or an item."
    )

    scan(qtbot, station.scan_edit, "RMA-000002")
    assert station.view.id == requested
    assert station.message_label.text() == (
        "RMA-000002 is not authorized yet: authorize it before receiving; nothing can be received."
    )
    assert station.message_label.property("tone") == "warning"
    scan(qtbot, station.scan_edit, "SO-000009")
    assert station.message_label.text() == "Order SO-000009 has no return waiting to be received."

    station.open_combo.activated.emit(0)
    assert station.view.number == "RMA-000001"


def test_units_per_scan_and_receiving_a_line_by_hand(qtbot, session_factory, shop, panel):
    order = shipped_order(session_factory, (shop.mug, 3), (shop.cap, 2))
    rma_id, _ = rma_for(session_factory, order, (0, 3, "no_longer_needed"), (1, 2, "damaged"))
    station = panel.station
    scan(qtbot, station.scan_edit, "RMA-000001")
    station.quantity_spin.setValue(2)
    assert station.target_label.text().startswith("Next scan: 2 units new → restock")
    scan(qtbot, station.scan_edit, "MUG-1")
    assert lines(station)[0][:3] == ("MUG-1", 3, 2)
    assert station.quantity_spin.value() == 1  # back to one unit per scan

    station.set_disposition("return_to_vendor")
    assert station.target_label.text() == (
        "Next scan: each unit new → return to vendor into the first quarantine bin at MAIN"
    )
    station.lines_view.selectRow(1)
    station.quantity_spin.setValue(2)
    click(qtbot, station.receive_line_button)
    assert lines(station)[1] == ("CAP-1", 2, 2, "2 new → return to vendor Q-1")
    assert figures(session_factory, shop.cap) == (8, 2, 8)
    assert rma_view(session_factory, rma_id).received_units == 4


def test_keyboard_shortcuts_choose_condition_and_disposition(qtbot, session_factory, shop, panel):
    order = shipped_order(session_factory, (shop.mug, 1))
    rma_for(session_factory, order, (0, 1, "damaged"))
    station = panel.station
    panel.activateWindow()
    qtbot.waitUntil(lambda: panel.isActiveWindow(), timeout=2000)
    station.scan_edit.setFocus()
    assert station.condition_buttons["opened"].text() == "Opened\nAlt+2"
    assert station.disposition_buttons["quarantine"].text() == "Quarantine\nF7"

    qtbot.keyClick(station.scan_edit, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    assert station.condition == "opened"
    qtbot.keyClick(station.scan_edit, Qt.Key.Key_F7)
    assert station.disposition == "quarantine"
    qtbot.keyClick(station.scan_edit, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)
    qtbot.keyClick(station.scan_edit, Qt.Key.Key_F8)
    assert (station.condition, station.disposition) == ("damaged", "scrap")
    assert station.scan_edit.text() == ""  # nothing leaked into the scan field

    # plain digits still reach the scan field: they are part of codes
    scan(qtbot, station.scan_edit, "RMA-000001")
    assert station.view is not None
    scan(qtbot, station.scan_edit, MUG_GTIN)
    assert (
        station.message_label.text()
        == "MUG-1: scrap → Q-1; all received — RMA-000001 is fully received."
    )


def test_items_scanned_before_the_return_opened_wait_their_turn(
    qtbot, deferred_ops, tmp_path, session_factory, shop
):
    """The RMA slip and two items come from the scanner before the return has loaded: the
    items wait for it (instead of "scan the RMA first") and the lists reload once after."""
    order = shipped_order(session_factory, (shop.mug, 4))
    rma_id, _ = rma_for(session_factory, order, (0, 4, "damaged"))
    ops, work = deferred_ops
    panel = ReturnsPanel(ops, exports_dir=tmp_path / "exports")
    qtbot.addWidget(panel)
    panel.show()
    panel.show_station()
    work.run_all()
    station = panel.station
    reloads = []
    original = station.refresh

    def counted_refresh():
        reloads.append(bool(station.queue.busy or station.queue.waiting))
        original()

    station.refresh = counted_refresh
    for code in ("RMA-000001", MUG_GTIN, "MUG-1"):
        station.scan(code)
    assert station.view is None and station.queue.waiting == 2
    work.run_all()
    assert station.view is not None and station.view.id == rma_id
    assert lines(station) == [("MUG-1", 4, 2, "2 new → restock A-01")]
    assert station.message_label.text() == "MUG-1: restock → A-01; 2 of 4 received"
    assert figures(session_factory, shop.mug) == (8, 0, 8)
    assert reloads[-1] is False and reloads.count(False) == 1


def test_enter_in_the_quantity_box_returns_to_the_scan_field(qtbot, panel):
    station = panel.station
    station.window().activateWindow()
    station.quantity_spin.setFocus()
    station.quantity_spin.selectAll()
    qtbot.keyClicks(station.quantity_spin, "3")
    qtbot.keyClick(station.quantity_spin, Qt.Key.Key_Return)
    assert station.quantity_spin.value() == 3
    qtbot.waitUntil(station.scan_edit.hasFocus, timeout=1000)


def test_done_clicked_while_items_are_queued_receives_them_first(
    qtbot, deferred_ops, tmp_path, session_factory, shop
):
    """Done goes through the scan queue like a scanned DONE: items scanned just before it are
    received, not refused with "scan the RMA first" after the return closed."""
    order = shipped_order(session_factory, (shop.mug, 4))
    rma_for(session_factory, order, (0, 4, "damaged"))
    ops, work = deferred_ops
    panel = ReturnsPanel(ops, exports_dir=tmp_path / "exports")
    qtbot.addWidget(panel)
    panel.show()
    panel.show_station()
    work.run_all()
    station = panel.station
    station.scan("RMA-000001")
    work.run_all()
    station.scan(MUG_GTIN)
    station.scan("MUG-1")
    qtbot.mouseClick(station.done_button, Qt.MouseButton.LeftButton)
    work.run_all()
    assert figures(session_factory, shop.mug) == (8, 0, 8)
    assert station.view is None
    assert "scan the rma first" not in station.message_label.text().lower()
