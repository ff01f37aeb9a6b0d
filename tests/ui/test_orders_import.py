"""Importing orders from the orders page: preview listing problems, unknown SKUs, progress."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.database import count_rows
from app.orders.queries import OrderFilter, get_order, list_order_page
from app.uow import unit_of_work
from tests.ui.test_orders_panel import OrdersShop, build_shop
from ui.orders import order_import, prompts
from ui.orders.order_import import ImportPreviewDialog
from ui.orders.orders_panel import OrdersPanel

HEADER = (
    "order_id,placed_at,email,ship_name,ship_address1,ship_city,ship_region,ship_postal_code,"
    "ship_country,payment_status,sku,name,quantity,unit_price\n"
)
GOOD = HEADER + (
    "W-1,2024-03-05 14:22,ann@example.com,Ann Smith,1 Main St,Springfield,IL,62701,US,paid,"
    "MUG-1,,2,12.00\n"
    "W-2,2024-03-05 15:00,bob@example.com,Bob Jones,2 Main St,Mountain View,CA,94043,US,paid,"
    "NEW-9,New thing,1,5.00\n"
    "W-2,,,,,,,,,,CAP-1,,1,25.00\n"
    "W-3,2024-03-05 16:00,cy@example.com,Cy Young,3 Main St,Austin,TX,78701,US,pending,"
    "CAP-1,,1,25.00\n"
)
BAD = HEADER + (
    "B-1,2024-03-05 14:22,ann@example.com,Ann Smith,1 Main St,Mountain View,CA,9404,US,paid,"
    "MUG-1,,two,12.00\n"
)


@pytest.fixture
def shop(session_factory) -> OrdersShop:
    return build_shop(session_factory, with_orders=False)


@pytest.fixture
def panel(qtbot, ops, shop) -> OrdersPanel:
    widget = OrdersPanel(ops)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def csv_file(tmp_path: Path, text: str, name: str = "orders.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def open_import(panel: OrdersPanel, monkeypatch, path: Path | None) -> ImportPreviewDialog | None:
    monkeypatch.setattr(prompts, "ask_import_file", lambda parent: path)
    return panel.open_import_dialog()


def orders_by_external_id(session_factory) -> dict:
    with unit_of_work(session_factory, write=False) as s:
        page = list_order_page(s, OrderFilter(sort="number", descending=False))
        views = [get_order(s, row.id) for row in page.rows]
    return {view.external_id: view for view in views}


def test_preview_import_and_allocate(qtbot, panel, tmp_path, session_factory, monkeypatch):
    dialog = open_import(panel, monkeypatch, csv_file(tmp_path, GOOD))
    qtbot.addWidget(dialog)
    summary = dialog.summary_label.text()
    assert summary.startswith("Packbench order file for channel “CSV import”: 3 new orders")
    assert "3 new orders with 4 lines, worth $79.00" in summary
    assert dialog.unknown_label.text() == "1 SKU not in the catalog: NEW-9"
    assert dialog.import_button.isEnabled() and dialog.problems_label.isHidden()
    model = dialog.table_view.model()
    assert model is dialog.orders_model and model.rowCount() == 3
    assert [model.data(model.index(1, c)) for c in range(5)] == [
        "3",
        "W-2",
        "New order",
        "2",
        "$30.00",
    ]

    dialog.import_button.click()

    assert not dialog.isVisible() and dialog.progress_dialog is None
    orders = orders_by_external_id(session_factory)
    assert sorted(orders) == ["W-1", "W-2", "W-3"]
    assert [(li.sku, li.product_id is None) for li in orders["W-2"].lines] == [
        ("NEW-9", True),
        ("CAP-1", False),
    ]
    assert [li.allocated for li in orders["W-1"].lines] == [2]  # reserved right after
    notice = panel.notice_label.text()
    assert notice.startswith("Imported 3 order(s) (4 lines, 1 unmatched) from orders.csv")
    assert "stock is not reserved yet" not in notice
    assert "3 imported order(s): 1 allocated, 2 short" in notice
    assert panel.notice_label.property("tone") == "warning"
    assert panel.model.rowCount() == 3 and panel.count_label.text() == "3 orders"
    combo = panel.filter_bar.channel_combo
    names = [combo.itemText(i) for i in range(combo.count())]
    assert names == ["All channels", "Entered here", "CSV import"]
    panel.filter_bar.set_channel("manual")
    assert panel.model.rowCount() == 0
    combo.setCurrentIndex(2)
    assert panel.model.rowCount() == 3 and panel.model.row_at(0).channel == "CSV import"
    panel.filter_bar.reset()

    again = open_import(panel, monkeypatch, csv_file(tmp_path, GOOD))
    qtbot.addWidget(again)
    assert "0 new orders" in again.summary_label.text()
    assert "3 already imported" in again.summary_label.text()
    first = again.orders_model.data(again.orders_model.index(0, 2))
    assert first == f"Already imported as {orders['W-1'].number}"
    assert not again.import_button.isEnabled()


def test_unknown_skus_can_be_skipped(qtbot, panel, tmp_path, session_factory, monkeypatch):
    dialog = open_import(panel, monkeypatch, csv_file(tmp_path, GOOD))
    qtbot.addWidget(dialog)
    dialog.skip_radio.setChecked(True)  # re-checks the file with the other policy
    assert "with 3 lines" in dialog.summary_label.text()
    dialog.start_import()
    orders = orders_by_external_id(session_factory)
    assert [li.sku for li in orders["W-2"].lines] == ["CAP-1"]


def test_problems_are_listed_and_block_the_import(
    qtbot, panel, tmp_path, session_factory, monkeypatch
):
    dialog = open_import(panel, monkeypatch, csv_file(tmp_path, BAD, "bad.csv"))
    qtbot.addWidget(dialog)
    assert not dialog.import_button.isEnabled()
    assert dialog.problems_label.text().startswith("2 problems to fix")
    model = dialog.table_view.model()
    assert model is dialog.problems_model
    found = {(model.data(model.index(r, 0)), model.data(model.index(r, 1))) for r in range(2)}
    assert found == {("2", "ship_postal_code"), ("2", "quantity")}
    dialog.start_import()  # refused while there are problems
    with unit_of_work(session_factory, write=False) as s:
        assert count_rows(s)["orders"] == 0


def test_unreadable_file_says_why(qtbot, panel, tmp_path, monkeypatch):
    dialog = open_import(panel, monkeypatch, csv_file(tmp_path, "just,some\nthing,else\n"))
    qtbot.addWidget(dialog)
    assert dialog.summary_label.text().startswith("This file cannot be imported:")
    assert not dialog.import_button.isEnabled()


def test_backing_out_of_the_file_dialog_opens_nothing(panel, monkeypatch):
    assert open_import(panel, monkeypatch, None) is None


def test_cancel_rolls_the_import_back(qtbot, panel, tmp_path, session_factory, monkeypatch):
    dialog = open_import(panel, monkeypatch, csv_file(tmp_path, GOOD))
    qtbot.addWidget(dialog)
    real_import = order_import.import_orders

    def import_then_cancel(session, path, *, progress, **kwargs):
        result = real_import(session, path, progress=None, **kwargs)  # writes the orders
        dialog.progress_dialog.request_cancel()  # the user presses Cancel meanwhile
        progress("Writing orders", 0.9)  # raises: the transaction rolls back
        return result

    monkeypatch.setattr(order_import, "import_orders", import_then_cancel)
    dialog.start_import()
    assert dialog.isVisible() and dialog.summary_label.text().startswith("Import cancelled")
    assert dialog.import_button.isEnabled()
    with unit_of_work(session_factory, write=False) as s:
        assert count_rows(s)["orders"] == 0
