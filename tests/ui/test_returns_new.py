"""New return dialog: find the order by scan or search, pick units and reasons, create the RMA."""

from __future__ import annotations

import pytest

from app.returns.queries import find_return
from app.uow import unit_of_work
from tests.ui.test_returns_fixtures import (
    build_shop,
    click,
    rma_for,
    rma_view,
    scan,
    shipped_order,
)
from ui.returns import printing
from ui.returns.new_return_dialog import NewReturnDialog
from ui.returns.returns_panel import ReturnsPanel


@pytest.fixture
def shop(session_factory):
    return build_shop(session_factory)


@pytest.fixture
def previews(monkeypatch):
    shown = []
    monkeypatch.setattr(
        printing, "preview_pdf", lambda parent, path, title: shown.append((path, title))
    )
    return shown


@pytest.fixture
def panel(qtbot, ops, tmp_path, previews):
    panel = ReturnsPanel(ops, exports_dir=tmp_path / "exports")
    qtbot.addWidget(panel)
    panel.resize(1280, 800)
    panel.show()
    return panel


def row(dialog: NewReturnDialog, sku: str):
    return next(r for r in dialog.rows if r.line.sku == sku)


def choose(dialog: NewReturnDialog, sku: str, quantity: int, reason: str, note: str = "") -> None:
    line = row(dialog, sku)
    line.spin.setValue(quantity)
    line.reason.setCurrentIndex(line.reason.findData(reason))
    if note:
        line.note.setText(note)


def test_create_a_return_by_scanning_the_packing_slip(
    qtbot, session_factory, shop, panel, previews, tmp_path
):
    shipped_order(session_factory, (shop.mug, 3), (shop.cap, 1))
    dialog = panel.open_new_return()
    assert dialog.isVisible() and not dialog.create_button.isEnabled()
    assert dialog.hint_label.text() == "Scan or find an order first."

    scan(qtbot, dialog.scan_edit, "so-000001")
    assert dialog.order is not None and dialog.order.number == "SO-000001"
    assert dialog.order_label.text() == "SO-000001 · Zoë Łukasiewicz · Shipped"
    assert dialog.scan_edit.scan_state == "ok"
    assert [(r.line.sku, r.line.returnable, r.spin.maximum()) for r in dialog.rows] == [
        ("MUG-1", 3, 3),
        ("CAP-1", 1, 1),
    ]
    assert dialog.hint_label.text() == "Choose how many units of which line come back."

    row(dialog, "MUG-1").spin.setValue(2)
    assert not dialog.create_button.isEnabled()
    assert dialog.hint_label.text() == "Line 1 MUG-1: choose a reason."
    assert row(dialog, "MUG-1").reason.property("invalid") is True
    choose(dialog, "MUG-1", 2, "damaged")
    assert dialog.create_button.isEnabled()
    assert dialog.hint_label.text() == "2 units to return."
    qtbot.keyClicks(dialog.notes_edit, "photos by mail")

    click(qtbot, dialog.create_button)
    assert dialog.saved is not None
    assert dialog.rma_label.text() == "RMA-000001"
    assert dialog.result.isVisibleTo(dialog) and not dialog.entry.isVisibleTo(dialog)
    assert dialog.result_label.text().startswith("2 units of SO-000001, authorized.")
    view = rma_view(session_factory, dialog.saved.id)
    assert (view.status, view.notes) == ("authorized", "photos by mail")
    assert [(x.sku, x.quantity, x.reason) for x in view.lines] == [("MUG-1", 2, "damaged")]

    # the panel shows the new RMA, and the slip prints from the dialog
    assert panel.selected_id == view.id
    assert panel.detail.heading_label.text() == "RMA-000001 · Authorized"
    assert panel.model.rowCount() == 1
    click(qtbot, dialog.print_button)
    assert previews == [(tmp_path / "exports" / "RMA-000001.pdf", "Return slip RMA-000001")]

    click(qtbot, dialog.another_button)
    assert dialog.order is None and dialog.rows == [] and dialog.entry.isVisibleTo(dialog)


def test_quantities_never_exceed_what_can_be_returned(qtbot, session_factory, shop, panel):
    order = shipped_order(session_factory, (shop.mug, 3), (shop.cap, 1))
    rma_for(session_factory, order, (0, 2, "damaged"), (1, 1, "wrong_item"))
    dialog = panel.open_new_return()
    scan(qtbot, dialog.scan_edit, "SO-000001")
    mug, cap = row(dialog, "MUG-1"), row(dialog, "CAP-1")
    assert (mug.line.shipped, mug.line.on_open_returns, mug.line.returnable) == (3, 2, 1)
    assert mug.spin.maximum() == 1
    mug.spin.setValue(99)
    assert mug.spin.value() == 1
    qtbot.keyClicks(mug.spin, "5")  # typing more is not accepted either
    assert mug.spin.value() <= 1
    assert not cap.spin.isEnabled() and cap.spin.maximum() == 0
    assert cap.spin.toolTip() == "Nothing left to return on this line"


