"""Purchasing panel: suppliers and purchase orders through the dialogs, against a real database."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from app.purchasing.suppliers import list_suppliers
from app.uow import unit_of_work
from tests.ui.test_purchasing_fixtures import (
    MUG_GTIN,
    build_data,
    click,
    ordered_po,
    po_lines,
    po_status,
    scan,
)
from ui.navigation import PANELS
from ui.purchasing.common import format_money, parse_money
from ui.purchasing.purchasing_panel import PurchasingPanel
from ui.widgets.list_table import ListTableModel


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
    return widget


def suppliers(session_factory):
    with unit_of_work(session_factory, write=False) as s:
        return {x.name: x for x in list_suppliers(s)}


def test_the_navigation_builds_the_purchasing_panel(ops):
    spec = next(p for p in PANELS if p.key == "purchasing")
    assert spec.build.__name__ == "_purchasing"


def test_create_and_edit_a_supplier_through_the_dialog(qtbot, panel, session_factory, messages):
    tab = panel.suppliers_tab
    panel.show_tab(tab)
    assert [s.name for s in tab.model.rows()] == ["Acme Enamel"]

    click(qtbot, tab.add_button)
    dialog = tab.dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.keyClicks(dialog.name_edit, "Nordic Wool")
    qtbot.keyClicks(dialog.email_edit, "not-an-address")
    dialog.lead_spin.setValue(12)
    dialog.currency_edit.setText("eur")
    click(qtbot, dialog.save_button)
    assert dialog.isVisible()  # refused: the message is on the dialog
    assert "e-mail" in dialog.error_label.text()
    assert "Nordic Wool" not in suppliers(session_factory)

    dialog.email_edit.setText("orders@nordic.test")
    click(qtbot, dialog.save_button)
    assert not dialog.isVisible()
    assert dialog.result() == QDialog.DialogCode.Accepted
    stored = suppliers(session_factory)["Nordic Wool"]
    assert (stored.email, stored.lead_time_days, stored.currency) == (
        "orders@nordic.test",
        12,
        "EUR",
    )
    assert [s.name for s in tab.model.rows()] == ["Acme Enamel", "Nordic Wool"]

    tab.table.selectRow(1)
    click(qtbot, tab.edit_button)
    dialog = tab.dialog
    assert dialog.name_edit.text() == "Nordic Wool"
    dialog.lead_spin.setValue(20)
    click(qtbot, dialog.save_button)
    assert suppliers(session_factory)["Nordic Wool"].lead_time_days == 20
    assert messages == []


def test_new_po_by_scanning_then_mark_ordered(qtbot, panel, data, session_factory, messages):
    tab = panel.orders_tab
    click(qtbot, tab.new_button)
    dialog = tab.dialog
    assert dialog is not None and dialog.isVisible()
    dialog.select_supplier(data.acme)
    dialog.select_location(data.shop.main)
    assert not dialog.create_button.isEnabled()  # no lines yet

    entry = dialog.entry
    entry.quantity_spin.setValue(6)
    scan(qtbot, entry.scan_edit, MUG_GTIN)
    scan(qtbot, entry.scan_edit, "mug-1")  # the same product again: one more on its line
    entry.cost_edit.setText("1.25")
    scan(qtbot, entry.scan_edit, "CAP-1")
    scan(qtbot, entry.scan_edit, "NOPE-404")
    assert "unknown barcode 'NOPE-404'" in dialog.message_label.text()
    assert entry.scan_edit.scan_state == "error"
    lines = {x.sku: (x.quantity, x.unit_cost_minor) for x in dialog.lines()}
    assert lines == {"MUG-1": (7, 250), "CAP-1": (1, 125)}

    # Quantities can be typed into the table before creating.
    assert dialog.model.setData(dialog.model.index(1, 2), 3)
    assert dialog.total_label.text() == "2 line(s), 10 unit(s), $21.25"
    click(qtbot, dialog.create_button)
    assert not dialog.isVisible()

    detail = tab.detail
    assert detail is not None and detail.status == "draft"
    assert {x.sku: (x.ordered, x.unit_cost_minor) for x in detail.lines} == {
        "MUG-1": (7, 250),
        "CAP-1": (3, 125),
    }
    assert tab.heading_label.text().startswith(f"{detail.number} · Acme Enamel · Draft")
    assert tab.list_model.row_of_id(detail.id) is not None
    assert tab.mark_button.isEnabled() and not tab.receive_button.isEnabled()

    click(qtbot, tab.mark_button)
    assert po_status(session_factory, detail.id) == "ordered"
    assert tab.detail.status == "ordered"
    assert not tab.add_row.isVisible()
    assert tab.receive_button.isEnabled()
    assert messages == []


def test_draft_lines_are_edited_in_place_and_a_po_cancelled(
    qtbot, panel, data, session_factory, messages
):
    tab = panel.orders_tab
    click(qtbot, tab.new_button)
    dialog = tab.dialog
    dialog.select_supplier(data.acme)
    scan(qtbot, dialog.entry.scan_edit, "MUG-1")
    click(qtbot, dialog.create_button)
    po_id = tab.detail.id

    tab.add_quantity.setValue(5)
    scan(qtbot, tab.add_edit, "CAP-1")
    assert po_lines(session_factory, po_id) == {"MUG-1": (1, 0), "CAP-1": (5, 0)}
    scan(qtbot, tab.add_edit, "CAP-1")  # already on the PO: refused with the reason
    assert "already on" in tab.message_label.text()

    model = tab.lines_model
    assert model.flags(model.index(0, 3)) & Qt.ItemFlag.ItemIsEditable
    assert model.setData(model.index(0, 3), 12)  # MUG-1 ordered
    assert model.setData(model.index(0, 6), "3.10")  # MUG-1 unit cost
    assert {x.sku: (x.ordered, x.unit_cost_minor) for x in tab.detail.lines} == {
        "MUG-1": (12, 310),
        "CAP-1": (5, 0),
    }

    tab.lines_view.selectRow(1)
    click(qtbot, tab.remove_button)
    assert po_lines(session_factory, po_id) == {"MUG-1": (12, 0)}

    asked = []
    tab.confirm = lambda title, text: asked.append(text) or False
    click(qtbot, tab.cancel_button)
    assert po_status(session_factory, po_id) == "draft"
    tab.confirm = lambda title, text: True
    click(qtbot, tab.cancel_button)
    assert po_status(session_factory, po_id) == "cancelled"
    assert asked and "Cancel PO-" in asked[0]
    assert not tab.cancel_button.isEnabled()
    assert not model.flags(model.index(0, 3)) & Qt.ItemFlag.ItemIsEditable
    assert messages == []


def test_status_filter_and_receive_button_open_the_station(qtbot, panel, data, session_factory):
    po_id, number = ordered_po(session_factory, data)
    tab = panel.orders_tab
    tab.refresh()
    tab.set_status_filter("Received")
    assert tab.list_model.rows() == []
    tab.set_status_filter("Ordered")
    assert [po.number for po in tab.list_model.rows()] == [number]
    tab.list_view.selectRow(0)
    assert tab.detail.id == po_id
    click(qtbot, tab.receive_button)
    assert panel.tabs.currentWidget() is panel.receiving_tab
    assert panel.receiving_tab.detail.number == number


def test_money_text_round_trips():
    assert format_money(123456, "USD") == "$1,234.56"
    assert format_money(1200, "JPY") == "¥1,200"
    assert format_money(1299, "CHF") == "12.99 CHF"
    assert parse_money("$12.5", "USD") == 1250
    assert parse_money("12,50", "EUR") == 1250
    assert parse_money(" ", "USD") is None
    with pytest.raises(ValueError):
        parse_money("1.234", "USD")
    with pytest.raises(ValueError):
        parse_money("abc", "USD")


def test_line_models_pass_the_model_tester(qtmodeltester, panel, data, session_factory):
    ordered_po(session_factory, data)
    panel.orders_tab.refresh()
    panel.orders_tab.list_view.selectRow(0)
    model: ListTableModel = panel.orders_tab.lines_model
    assert model.rowCount() == 2
    qtmodeltester.check(model)
    qtmodeltester.check(panel.orders_tab.list_model)
