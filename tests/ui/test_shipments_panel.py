"""Shipments panel: lazy table, search by tracking/shipment/order, detail, void, ship, mail."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from PySide6.QtCore import Qt

import ui.shipping.printing as printing
from app.inventory.dto import ProductInput
from app.inventory.ledger import receive_stock
from app.inventory.locations import create_bin, create_location
from app.inventory.products import create_product
from app.notifications import list_mail, send_pending_mail
from app.orders.address import Address
from app.orders.dto import LineInput, OrderInput
from app.orders.queries import get_order
from app.orders.services import create_order
from app.settings import update_settings
from app.shipping.services import (
    complete_packing,
    get_shipment,
    ship_shipment,
    start_packing,
    verify_item,
)
from app.uow import unit_of_work
from ui.shipping import prompts, tracking_import
from ui.shipping.printing import PrintOutcome
from ui.shipping.ship_form import ShipDialog, ShipRequest
from ui.shipping.shipments_panel import MAIL, ShipmentsPanel, search_text

ACTOR = "packer"
UPS = "1Z999AA10123456784"
UPS_2 = "1Z999AA10123456793"
ADDRESS = Address("Ann Example", "1 Main St", "Austin", "73301", "US", "TX")


def _order(s, product_id: int, email: str | None = None) -> int:
    data = OrderInput((LineInput(product_id=product_id, quantity=1),), ADDRESS, email=email)
    return create_order(s, data, actor=ACTOR).id


def _pack(s, order_id: int) -> int:
    shipment = start_packing(s, order_id, actor=ACTOR)
    verify_item(s, shipment.id, "MUG-1")
    return complete_packing(s, shipment.id, actor=ACTOR).shipment.id


@pytest.fixture
def shipments(session_factory) -> dict[str, int]:
    """SH-000001 shipped with UPS, SH-000002 packed, SH-000003 being packed."""
    with unit_of_work(session_factory) as s:
        main = create_location(s, code="MAIN", name="Main", actor=ACTOR).id
        shelf = create_bin(s, location_id=main, code="A-01", actor=ACTOR).id
        mug = create_product(s, ProductInput(sku="MUG-1", name="Mug"), actor=ACTOR).id
        receive_stock(s, product_id=mug, bin_id=shelf, quantity=10, actor=ACTOR)
        update_settings(s, {"mail.notify_shipped": True}, actor=ACTOR)
        orders = [_order(s, mug, email="ann@example.com") for _ in range(3)]
        shipped = _pack(s, orders[0])
        ship_shipment(s, shipped, carrier="ups", tracking_number=UPS, actor=ACTOR)
        packed = _pack(s, orders[1])
        packing = start_packing(s, orders[2], actor=ACTOR).id
    return {"shipped": shipped, "packed": packed, "packing": packing, "order": orders[0]}


@pytest.fixture
def panel(qtbot, ops):
    widget = ShipmentsPanel(ops)
    qtbot.addWidget(widget)
    widget.resize(1100, 760)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def numbers(panel: ShipmentsPanel) -> list[str]:
    return [panel.model.row_at(r).number for r in range(panel.model.rowCount())]


def search(qtbot, panel: ShipmentsPanel, text: str) -> list[str]:
    panel.search_field.clear()
    qtbot.keyClicks(panel.search_field, text)
    qtbot.keyClick(panel.search_field, Qt.Key.Key_Return)
    return numbers(panel)


def test_table_lists_newest_first_and_passes_the_tester(qtmodeltester, panel, shipments):
    panel.refresh()
    assert numbers(panel) == ["SH-000003", "SH-000002", "SH-000001"]
    row = panel.model.row_at(2)
    assert (row.status, row.carrier, row.tracking_number, row.units) == ("shipped", "ups", UPS, 1)
    assert panel.model.data(panel.model.index(2, 4)) == "UPS"
    assert panel.model.headerData(5, Qt.Orientation.Horizontal) == "Tracking number"
    qtmodeltester.check(panel.model)
    qtmodeltester.check(panel.detail.lines_model)


def test_search_by_tracking_shipment_or_order_number(qtbot, panel, shipments):
    panel.refresh()
    assert search(qtbot, panel, "1z999aa1 0123456784") == ["SH-000001"]
    assert panel.detail.shipment.number == "SH-000001"
    assert panel.detail.values["tracking"].text() == UPS
    assert search(qtbot, panel, "sh-000002") == ["SH-000002"]
    assert search(qtbot, panel, "SO-000003") == ["SH-000003"]
    assert search(qtbot, panel, "1Z000") == []
    assert panel.detail.shipment is None
    assert search_text("so-000001") == "SO-000001"
    assert search_text("1z 999 aa1") == "1Z999AA1"


def test_status_filter(panel, shipments):
    panel.refresh()
    panel.status_combo.setCurrentIndex(panel.status_combo.findData("packed"))
    assert numbers(panel) == ["SH-000002"]


def test_void_from_the_panel(qtbot, panel, shipments, session_factory, monkeypatch):
    monkeypatch.setattr(prompts, "ask_void_reason", lambda parent, shipment: "parcel lost")
    panel.refresh()
    search(qtbot, panel, UPS)
    assert panel.detail.void_button.isEnabled()
    qtbot.mouseClick(panel.detail.void_button, Qt.MouseButton.LeftButton)
    assert panel.message_label.text() == "Voided SH-000001; order SO-000001 is now open"
    assert panel.detail.values["status"].text() == "Voided"
    assert panel.model.row_at(0).status == "voided"  # the table reloaded
    with unit_of_work(session_factory, write=False) as s:
        assert get_shipment(s, shipments["shipped"]).status == "voided"
        assert get_order(s, shipments["order"]).status == "open"


def test_ship_a_packed_shipment(qtbot, panel, shipments, session_factory, monkeypatch):
    monkeypatch.setattr(
        prompts, "ask_ship", lambda parent, shipment: ShipRequest("ups", UPS_2, "Ground", False)
    )
    panel.refresh()
    search(qtbot, panel, "SH-000002")
    assert panel.detail.ship_button.isEnabled()
    qtbot.mouseClick(panel.detail.ship_button, Qt.MouseButton.LeftButton)
    assert panel.message_label.text() == "SH-000002 shipped; order SO-000002 is now shipped"
    with unit_of_work(session_factory, write=False) as s:
        shipment = get_shipment(s, shipments["packed"])
        assert (shipment.status, shipment.tracking_number, shipment.service) == (
            "shipped",
            UPS_2,
            "Ground",
        )


def test_refusals_are_shown(qtbot, panel, shipments, monkeypatch, messages):
    monkeypatch.setattr(
        prompts, "ask_ship", lambda parent, shipment: ShipRequest("fedex", UPS_2, None, False)
    )
    panel.refresh()
    search(qtbot, panel, "SH-000002")
    qtbot.mouseClick(panel.detail.ship_button, Qt.MouseButton.LeftButton)
    assert messages[-1][1].startswith(f"{UPS_2} is not a FedEx tracking number")


def test_ship_dialog_checks_the_tracking_number(qtbot, session_factory, shipments):
    with unit_of_work(session_factory, write=False) as s:
        shipment = get_shipment(s, shipments["packed"])
    dialog = ShipDialog(shipment)
    qtbot.addWidget(dialog)
    tone, text = dialog.form.set_tracking("1Z999AA10123456785")
    assert tone == "error" and "wrong check digit: 5, expected 4" in text
    dialog._on_buttons_accepted()
    assert dialog.result() == 0 and "wrong check digit" in dialog.error_label.text()
    tone, text = dialog.form.set_tracking("1Z999AA10123456784")
    assert tone == "ok" and dialog.form.carrier() == "ups"
    dialog._on_buttons_accepted()
    assert dialog.result() == 1
    assert dialog.request() == ShipRequest("ups", UPS, None, True)


def test_open_tracking_page_and_print_label(qtbot, panel, shipments, monkeypatch):
    opened: list[str] = []
    monkeypatch.setattr(prompts, "open_url", opened.append)
    jobs: list[tuple[str, Path]] = []
    monkeypatch.setattr(
        printing,
        "send_to_printer",
        lambda parent, path, kind, settings, choose=False: (
            jobs.append((kind, Path(path))) or PrintOutcome(True, "Label sent to Zebra")
        ),
    )
    panel.refresh()
    search(qtbot, panel, UPS)
    qtbot.mouseClick(panel.detail.tracking_button, Qt.MouseButton.LeftButton)
    assert (
        len(opened) == 1 and opened[0].startswith("https://wwwapps.ups.com/") and UPS in opened[0]
    )
    qtbot.mouseClick(panel.detail.label_button, Qt.MouseButton.LeftButton)
    assert [(kind, path.name) for kind, path in jobs] == [("label", "label-SH-000001.pdf")]
    assert jobs[0][1].read_bytes().startswith(b"%PDF")
    assert panel.message_label.text() == "Label sent to Zebra"


def test_tracking_import_ships_packed_shipments(
    qtbot, panel, shipments, session_factory, tmp_path, monkeypatch
):
    csv_file = tmp_path / "tracking.csv"
    csv_file.write_text(f"shipment,carrier,tracking_number\nSH-000002,ups,{UPS_2}\n")
    monkeypatch.setattr(prompts, "choose_csv_file", lambda parent, caption: str(csv_file))
    dialog = tracking_import.TrackingImportDialog(panel.ops, panel)
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.browse_button, Qt.MouseButton.LeftButton)
    dialog.notify_box.setChecked(False)
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    assert dialog.result_text.toPlainText() == "would ship 1, 0 already shipped\nSH-000002"
    with unit_of_work(session_factory, write=False) as s:
        assert get_shipment(s, shipments["packed"]).status == "packed"
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert dialog.result_text.toPlainText() == "shipped 1, 0 already shipped\nSH-000002"
    with unit_of_work(session_factory, write=False) as s:
        shipment = get_shipment(s, shipments["packed"])
    assert (shipment.status, shipment.tracking_number) == ("shipped", UPS_2)


def test_tracking_import_lists_bad_rows(qtbot, panel, shipments, tmp_path, monkeypatch):
    csv_file = tmp_path / "tracking.csv"
    csv_file.write_text("order,carrier,tracking_number\nSO-000077,ups,1Z999AA10123456784\n")
    monkeypatch.setattr(prompts, "choose_csv_file", lambda parent, caption: str(csv_file))
    dialog = tracking_import.TrackingImportDialog(panel.ops, panel)
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.browse_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert "row 2, order: no order SO-000077" in dialog.result_text.toPlainText()


class Inbox:
    def __init__(self) -> None:
        self.messages: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content.decode("utf-8", "replace"))
        return "250 OK"


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


def test_mail_problems_retry_and_send_now(
    qtbot, panel, shipments, session_factory, monkeypatch, smtp_server
):
    port, inbox = smtp_server
    with unit_of_work(session_factory) as s:
        update_settings(
            s,
            {
                "mail.smtp_host": "127.0.0.1",
                "mail.smtp_port": port,
                "mail.smtp_security": "none",
                "mail.from_address": "shop@example.com",
            },
            actor=ACTOR,
        )

    def refuse(config, message):
        raise OSError("connection refused")

    send_pending_mail(session_factory, deliver=refuse)  # the first attempt failed
    asked: list[bool] = []
    monkeypatch.setattr(prompts, "smtp_password", lambda: asked.append(True) or None)
    panel.refresh()
    assert panel.tabs.tabText(MAIL) == "Mail (1 problem)"
    panel.tabs.setCurrentIndex(MAIL)
    tab = panel.mail_tab
    assert tab.model.rowCount() == 1
    assert tab.model.row_at(0).last_error == "OSError: connection refused"
    tab.table.selectRow(0)
    qtbot.mouseClick(tab.retry_button, Qt.MouseButton.LeftButton)
    assert tab.status_label.text() == "1 mail(s) queued again"
    qtbot.mouseClick(tab.send_button, Qt.MouseButton.LeftButton)
    assert tab.status_label.text() == "Mail: 1 sent"
    assert asked == [True]
    assert len(inbox.messages) == 1 and UPS in inbox.messages[0]
    assert tab.model.rowCount() == 0
    assert panel.tabs.tabText(MAIL) == "Mail"
    with unit_of_work(session_factory, write=False) as s:
        assert [m.status for m in list_mail(s)] == ["sent"]


def test_send_now_without_smtp_settings_says_why(qtbot, panel, monkeypatch):
    monkeypatch.setattr(prompts, "smtp_password", lambda: None)
    panel.tabs.setCurrentIndex(MAIL)
    qtbot.mouseClick(panel.mail_tab.send_button, Qt.MouseButton.LeftButton)
    assert panel.mail_tab.status_label.text() == (
        "Not sent: set the SMTP server and the sender address in Settings first"
    )


def test_print_pdf_draws_every_page(qtbot, tmp_path, session_factory, shipments):
    from PySide6.QtPrintSupport import QPrinter

    from ui.shipping.printing import LABEL, PrintJob, build_document, render_document

    with unit_of_work(session_factory, write=False) as s:
        doc, name, paper = build_document(
            s, PrintJob(LABEL, order_id=shipments["order"], shipment_id=shipments["shipped"])
        )
    source = render_document(LABEL, doc, tmp_path / name, paper)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    printing.print_pdf(printer, source)
    assert (tmp_path / "printed.pdf").read_bytes().startswith(b"%PDF")
    assert not list(tmp_path.glob("*.part"))


def test_without_printers_the_pdf_is_kept(qtbot, tmp_path, ui_settings, monkeypatch):
    from PySide6.QtPrintSupport import QPrinterInfo

    monkeypatch.setattr(QPrinterInfo, "availablePrinters", staticmethod(lambda: []))
    outcome = printing.send_to_printer(None, tmp_path / "x.pdf", "slip", ui_settings)
    assert outcome == PrintOutcome(
        False, f"No printer found — packing slip saved as {tmp_path}/x.pdf"
    )


def test_preview_shows_the_packing_slip_on_screen(qtbot, panel, shipments, monkeypatch):
    from ui.widgets import pdf

    shown = []
    monkeypatch.setattr(pdf, "preview_pdf", lambda parent, path, title: shown.append((path, title)))
    search(qtbot, panel, "SH-000002")
    qtbot.mouseClick(panel.detail.preview_button, Qt.MouseButton.LeftButton)
    ((path, title),) = shown
    assert path.name == "packing-slip-SO-000002.pdf" and path.read_bytes().startswith(b"%PDF")
    assert path.parent == panel.ops.exports_dir and title.lower().startswith("packing slip")
    assert panel.message_label.text() == f"Preview of {path.name}"


def test_preview_dialog_renders_the_pdf(qtbot, panel, shipments, tmp_path):
    from app.documents import jobs
    from app.uow import unit_of_work as uow
    from ui.widgets.pdf import PdfPreviewDialog

    target = tmp_path / "slip.pdf"
    with uow(panel.ops.session_factory, write=False) as s:
        jobs.packing_slips_pdf(s, [shipments["order"]], target)
    dialog = PdfPreviewDialog(target, "Packing slip")
    qtbot.addWidget(dialog)
    assert dialog.document.pageCount() == 1
    assert dialog.path_label.text() == f"Saved as {target}"
