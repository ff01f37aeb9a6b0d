"""InventoryPanel: the product table over real data, search and filters, details, keyboard."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app.inventory.dto import ProductInput
from app.inventory.ledger import list_moves, receive_stock
from app.inventory.locations import create_bin, create_location
from app.inventory.products import create_product, get_product, set_archived
from app.uow import unit_of_work
from ui.inventory import prompts
from ui.inventory.formatting import LOW_STOCK_BACKGROUND
from ui.inventory.inventory_panel import InventoryPanel
from ui.inventory.locations_dialog import LocationsDialog
from ui.inventory.product_dialog import ProductDialog
from ui.widgets.paged_table import PagedTableModel

ACTOR = "tester"


@dataclass(frozen=True)
class Shop:
    locations: dict[str, int]
    bins: dict[str, int]  # "HAM/A-01" -> id
    products: dict[str, int]  # sku -> id


def build_shop(session_factory) -> Shop:
    """Two warehouses with bins, five products (one low on stock, one archived)."""
    with unit_of_work(session_factory) as session:
        locations = {
            "HAM": create_location(
                session, code="HAM", name="Hamburg warehouse", country="DE", actor=ACTOR
            ).id,
            "PDX": create_location(
                session, code="PDX", name="Portland warehouse", region="OR", actor=ACTOR
            ).id,
        }
        bins = {}
        for location, code, kind in [
            ("HAM", "RECV", "receiving"),
            ("HAM", "A-01", "storage"),
            ("HAM", "A-02", "storage"),
            ("PDX", "B-01", "storage"),
            ("PDX", "B-02", "storage"),
            ("PDX", "Q-01", "quarantine"),
        ]:
            saved = create_bin(
                session, location_id=locations[location], code=code, kind=kind, actor=ACTOR
            )
            bins[f"{location}/{code}"] = saved.id
        products = {}
        for sku, name, gtin, price, reorder in [
            ("MUG-1", "Enamel Camp Mug", "4006381333931", 1250, 5),
            ("MUG-2", "Stoneware Mug Blue", None, 1800, 10),
            ("BOWL-1", "Serving Bowl", None, 3200, 0),
            ("APRON-1", "Zoë's Linen Apron", None, 2900, 0),
            ("OLD-1", "Retired Teapot", None, 4000, 0),
        ]:
            data = ProductInput(
                sku=sku, name=name, gtin=gtin, price_minor=price, reorder_point=reorder
            )
            products[sku] = create_product(session, data, actor=ACTOR).id
        for sku, bin_key, quantity in [
            ("MUG-1", "HAM/A-01", 20),
            ("MUG-1", "PDX/B-01", 4),
            ("MUG-2", "HAM/A-02", 3),
            ("BOWL-1", "PDX/B-01", 7),
        ]:
            receive_stock(
                session,
                product_id=products[sku],
                bin_id=bins[bin_key],
                quantity=quantity,
                actor=ACTOR,
                reference="OPENING",
            )
        set_archived(session, products["OLD-1"], True, actor=ACTOR)
    return Shop(locations, bins, products)


def product(session_factory, product_id: int):
    with unit_of_work(session_factory, write=False) as session:
        return get_product(session, product_id)


def bin_level(session_factory, product_id: int, bin_code: str) -> int:
    location, code = bin_code.split("/")
    detail = product(session_factory, product_id)
    return sum(b.on_hand for b in detail.bins if (b.location_code, b.bin_code) == (location, code))


def skus(panel: InventoryPanel) -> list[str]:
    return [row.sku for row in panel.model.rows()]


@pytest.fixture
def shop(session_factory) -> Shop:
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


# -- the table -------------------------------------------------------------------------------


def test_table_shows_stock_and_passes_the_model_tester(panel, shop, qtmodeltester):
    model = panel.model
    assert skus(panel) == ["APRON-1", "BOWL-1", "MUG-1", "MUG-2"]  # archived hidden
    titles = [model.headerData(i, Qt.Orientation.Horizontal) for i in range(model.columnCount())]
    assert titles[:9] == [
        "SKU",
        "Name",
        "GTIN",
        "On hand",
        "Reserved",
        "Available",
        "Incoming",
        "Quarantined",
        "Price",
    ]
    assert [t.replace("\n", " ") for t in titles[9:]] == ["Available @HAM", "Available @PDX"]
    row = skus(panel).index("MUG-1")
    cells = [model.data(model.index(row, c)) for c in range(model.columnCount())]
    assert cells == [
        "MUG-1",
        "Enamel Camp Mug",
        "4006381333931",
        "24",
        "0",
        "24",
        "0",
        "0",
        "$12.50",
        "20",
        "4",
    ]
    assert model.headerData(0, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole) is None
    assert panel.count_label.text() == "4 products"
    qtmodeltester.check(model)


def test_low_stock_rows_are_highlighted_and_archived_rows_greyed(panel):
    model = panel.model
    low = skus(panel).index("MUG-2")
    fine = skus(panel).index("MUG-1")
    background = model.data(model.index(low, 0), Qt.ItemDataRole.BackgroundRole)
    assert QColor(background) == LOW_STOCK_BACKGROUND
    assert model.data(model.index(fine, 0), Qt.ItemDataRole.BackgroundRole) is None
    panel.archived_check.setChecked(True)
    archived = skus(panel).index("OLD-1")
    foreground = QColor(model.data(model.index(archived, 1), Qt.ItemDataRole.ForegroundRole))
    assert foreground.lightness() > 100  # grey, not the normal near-black text


def test_typing_in_search_filters_rows(panel, qtbot):
    QTest.keyClicks(panel.search_edit, "mug")
    assert skus(panel) == ["MUG-1", "MUG-2"]
    QTest.keyClicks(panel.search_edit, " blue")
    assert skus(panel) == ["MUG-2"]
    panel.search_edit.clear()
    QTest.keyClicks(panel.search_edit, "zoe")  # accents are ignored
    assert skus(panel) == ["APRON-1"]


def test_search_waits_for_a_pause_in_typing(panel, qtbot):
    panel.set_search_delay(150)
    QTest.keyClicks(panel.search_edit, "bowl")
    assert panel.search_timer.isActive() and len(skus(panel)) == 4  # not searched yet
    qtbot.waitUntil(lambda: skus(panel) == ["BOWL-1"], timeout=2000)


def test_low_stock_filter_and_location_filter(panel, shop):
    panel.low_check.setChecked(True)
    assert skus(panel) == ["MUG-2"]
    panel.low_check.setChecked(False)
    index = panel.location_combo.findData(shop.locations["PDX"])
    panel.location_combo.setCurrentIndex(index)
    panel.location_combo.activated.emit(index)
    on_hand = {row.sku: row.on_hand for row in panel.model.rows()}
    assert on_hand == {"APRON-1": 0, "BOWL-1": 7, "MUG-1": 4, "MUG-2": 0}


def test_header_click_sorts_in_sql_and_ignores_other_columns(panel, qtbot):
    header = panel.table.horizontalHeader()

    def click(section: int) -> None:
        x = header.sectionViewportPosition(section) + header.sectionSize(section) // 2
        pos = QPoint(x, header.height() // 2)
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=pos)

    click(1)  # name, ascending
    assert skus(panel) == ["MUG-1", "BOWL-1", "MUG-2", "APRON-1"]
    click(1)  # name, descending
    assert skus(panel) == ["APRON-1", "MUG-2", "BOWL-1", "MUG-1"]
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    click(3)  # on hand: not sortable, nothing changes
    assert skus(panel) == ["APRON-1", "MUG-2", "BOWL-1", "MUG-1"]
    assert header.sortIndicatorSection() == 1


def test_pages_load_as_the_user_scrolls(panel, session_factory, ops):
    with unit_of_work(session_factory) as session:
        for number in range(230):
            create_product(
                session, ProductInput(sku=f"BULK-{number:04d}", name="Bulk item"), actor=ACTOR
            )
    panel.refresh()
    assert panel.model.rowCount() == 200
    assert panel.count_label.text() == "200+ products"
    assert panel.model.canFetchMore(QModelIndex())
    panel.table.scrollToBottom()
    QApplication.processEvents()
    panel.model.fetchMore(QModelIndex())
    assert panel.model.rowCount() == 234
    assert panel.count_label.text() == "234 products"


# -- details ---------------------------------------------------------------------------------


def test_selecting_a_row_shows_details_and_move_history(panel, shop, qtbot):
    row = skus(panel).index("MUG-1")
    panel.table.setCurrentIndex(panel.model.index(row, 0))
    pane = panel.detail_pane
    assert pane.detail is not None and pane.detail.id == shop.products["MUG-1"]
    assert "MUG-1" in pane.title_label.text() and "Enamel Camp Mug" in pane.title_label.text()
    assert "4006381333931" in pane.facts_label.text()
    assert "$12.50" in pane.facts_label.text()
    assert "HAM/A-01" in pane.stock_label.text() and "PDX/B-01" in pane.stock_label.text()
    moves = pane.moves_model.rows()
    assert [(m.reason, m.quantity, m.to_bin) for m in moves] == [
        ("receive", 4, "PDX/B-01"),
        ("receive", 20, "HAM/A-01"),
    ]
    assert pane.moves_model.data(pane.moves_model.index(0, 2)) == "+4"
    assert panel.edit_action.isEnabled() and panel.stock_actions["receive"].isEnabled()


def test_reverse_a_move_and_refusal_shows_the_message(panel, shop, session_factory, messages):
    panel.select_product(shop.products["MUG-1"])
    pane = panel.detail_pane
    newest = pane.moves_model.rows()[0]
    assert pane.select_move(newest.id)
    assert pane.reverse_button.isEnabled()
    pane.reverse_button.click()
    assert bin_level(session_factory, shop.products["MUG-1"], "PDX/B-01") == 0
    assert pane.moves_model.rows()[0].reason == "reversal"  # the pane reloaded
    assert panel.note_label.text() == f"Reversed move #{newest.id}"
    assert pane.select_move(newest.id)
    pane.reverse_selected_move()
    assert messages and "already reversed" in messages[-1][1]
    assert bin_level(session_factory, shop.products["MUG-1"], "PDX/B-01") == 0


def test_reversal_refused_by_stock_keeps_levels(panel, shop, session_factory, messages):
    with unit_of_work(session_factory, write=False) as session:
        receipt = list_moves(session, product_id=shop.products["MUG-2"])[0]
    from app.inventory.ledger import adjust_stock

    with unit_of_work(session_factory) as session:
        adjust_stock(
            session,
            product_id=shop.products["MUG-2"],
            bin_id=shop.bins["HAM/A-02"],
            delta=-2,
            note="broken",
            actor=ACTOR,
        )
    panel.refresh()
    panel.select_product(shop.products["MUG-2"])
    assert panel.detail_pane.select_move(receipt.id)
    panel.detail_pane.reverse_selected_move()
    assert messages and "cannot take 3" in messages[-1][1]
    assert bin_level(session_factory, shop.products["MUG-2"], "HAM/A-02") == 1


# -- keyboard and actions --------------------------------------------------------------------


@pytest.fixture
def active_panel(panel, qtbot):
    panel.activateWindow()
    qtbot.waitUntil(panel.isActiveWindow)
    return panel


def test_keyboard_find_new_enter_and_delete(active_panel, shop, session_factory, monkeypatch):
    panel = active_panel
    panel.table.setFocus()
    QTest.keyClick(panel.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert panel.search_edit.hasFocus()
    QTest.keyClicks(panel.search_edit, "bowl")
    QTest.keyClick(panel.search_edit, Qt.Key.Key_Return)  # to the first result
    assert panel.table.hasFocus() and panel.selected_product_id() == shop.products["BOWL-1"]
    QTest.keyClick(panel.table, Qt.Key.Key_Return)
    assert isinstance(panel.dialog, ProductDialog) and panel.dialog.product_id is not None
    assert panel.dialog.sku_edit.text() == "BOWL-1"
    panel.dialog.reject()
    QTest.keyClick(panel.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert isinstance(panel.dialog, ProductDialog) and panel.dialog.product_id is None
    panel.dialog.reject()

    asked = []
    monkeypatch.setattr(prompts, "confirm", lambda *args: asked.append(args) or False)
    panel.table.setFocus()
    QTest.keyClick(panel.table, Qt.Key.Key_Delete)
    assert len(asked) == 1 and "BOWL-1" in asked[0][2]
    assert not product(session_factory, shop.products["BOWL-1"]).archived  # said no

    monkeypatch.setattr(prompts, "confirm", lambda *args: True)
    QTest.keyClick(panel.table, Qt.Key.Key_Delete)
    assert product(session_factory, shop.products["BOWL-1"]).archived
    assert "BOWL-1" not in skus(panel)
    assert panel.note_label.text() == "Archived BOWL-1"


def test_restore_an_archived_product_without_asking(panel, shop, session_factory, monkeypatch):
    monkeypatch.setattr(prompts, "confirm", lambda *args: pytest.fail("no question to restore"))
    panel.archived_check.setChecked(True)
    panel.select_product(shop.products["OLD-1"])
    assert panel.archive_action.text() == "Restore"
    panel.archive_action.trigger()
    assert not product(session_factory, shop.products["OLD-1"]).archived
    assert panel.archive_action.text() == "Archive"


def test_refresh_keeps_the_selected_product(panel, shop, session_factory):
    panel.select_product(shop.products["MUG-2"])
    with unit_of_work(session_factory) as session:
        create_product(session, ProductInput(sku="AAA-1", name="First"), actor=ACTOR)
    panel.refresh()
    assert skus(panel)[0] == "AAA-1"
    current = panel.table.currentIndex()
    assert current.isValid() and panel.model.row_at(current.row()).sku == "MUG-2"
    assert panel.detail_pane.detail.sku == "MUG-2"


def test_new_location_adds_a_column(panel, qtbot):
    dialog = panel.open_locations()
    assert isinstance(dialog, LocationsDialog)
    QTest.keyClicks(dialog.location_code_edit, "STORE")
    QTest.keyClicks(dialog.location_name_edit, "Corner shop")
    dialog.location_kind_combo.setCurrentText("store")
    dialog.add_location_button.click()
    titles = [
        panel.model.headerData(i, Qt.Orientation.Horizontal).replace("\n", " ")
        for i in range(panel.model.columnCount())
    ]
    assert titles[-1] == "Available @STORE"
    assert panel.location_combo.findText("STORE — Corner shop") > 0
    dialog.reject()


def test_panel_is_built_by_the_navigation_entry(ops, qtbot):
    from ui.navigation import PANELS, PanelContext

    spec = next(spec for spec in PANELS if spec.key == "inventory")
    widget = spec.build(PanelContext(ops, "shop.sqlite3"))
    qtbot.addWidget(widget)
    assert isinstance(widget, InventoryPanel)
    assert widget.refresh_on == ("products", "stock", "locations")


def test_row_roles_give_the_product(panel, shop):
    row = skus(panel).index("BOWL-1")
    index = panel.model.index(row, 0)
    assert panel.model.data(index, PagedTableModel.IdRole) == shop.products["BOWL-1"]
    assert panel.model.data(index, PagedTableModel.RowRole).name == "Serving Bowl"


def test_works_with_real_worker_threads(qtbot, database, shop):
    from ui.ops import Ops

    hub = Ops(database.session_factory)
    try:
        widget = InventoryPanel(hub)
        qtbot.addWidget(widget)
        widget.show()
        assert widget.count_label.text() == "Loading…"
        qtbot.waitUntil(lambda: widget.model.rowCount() == 4, timeout=5000)
        QTest.keyClicks(widget.search_edit, "mug")
        qtbot.waitUntil(lambda: skus(widget) == ["MUG-1", "MUG-2"], timeout=5000)
        widget.select_product(shop.products["MUG-2"])
        qtbot.waitUntil(lambda: widget.detail_pane.detail is not None, timeout=5000)
        qtbot.waitUntil(lambda: widget.detail_pane.moves_model.rowCount() == 1, timeout=5000)
        assert widget.detail_pane.detail.sku == "MUG-2"
        qtbot.waitUntil(lambda: hub.pending == 0, timeout=5000)
    finally:
        hub.shutdown()
