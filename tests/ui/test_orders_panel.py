"""OrdersPanel: paged table, filters and SQL sort, detail and timeline, actions single and bulk."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import QItemSelection, QItemSelectionModel, QModelIndex, Qt

from app.inventory.dto import ProductInput
from app.inventory.ledger import receive_stock
from app.inventory.locations import create_bin, create_location
from app.inventory.products import create_product
from app.orders.address import Address
from app.orders.dto import LineInput, OrderInput
from app.orders.queries import OrderFilter, get_order
from app.orders.services import cancel_order, create_order, hold_order
from app.purchasing.dto import SupplierInput
from app.purchasing.orders import get_purchase_order, list_purchase_orders
from app.purchasing.suppliers import create_supplier
from app.uow import unit_of_work
from ui.navigation import PANELS, PanelContext
from ui.orders import prompts
from ui.orders.detail_models import UNMATCHED_BACKGROUND
from ui.orders.order_dialogs import CancelDialog, HoldDialog, HoldRequest, SplitDialog
from ui.orders.order_table import (
    HELD_BACKGROUND,
    ORDER_COLUMNS,
    RISKY_BACKGROUND,
    page_function,
)
from ui.orders.orders_panel import OrdersPanel
from ui.orders.product_picker import PickedProduct, ProductPickerDialog

ACTOR = "clerk"
US = Address("Zoë Łukasiewicz", "1600 Amphitheatre Pkwy", "Mountain View", "94043", "US", "CA")


def us(street: str, name: str = "Ava Rodriguez") -> Address:
    """A US address of its own (three orders to one address in a day are a risk flag)."""
    return Address(name, street, "Portland", "97205", "US", "OR")


DE = Address("Søren Müller", "Unter den Linden 1", "Berlin", "10117", "DE")


@dataclass
class OrdersShop:
    warehouse: int
    store: int
    bin: int
    mug: int
    cap: int
    supplier: int
    orders: dict[str, int]


def build_shop(session_factory, *, with_orders: bool = True) -> OrdersShop:
    """A warehouse with mugs in stock (no caps), a store, and six orders of every kind."""
    with unit_of_work(session_factory) as s:
        supplier = create_supplier(s, SupplierInput(name="Acme Caps"), actor=ACTOR).id
        warehouse = create_location(
            s, code="US-WH", name="Oakland", country="US", region="CA", actor=ACTOR
        ).id
        store = create_location(
            s, code="STORE", name="Shop", kind="store", country="US", region="CA", actor=ACTOR
        ).id
        bin_id = create_bin(s, location_id=warehouse, code="A-01", actor=ACTOR).id
        create_bin(s, location_id=store, code="S-01", actor=ACTOR)
        mug = create_product(
            s,
            ProductInput(sku="MUG-1", name="Enamel Mug", gtin="4006381333931", price_minor=1200),
            actor=ACTOR,
        ).id
        cap = create_product(
            s,
            ProductInput(sku="CAP-1", name="Wool Cap", price_minor=2500, supplier_id=supplier),
            actor=ACTOR,
        ).id
        receive_stock(s, product_id=mug, bin_id=bin_id, quantity=10, actor=ACTOR)
    shop = OrdersShop(warehouse, store, bin_id, mug, cap, supplier, {})
    if with_orders:
        add_orders(session_factory, shop)
    return shop


def add_orders(session_factory, shop: OrdersShop) -> None:
    now = datetime.now(UTC)
    specs = {  # name: (lines, address, extra), placed oldest first → SO-000001 … SO-000006
        "open": ([LineInput(2, product_id=shop.mug)], US, {"payment_status": "paid"}),
        "draft": (
            [LineInput(1, product_id=shop.cap)],
            DE,
            {"confirm": False, "email": "soren@example.com"},
        ),
        "risky": (
            [LineInput(1, product_id=shop.mug)],
            us("3 Elm Street"),
            {"bill_country": "DE"},
        ),
        "short": (
            [LineInput(1, product_id=shop.mug), LineInput(3, product_id=shop.cap)],
            us("4 Oak Avenue", "Mason Walker"),
            {},
        ),
        "unmatched": (
            [
                LineInput(1, sku="ZZZ-9", name="Mystery part", unit_price_minor=500),
                LineInput(1, product_id=shop.mug),
            ],
            us("5 Pine Road", "Caleb Allen"),
            {},
        ),
        "cancelled": ([LineInput(1, product_id=shop.mug)], us("6 Birch Lane"), {}),
    }
    with unit_of_work(session_factory) as s:
        for hours, (name, (lines, address, extra)) in zip(
            range(len(specs), 0, -1), specs.items(), strict=True
        ):
            data = OrderInput(
                lines=tuple(lines),
                ship_to=address,
                placed_at=now - timedelta(hours=hours),
                **extra,
            )
            shop.orders[name] = create_order(s, data, actor=ACTOR).id
        cancel_order(s, shop.orders["cancelled"], reason="test", actor=ACTOR)


def number_of(name: str) -> str:
    index = ["open", "draft", "risky", "short", "unmatched", "cancelled"].index(name)
    return f"SO-{index + 1:06d}"


def order_view(session_factory, order_id: int):
    with unit_of_work(session_factory, write=False) as s:
        return get_order(s, order_id)


def shown(panel: OrdersPanel) -> list[str]:
    return [panel.model.row_at(i).number for i in range(panel.model.rowCount())]


def select(panel: OrdersPanel, *names: str) -> None:
    """Select the orders' rows like Ctrl+click would (the first becomes current)."""
    rows = [shown(panel).index(number_of(name)) for name in names]
    model, selection_model = panel.model, panel.view.selectionModel()
    selection = QItemSelection()
    for row in rows:
        selection.select(model.index(row, 0), model.index(row, model.columnCount() - 1))
    selection_model.setCurrentIndex(
        model.index(rows[0], 0), QItemSelectionModel.SelectionFlag.NoUpdate
    )
    selection_model.select(
        selection,
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )


