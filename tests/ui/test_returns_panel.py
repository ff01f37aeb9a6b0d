"""Returns panel: the RMA table and filters, the detail pane and its actions, return slips."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtWidgets import QWidget

from app.orders.queries import get_order
from app.returns.services import receive_return_item
from app.uow import unit_of_work
from tests.ui.test_returns_fixtures import (
    ACTOR,
    build_shop,
    click,
    rma_for,
    rma_view,
    shipped_order,
)
from ui.navigation import PANELS, PanelContext
from ui.ops import Ops
from ui.returns import printing, prompts
from ui.returns.dialogs import RefundDialog, RefundRequest, RejectDialog, StoreCreditDialog
from ui.returns.return_table import RETURN_COLUMNS
from ui.returns.returns_panel import ReturnsPanel
from ui.widgets.pdf import PdfPreviewDialog


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
def make_panel(qtbot, ops, tmp_path, previews):
    def make() -> ReturnsPanel:
        panel = ReturnsPanel(ops, exports_dir=tmp_path / "exports")
        qtbot.addWidget(panel)
        panel.resize(1280, 800)
        panel.show()
        return panel

    return make


def texts(panel: ReturnsPanel, row: int) -> dict[str, str]:
    return {column.key: panel.model.index(row, i).data() for i, column in enumerate(RETURN_COLUMNS)}


def receive(session_factory, rma_id: int, code: str, quantity: int, disposition="restock"):
    with unit_of_work(session_factory) as s:
        receive_return_item(
            s,
            rma_id,
            code,
            condition="new",
            disposition=disposition,
            quantity=quantity,
            actor=ACTOR,
        )


def test_table_lists_returns_and_passes_the_model_tester(
    qtmodeltester, session_factory, shop, make_panel
):
    first = shipped_order(session_factory, (shop.mug, 2), (shop.cap, 1))
    second = shipped_order(session_factory, (shop.cap, 2), email="sam@example.com")
    rma_for(session_factory, first, (0, 2, "damaged"), (1, 1, "wrong_item"))
    rma_id, _ = rma_for(session_factory, second, (0, 1, "no_longer_needed"), authorize=False)
    receive(session_factory, 1, "MUG-1", 1)

    panel = make_panel()
    assert panel.model.rowCount() == 2
    assert texts(panel, 0) | {"created": ""} == {
        "number": "RMA-000002",
        "created": "",
        "order": "SO-000002",
        "customer": "Zoë Łukasiewicz",
        "status": "Requested",
        "resolution": "",
        "units": "0 / 1",
        "reasons": "No longer needed",
        "money": "",
    }
    assert (texts(panel, 1)["units"], texts(panel, 1)["reasons"]) == (
        "1 / 3",
        "Damaged, Wrong item",
    )
    assert panel.count_label.text() == "2 returns"
    qtmodeltester.check(panel.model)

    panel.table.selectRow(1)
    detail = panel.detail
    assert detail.view is not None and detail.view.number == "RMA-000001"
    assert detail.heading_label.text() == "RMA-000001 · Authorized"
    assert detail.fact_labels["value"].text() == "$32.00 for 3 unit(s), 1 received"
    assert detail.fact_labels["order_money"].text() == (
        "paid $32.00, refunded $0.00; $32.00 refundable"
    )
    assert [(x.sku, x.quantity, x.received, x.disposition) for x in detail.lines_model.rows()] == [
        ("MUG-1", 1, 0, None),
        ("MUG-1", 1, 1, "restock"),
        ("CAP-1", 1, 0, None),
    ]
    assert detail.lines_model.index(1, 7).data() == "A-01"
    qtmodeltester.check(detail.lines_model)
    visible = [b.text() for b in detail.action_buttons if b.isVisibleTo(detail)]
    assert visible == [
        "Recei&ve…",
        "&Refund…",
        "E&xchange",
        "&Store credit…",
        "Close accepting &missing units…",
    ]
    assert panel.selected_id == 1 and rma_id == 2


def test_filters_and_search(session_factory, shop, make_panel):
    first = shipped_order(session_factory, (shop.mug, 2))
    second = shipped_order(session_factory, (shop.cap, 2), email="sam@example.com")
    rma_for(session_factory, first, (0, 1, "damaged"))
    rma_for(session_factory, second, (0, 1, "wrong_item"), authorize=False)
    panel = make_panel()
    bar = panel.filter_bar

    def numbers() -> list[str]:
        return [row.number for row in panel.model.rows()]

    assert numbers() == ["RMA-000002", "RMA-000001"]
    bar.set_status("requested")
    assert numbers() == ["RMA-000002"]
    bar.set_status(None)
    bar.reason_combo.setCurrentIndex(bar.reason_combo.findData("damaged"))
    assert numbers() == ["RMA-000001"]
    bar.reason_combo.setCurrentIndex(0)
    bar.search_edit.setText("so-000002")
    bar.apply()
    assert numbers() == ["RMA-000002"]
    bar.search_edit.setText("sam@example")
    bar.apply()
    assert numbers() == ["RMA-000002"]
    bar.search_edit.setText("RMA-000001")
    bar.apply()
    assert numbers() == ["RMA-000001"]
    bar.search_edit.setText("nobody")
    bar.apply()
    assert numbers() == [] and panel.count_label.text() == "0 returns"


def test_authorize_then_reject(qtbot, monkeypatch, session_factory, shop, make_panel):
    order = shipped_order(session_factory, (shop.mug, 1))
    rma_id, _ = rma_for(session_factory, order, (0, 1, "damaged"), authorize=False)
    panel = make_panel()
    panel.select_rma(rma_id)
    detail = panel.detail
    assert detail.authorize_button.isVisibleTo(detail)
    assert not detail.refund_button.isVisibleTo(detail)
    click(qtbot, detail.authorize_button)
    assert rma_view(session_factory, rma_id).status == "authorized"
    assert detail.heading_label.text() == "RMA-000001 · Authorized"
    assert detail.notice_label.text() == "Authorized RMA-000001."
    assert panel.model.index(0, 4).data() == "Authorized"

    asked = []
    monkeypatch.setattr(
        prompts, "ask_reject_reason", lambda parent, number: asked.append(number) or "Too late"
    )
    detail.reject_button.click()
    assert asked == ["RMA-000001"]
    view = rma_view(session_factory, rma_id)
    assert (view.status, view.notes) == ("rejected", "Rejected: Too late")
    assert detail.close_button.isVisibleTo(detail)
    detail.close_button.click()
    assert rma_view(session_factory, rma_id).status == "closed"
    assert detail.heading_label.text() == "RMA-000001 · Closed"
    assert not any(b.isVisibleTo(detail) for b in detail.action_buttons)


def test_reject_dialog_needs_a_reason(qtbot):
    dialog = RejectDialog("RMA-000001")
    qtbot.addWidget(dialog)
    assert not dialog.ok_button.isEnabled()
    dialog.reason_combo.setEditText("Used for a month")
    assert dialog.ok_button.isEnabled() and dialog.reason() == "Used for a month"


def test_refund_defaults_to_the_goods_and_beyond_refundable_is_refused(
    qtbot, monkeypatch, messages, session_factory, shop, make_panel
):
    order = shipped_order(session_factory, (shop.mug, 2))
    rma_id, _ = rma_for(session_factory, order, (0, 2, "damaged"))
    panel = make_panel()
    panel.select_rma(rma_id)
    view = panel.detail.view

    dialog = RefundDialog(view, panel.detail.value_minor)
    qtbot.addWidget(dialog)
    assert dialog.amount_edit.text() == "24.00"
    assert dialog.limit_label.text() == ("At most $24.00 refundable (paid $24.00, refunded $0.00).")
    assert dialog.ok_button.isEnabled()
    dialog.amount_edit.setText("30")
    assert not dialog.ok_button.isEnabled()
    assert dialog.error_label.text() == "At most $24.00 can be refunded; $30.00 is too much."
    dialog.amount_edit.setText("12,5")
    assert dialog.value() == RefundRequest(1250, "Original payment")

    requests = [RefundRequest(1000, "Card"), RefundRequest(1500, "Card")]
    defaults = []

    def ask(parent, shown, default):
        defaults.append((shown.refundable_minor, default))
        return requests.pop(0)

    monkeypatch.setattr(prompts, "ask_refund", ask)
    panel.detail.refund_button.click()
    assert panel.detail.notice_label.text() == "Refunded $10.00."
    assert panel.detail.heading_label.text() == "RMA-000001 · Authorized · Refund"
    panel.detail.refund_button.click()
    assert defaults == [(2400, 2400), (1400, 1400)]  # default capped at what is refundable
    assert messages == [
        (
            "Packbench",
            "at most $14.00 can be refunded on order SO-000001 (paid $24.00, refunded $10.00); "
            "$15.00 is too much",
        )
    ]
    view = rma_view(session_factory, rma_id)
    assert (view.refund_minor, view.refund_method, view.refundable_minor) == (1000, "Card", 1400)
    assert panel.model.index(0, 8).data() == "$10.00 refund"


def test_exchange_creates_a_linked_order(monkeypatch, session_factory, shop, make_panel):
    order = shipped_order(session_factory, (shop.mug, 2))
    rma_id, _ = rma_for(session_factory, order, (0, 2, "wrong_item"))
    receive(session_factory, rma_id, "MUG-1", 2)
    panel = make_panel()
    panel.select_rma(rma_id)
    detail = panel.detail
    questions = []
    monkeypatch.setattr(
        prompts, "confirm", lambda parent, title, text: questions.append(text) or True
    )
    detail.exchange_button.click()
    assert "the same products (2 units), no charge" in questions[0]
    view = rma_view(session_factory, rma_id)
    assert view.exchange_order_number == "SO-000002"
    assert detail.notice_label.text() == "Exchange order SO-000002 created."
    assert detail.fact_labels["exchange"].text() == "SO-000002"
    assert not detail.exchange_button.isVisibleTo(detail)
    with unit_of_work(session_factory, write=False) as s:
        new = get_order(s, view.exchange_order_id)
    assert (new.parent_number, new.status, [(x.sku, x.quantity) for x in new.lines]) == (
        "SO-000001",
        "open",
        [("MUG-1", 2)],
    )
    # the order is now a resolution: the RMA can be closed
    detail.close_button.click()
    assert rma_view(session_factory, rma_id).status == "closed"


def test_store_credit_then_close(monkeypatch, messages, session_factory, shop, make_panel):
    order = shipped_order(session_factory, (shop.cap, 2))
    rma_id, _ = rma_for(session_factory, order, (0, 2, "no_longer_needed"))
    with unit_of_work(session_factory) as s:
        receive_return_item(
            s,
            rma_id,
            "CAP-1",
            condition="new",
            disposition="restock",
            bin_id=shop.shelf,
            quantity=2,
            actor=ACTOR,
        )
    panel = make_panel()
    panel.select_rma(rma_id)
    detail = panel.detail
    detail.close_button.click()  # no resolution yet: refused with the service's words
    assert messages[-1][1].endswith("refund, exchange or give store credit first")
    defaults = []
    monkeypatch.setattr(
        prompts, "ask_store_credit", lambda parent, view, default: defaults.append(default) or 1600
    )
    detail.credit_button.click()
    assert defaults == [1600]
    assert detail.notice_label.text() == "Store credit of $16.00 given."
    detail.close_button.click()
    view = rma_view(session_factory, rma_id)
    assert (view.status, view.resolution, view.store_credit_minor) == (
        "closed",
        "store_credit",
        1600,
    )
    assert texts(panel, 0)["status"] == "Closed"
    assert texts(panel, 0)["money"] == "$16.00 credit"


def test_store_credit_dialog_wants_an_amount(qtbot, session_factory, shop):
    order = shipped_order(session_factory, (shop.cap, 1))
    rma_id, _ = rma_for(session_factory, order, (0, 1, "damaged"))
    dialog = StoreCreditDialog(rma_view(session_factory, rma_id), 800)
    qtbot.addWidget(dialog)
    assert dialog.value() == 800
    dialog.amount_edit.setText("0")
    assert not dialog.ok_button.isEnabled() and dialog.value() is None
    dialog.amount_edit.setText("abc")
    assert dialog.error_label.text() == "'abc' is not an amount."


def test_close_accepting_missing_units(monkeypatch, session_factory, shop, make_panel):
    order = shipped_order(session_factory, (shop.mug, 3))
    rma_id, _ = rma_for(session_factory, order, (0, 3, "damaged"))
    receive(session_factory, rma_id, "MUG-1", 1, disposition="scrap")
    panel = make_panel()
    panel.select_rma(rma_id)
    detail = panel.detail
    assert detail.close_missing_button.isVisibleTo(detail)
    assert not detail.close_button.isVisibleTo(detail)
    assert not detail.reject_button.isVisibleTo(detail)  # units arrived: too late to reject
    monkeypatch.setattr(prompts, "ask_store_credit", lambda parent, view, default: 1200)
    detail.credit_button.click()
    questions = []
    monkeypatch.setattr(
        prompts, "confirm", lambda parent, title, text: questions.append(text) or True
    )
    detail.close_missing_button.click()
    assert questions[0].startswith("2 units of RMA-000001 never arrived")
    view = rma_view(session_factory, rma_id)
    assert view.status == "closed"
    assert [(x.quantity, x.received) for x in view.lines] == [(1, 1)]


def test_print_return_slip_writes_the_pdf_and_previews_it(
    qtbot, session_factory, shop, make_panel, previews, tmp_path
):
    order = shipped_order(session_factory, (shop.mug, 1))
    rma_id, _ = rma_for(session_factory, order, (0, 1, "not_as_described"))
    panel = make_panel()
    panel.select_rma(rma_id)
    panel.detail.print_button.click()
    path = tmp_path / "exports" / "RMA-000001.pdf"
    assert previews == [(path, "Return slip RMA-000001")]
    assert path.read_bytes().startswith(b"%PDF")
    assert panel.printer.last_path == path
    preview = PdfPreviewDialog(path, "Return slip RMA-000001")
    qtbot.addWidget(preview)
    assert preview.document.pageCount() == 1


def test_navigation_builds_the_returns_panel(qtbot, ops, tmp_path):
    spec = next(spec for spec in PANELS if spec.key == "returns")
    log_path = tmp_path / "data" / "logs" / "packbench.log"
    panel = spec.build(PanelContext(ops, "test.sqlite3", log_path))
    qtbot.addWidget(panel)
    assert isinstance(panel, ReturnsPanel)
    assert panel.printer.exports_dir == tmp_path / "data" / "exports"
    assert panel.refresh_on == ("returns", "orders", "stock")


def test_the_slip_renders_off_the_gui_thread(
    qtbot, monkeypatch, session_factory, shop, previews, tmp_path
):
    order = shipped_order(session_factory, (shop.mug, 1))
    rma_id, _ = rma_for(session_factory, order, (0, 1, "damaged"))
    on_gui_thread = []
    render = printing.render_slip_file

    def spy(doc, paper, folder):
        on_gui_thread.append(threading.current_thread() is threading.main_thread())
        return render(doc, paper, folder)

    monkeypatch.setattr(printing, "render_slip_file", spy)
    hub = Ops(session_factory)  # real reader, writer and network pools
    owner = QWidget()
    qtbot.addWidget(owner)
    printer = printing.ReturnSlipPrinter(hub, tmp_path / "out", owner)
    try:
        with qtbot.waitSignal(printer.printed, timeout=10_000) as printed:
            printer.print_slip(rma_id)
    finally:
        hub.shutdown()
    assert printed.args == [tmp_path / "out" / "RMA-000001.pdf"]
    assert on_gui_thread == [False]
    assert previews == [(tmp_path / "out" / "RMA-000001.pdf", "Return slip RMA-000001")]