def test_the_service_refusal_is_shown_when_units_went_elsewhere(
    qtbot, session_factory, shop, panel, messages
):
    order = shipped_order(session_factory, (shop.mug, 2))
    dialog = panel.open_new_return()
    scan(qtbot, dialog.scan_edit, "SO-000001")
    choose(dialog, "MUG-1", 2, "damaged")
    rma_for(session_factory, order, (0, 2, "wrong_item"))  # another clerk was faster

    click(qtbot, dialog.create_button)
    refusal = "Line 1 MUG-1: 2 shipped, 2 already on RMA-000001; nothing left to return."
    assert dialog.saved is None
    assert dialog.message_label.text() == refusal
    assert dialog.message_label.property("tone") == "error"
    mug = row(dialog, "MUG-1")
    assert (mug.spin.maximum(), mug.spin.value()) == (0, 0)  # new maxima, choices clamped
    assert mug.reason.currentData() == "damaged"
    assert messages == []  # shown in the dialog, not in a message box
    with unit_of_work(session_factory, write=False) as s:
        assert find_return(s, "RMA-000002") is None


def test_other_needs_a_note_and_requested_returns(qtbot, session_factory, shop, panel):
    shipped_order(session_factory, (shop.cap, 2))
    dialog = panel.open_new_return()
    scan(qtbot, dialog.scan_edit, "SO-000001")
    choose(dialog, "CAP-1", 1, "other")
    assert not dialog.create_button.isEnabled()
    assert dialog.hint_label.text() == "Line 1 CAP-1: say why in the note (reason Other)."
    qtbot.keyClicks(row(dialog, "CAP-1").note, "smells of smoke")
    assert dialog.create_button.isEnabled()
    dialog.authorize_check.setChecked(False)
    click(qtbot, dialog.create_button)
    view = rma_view(session_factory, dialog.saved.id)
    assert view.status == "requested"
    assert [(x.reason, x.reason_note) for x in view.lines] == [("other", "smells of smoke")]


def test_search_by_customer_lists_matching_shipped_orders(qtbot, session_factory, shop, panel):
    shipped_order(session_factory, (shop.mug, 1))
    shipped_order(session_factory, (shop.cap, 1))
    shipped_order(session_factory, (shop.cap, 1), ship=False)  # not returnable: not listed
    shipped_order(session_factory, (shop.mug, 1), email="sam@example.com")
    dialog = panel.open_new_return()

    scan(qtbot, dialog.scan_edit, "zoe@example.com")
    assert dialog.matches_list.isVisibleTo(dialog)
    items = [dialog.matches_list.item(i).text() for i in range(dialog.matches_list.count())]
    assert [text.split(" · ")[0] for text in items] == ["SO-000002", "SO-000001"]
    assert dialog.message_label.text() == "2 orders match: choose one."
    item = dialog.matches_list.item(1)
    dialog.matches_list.itemClicked.emit(item)
    assert dialog.order.number == "SO-000001" and not dialog.matches_list.isVisibleTo(dialog)

    scan(qtbot, dialog.scan_edit, "sam@example")  # one match opens at once
    assert dialog.order.number == "SO-000004"


def test_unknown_or_unreturnable_orders_are_refused(qtbot, session_factory, shop, panel):
    shipped_order(session_factory, (shop.mug, 1), ship=False)
    dialog = panel.open_new_return()
    scan(qtbot, dialog.scan_edit, "SO-000099")
    assert dialog.message_label.text() == "No order SO-000099."
    assert dialog.scan_edit.scan_state == "error"
    scan(qtbot, dialog.scan_edit, "RMA-000001")
    assert (
        dialog.message_label.text() == "RMA-000001 is not an order: scan the packing slip (SO-…)."
    )
    scan(qtbot, dialog.scan_edit, "SO-000001")
    assert dialog.message_label.text() == (
        "SO-000001 is open: only shipped or delivered orders can be returned."
    )
    assert not row(dialog, "MUG-1").spin.isEnabled()
    scan(qtbot, dialog.scan_edit, "nobody here")
    assert dialog.message_label.text() == (
        "No shipped order matches that; try the order number or email."
    )


def test_enter_in_a_spin_box_does_not_create_the_return(qtbot, session_factory, shop, panel):
    shipped_order(session_factory, (shop.mug, 2))
    dialog = panel.open_new_return()
    scan(qtbot, dialog.scan_edit, "SO-000001")
    choose(dialog, "MUG-1", 1, "damaged")
    mug = row(dialog, "MUG-1").spin
    mug.setFocus()
    qtbot.keyClick(mug, "\r")
    assert dialog.saved is None and dialog.isVisible()