@pytest.fixture
def shop(session_factory) -> OrdersShop:
    return build_shop(session_factory)


@pytest.fixture
def panel(qtbot, ops, shop) -> OrdersPanel:
    widget = OrdersPanel(ops)
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


# ------------------------------------------------------------------------------------- the table


def test_table_lists_orders_newest_first_and_passes_the_tester(panel, qtmodeltester):
    assert shown(panel) == [f"SO-00000{i}" for i in range(6, 0, -1)]
    assert panel.count_label.text() == "6 orders"
    model = panel.model
    titles = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert titles == [
        "Number", "Placed", "Customer", "Country", "Channel", "Status", "Payment",
        "Lines", "Units", "Total", "Risk",
    ]  # fmt: skip
    row = shown(panel).index(number_of("open"))
    cells = [model.data(model.index(row, c)) for c in range(model.columnCount())]
    assert cells[0] == "SO-000001" and cells[2] == "Zoë Łukasiewicz"
    assert cells[3:] == ["US", "Manual", "Open", "Paid", "1", "2", "$24.00", ""]
    placed = order_view(panel.ops.session_factory, panel.model.row_at(row).id).placed_at
    assert cells[1] == placed.astimezone().strftime("%Y-%m-%d %H:%M")
    qtmodeltester.check(model)


def test_risky_held_and_cancelled_rows_are_marked(panel, session_factory, shop):
    with unit_of_work(session_factory) as s:
        hold_order(s, shop.orders["open"], reason="Payment check", actor=ACTOR)
    panel.refresh()
    model = panel.model
    risk = [c.key for c in ORDER_COLUMNS].index("risk")

    def cell(name, column=0, role=Qt.ItemDataRole.DisplayRole):
        return model.data(model.index(shown(panel).index(number_of(name)), column), role)

    assert cell("risky", role=Qt.ItemDataRole.BackgroundRole) == RISKY_BACKGROUND
    assert cell("risky", risk) == "1"
    assert not cell("risky", risk, Qt.ItemDataRole.DecorationRole).isNull()
    assert cell("short", risk, Qt.ItemDataRole.DecorationRole) is None
    assert cell("open", role=Qt.ItemDataRole.BackgroundRole) == HELD_BACKGROUND
    assert cell("open", 5) == "Open · on hold"
    assert cell("cancelled", role=Qt.ItemDataRole.ForegroundRole) is not None
    assert cell("short", role=Qt.ItemDataRole.BackgroundRole) is None


