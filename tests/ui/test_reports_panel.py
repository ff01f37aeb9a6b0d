"""Reports panel: figures for a fixed range, channel filter, lazy tabs, CSV / PNG / PDF exports."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from app.changes import ChangeSet
from app.orders.services import hold_order
from app.uow import unit_of_work
from db.models import OrderLine, ReturnAuthorization, ReturnLine, Shipment, ShipmentLine
from tests.app.report_fixtures import ACTOR, DAY2, build_report_shop
from tests.ui.helpers import DeferredExecutor
from ui.ops import Ops, SynchronousExecutor
from ui.reports import export
from ui.reports.reports_panel import ReportsPanel

NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)
TODAY = NOW.date()


def build_shop(session_factory) -> dict[str, int]:
    """Mug 10.00 (cost 4.00, reorder point 50), cap 25.00 (cost 10.00), lamp 50.00 (cost 30.00).
    Stock on A-01: 20 mugs, 10 caps, 2 lamps; 3 mugs in quarantine.

    SO-1 day 1 manual 2 mugs + 1 cap + 5.00 shipping = 50.00 (shipped day 2 16:00, +30 h);
    SO-2 day 1 web 1 mug 10.00 (a shipment left "today", 10 Mar 08:00);
    SO-3 day 2 web 3 caps 75.00, on hold (shipped day 2 20:00, +5 h);
    SO-4 day 2 manual 1 mug, cancelled;
    SO-5 today 09:00 manual 1 lamp 50.00; SO-6 today 10:00 web 2 mugs 20.00.
    Returns (RMAs of day 2): SO-1 one mug (damaged), SO-3 one cap (wrong item).
    """
    with unit_of_work(session_factory) as s:
        shop = build_report_shop(s)  # tests/app/report_fixtures: SO-1…SO-4, SH-1, SH-2
        mug, cap, lamp, web = shop["mug"], shop["cap"], shop["lamp"], shop["web"]
        o1, o2, o3, make = shop["o1"], shop["o2"], shop["o3"], shop["make"]
        hold_order(s, o3, reason="check address", actor=ACTOR)
        make([(lamp, 1)], NOW - timedelta(hours=3))
        make([(mug, 2)], NOW - timedelta(hours=2), web)

        def lines_of(order_id):
            return {
                line.product_id: line.id for line in s.query(OrderLine).filter_by(order_id=order_id)
            }

        s.add(
            Shipment(
                number="SH-3",
                order_id=o2,
                status="shipped",
                created_at=DAY2,
                shipped_at=NOW.replace(hour=8),
            )
        )
        l1, l3 = lines_of(o1), lines_of(o3)
        s.add_all(
            [
                ShipmentLine(shipment_id=shop["sh1"], order_line_id=l1[mug], quantity=2),
                ShipmentLine(shipment_id=shop["sh1"], order_line_id=l1[cap], quantity=1),
                ShipmentLine(shipment_id=shop["sh2"], order_line_id=l3[cap], quantity=3),
            ]
        )
        for number, order_id, line_id, reason in (
            ("RMA-1", o1, l1[mug], "damaged"),
            ("RMA-2", o3, l3[cap], "wrong_item"),
        ):
            rma = ReturnAuthorization(
                rma_number=number, order_id=order_id, status="authorized", created_at=DAY2
            )
            s.add(rma)
            s.flush()
            s.add(ReturnLine(rma_id=rma.id, order_line_id=line_id, quantity=1, reason=reason))
    return {"web": web, "mug": mug, "cap": cap, "lamp": lamp, "o1": o1, "o3": o3}


@pytest.fixture
def shop(session_factory):
    return build_shop(session_factory)


@pytest.fixture
def panel(qtbot, ops, shop, tmp_path) -> ReportsPanel:
    widget = ReportsPanel(ops, exports_dir=tmp_path / "exports", clock=lambda: NOW)
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    widget.show()
    qtbot.waitExposed(widget)
    widget.show_filtered(date_from=date(2026, 3, 2), date_to=date(2026, 3, 3))
    return widget


def shown(panel: ReportsPanel, key: str) -> list[list[str]]:
    return panel.show_tab(key).model.display_rows()


def test_sales_by_day_for_a_fixed_range(panel):
    assert panel.current_tab().key == "sales_by_day"
    assert shown(panel, "sales_by_day") == [
        ["2026-03-02", "Manual", "USD", "1", "3", "$50.00"],
        ["2026-03-02", "Web", "USD", "1", "1", "$10.00"],
        ["2026-03-03", "Web", "USD", "1", "3", "$75.00"],
    ]
    tab = panel.tabs["sales_by_day"]
    assert "3 orders, 7 units, $135.00" in tab.note_label.text()
    assert tab.chart_view.chart().title() == "Revenue and orders per day (USD)"
    assert tab.chart_view.chart().series()[0].barSets()[0].at(0) == 60.0  # 2 Mar: 50 + 10


def test_channel_filter_narrows_every_sales_report(panel, shop):
    assert [panel.filter_bar.channel_combo.itemText(i) for i in range(3)] == [
        "All channels",
        "Manual orders",
        "Web",
    ]
    panel.show_filtered(
        date_from=date(2026, 3, 2), date_to=date(2026, 3, 3), channel_id=shop["web"]
    )
    assert [row[1] for row in shown(panel, "sales_by_day")] == ["Web", "Web"]
    assert shown(panel, "sales_by_channel") == [["Web", "USD", "2", "$85.00", "$42.50", "100.0 %"]]
    panel.filter_bar.set_channel(0)  # manual orders only
    assert shown(panel, "sales_by_channel") == [
        ["Manual", "USD", "1", "$50.00", "$50.00", "100.0 %"]
    ]
    assert shown(panel, "top_products") == [
        ["1", "MUG", "Mug", "2", "$20.00"],
        ["2", "CAP", "Cap", "1", "$25.00"],
    ]


def test_sales_by_channel_and_top_products(panel):
    assert shown(panel, "sales_by_channel") == [
        ["Web", "USD", "2", "$85.00", "$42.50", "63.0 %"],
        ["Manual", "USD", "1", "$50.00", "$50.00", "37.0 %"],
    ]
    assert shown(panel, "top_products") == [
        ["1", "CAP", "Cap", "4", "$100.00"],
        ["2", "MUG", "Mug", "3", "$30.00"],
    ]
    tab = panel.tabs["top_products"]
    tab.set_ranked_by("revenue")
    assert tab.result[2] == "revenue"
    assert tab.chart_view.chart().title() == "Top products by revenue (USD)"
    assert [row[1] for row in tab.model.display_rows()] == ["CAP", "MUG"]


def test_fulfilment_returns_and_stock(panel):
    fulfilment = shown(panel, "fulfilment")
    assert fulfilment[0] == ["under 1 day", "1", "50.0 %"]
    assert fulfilment[1] == ["1–2 days", "1", "50.0 %"]
    assert (
        "Median time from placed to shipped: 1.2 days" in panel.tabs["fulfilment"].note_label.text()
    )
    assert shown(panel, "returns") == [
        ["CAP", "Cap", "4", "1", "25.0 %", "Wrong item 1"],
        ["MUG", "Mug", "2", "1", "50.0 %", "Damaged 1"],
    ]
    assert not panel.filter_bar.channel_combo.isEnabled()  # returns ignore the channel
    assert shown(panel, "stock_value") == [
        ["MAIN — Main", "3", "32", "$240.00", "$550.00", "3"],
        ["All locations", "3", "32", "$240.00", "$550.00", "3"],
    ]
    assert not panel.filter_bar.preset_combo.isEnabled()  # stock value is "now"


def test_slow_movers_and_reorder_suggestions(panel):
    # Last 30 days to 10 Mar: lamp sold 1 (today), cap 4, mug 2 + 1 + 2 = 5 (cancelled not).
    assert shown(panel, "slow_movers") == [
        ["LAMP", "Lamp", "2", "1", "$60.00", "2026-03-10"],
        ["CAP", "Cap", "10", "4", "$100.00", "2026-03-03"],
        ["MUG", "Mug", "20", "5", "$80.00", "2026-03-10"],
    ]
    tab = panel.tabs["slow_movers"]
    tab.days_spin.setValue(7)  # 3 Mar … 10 Mar: SO-1/SO-2 of 2 Mar drop out
    assert [row[:4] for row in tab.model.display_rows()] == [
        ["LAMP", "Lamp", "2", "1"],
        ["MUG", "Mug", "20", "2"],
        ["CAP", "Cap", "10", "3"],
    ]
    reorder = shown(panel, "reorder")
    mug = next(row for row in reorder if row[1] == "MUG")
    assert mug[0] == "No supplier" and mug[-1] == "reorder point"
    assert int(mug[9]) >= 50 - int(mug[6]) + 1  # enough to lift it above the reorder point


def test_only_the_visible_tab_queries_and_changes_reload_it(panel, ops, monkeypatch):
    assert panel.tabs["sales_by_day"].result is not None
    assert all(panel.tabs[key].result is None for key in panel.tabs if key != "sales_by_day")
    calls: list[str] = []
    for key, tab in panel.tabs.items():
        original = tab.query
        monkeypatch.setattr(
            tab,
            "query",
            lambda request, key=key, original=original: (calls.append(key), original(request))[1],
        )
    panel.show_tab("top_products")
    panel.show_tab("sales_by_day")  # loaded for this range already: no query
    assert calls == ["top_products"]
    ops.changes_applied.emit(ChangeSet(settings=False, pick_lists=True))  # not shown here
    assert calls == ["top_products"]
    ops.changes_applied.emit(ChangeSet(orders=True))
    assert calls == ["top_products", "sales_by_day"]
    panel.show_tab("top_products")  # invalidated by the change: queries again when shown
    assert calls == ["top_products", "sales_by_day", "top_products"]


def test_superseded_results_are_dropped(qtbot, database, shop, tmp_path):
    deferred = DeferredExecutor()
    sync = SynchronousExecutor()
    hub = Ops(database.session_factory, writer=sync, reader=deferred, network=sync)
    widget = ReportsPanel(hub, exports_dir=tmp_path, clock=lambda: NOW)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    tab = widget.tabs["sales_by_day"]
    presented: list[int] = []
    original = tab.present
    tab.present = lambda result: (presented.append(len(result[0])), original(result))
    widget.show_filtered(date_from=date(2026, 3, 2), date_to=date(2026, 3, 2))
    widget.show_filtered(date_from=date(2026, 3, 3), date_to=date(2026, 3, 3))
    deferred.run_all()
    qtbot.waitUntil(lambda: hub.pending == 0)
    assert presented == [1]  # only the last request's rows (3 Mar) were shown
    assert tab.model.display_rows() == [["2026-03-03", "Web", "USD", "1", "3", "$75.00"]]
    hub.shutdown()


def test_csv_export_writes_the_table_for_spreadsheets(panel, monkeypatch, tmp_path):
    target = tmp_path / "out" / "sales"
    asked: list[Path] = []

    def choose(parent, caption, suggested, name_filter):
        asked.append(suggested)
        return target

    monkeypatch.setattr(export, "choose_save_path", choose)
    tab = panel.tabs["sales_by_day"]
    tab.csv_button.click()
    assert asked[0].name == "sales_by_day_2026-03-02_2026-03-03.csv"
    written = target.with_name("sales.csv")
    assert tab.last_export == written
    raw = written.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark for spreadsheets
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows == [
        ["Day", "Channel", "Currency", "Orders", "Units", "Revenue"],
        ["2026-03-02", "Manual", "USD", "1", "3", "50.00"],
        ["2026-03-02", "Web", "USD", "1", "1", "10.00"],
        ["2026-03-03", "Web", "USD", "1", "3", "75.00"],
    ]
    assert not list(written.parent.glob("*.part"))


def test_csv_of_returns_keeps_rates_as_numbers(panel, monkeypatch, tmp_path):
    monkeypatch.setattr(export, "choose_save_path", lambda *a: tmp_path / "returns.csv")
    panel.show_tab("returns").export_csv()
    text = (tmp_path / "returns.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines()[1] == "CAP,Cap,4,1,25.00,Wrong item 1"


def test_chart_exports_png_and_pdf(panel, monkeypatch, tmp_path):
    tab = panel.show_tab("top_products")
    monkeypatch.setattr(export, "choose_save_path", lambda *a: tmp_path / "chart.png")
    tab.png_button.click()
    image = QImage(str(tmp_path / "chart.png"))
    assert not image.isNull() and image.width() > 100 and image.height() > 100
    monkeypatch.setattr(export, "choose_save_path", lambda *a: tmp_path / "chart")
    tab.pdf_button.click()
    pdf = (tmp_path / "chart.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000
    assert tab.last_export == tmp_path / "chart.pdf"


def test_cancelled_and_failed_exports(panel, monkeypatch, tmp_path, messages):
    tab = panel.tabs["sales_by_day"]
    monkeypatch.setattr(export, "choose_save_path", lambda *a: None)
    assert tab.export_csv() is None and messages == []
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setattr(export, "choose_save_path", lambda *a: blocker / "sales.csv")
    assert tab.export_csv() is None
    assert len(messages) == 1 and messages[0][1].startswith("Could not save")


def test_presets_and_custom_range(panel):
    bar = panel.filter_bar
    bar.set_preset("last_month")
    assert bar.dates() == (date(2026, 2, 1), date(2026, 2, 28))
    assert not bar.from_edit.isEnabled()
    bar.set_preset("this_month")
    assert bar.dates() == (date(2026, 3, 1), date(2026, 3, 10))
    assert [row[0] for row in shown(panel, "sales_by_day")] == [
        "2026-03-02",
        "2026-03-02",
        "2026-03-03",
        "2026-03-10",
        "2026-03-10",
    ]
    panel.show_filtered(preset="today", tab="sales_by_day")
    assert shown(panel, "sales_by_day") == [
        ["2026-03-10", "Manual", "USD", "1", "1", "$50.00"],
        ["2026-03-10", "Web", "USD", "1", "2", "$20.00"],
    ]
    bar.set_range(date(2026, 3, 3), date(2026, 3, 2))  # backwards: swapped
    assert bar.preset == "custom" and bar.dates() == (date(2026, 3, 2), date(2026, 3, 3))
    assert bar.from_edit.isEnabled() and bar.to_edit.isEnabled()
    with pytest.raises(KeyError):
        panel.show_filtered(tab="nope")


def test_empty_range_says_so(panel):
    panel.show_filtered(date_from=date(2025, 1, 1), date_to=date(2025, 1, 31))
    tab = panel.show_tab("sales_by_day")
    assert tab.model.rowCount() == 0
    assert "no sales" in tab.chart_view.chart().title()
    assert "0 orders" in tab.note_label.text()


@pytest.mark.slow
def test_reports_load_on_a_worker_thread(qtbot, database, shop, tmp_path):
    hub = Ops(database.session_factory)  # real reader threads
    widget = ReportsPanel(hub, exports_dir=tmp_path, clock=lambda: NOW)
    qtbot.addWidget(widget)
    tab = widget.tabs["sales_by_day"]
    with qtbot.waitSignal(tab.loaded, timeout=10_000):
        widget.show()
    assert [row[0] for row in tab.model.display_rows()][-1] == "2026-03-10"  # last 30 days
    with qtbot.waitSignal(widget.tabs["stock_value"].loaded, timeout=10_000):
        widget.show_tab("stock_value")
    assert widget.tabs["stock_value"].model.rowCount() == 2
    qtbot.waitUntil(lambda: hub.pending == 0)
    hub.shutdown()
