"""Following a dashboard link lands on the right panel narrowed to what the number counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.inventory.dto import ProductInput
from app.inventory.ledger import receive_stock
from app.inventory.locations import create_bin, create_location
from app.inventory.products import create_product
from app.orders.address import Address
from app.orders.dto import LineInput, OrderInput
from app.orders.services import create_order, hold_order
from app.uow import unit_of_work
from ui.main_window import MainWindow

ADDRESS = Address("Ann", "1 Main St", "Austin", "73301", "US", "TX")


@pytest.fixture
def window(qtbot, ops, ui_settings, session_factory) -> MainWindow:
    with unit_of_work(session_factory) as s:
        loc = create_location(s, code="MAIN", name="Main", actor="t").id
        shelf = create_bin(s, location_id=loc, code="A-01", actor="t").id
        mug = create_product(
            s, ProductInput(sku="MUG-1", name="Mug", reorder_point=50), actor="t"
        ).id
        create_product(s, ProductInput(sku="CAP-1", name="Cap"), actor="t")
        receive_stock(s, product_id=mug, bin_id=shelf, quantity=10, actor="t")
        old = datetime.now(UTC) - timedelta(days=9)
        for placed in (old, datetime.now(UTC), datetime.now(UTC)):
            create_order(
                s,
                OrderInput(
                    (LineInput(product_id=mug, quantity=1),), ship_to=ADDRESS, placed_at=placed
                ),
                actor="t",
            )
        hold_order(s, 3, reason="check", actor="t")
    win = MainWindow(ops, ui_settings, database_name="db")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def shown_numbers(panel) -> list[str]:
    model = panel.model
    while model.canFetchMore():
        model.fetchMore()
    return sorted(model.row_at(i).number for i in range(model.rowCount()))


def test_to_pick_link(window):
    orders = window.open_link("orders", statuses=("open", "partially_shipped"), on_hold=False)
    assert shown_numbers(orders) == ["SO-000001", "SO-000002"]
    assert orders.filter_bar.status_combo.currentText().startswith("Dashboard:")


def test_on_hold_and_late_links(window):
    assert shown_numbers(window.open_link("orders", on_hold=True)) == ["SO-000003"]
    assert shown_numbers(window.open_link("orders", late=True)) == ["SO-000001"]


def test_low_stock_link(window):
    inventory = window.open_link("inventory", low_stock_only=True)
    assert inventory.low_check.isChecked()


def test_mail_problems_link(window):
    shipments = window.open_link("shipments", problems="mail")
    assert shipments.tabs.currentIndex() == 1