def test_filters_narrow_rows(qtbot, panel, session_factory, shop):
    bar = panel.filter_bar
    bar.set_status("draft")
    assert shown(panel) == [number_of("draft")] and panel.count_label.text() == "1 order"
    bar.set_status("all")
    bar.risky_check.setChecked(True)
    assert shown(panel) == [number_of("risky")]
    bar.risky_check.setChecked(False)
    bar.channel_combo.setCurrentIndex(bar.channel_combo.findData("manual"))
    assert len(shown(panel)) == 6  # every order here was entered by hand
    tomorrow = datetime.now().date() + timedelta(days=1)
    bar.from_edit.setDate(tomorrow)
    assert shown(panel) == [] and panel.count_label.text() == "0 orders"
    bar.reset()
    assert len(shown(panel)) == 6

    with unit_of_work(session_factory) as s:
        hold_order(s, shop.orders["open"], reason="Address check", actor=ACTOR)
    panel.refresh()
    bar.held_check.setChecked(True)
    assert shown(panel) == [number_of("open")]
    bar.held_check.setChecked(False)
    bar.set_status("attention")  # on hold or risky, unfinished
    assert shown(panel) == [number_of("risky"), number_of("open")]
    assert panel.count_label.text() == "2 orders"


def test_search_box_finds_by_number_email_name_and_sku(qtbot, panel):
    edit = panel.filter_bar.search_edit
    qtbot.keyClicks(edit, "cap-1")  # SKUs are exact
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert shown(panel) == []
    edit.clear()
    qtbot.keyClicks(edit, "CAP-1")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert shown(panel) == [number_of("short"), number_of("draft")]
    edit.clear()
    qtbot.keyClicks(edit, "soren@example.com")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert shown(panel) == [number_of("draft")]
    edit.setText("so-000003")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert shown(panel) == ["SO-000003"]
    edit.setText("müller")  # keyClicks only types ASCII in this build
    # Typing alone searches once the user pauses (debounced).
    qtbot.waitUntil(lambda: shown(panel) == [number_of("draft")], timeout=2000)


def test_header_click_sorts_in_sql(panel):
    total = [c.key for c in ORDER_COLUMNS].index("total")
    panel.view.sortByColumn(total, Qt.SortOrder.AscendingOrder)
    totals = [panel.model.row_at(i).total_minor for i in range(panel.model.rowCount())]
    assert totals == sorted(totals) and panel.filters()[0].sort == "total"
    panel.view.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    assert shown(panel) == sorted(shown(panel), reverse=True)
    country = [c.key for c in ORDER_COLUMNS].index("country")
    panel.view.horizontalHeader().setSortIndicator(country, Qt.SortOrder.AscendingOrder)
    header = panel.view.horizontalHeader()
    assert header.sortIndicatorSection() == 0  # not sortable: the arrow stays on Number
    assert panel.filters()[0].sort == "number"


def test_needs_attention_pages_merge_in_sort_order(session_factory, shop):
    with unit_of_work(session_factory) as s:
        for name in ("open", "short"):
            hold_order(s, shop.orders[name], reason="check", actor=ACTOR)
    unfinished = ("draft", "open", "picking", "packed", "partially_shipped")
    for sort, descending, expected in (
        ("placed_at", True, ["short", "risky", "open"]),
        ("number", False, ["open", "risky", "short"]),
    ):
        filters = [
            OrderFilter(statuses=unfinished, on_hold=True, sort=sort, descending=descending),
            OrderFilter(
                statuses=unfinished,
                on_hold=False,
                risky_only=True,
                sort=sort,
                descending=descending,
            ),
        ]
        fetch, after, seen = page_function(filters), None, []
        with unit_of_work(session_factory, write=False) as s:
            while True:
                page = fetch(s, after, 1)
                seen += [row.number for row in page.rows]
                after = page.next_after
                if after is None:
                    break
        assert seen == [number_of(name) for name in expected]


# ------------------------------------------------------------------------------------ the detail


def test_selecting_shows_detail_and_timeline(qtbot, panel):
    assert panel.detail.stack.currentIndex() == 0  # "select an order"
    select(panel, "unmatched")
    detail = panel.detail
    assert detail.stack.currentIndex() == 1
    assert "SO-000005" in detail.heading_label.text()
    assert detail.fields["ship_to"].text().splitlines()[:2] == ["Caleb Allen", "5 Pine Road"]
    assert detail.fields["location"].text() == "US-WH"
    lines = detail.lines_model
    assert [lines.row_at(r).sku for r in range(lines.rowCount())] == ["ZZZ-9", "MUG-1"]
    assert lines.data(lines.index(0, 0), Qt.ItemDataRole.BackgroundRole) == UNMATCHED_BACKGROUND
    assert lines.data(lines.index(0, 5)) == "$5.00"
    assert not detail.unmatched_banner.isHidden()
    assert detail.totals["total"].text() == "$17.00"
    timeline = detail.timeline_model
    whats = [timeline.data(timeline.index(r, 2)) for r in range(timeline.rowCount())]
    assert whats[-1].startswith("Created SO-000005") and whats[0].startswith("Confirmed")
    assert timeline.data(timeline.index(0, 1)) == ACTOR


