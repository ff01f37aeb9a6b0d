"""Picking panel: batch ready orders into a pick list, then pick it by scanning bins and items."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt

import ui.shipping.printing as printing
from app.inventory.dto import ProductInput
from app.inventory.ledger import receive_stock
from app.inventory.locations import create_bin, create_location
from app.inventory.products import create_product, set_default_bin
from app.orders.address import Address
from app.orders.dto import LineInput, OrderInput
from app.orders.queries import get_order
from app.orders.services import create_order, hold_order
from app.picking.services import create_pick_list, get_pick_list
from app.uow import unit_of_work
from ui.packing.feedback import SoundPlayer
from ui.picking import prompts
from ui.picking.picking_panel import LISTS, PickingPanel
from ui.shipping.printing import PrintOutcome

ACTOR = "picker"
ADDRESS = Address("Ann Example", "1 Main St", "Austin", "73301", "US", "TX")


@pytest.fixture
def shop(session_factory):
    with unit_of_work(session_factory) as s:
        main = create_location(s, code="MAIN", name="Main", actor=ACTOR).id
        near = create_bin(s, location_id=main, code="A-01", walk_sequence=10, actor=ACTOR).id
        far = create_bin(s, location_id=main, code="C-09", walk_sequence=90, actor=ACTOR).id
        mug = create_product(
            s, ProductInput(sku="MUG-1", name="Mug", gtin="4006381333931"), actor=ACTOR
        ).id
        cap = create_product(s, ProductInput(sku="CAP-1", name="Cap"), actor=ACTOR).id
        receive_stock(s, product_id=mug, bin_id=far, quantity=10, actor=ACTOR)
        receive_stock(s, product_id=cap, bin_id=near, quantity=10, actor=ACTOR)
        set_default_bin(s, mug, main, far, actor=ACTOR)
    return {"mug": mug, "cap": cap, "near": near, "far": far}


def new_order(session_factory, *lines) -> int:
    with unit_of_work(session_factory) as s:
        return create_order(
            s,
            OrderInput(tuple(LineInput(product_id=p, quantity=q) for p, q in lines), ADDRESS),
            actor=ACTOR,
        ).id


@pytest.fixture
def panel(qtbot, ops):
    widget = PickingPanel(ops, sounds=SoundPlayer(enabled=False))
    qtbot.addWidget(widget)
    widget.resize(1100, 760)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def scan(qtbot, panel: PickingPanel, code: str) -> str:
    field = panel.pane.scan_field
    qtbot.keyClicks(field, code)
    qtbot.keyClick(field, Qt.Key.Key_Return)
    return panel.pane.banner.text()


def select_rows(table, rows: list[int]) -> None:
    model = table.model()
    selection = table.selectionModel()
    selection.clearSelection()
    for row in rows:
        selection.select(
            model.index(row, 0),
            QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
        )


def test_create_pick_list_from_ready_orders(qtbot, panel, session_factory, shop):
    first = new_order(session_factory, (shop["mug"], 2), (shop["cap"], 1))
    second = new_order(session_factory, (shop["cap"], 1))
    held = new_order(session_factory, (shop["cap"], 1))
    with unit_of_work(session_factory) as s:
        hold_order(s, held, reason="fraud check", actor=ACTOR)
    panel.refresh()
    tab = panel.ready_tab
    assert [tab.model.row_at(r).number for r in range(tab.model.rowCount())] == [
        "SO-000001",
        "SO-000002",
    ]  # held orders are not ready; oldest first
    select_rows(tab.table, [0, 1])
    assert tab.create_button.text() == "Create pick list (2 orders)"
    qtbot.mouseClick(tab.create_button, Qt.MouseButton.LeftButton)
    assert tab.result_label.text() == "Created PL-000001 for 2 order(s)."
    assert panel.tabs.currentIndex() == LISTS
    assert panel.pane.pick_list.number == "PL-000001"
    assert panel.lists_model.rowCount() == 1
    with unit_of_work(session_factory, write=False) as s:
        assert get_order(s, first).status == "picking"
        assert get_order(s, second).status == "picking"


def test_skipped_orders_are_explained(qtbot, panel, session_factory, shop):
    ok = new_order(session_factory, (shop["cap"], 1))
    late = new_order(session_factory, (shop["cap"], 1))
    panel.refresh()
    tab = panel.ready_tab
    select_rows(tab.table, [0, 1])
    with unit_of_work(session_factory) as s:
        create_pick_list(s, [late], actor=ACTOR)  # someone else was quicker
    qtbot.mouseClick(tab.create_button, Qt.MouseButton.LeftButton)
    assert tab.result_label.text() == (
        "Created PL-000002 for 1 order(s). Skipped 1: SO-000002: already on pick list PL-000001"
    )
    assert tab.result_label.property("tone") == "warning"
    assert ok


def test_pick_by_scanning_bins_then_items(qtbot, panel, session_factory, shop, monkeypatch):
    order_id = new_order(session_factory, (shop["mug"], 2), (shop["cap"], 1))
    with unit_of_work(session_factory) as s:
        pick_list_id = create_pick_list(s, [order_id], actor=ACTOR).id
    panel.tabs.setCurrentIndex(LISTS)
    assert scan(qtbot, panel, "PL-000001").startswith("PL-000001: scan the first bin label (A-01)")
    pane = panel.pane
    assert [(li.bin_code, li.sku) for li in pane.lines_model.rows()] == [
        ("A-01", "CAP-1"),
        ("C-09", "MUG-1"),
    ]
    assert scan(qtbot, panel, "BIN/MAIN/A-01") == "Bin A-01: pick CAP-1 ×1"
    assert pane.bin_chip.text() == "Bin A-01"
    refused = scan(qtbot, panel, "MUG-1")  # the mug is listed in C-09, not here
    assert refused == "MUG-1 is not listed in that bin; scan the bin the list shows"
    assert pane.banner.tone == "error"
    assert scan(qtbot, panel, "CAP-1").startswith("CAP-1 → SLOT 1")
    assert scan(qtbot, panel, "BIN/OTHER/C-09") == "bin C-09 is at OTHER; this list picks at MAIN"
    scan(qtbot, panel, "BIN/MAIN/C-09")
    scan(qtbot, panel, "4006381333931")
    done = scan(qtbot, panel, "MUG-1")
    assert done == "MUG-1 → slot 1. All picked — scan DONE to complete the list"
    assert pane.banner.tone == "ok"
    assert scan(qtbot, panel, "MUG-1") == "all listed units of MUG-1 are already picked"
    assert scan(qtbot, panel, "CMD-DONE") == "Completed PL-000001"
    with unit_of_work(session_factory, write=False) as s:
        view = get_pick_list(s, pick_list_id)
        assert view.status == "completed"
        assert [(li.sku, li.picked) for li in view.lines] == [("CAP-1", 1), ("MUG-1", 2)]
    assert pane.title_label.text() == "PL-000001 · Completed"


def test_undo_takes_back_the_last_pick(qtbot, panel, session_factory, shop):
    order_id = new_order(session_factory, (shop["mug"], 2), (shop["cap"], 1))
    with unit_of_work(session_factory) as s:
        pick_list_id = create_pick_list(s, [order_id], actor=ACTOR).id
    panel.tabs.setCurrentIndex(LISTS)
    scan(qtbot, panel, "PL-000001")
    pane = panel.pane
    assert not pane.undo_button.isEnabled()
    scan(qtbot, panel, "CAP-1")
    scan(qtbot, panel, "MUG-1")
    assert pane.undo_button.isEnabled()
    assert scan(qtbot, panel, "CMD-UNDO") == "taken back: MUG-1 now 0/2 for slot 1 — put it back"
    assert pane.banner.tone == "warning"
    assert pane.remaining_label.text().endswith("2 unit(s) to pick")
    qtbot.mouseClick(pane.undo_button, Qt.MouseButton.LeftButton)
    assert pane.banner.text() == "taken back: CAP-1 now 0/1 for slot 1 — put it back"
    assert not pane.undo_button.isEnabled()
    assert scan(qtbot, panel, "CMD-UNDO") == "nothing picked here to take back"
    with unit_of_work(session_factory, write=False) as s:
        view = get_pick_list(s, pick_list_id)
        assert [(li.sku, li.picked) for li in view.lines] == [("CAP-1", 0), ("MUG-1", 0)]
    assert scan(qtbot, panel, "MUG-1").startswith("MUG-1 → SLOT 1   (1/2")


def test_scans_before_a_pick_list_and_foreign_codes(qtbot, panel, session_factory, shop):
    panel.tabs.setCurrentIndex(LISTS)
    assert scan(qtbot, panel, "MUG-1") == "scan a pick list (PL-…) first"
    assert scan(qtbot, panel, "PL-000009") == "pick list PL-000009 does not exist"
    order_id = new_order(session_factory, (shop["cap"], 1))
    with unit_of_work(session_factory) as s:
        create_pick_list(s, [order_id], actor=ACTOR)
    scan(qtbot, panel, "PL-000001")
    assert scan(qtbot, panel, "SO-000001") == "order codes are not used when picking"
    assert scan(qtbot, panel, "CMD-UNDO") == "nothing picked here to take back"
    assert scan(qtbot, panel, "CMD-NEXT") == "NEXT is not used when picking"
    assert scan(qtbot, panel, "BIN/MAIN/Z-99") == "no such bin at this location"


def test_short_and_cancel(qtbot, panel, session_factory, shop, monkeypatch):
    order_id = new_order(session_factory, (shop["mug"], 3))
    with unit_of_work(session_factory) as s:
        create_pick_list(s, [order_id], actor=ACTOR)
    panel.tabs.setCurrentIndex(LISTS)
    scan(qtbot, panel, "PL-000001")
    pane = panel.pane
    scan(qtbot, panel, "MUG-1")
    pane.lines_view.selectRow(0)
    monkeypatch.setattr(prompts, "ask_short_quantity", lambda parent, line: 2)
    qtbot.mouseClick(pane.short_button, Qt.MouseButton.LeftButton)
    assert pane.banner.text() == "short pick: MUG-1 × 2 missing in bin C-09; order held"
    assert pane.lines_model.row_at(0).short == 2
    with unit_of_work(session_factory, write=False) as s:
        assert get_order(s, order_id).on_hold

    monkeypatch.setattr(prompts, "confirm", lambda parent, title, text: True)
    qtbot.mouseClick(pane.cancel_button, Qt.MouseButton.LeftButton)
    assert pane.banner.text() == "Cancelled PL-000001"
    assert not pane.complete_button.isEnabled()
    with unit_of_work(session_factory, write=False) as s:
        assert get_order(s, order_id).status == "open"


def test_print_pick_list(qtbot, panel, session_factory, shop, monkeypatch):
    jobs: list[tuple[str, Path]] = []
    monkeypatch.setattr(
        printing,
        "send_to_printer",
        lambda parent, path, kind, settings, choose=False: (
            jobs.append((kind, Path(path))) or PrintOutcome(True, "sent")
        ),
    )
    order_id = new_order(session_factory, (shop["cap"], 1))
    with unit_of_work(session_factory) as s:
        pick_list_id = create_pick_list(s, [order_id], actor=ACTOR).id
    panel.open_pick_list(pick_list_id)
    scan(qtbot, panel, "CMD-PRINT")
    assert [(kind, path.name) for kind, path in jobs] == [("pick_list", "pick-list-PL-000001.pdf")]
    assert jobs[0][1].read_bytes().startswith(b"%PDF")
    assert panel.pane.print_status.text() == "sent"


def test_models_pass_the_tester(qtbot, qtmodeltester, panel, session_factory, shop):
    new_order(session_factory, (shop["cap"], 1))
    order_id = new_order(session_factory, (shop["mug"], 1))
    with unit_of_work(session_factory) as s:
        pick_list_id = create_pick_list(s, [order_id], actor=ACTOR).id
    panel.refresh()
    qtmodeltester.check(panel.ready_tab.model)
    panel.open_pick_list(pick_list_id)
    qtmodeltester.check(panel.lists_model)
    qtmodeltester.check(panel.pane.lines_model)
