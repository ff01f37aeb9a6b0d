"""Inventory dialogs driven like a person would: product form, stock moves, locations, CSV."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog

from app.inventory.locations import list_bins, list_locations
from app.inventory.products import find_product_by_code
from app.inventory.queries import count_products
from app.uow import unit_of_work
from tests.ui.test_inventory_panel import bin_level, build_shop, product, skus
from ui.inventory import prompts
from ui.inventory.bin_picker import BinPicker
from ui.inventory.csv_transfer import ImportDialog
from ui.inventory.formatting import parse_money
from ui.inventory.inventory_panel import InventoryPanel
from ui.inventory.stock_dialogs import TransferDialog


@pytest.fixture
def shop(session_factory):
    return build_shop(session_factory)


@pytest.fixture
def panel(qtbot, ops, shop) -> InventoryPanel:
    widget = InventoryPanel(ops)
    qtbot.addWidget(widget)
    widget.set_search_delay(0)
    widget.resize(1280, 800)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def find(session_factory, code: str):
    with unit_of_work(session_factory, write=False) as session:
        return find_product_by_code(session, code)


def products_count(session_factory) -> int:
    with unit_of_work(session_factory, write=False) as session:
        return count_products(session, include_archived=True)


# -- product dialog --------------------------------------------------------------------------


def test_create_a_product_by_typing(panel, shop, session_factory, qtbot):
    dialog = panel.new_product()
    assert dialog.isVisible() and dialog.price_currency.text() == "USD"
    QTest.keyClicks(dialog.sku_edit, "TEA-1")
    dialog.name_edit.setText("Tée Towel Løvely")  # keyClicks stops at non-ASCII in this Qt
    QTest.keyClicks(dialog.gtin_edit, "4006381333931"[:-1])
    assert "12 digits" not in dialog.field_errors["gtin"].text()  # UPC-A length: a real check
    dialog.gtin_edit.clear()
    QTest.keyClicks(dialog.gtin_edit, "96385074")  # a valid EAN-8
    assert dialog.field_errors["gtin"].text() == "EAN-8 ✓"
    dialog.weight_spin.clear()
    QTest.keyClicks(dialog.weight_spin, "250")
    QTest.keyClicks(dialog.price_edit, "12.5")
    QTest.keyClicks(dialog.cost_edit, "4,25")
    dialog.reorder_point_spin.setValue(3)
    QTest.keyClicks(dialog.code_edit, "SUPPLIER-77")
    QTest.keyClick(dialog.code_edit, Qt.Key.Key_Return)  # adds the code, does not save
    assert dialog.isVisible() and dialog.codes() == ["SUPPLIER-77"]
    combo = dialog.bin_combos[shop.locations["HAM"]]
    combo.setCurrentIndex(combo.findText("A-02"))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    assert dialog.result() == QDialog.DialogCode.Accepted
    created = product(session_factory, find(session_factory, "TEA-1").id)
    assert created.name == "Tée Towel Løvely"
    assert (created.gtin, created.weight_g) == ("96385074", 250)
    assert (created.price_minor, created.cost_minor, created.reorder_point) == (1250, 425, 3)
    assert created.scan_codes == ("SUPPLIER-77",)
    assert [(d.location_code, d.bin_code) for d in created.default_bins] == [("HAM", "A-02")]
    assert find(session_factory, "SUPPLIER-77").sku == "TEA-1"
    assert "TEA-1" in skus(panel)  # the table refreshed
    assert panel.detail_pane.detail.sku == "TEA-1"  # and shows the new product
    assert panel.note_label.text() == "Created TEA-1"


def test_bad_gtin_names_the_expected_digit_and_saves_nothing(panel, session_factory):
    before = products_count(session_factory)
    dialog = panel.new_product()
    QTest.keyClicks(dialog.sku_edit, "BAD-1")
    QTest.keyClicks(dialog.name_edit, "Bad code")
    QTest.keyClicks(dialog.gtin_edit, "4006381333932")
    message = dialog.field_errors["gtin"]
    assert message.isVisibleTo(dialog)
    assert "expected 1" in message.text() and "4006381333931" in message.text()
    assert message.palette().color(message.foregroundRole()).red() > 150  # shown in red
    dialog.save_button.click()
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert products_count(session_factory) == before
    assert find(session_factory, "BAD-1") is None


def test_service_refusals_show_by_their_field_and_write_nothing(panel, session_factory):
    before = products_count(session_factory)
    dialog = panel.new_product()
    QTest.keyClicks(dialog.sku_edit, "HAS SPACE")
    QTest.keyClicks(dialog.name_edit, "Spaced out")
    dialog.save_button.click()
    assert dialog.isVisible()
    assert "without spaces" in dialog.field_errors["sku"].text()
    assert dialog.sku_edit.property("invalid") is True

    dialog.sku_edit.setText("MUG-1")  # taken: a conflict, shown above the buttons
    dialog.save_button.click()
    assert "already used" in dialog.error_label.text()

    dialog.sku_edit.setText("NEW-9")
    dialog.price_edit.setText("12.345")
    dialog.save_button.click()
    assert "2 decimal places" in dialog.field_errors["price_minor"].text()

    dialog.price_edit.setText("3")
    dialog.code_edit.setText("4006381333931")  # MUG-1's GTIN: the whole save rolls back
    dialog.save_button.click()
    assert "already scans to product MUG-1" in dialog.error_label.text()
    assert products_count(session_factory) == before
    assert find(session_factory, "NEW-9") is None


def test_edit_a_product_and_its_codes(panel, shop, session_factory):
    panel.select_product(shop.products["MUG-1"])
    dialog = panel.edit_product()
    assert dialog.sku_edit.text() == "MUG-1" and dialog.price_edit.text() == "12.50"
    dialog.codes_list.addItem("OLD-CODE")
    dialog.save_button.click()
    assert find(session_factory, "OLD-CODE").sku == "MUG-1"

    dialog = panel.edit_product()
    assert dialog.codes() == ["OLD-CODE"]
    dialog.codes_list.setCurrentRow(0)
    dialog.remove_code_button.click()
    dialog.name_edit.setText("Enamel Camp Mug XL")
    dialog.price_edit.setText("14")
    dialog.save_button.click()
    edited = product(session_factory, shop.products["MUG-1"])
    assert (edited.name, edited.price_minor, edited.scan_codes) == ("Enamel Camp Mug XL", 1400, ())
    assert panel.detail_pane.detail.name == "Enamel Camp Mug XL"


def test_parse_money_follows_the_currency():
    assert parse_money("12.5", "USD", field="price") == 1250
    assert parse_money("1200", "JPY", field="price") == 1200
    assert parse_money("", "EUR", field="price") == 0
    with pytest.raises(Exception, match="0 decimal places"):
        parse_money("12.5", "JPY", field="price")
    with pytest.raises(Exception, match="amount such as"):
        parse_money("12,000.00", "USD", field="price")


# -- stock dialogs ---------------------------------------------------------------------------


def test_receive_by_scanning_a_bin_label(panel, shop, session_factory):
    panel.select_product(shop.products["BOWL-1"])
    dialog = panel.open_stock_dialog("receive")
    picker = dialog.bin_picker
    picker.lineEdit().clear()
    QTest.keyClicks(picker.lineEdit(), "BIN/HAM/A-02")
    QTest.keyClick(picker.lineEdit(), Qt.Key.Key_Return)  # the scanner's Enter picks the bin
    assert dialog.isVisible() and picker.bin_id() == shop.bins["HAM/A-02"]
    dialog.quantity_spin.setValue(12)
    QTest.keyClicks(dialog.reference_edit, "DN-4471")
    dialog.save_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert bin_level(session_factory, shop.products["BOWL-1"], "HAM/A-02") == 12
    assert panel.detail_pane.moves_model.rows()[0].reference == "DN-4471"
    row = skus(panel).index("BOWL-1")
    assert panel.model.row_at(row).on_hand == 19


def test_adjust_needs_a_reason_then_changes_the_level(panel, shop, session_factory):
    panel.select_product(shop.products["MUG-1"])
    dialog = panel.open_stock_dialog("adjust")
    assert dialog.bin_picker.bin_id() == shop.bins["HAM/A-01"]  # a bin that holds it
    dialog.delta_spin.setValue(-3)
    dialog.save_button.click()
    assert "say why" in dialog.field_errors["note"].text()
    QTest.keyClicks(dialog.note_edit, "dropped a box")
    dialog.save_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert bin_level(session_factory, shop.products["MUG-1"], "HAM/A-01") == 17


def test_transfer_to_another_location(panel, shop, session_factory):
    panel.select_product(shop.products["MUG-1"])
    dialog = panel.open_stock_dialog("transfer")
    assert isinstance(dialog, TransferDialog)
    assert len(dialog.from_picker.bins()) == 2  # only bins that hold the product
    assert dialog.from_picker.select_code("HAM/A-01")
    QTest.keyClicks(dialog.to_picker.lineEdit(), "B-02")
    QTest.keyClick(dialog.to_picker.lineEdit(), Qt.Key.Key_Return)
    dialog.quantity_spin.setValue(25)
    dialog.save_button.click()  # more than the bin holds
    assert "holds 20" in dialog.error_label.text()
    assert bin_level(session_factory, shop.products["MUG-1"], "HAM/A-01") == 20
    dialog.quantity_spin.setValue(5)
    dialog.save_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert bin_level(session_factory, shop.products["MUG-1"], "HAM/A-01") == 15
    assert bin_level(session_factory, shop.products["MUG-1"], "PDX/B-02") == 5


def test_scrap_and_unknown_bin_codes(panel, shop, session_factory):
    panel.select_product(shop.products["BOWL-1"])
    dialog = panel.open_stock_dialog("scrap")
    dialog.bin_picker.lineEdit().setText("NOPE")
    dialog.note_edit.setText("broken")
    dialog.save_button.click()
    assert "no bin 'NOPE'" in dialog.field_errors["bin_id"].text()
    assert dialog.bin_picker.select_code("PDX/B-01")
    dialog.quantity_spin.setValue(2)
    dialog.save_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert bin_level(session_factory, shop.products["BOWL-1"], "PDX/B-01") == 5


def test_bin_picker_groups_by_location_and_resolves_codes(qtbot, shop, session_factory):
    with unit_of_work(session_factory, write=False) as session:
        bins = list_bins(session)
    picker = BinPicker()
    qtbot.addWidget(picker)
    picker.set_bins(bins, on_hand={shop.bins["HAM/A-01"]: 20})
    texts = [picker.itemText(i) for i in range(picker.count())]
    assert texts[:3] == ["HAM/RECV · receiving", "HAM/A-01 · 20 on hand", "HAM/A-02"]
    assert texts[3] == ""  # a separator between locations
    assert picker.resolve("a-02").id == shop.bins["HAM/A-02"]
    assert picker.resolve("pdx/q-01").id == shop.bins["PDX/Q-01"]
    assert picker.resolve("BIN/PDX/B-01").id == shop.bins["PDX/B-01"]
    assert picker.resolve("Z-99") is None
    assert not picker.select_code("Z-99") and picker.property("invalid") is True


# -- locations and bins ----------------------------------------------------------------------


def test_add_location_and_bin_then_reorder_and_deactivate(panel, session_factory, messages):
    dialog = panel.open_locations()
    QTest.keyClicks(dialog.location_code_edit, "shop2")
    QTest.keyClicks(dialog.location_name_edit, "Second shop")
    dialog.location_kind_combo.setCurrentText("store")
    dialog.country_edit.setText("GB")
    dialog.add_location_button.click()
    assert dialog.location_list.currentItem().text() == "SHOP2 — Second shop (store, GB)"

    QTest.keyClicks(dialog.bin_code_edit, "S-01")
    dialog.add_bin_button.click()
    QTest.keyClicks(dialog.bin_code_edit, "S-02")
    dialog.bin_walk_spin.setValue(5)
    dialog.add_bin_button.click()
    assert [dialog.bin_model.bin_at(r).code for r in range(dialog.bin_model.rowCount())] == [
        "S-02",
        "S-01",
    ]
    assert dialog.selected_bin().code == "S-02"
    dialog.walk_spin.setValue(50)
    dialog.set_walk_button.click()
    assert [dialog.bin_model.bin_at(r).code for r in range(dialog.bin_model.rowCount())] == [
        "S-01",
        "S-02",
    ]
    assert dialog.selected_bin().code == "S-02" and dialog.active_button.text() == "Deactivate bin"
    dialog.active_button.click()
    assert not dialog.selected_bin().active
    assert dialog.active_button.text() == "Reactivate bin"

    with unit_of_work(session_factory, write=False) as session:
        shop2 = next(loc for loc in list_locations(session) if loc.code == "SHOP2")
        codes = [b.code for b in list_bins(session, shop2.id, include_inactive=True)]
        active = [b.code for b in list_bins(session, shop2.id)]
    assert (shop2.kind, shop2.country, codes, active) == ("store", "GB", ["S-01", "S-02"], ["S-01"])
    assert not messages


def test_location_refusals_show_in_the_dialog(panel, shop):
    dialog = panel.open_locations()
    QTest.keyClicks(dialog.location_code_edit, "HAM")
    QTest.keyClicks(dialog.location_name_edit, "Again")
    dialog.add_location_button.click()
    assert "already used" in dialog.location_group.error.text()
    dialog.location_code_edit.setText("NEW")
    dialog.country_edit.setText("D")
    dialog.add_location_button.click()
    assert "two-letter" in dialog.location_group.error.text()
    assert dialog.country_edit.property("invalid") is True

    row = next(
        i
        for i in range(dialog.location_list.count())
        if "HAM" in dialog.location_list.item(i).text()
    )
    dialog.location_list.setCurrentRow(row)
    a01 = dialog.bin_model.row_of_id(shop.bins["HAM/A-01"])
    dialog.bin_view.selectRow(a01)
    dialog.active_button.click()  # it holds stock
    assert "still holds stock" in dialog.bin_error.text()


# -- CSV -------------------------------------------------------------------------------------


def test_export_and_import_products(panel, session_factory, tmp_path: Path, monkeypatch):
    target = tmp_path / "products.csv"
    monkeypatch.setattr(prompts, "choose_save_file", lambda *args: str(target))
    panel.csv_actions[("export", "products")].trigger()
    assert target.read_text(encoding="utf-8-sig").splitlines()[0].startswith("sku,name,gtin")
    assert "Exported 5 row(s) of products" in panel.note_label.text()

    source = tmp_path / "new.csv"
    source.write_text("sku,name,price\nCSV-1,Imported one,9.99\nCSV-2,Imported two,1\n")
    monkeypatch.setattr(prompts, "choose_open_file", lambda *args: str(source))
    panel.csv_actions[("import", "products")].trigger()
    dialog = panel.csv.dialog
    assert isinstance(dialog, ImportDialog)
    assert dialog.summary_label.text().startswith("2 new")
    assert find(session_factory, "CSV-1") is None  # the dry run wrote nothing
    dialog.import_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert product(session_factory, find(session_factory, "CSV-1").id).price_minor == 999
    assert "CSV-2" in skus(panel)
    assert panel.note_label.text() == "2 created, 0 updated, 0 unchanged"


def test_import_with_problems_cannot_run(panel, session_factory, tmp_path: Path):
    source = tmp_path / "bad.csv"
    source.write_text("sku,name,gtin\nCSV-1,One,4006381333932\n")
    panel.csv.preview_import("products", str(source))
    dialog = panel.csv.dialog
    assert not dialog.import_button.isEnabled()
    assert "row 2" in dialog.problems_edit.toPlainText()
    assert "expected 1" in dialog.problems_edit.toPlainText()
    assert find(session_factory, "CSV-1") is None


def test_stock_count_import(panel, shop, session_factory, tmp_path: Path):
    source = tmp_path / "count.csv"
    source.write_text("sku,location,bin,quantity\nMUG-1,HAM,A-01,18\n")
    panel.csv.preview_import("stock", str(source))
    dialog = panel.csv.dialog
    assert "1 to correct" in dialog.summary_label.text()
    dialog.import_button.click()
    assert bin_level(session_factory, shop.products["MUG-1"], "HAM/A-01") == 18
