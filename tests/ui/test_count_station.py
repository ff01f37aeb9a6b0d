"""Stock count station: scan a bin and its items, edit counts, post; a changed bin restarts."""

from __future__ import annotations

import pytest

from app.inventory.ledger import receive_stock
from app.uow import unit_of_work
from tests.app.inventory_fixtures import ACTOR, stock
from tests.ui.test_purchasing_fixtures import MUG_GTIN, build_data, click, levels, scan
from ui.ops import Ops
from ui.purchasing.count_station import CountStation
from ui.purchasing.purchasing_panel import PurchasingPanel


@pytest.fixture
def data(session_factory):
    data = build_data(session_factory)
    stock(session_factory, data.shop.mug, data.shop.a1, 5)
    stock(session_factory, data.shop.cap, data.shop.a1, 2)
    return data


@pytest.fixture
def panel(qtbot, ops, data) -> PurchasingPanel:
    widget = PurchasingPanel(ops)
    qtbot.addWidget(widget)
    widget.resize(1280, 800)
    widget.show()
    qtbot.waitExposed(widget)
    widget.show_tab(widget.count_tab)
    return widget


@pytest.fixture
def station(panel) -> CountStation:
    return panel.count_tab


def sheet_lines(station) -> dict[str, tuple[int, int, int]]:
    return {x.sku: (x.expected, x.counted, x.difference) for x in station.model.rows()}


def test_scan_bin_and_items_then_post(qtbot, station, data, session_factory, messages):
    scan(qtbot, station.scan_edit, "BIN/MAIN/A-01")
    assert station.sheet is not None and station.sheet.bin_code == "A-01"
    assert station.heading_label.text().startswith("Counting MAIN/A-01")
    assert sheet_lines(station) == {"CAP-1": (2, 0, -2), "MUG-1": (5, 0, -5)}

    for _ in range(3):
        scan(qtbot, station.scan_edit, MUG_GTIN)
    assert "MUG-1: counted 3 (expected 5)" in station.message_label.text()
    scan(qtbot, station.scan_edit, "CAP-1")
    scan(qtbot, station.scan_edit, "cap-1")
    scan(qtbot, station.scan_edit, "TEE-1")  # found stock nobody expected here
    assert "not expected in this bin" in station.message_label.text()
    assert station.message_label.property("tone") == "warning"
    assert sheet_lines(station) == {
        "CAP-1": (2, 2, 0),
        "MUG-1": (5, 3, -2),
        "TEE-1": (0, 1, 1),
    }

    # A count typed into the cell replaces what was scanned.
    row = next(i for i, x in enumerate(station.model.rows()) if x.sku == "MUG-1")
    assert station.model.setData(station.model.index(row, 3), 4)
    assert sheet_lines(station)["MUG-1"] == (5, 4, -1)
    assert not station.model.setData(station.model.index(row, 3), -1)
    assert station.message_label.property("tone") == "error"
    assert "expected 7 · counted 7 · 2 difference(s)" in station.summary_label.text()

    asked = []
    station.confirm = lambda title, text: asked.append(text) or True
    click(qtbot, station.post_button)
    assert "MUG-1: expected 5, counted 4 (-1)" in asked[0]
    assert "TEE-1: expected 0, counted 1 (+1)" in asked[0]
    assert "CAP-1" not in asked[0]
    assert levels(session_factory, data.shop.mug) == {"A-01": 4}
    assert levels(session_factory, data.shop.cap) == {"A-01": 2}
    assert levels(session_factory, data.tee) == {"A-01": 1}
    assert "Corrected 2 product(s) in A-01" in station.message_label.text()
    assert station.sheet is None
    assert messages == []


def test_declining_the_confirmation_posts_nothing(qtbot, station, data, session_factory):
    scan(qtbot, station.scan_edit, "BIN/MAIN/A-01")
    scan(qtbot, station.scan_edit, "MUG-1")
    station.confirm = lambda title, text: False
    click(qtbot, station.post_button)
    assert levels(session_factory, data.shop.mug) == {"A-01": 5}
    assert station.sheet is not None


def test_stock_changed_since_the_start_offers_a_restart(qtbot, station, data, session_factory):
    scan(qtbot, station.scan_edit, "BIN/MAIN/A-01")
    for _ in range(5):
        scan(qtbot, station.scan_edit, "MUG-1")
    scan(qtbot, station.scan_edit, "CAP-1")
    with unit_of_work(session_factory) as s:  # a receipt lands in the bin meanwhile
        receive_stock(s, product_id=data.shop.cap, bin_id=data.shop.a1, quantity=3, actor=ACTOR)

    asked = []
    station.confirm = lambda title, text: asked.append(title) or title == "Post count"
    scan(qtbot, station.scan_edit, "CMD-DONE")
    assert asked == ["Post count", "Stock changed"]
    assert "changed since the count started" in station.message_label.text()
    assert station.message_label.property("tone") == "error"
    assert levels(session_factory, data.shop.cap) == {"A-01": 5}  # nothing was posted
    assert station.sheet is not None  # declined the restart: the old sheet stays

    station.confirm = lambda title, text: True
    click(qtbot, station.post_button)
    assert station.sheet is not None
    assert sheet_lines(station) == {"CAP-1": (5, 0, -5), "MUG-1": (5, 0, -5)}  # restarted
    assert not station.undo_button.isEnabled()