def test_detail_models_pass_the_tester(panel, qtmodeltester):
    select(panel, "short")
    assert not panel.detail.short_banner.isHidden()
    assert "CAP-1 × 3" in panel.detail.short_label.text()
    qtmodeltester.check(panel.detail.lines_model)
    qtmodeltester.check(panel.detail.timeline_model)


def test_actions_follow_the_status(panel):
    select(panel, "draft")
    assert panel.confirm_action.isEnabled() and not panel.allocate_action.isEnabled()
    assert panel.hold_action.isEnabled() and not panel.release_action.isEnabled()
    assert panel.cancel_action.isEnabled()
    select(panel, "cancelled")
    enabled = [a.text() for a in panel.order_actions if a.isEnabled()]
    assert enabled == []
    select(panel, "short")
    assert panel.backorder_action.isEnabled() and panel.purchase_action.isEnabled()
    assert panel.split_action.isEnabled() and not panel.confirm_action.isEnabled()
    select(panel, "open", "cancelled")
    assert panel.hold_action.isEnabled() and not panel.cancel_action.isEnabled()


# ----------------------------------------------------------------------------------- the actions


def test_hold_release_and_cancel_through_the_ui(qtbot, panel, session_factory, shop, monkeypatch):
    asked = []
    until = datetime.now(UTC) + timedelta(days=2)
    monkeypatch.setattr(
        prompts,
        "ask_hold",
        lambda parent, numbers: asked.append(numbers) or HoldRequest("Payment check", until),
    )
    monkeypatch.setattr(prompts, "ask_cancel_reason", lambda parent, number: "Customer request")
    order_id = shop.orders["open"]
    select(panel, "open")
    panel.activateWindow()
    qtbot.waitUntil(panel.isActiveWindow)
    panel.view.setFocus()
    qtbot.keyClick(panel.view, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)  # Hold…
    assert asked == [[number_of("open")]]
    held = order_view(session_factory, order_id)
    assert held.on_hold and held.hold_reason == "Payment check"
    assert abs((held.hold_until - until).total_seconds()) < 1
    assert "Payment check" in panel.detail.fields["hold"].text()
    assert panel.release_action.isEnabled() and not panel.hold_action.isEnabled()
    assert panel.selected_ids() == [order_id]  # the reload kept the selection

    panel.release_action.trigger()
    assert not order_view(session_factory, order_id).on_hold
    assert panel.notice_label.text() == f"Released {number_of('open')}"

    panel.cancel_action.trigger()
    cancelled = order_view(session_factory, order_id)
    assert cancelled.status == "cancelled" and [li.allocated for li in cancelled.lines] == [0]
    timeline = panel.detail.timeline_model
    assert "Cancelled (Customer request)" in timeline.data(timeline.index(0, 2))


def test_backing_out_of_a_prompt_changes_nothing(panel, session_factory, shop, monkeypatch):
    monkeypatch.setattr(prompts, "ask_hold", lambda parent, numbers: None)
    select(panel, "open")
    panel.hold_action.trigger()
    assert not order_view(session_factory, shop.orders["open"]).on_hold


def test_bulk_hold_reports_skipped_orders(panel, session_factory, shop, monkeypatch):
    monkeypatch.setattr(
        prompts, "ask_hold", lambda parent, numbers: HoldRequest("Stock count", None)
    )
    select(panel, "open", "risky", "cancelled")
    panel.hold_action.trigger()
    text = panel.notice_label.text()
    assert text.startswith(
        "2 order(s) done, 1 skipped: SO-000006: cannot move order from cancelled"
    )
    assert panel.notice_label.property("tone") == "warning"
    held = [order_view(session_factory, shop.orders[n]).on_hold for n in ("open", "risky")]
    assert held == [True, True]
    assert not order_view(session_factory, shop.orders["cancelled"]).on_hold

    select(panel, "open", "risky", "short")
    panel.release_action.trigger()
    assert panel.notice_label.text().startswith("2 order(s) done, 1 skipped: SO-000004")
    assert not order_view(session_factory, shop.orders["open"]).on_hold


