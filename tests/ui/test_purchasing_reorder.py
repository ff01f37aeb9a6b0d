"""Reorder tab: low stock, supplier groups with tick boxes, and draft POs made from them."""

from __future__ import annotations

import pytest

from app.inventory.dto import ProductInput
from app.inventory.products import update_product
from app.purchasing.orders import list_purchase_orders
from app.uow import unit_of_work
from tests.app.inventory_fixtures import ACTOR, stock
from tests.ui.test_purchasing_fixtures import MUG_GTIN, build_data, click, po_lines
from ui.purchasing.purchasing_panel import PurchasingPanel


@pytest.fixture
def data(session_factory):
    data = build_data(session_factory)
    with unit_of_work(session_factory) as s:
        update_product(
            s,
            data.shop.mug,
            ProductInput(
                sku="MUG-1",
                name="Enamel Camp Mug 350 ml",
                gtin=MUG_GTIN,
                cost_minor=250,
                supplier_id=data.acme,
                reorder_point=5,
                reorder_quantity=20,
            ),
            actor=ACTOR,
        )
        update_product(
            s,
            data.tee,
            ProductInput(sku="TEE-1", name="Organic T-shirt", reorder_point=3, reorder_quantity=6),
            actor=ACTOR,
        )
    stock(session_factory, data.shop.mug, data.shop.a1, 2)
    return data


@pytest.fixture
def panel(qtbot, ops, data) -> PurchasingPanel:
    widget = PurchasingPanel(ops)
    qtbot.addWidget(widget)
    widget.resize(1280, 800)
    widget.show()
    qtbot.waitExposed(widget)
    widget.show_tab(widget.reorder_tab)
    return widget


def purchase_orders(session_factory):
    with unit_of_work(session_factory, write=False) as s:
        return list_purchase_orders(s)


def test_low_stock_and_groups_are_shown(panel):
    tab = panel.reorder_tab
    assert [(r.sku, r.available, r.below_point_by) for r in tab.low_model.rows()] == [
        ("MUG-1", 2, 3),
        ("TEE-1", 0, 3),
    ]
    assert "2 product(s)" in tab.low_title.text()
    assert [g.suggestion.supplier_name for g in tab.groups] == ["Acme Enamel", "No supplier"]
    acme, nobody = tab.groups
    assert acme.checked and not nobody.checked and not nobody.check.isEnabled()
    assert [(r.sku, r.suggested_quantity) for r in acme.model.rows()] == [("MUG-1", 20)]
    assert "lead time 5 d · 1 product(s) · 20 unit(s) · $50.00" in acme.summary_label.text()
    assert "cannot be ordered" in nobody.summary_label.text()
    assert tab.create_button.isEnabled()


def test_create_draft_pos_for_ticked_suppliers(qtbot, panel, data, session_factory, messages):
    tab = panel.reorder_tab
    acme = tab.group("Acme Enamel")
    assert acme.model.setData(acme.model.index(0, acme.model.column_of("suggested")), 12)
    assert "12 unit(s)" in tab.summary_label.text()
    tab.location_combo.setCurrentIndex(tab.location_combo.findData(data.shop.main))
    click(qtbot, tab.create_button)

    orders = purchase_orders(session_factory)
    assert [(po.supplier_name, po.status, po.location_code) for po in orders] == [
        ("Acme Enamel", "draft", "MAIN")
    ]
    assert po_lines(session_factory, orders[0].id) == {"MUG-1": (12, 0)}
    # The panel shows the new draft at once.
    assert panel.tabs.currentWidget() is panel.orders_tab
    assert panel.orders_tab.status_combo.currentText() == "Draft"
    assert panel.orders_tab.detail.id == orders[0].id
    assert messages == []

    panel.show_tab(tab)  # the suggestion now shows the draft
    assert [r.on_draft for r in tab.group("Acme Enamel").model.rows()] == [12]


def test_unticked_suppliers_are_skipped_and_stay_unticked(qtbot, panel, session_factory):
    tab = panel.reorder_tab
    tab.group("Acme Enamel").check.setChecked(False)
    assert not tab.create_button.isEnabled()
    tab.cover_spin.setValue(10)
    tab.recalculate()
    assert not tab.group("Acme Enamel").check.isChecked()
    assert "cover 10 days" in tab.suggestions_title.text()
    assert purchase_orders(session_factory) == []


def test_window_and_cover_days_drive_the_suggestions(qtbot, panel, data, session_factory):
    tab = panel.reorder_tab
    tab.window_spin.setValue(7)
    qtbot.waitUntil(lambda: "over 7 days" in tab.suggestions_title.text(), timeout=2000)
