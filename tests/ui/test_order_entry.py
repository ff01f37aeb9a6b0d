"""OrderEntryDialog: keyboard-only entry, scanning lines, validation on the field, cancel safety."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog

from app.database import count_rows
from app.orders.queries import find_order_by_number, get_order
from app.orders.rules import order_totals
from app.uow import unit_of_work
from tests.ui.test_orders_panel import OrdersShop, build_shop
from ui.orders import prompts
from ui.orders.entry_lines import DISCOUNT, PRICE, QTY
from ui.orders.order_entry import OrderEntryDialog
from ui.orders.orders_panel import OrdersPanel
from ui.orders.product_picker import PickedProduct


@pytest.fixture
def shop(session_factory) -> OrdersShop:
    return build_shop(session_factory, with_orders=False)


@pytest.fixture
def panel(qtbot, ops, shop) -> OrdersPanel:
    widget = OrdersPanel(ops)
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def dialog(qtbot, panel) -> OrderEntryDialog:
    entry = panel.open_entry_dialog()
    qtbot.waitExposed(entry)
    entry.activateWindow()
    qtbot.waitUntil(entry.isActiveWindow)
    return entry


def focused():
    return QApplication.focusWidget()


def type_and_tab(qtbot, text: str = "") -> None:
    """Type into whatever has focus (ASCII only in this build), then Tab to the next field."""
    widget = focused()
    if text:
        qtbot.keyClicks(widget, text)
    qtbot.keyClick(widget, Qt.Key.Key_Tab)


def scan(qtbot, dialog: OrderEntryDialog, code: str) -> None:
    assert focused() is dialog.scan_edit
    qtbot.keyClicks(dialog.scan_edit, code)
    qtbot.keyClick(dialog.scan_edit, Qt.Key.Key_Return)


def fill_customer(qtbot, dialog: OrderEntryDialog, postal_code: str = "94043") -> None:
    """Email → name → phone → delivery → (store is off) → company → address … → country."""
    e = dialog.edits
    assert focused() is e["email"]
    type_and_tab(qtbot, "zoe@example.com")
    assert focused() is e["name"]
    type_and_tab(qtbot, "Zoe Lukasiewicz")
    type_and_tab(qtbot, "+1 650 555 0100")
    assert focused() is dialog.method_combo
    type_and_tab(qtbot)
    assert focused() is e["company"]  # the store combo is off for shipped orders
    type_and_tab(qtbot)
    assert focused() is e["address1"]
    type_and_tab(qtbot, "1600 Amphitheatre Pkwy")
    type_and_tab(qtbot)
    assert focused() is e["city"]
    type_and_tab(qtbot, "Mountain View")
    type_and_tab(qtbot, "CA")
    assert focused() is e["postal_code"]
    type_and_tab(qtbot, postal_code)
    assert focused() is e["country"]
    type_and_tab(qtbot, "us")  # Tab selected the default; lower case becomes US
    assert e["country"].text() == "US"


def orders_in(session_factory) -> int:
    with unit_of_work(session_factory, write=False) as s:
        return count_rows(s)["orders"]


def test_keyboard_only_order_is_saved_confirmed_and_selected(
    qtbot, dialog, panel, session_factory, shop
):
    fill_customer(qtbot, dialog)
    assert focused() is dialog.scan_edit
    scan(qtbot, dialog, "MUG-1")
    scan(qtbot, dialog, "4006381333931")  # the mug's GTIN: one line, quantity 2
    lines = dialog.lines_model.lines()
    assert [(li.sku, li.quantity, li.unit_price_minor) for li in lines] == [("MUG-1", 2, 1200)]
    assert dialog.totals_labels["total_minor"].text() == "$24.00"
    assert focused() is dialog.scan_edit and dialog.isVisible()  # Enter did not save
    qtbot.keyClick(dialog.scan_edit, Qt.Key.Key_Tab)
    assert focused() is dialog.lines_view
    qtbot.keyClick(dialog.lines_view, Qt.Key.Key_Tab)
    assert focused() is dialog.edits["discount_minor"]
    type_and_tab(qtbot, "4")
    type_and_tab(qtbot, "5.50")
    assert focused() is dialog.edits["tax_minor"]
    type_and_tab(qtbot, "1.25")
    assert dialog.totals_labels["total_minor"].text() == "$26.75"
    assert focused() is dialog.payment_combo
    qtbot.keyClick(focused(), Qt.Key.Key_Down)  # Pending → Paid
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    assert focused() is dialog.notes_edit
    qtbot.keyClicks(dialog.notes_edit, "Gift wrap")

    qtbot.keyClick(dialog.notes_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)

    assert dialog.result() == QDialog.DialogCode.Accepted and not dialog.isVisible()
    saved = dialog.saved
    with unit_of_work(session_factory, write=False) as s:
        order = get_order(s, find_order_by_number(s, saved.number))
    assert (order.status, order.payment_status, order.email) == ("open", "paid", "zoe@example.com")
    assert [(li.sku, li.quantity, li.allocated) for li in order.lines] == [("MUG-1", 2, 2)]
    assert (order.discount_minor, order.shipping_minor, order.tax_minor) == (400, 550, 125)
    assert order.total_minor == 2675 and order.paid_minor == 2675
    assert order.ship_to.name == "Zoe Lukasiewicz" and order.ship_to.region == "CA"
    assert order.notes == "Gift wrap" and order.fulfil_location == "US-WH"
    assert panel.selected_ids() == [order.id]
    assert panel.detail.order is not None and panel.detail.order.id == order.id
    assert (
        panel.notice_label.text() == f"Created {saved.number} (open): reserved 2 unit(s) at US-WH"
    )


def test_bad_postal_code_keeps_the_dialog_open_and_writes_nothing(qtbot, dialog, session_factory):
    fill_customer(qtbot, dialog, postal_code="ABCDE")
    scan(qtbot, dialog, "MUG-1")
    qtbot.keyClick(dialog.scan_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    postal = dialog.edits["postal_code"]
    assert dialog.isVisible() and dialog.saved is None
    assert postal.property("invalid") is True and focused() is postal
    assert "postal code 'ABCDE' is not valid for US" in dialog.error_label.text()
    assert dialog.error_label.isVisibleTo(dialog)
    assert orders_in(session_factory) == 0
    # Fixing the field clears the mark; saving now works.
    postal.selectAll()
    qtbot.keyClicks(postal, "94043")
    assert not postal.property("invalid")
    dialog.save(confirm=True)
    assert orders_in(session_factory) == 1 and not dialog.isVisible()


def test_accented_names_and_missing_country_field(qtbot, dialog, session_factory):
    dialog.edits["name"].setText("Zoë Łukasiewicz")  # keyClicks cannot type non-ASCII here
    dialog.edits["address1"].setText("Unter den Linden 1")
    dialog.edits["city"].setText("Berlin")
    dialog.edits["postal_code"].setText("10117")
    dialog.edits["country"].setText("")
    dialog.scan_edit.setFocus()
    scan(qtbot, dialog, "CAP-1")
    dialog.save(confirm=False)
    assert focused() is dialog.edits["country"] and dialog.edits["country"].property("invalid")
    assert orders_in(session_factory) == 0
    dialog.edits["country"].setText("DE")
    dialog.save(confirm=False)
    with unit_of_work(session_factory, write=False) as s:
        order = get_order(s, dialog.saved.id)
    assert order.status == "draft" and order.ship_to.name == "Zoë Łukasiewicz"
    assert order.ship_to.country == "DE" and order.lines[0].allocated == 0


def test_unknown_code_opens_the_search(qtbot, dialog, shop, monkeypatch):
    asked = []

    def pick(parent, ops, text, title):
        asked.append(text)
        return PickedProduct(shop.cap, "CAP-1", "Wool Cap", 2500, 0)

    monkeypatch.setattr(prompts, "pick_product", pick)
    dialog.scan_edit.setFocus()
    scan(qtbot, dialog, "wool")
    assert asked == ["wool"]
    assert [li.sku for li in dialog.lines_model.lines()] == ["CAP-1"]
    assert focused() is dialog.scan_edit
    monkeypatch.setattr(prompts, "pick_product", lambda *args: None)  # the user backs out
    scan(qtbot, dialog, "nothing-like-it")
    assert len(dialog.lines_model.lines()) == 1


def test_lines_are_edited_and_deleted_by_keyboard(qtbot, dialog, shop, qtmodeltester):
    dialog.scan_edit.setFocus()
    scan(qtbot, dialog, "MUG-1")
    scan(qtbot, dialog, "CAP-1")
    model = dialog.lines_model
    assert model.setData(model.index(0, QTY), 3)
    assert model.setData(model.index(0, PRICE), "10.5")
    assert model.setData(model.index(1, DISCOUNT), "2.00")
    assert not model.setData(model.index(1, QTY), 0)
    assert not model.setData(model.index(1, PRICE), "1.234")  # USD has two decimals
    expected = order_totals([(3, 1050, 0), (1, 2500, 200)])["total_minor"]
    assert dialog.totals_labels["total_minor"].text() == f"${expected / 100:,.2f}"
    assert model.data(model.index(0, PRICE), Qt.ItemDataRole.EditRole) == "10.50"
    qtmodeltester.check(model)
    dialog.lines_view.setFocus()
    dialog.lines_view.selectRow(0)
    qtbot.keyClick(dialog.lines_view, Qt.Key.Key_Delete)
    assert [li.sku for li in model.lines()] == ["CAP-1"]


def test_escape_asks_before_discarding(qtbot, dialog, monkeypatch):
    answers = []

    def confirm(parent):
        answers.append(parent)
        return len(answers) > 1  # "Cancel" the first time, "Discard" the second

    monkeypatch.setattr(prompts, "confirm_discard", confirm)
    qtbot.keyClicks(dialog.edits["email"], "someone@example.com")
    qtbot.keyClick(dialog.edits["email"], Qt.Key.Key_Escape)
    assert dialog.isVisible() and len(answers) == 1
    qtbot.keyClick(dialog.edits["email"], Qt.Key.Key_Escape)
    assert not dialog.isVisible() and dialog.result() == QDialog.DialogCode.Rejected


def test_escape_on_an_empty_form_just_closes(qtbot, dialog, monkeypatch):
    monkeypatch.setattr(prompts, "confirm_discard", lambda parent: pytest.fail("asked"))
    qtbot.keyClick(dialog.edits["email"], Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_pickup_order_needs_no_address(qtbot, dialog, session_factory, shop):
    dialog.edits["email"].setText("walkin@example.com")
    dialog.edits["name"].setText("Walk In")
    dialog.edits["country"].clear()
    dialog.method_combo.setCurrentIndex(dialog.method_combo.findData("pickup"))
    assert dialog.store_combo.isEnabled() and dialog.store_combo.currentData() == shop.store
    assert dialog.store_combo.currentText() == "STORE — Shop"
    dialog.add_code("MUG-1")
    dialog.save(confirm=True)
    with unit_of_work(session_factory, write=False) as s:
        order = get_order(s, dialog.saved.id)
    assert (order.delivery_method, order.pickup_location, order.status) == (
        "pickup",
        "STORE",
        "open",
    )
    assert order.ship_to.name == "Walk In"


def test_bad_amount_and_no_lines_are_caught(qtbot, dialog, session_factory):
    dialog.edits["shipping_minor"].setText("five")
    assert dialog.edits["shipping_minor"].property("invalid")
    dialog.save(confirm=True)
    assert focused() is dialog.edits["shipping_minor"]
    assert "'five' is not an amount" in dialog.error_label.text()
    dialog.edits["shipping_minor"].clear()
    fill = {"name": "Ann Lee", "address1": "1 Main St", "city": "Austin", "region": "TX"}
    for key, value in fill.items():
        dialog.edits[key].setText(value)
    dialog.edits["postal_code"].setText("78701")
    dialog.save(confirm=True)
    assert "at least one line" in dialog.error_label.text() and focused() is dialog.scan_edit
    assert dialog.scan_edit.property("invalid") and orders_in(session_factory) == 0


def test_existing_customer_is_found_and_fills_the_form(qtbot, dialog, session_factory, shop):
    from db.models import Customer

    with unit_of_work(session_factory) as s:
        customer = Customer(
            name="Zoë Łukasiewicz",
            email="zoe.l@example.com",
            city="Kraków",
            address1="ul. Długa 5",
            postal_code="31-147",
            country="PL",
        )
        s.add(customer)
        s.flush()
        customer_id = customer.id
    lookup = dialog.lookups[0]
    lookup.set_delay(0)
    qtbot.keyClicks(dialog.edits["email"], "zoe.l")
    lookup.lookup_now()
    assert [m.id for m in lookup.matches()] == [customer_id]
    lookup.picked.emit(lookup.matches()[0])
    assert dialog.edits["name"].text() == "Zoë Łukasiewicz"
    assert dialog.edits["postal_code"].text() == "31-147"
    assert dialog.customer_id == customer_id
    assert focused() is dialog.scan_edit
    qtbot.keyClicks(dialog.edits["email"], "x")  # another address: no longer that customer
    assert dialog.customer_id is None