def test_confirm_allocate_and_bulk_allocate(panel, session_factory, shop):
    select(panel, "draft")
    panel.confirm_action.trigger()
    assert order_view(session_factory, shop.orders["draft"]).status == "open"
    assert (
        panel.notice_label.text()
        == f"Confirmed {number_of('draft')}: reserved 0 unit(s) at US-WH; short: CAP-1 × 1"
    )
    with unit_of_work(session_factory) as s:
        receive_stock(s, product_id=shop.cap, bin_id=shop.bin, quantity=10, actor=ACTOR)
    panel.refresh()
    select(panel, "short")
    panel.allocate_action.trigger()
    assert panel.notice_label.text() == f"{number_of('short')}: reserved 3 unit(s) at US-WH"
    assert [li.allocated for li in order_view(session_factory, shop.orders["short"]).lines] == [
        1,
        3,
    ]
    select(panel, "draft", "cancelled")
    panel.allocate_action.trigger()
    assert panel.notice_label.text().startswith("1 order(s) done, 1 skipped: SO-000006")


def test_split_backorder_and_purchase_order(panel, session_factory, shop, monkeypatch):
    select(panel, "short")
    panel.purchase_action.trigger()
    assert panel.notice_label.text().startswith("Created draft purchase order(s) PO-")
    with unit_of_work(session_factory, write=False) as s:
        (po,) = list_purchase_orders(s)
        detail = get_purchase_order(s, po.id)
    assert (detail.supplier_name, [(li.sku, li.ordered) for li in detail.lines]) == (
        "Acme Caps",
        [("CAP-1", 3)],
    )

    panel.backorder_action.trigger()
    original = order_view(session_factory, shop.orders["short"])
    assert [(li.sku, li.quantity) for li in original.lines] == [("MUG-1", 1)]
    assert panel.notice_label.text().startswith(f"{number_of('short')}: moved units to SO-000007")
    assert "SO-000007" in shown(panel)

    select(panel, "open")
    line_id = order_view(session_factory, shop.orders["open"]).lines[0].id
    monkeypatch.setattr(prompts, "ask_split", lambda parent, order: {line_id: 1})
    panel.split_action.trigger()
    assert [li.quantity for li in order_view(session_factory, shop.orders["open"]).lines] == [1]
    assert "SO-000008" in panel.notice_label.text()


def test_link_unmatched_line_to_a_product(panel, session_factory, shop, monkeypatch):
    select(panel, "unmatched")
    assert not panel.link_action.isEnabled()  # no line chosen yet
    panel.detail.lines_view.selectRow(0)
    assert panel.link_action.isEnabled()
    asked = []

    def pick(parent, ops, text, title):
        asked.append(text)
        return PickedProduct(shop.cap, "CAP-1", "Wool Cap", 2500)

    monkeypatch.setattr(prompts, "pick_product", pick)
    panel.link_action.trigger()
    assert asked == ["ZZZ-9"]
    lines = order_view(session_factory, shop.orders["unmatched"]).lines
    assert (lines[0].product_id, lines[0].sku) == (shop.cap, "CAP-1")
    assert panel.detail.unmatched_banner.isHidden()


def test_command_errors_are_shown(panel, session_factory, shop, messages):
    select(panel, "open")
    with unit_of_work(session_factory) as s:  # someone else cancels it meanwhile
        cancel_order(s, shop.orders["open"], reason="phone", actor="other")
    panel.allocate_action.trigger()
    assert "cannot move order from cancelled to allocated" in messages[-1][1]
    assert panel.allocate_action.isEnabled()  # buttons come back after a failure


def test_orders_page_is_registered(ops, qtbot, shop):
    spec = next(spec for spec in PANELS if spec.key == "orders")
    page = spec.build(PanelContext(ops, "test.db"))
    qtbot.addWidget(page)
    assert isinstance(page, OrdersPanel) and page.refresh_on == ("orders",)


# ---------------------------------------------------------------------------------- the dialogs


def test_hold_dialog_needs_a_reason_and_converts_until_to_utc(qtbot):
    dialog = HoldDialog(["SO-000001", "SO-000002"])
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "Hold 2 orders" and not dialog.ok_button.isEnabled()
    qtbot.keyClicks(dialog.reason_combo.lineEdit(), "Fraud review")
    assert dialog.ok_button.isEnabled()
    assert dialog.value() == HoldRequest("Fraud review", None)
    dialog.until_check.setChecked(True)
    until = dialog.value().until
    assert until.tzinfo is not None
    assert timedelta(hours=23) < until - datetime.now(UTC) < timedelta(hours=25)