def test_typed_bin_codes_undo_and_discard(qtbot, station, data, session_factory, messages):
    assert station.location_combo.itemText(0) == "any location"
    scan(qtbot, station.scan_edit, "ZZ-9")
    assert "no bin ZZ-9" in station.message_label.text()
    scan(qtbot, station.scan_edit, "a-02")  # typed bin code, found at MAIN
    assert station.sheet.bin_code == "A-02" and station.model.rows() == []

    scan(qtbot, station.scan_edit, "MUG-1")
    scan(qtbot, station.scan_edit, "MUG-1")
    assert sheet_lines(station) == {"MUG-1": (0, 2, 2)}
    scan(qtbot, station.scan_edit, "CMD-UNDO")
    assert sheet_lines(station) == {"MUG-1": (0, 1, 1)}
    click(qtbot, station.undo_button)
    assert sheet_lines(station) == {}
    assert not station.undo_button.isEnabled()

    scan(qtbot, station.scan_edit, "MUG-1")
    asked = []
    station.confirm = lambda title, text: asked.append(text) or False
    scan(qtbot, station.scan_edit, "BIN/MAIN/A-01")  # another bin: confirm dropping this count
    assert asked == ["Discard the count of A-02 and count A-01?"]
    assert station.sheet.bin_code == "A-02"
    station.confirm = lambda title, text: True
    click(qtbot, station.discard_button)
    assert station.sheet is None
    scan(qtbot, station.scan_edit, "NOPE-1")
    assert "no bin NOPE-1" in station.message_label.text()
    assert messages == []


def test_a_matching_count_posts_without_asking(qtbot, station, data, session_factory):
    scan(qtbot, station.scan_edit, "BIN/MAIN/A-01")
    station.quantity_spin.setValue(5)
    scan(qtbot, station.scan_edit, "MUG-1")
    station.quantity_spin.setValue(2)
    scan(qtbot, station.scan_edit, "CAP-1")
    station.confirm = lambda title, text: pytest.fail("nothing to confirm")
    click(qtbot, station.post_button)
    assert "A-01 matches" in station.message_label.text()
    assert levels(session_factory, data.shop.mug) == {"A-01": 5}


def test_count_model_passes_the_model_tester(qtbot, qtmodeltester, station):
    scan(qtbot, station.scan_edit, "BIN/MAIN/A-01")
    scan(qtbot, station.scan_edit, "MUG-1")
    qtmodeltester.check(station.model)


def test_fast_scans_on_real_threads_all_count(qtbot, data, session_factory):
    """Each scan builds on the sheet the previous one made, even when they arrive together."""
    threaded = Ops(session_factory)
    try:
        station = CountStation(threaded)
        qtbot.addWidget(station)
        station.show()
        station.scan("BIN/MAIN/A-01")
        for _ in range(5):
            station.scan("MUG-1")  # no waiting: a scanner is faster than a query
        station.scan("CAP-1")
        qtbot.waitUntil(
            lambda: station.sheet is not None and station.sheet.counted_units == 6, timeout=5000
        )
        assert sheet_lines(station) == {"CAP-1": (2, 1, -1), "MUG-1": (5, 5, 0)}
        station.confirm = lambda title, text: True
        with qtbot.waitSignal(threaded.changes_applied, timeout=5000):
            station.post()
        qtbot.waitUntil(lambda: station.sheet is None, timeout=5000)
        assert levels(session_factory, data.shop.cap) == {"A-01": 1}
    finally:
        threaded.shutdown()


def test_post_clicked_while_a_scan_runs_waits_for_it(
    qtbot, deferred_ops, data, session_factory, messages
):
    """The Post button takes its turn behind a scan still being counted, so the scan that the
    station reports as counted is in the sheet that is posted."""
    ops, work = deferred_ops
    panel = PurchasingPanel(ops)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    panel.show_tab(panel.count_tab)
    station = panel.count_tab
    work.run_all()
    station.confirm = lambda title, text: True
    station.scan("BIN/MAIN/A-01")
    work.run_all()
    for _ in range(5):
        station.scan(MUG_GTIN)
    station.scan("CAP-1")
    station.scan("CAP-1")
    click(qtbot, station.post_button)  # while the first mug is still being counted
    assert station.queue.busy and station.queue.waiting == 7
    work.run_all()
    assert station.sheet is None and "Scan the next bin" in station.message_label.text()
    assert levels(session_factory, data.shop.mug)["A-01"] == 5  # nothing lost: 5 of 5
    assert levels(session_factory, data.shop.cap)["A-01"] == 2