def test_cancel_and_split_dialogs(qtbot, session_factory, shop):
    cancel = CancelDialog("SO-000001")
    qtbot.addWidget(cancel)
    cancel.accept()
    assert cancel.result() == 0  # no reason yet: stays open
    cancel.reason_combo.setCurrentIndex(0)
    assert cancel.reason() == "Customer request"
    order = order_view(session_factory, shop.orders["short"])
    split = SplitDialog(order)
    qtbot.addWidget(split)
    assert not split.ok_button.isEnabled()
    split.set_quantity(order.lines[1].id, 2)
    assert split.value() == {order.lines[1].id: 2} and split.ok_button.isEnabled()
    assert split.spins[order.lines[1].id].maximum() == 3


def test_product_picker_by_words_and_by_scan(qtbot, ops, shop):
    dialog = ProductPickerDialog(ops, "wool")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    assert dialog.model.rowCount() == 1 and dialog.ok_button.isEnabled()
    assert dialog.status_label.text() == "1 product(s) found"
    dialog.search_edit.setFocus()
    qtbot.keyClick(dialog.search_edit, Qt.Key.Key_Down)
    assert dialog.results_view.hasFocus()
    qtbot.keyClick(dialog.results_view, Qt.Key.Key_Return)
    assert dialog.chosen.sku == "CAP-1" and dialog.result() == 1

    scan = ProductPickerDialog(ops)
    qtbot.addWidget(scan)
    qtbot.keyClicks(scan.search_edit, "4006381333931")
    qtbot.keyClick(scan.search_edit, Qt.Key.Key_Return)
    assert scan.chosen is not None and scan.chosen.sku == "MUG-1"
    assert scan.chosen.price_minor == 1200 and scan.chosen.available == 10 - 2 - 1 - 1 - 1


def test_nothing_selected_clears_the_detail(panel):
    select(panel, "open")
    panel.view.selectionModel().setCurrentIndex(
        QModelIndex(), QItemSelectionModel.SelectionFlag.Clear
    )
    assert panel.detail.stack.currentIndex() == 0
    assert not panel.hold_action.isEnabled()


@pytest.mark.slow
def test_works_with_real_worker_threads(qtbot, database, shop, monkeypatch):
    from ui.ops import Ops

    hub = Ops(database.session_factory)
    try:
        widget = OrdersPanel(hub)
        qtbot.addWidget(widget)
        widget.show()
        qtbot.waitUntil(lambda: widget.model.rowCount() == 6 and widget.count == 6, timeout=5000)
        select(widget, "risky")
        qtbot.waitUntil(lambda: widget.detail.order is not None, timeout=5000)
        assert widget.detail.order.id == shop.orders["risky"]
        monkeypatch.setattr(prompts, "ask_hold", lambda parent, numbers: HoldRequest("x", None))
        widget.hold_action.trigger()
        qtbot.waitUntil(lambda: widget.notice_label.text() == "Held SO-000003", timeout=5000)
        assert order_view(database.session_factory, shop.orders["risky"]).on_hold
        qtbot.waitUntil(lambda: widget.selected_ids() == [shop.orders["risky"]], timeout=5000)
        qtbot.waitUntil(lambda: widget.release_action.isEnabled(), timeout=5000)
    finally:
        hub.shutdown()


def test_fits_a_small_main_window(qtbot, ops, ui_settings, shop):
    from ui.main_window import MainWindow

    orders = tuple(spec for spec in PANELS if spec.key == "orders")  # other pages have their own
    window = MainWindow(ops, ui_settings, database_name="db", panels=orders)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.resize(720, 530)  # the offscreen screen is 800×600
    window.show_panel("orders")
    qtbot.wait(10)
    assert (window.width(), window.height()) == (720, 530)
    panel = window.panel("orders")
    assert panel.model.rowCount() == 6


def test_add_selected_orders_to_a_pick_list(panel, session_factory, shop):
    select(panel, "open", "cancelled")
    assert panel.pick_action.isEnabled()
    panel.pick_action.trigger()
    assert panel.notice_label.text().startswith("PL-000001: 1 order(s), 1 skipped")
    assert panel.notice_label.property("tone") == "warning"
    assert order_view(session_factory, shop.orders["open"]).status == "picking"
