"""The packing station driven only by typing codes + Enter into its scan field, like a scanner."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

import ui.shipping.printing as printing
from app.inventory.dto import ProductInput
from app.inventory.ledger import receive_stock
from app.inventory.locations import create_bin, create_location
from app.inventory.products import create_product
from app.orders.address import Address
from app.orders.dto import LineInput, OrderInput
from app.orders.queries import get_order
from app.orders.services import create_order
from app.picking.services import create_pick_list
from app.settings import update_settings
from app.shipping.services import find_shipment, get_shipment
from app.uow import unit_of_work
from db.models import AppUser
from ui.ops import Ops
from ui.packing import prompts
from ui.packing.feedback import SoundPlayer
from ui.packing.prompts import LinkCodeDialog, LinkRequest, OverrideRequest
from ui.packing.station_panel import PackingStationPanel, parse_weight
from ui.shipping.printing import PrintOutcome

ACTOR = "packer"
UPS = "1Z999AA10123456784"
ADDRESS = Address("Ann Example", "1 Main St", "Austin", "73301", "US", "TX")


@pytest.fixture
def shop(session_factory):
    with unit_of_work(session_factory) as s:
        main = create_location(s, code="MAIN", name="Main", actor=ACTOR).id
        shelf = create_bin(s, location_id=main, code="A-01", actor=ACTOR).id
        mug = create_product(
            s,
            ProductInput(sku="MUG-1", name="Mug", gtin="4006381333931", weight_g=300),
            actor=ACTOR,
        ).id
        cap = create_product(s, ProductInput(sku="CAP-1", name="Cap", weight_g=100), actor=ACTOR).id
        hat = create_product(s, ProductInput(sku="HAT-1", name="Hat", weight_g=80), actor=ACTOR).id
        for product in (mug, cap, hat):
            receive_stock(s, product_id=product, bin_id=shelf, quantity=20, actor=ACTOR)
        s.add(AppUser(name="boss", can_override=True))
        s.add(AppUser(name="temp", can_override=False))
    return {"mug": mug, "cap": cap, "hat": hat}


def new_order(session_factory, *lines, notes: str | None = None) -> int:
    with unit_of_work(session_factory) as s:
        return create_order(
            s,
            OrderInput(
                tuple(LineInput(product_id=p, quantity=q) for p, q in lines),
                ship_to=ADDRESS,
                notes=notes,
            ),
            actor=ACTOR,
        ).id


@pytest.fixture
def printed(monkeypatch) -> list[tuple[str, Path]]:
    jobs: list[tuple[str, Path]] = []

    def fake(parent, path, kind, settings, *, choose=False):
        jobs.append((kind, Path(path)))
        return PrintOutcome(True, f"{kind} printed")

    monkeypatch.setattr(printing, "send_to_printer", fake)
    return jobs


@pytest.fixture
def station(qtbot, ops, printed):
    panel = PackingStationPanel(ops, sounds=SoundPlayer(enabled=False))
    panel.sounds_heard = []
    panel.sounds.played.connect(panel.sounds_heard.append)
    qtbot.addWidget(panel)
    panel.resize(1100, 780)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def scan(qtbot, station: PackingStationPanel, code: str) -> str:
    qtbot.keyClicks(station.scan_field, code)
    qtbot.keyClick(station.scan_field, Qt.Key.Key_Return)
    return station.banner.text()


def counts(station: PackingStationPanel) -> list[tuple[str, int, int]]:
    return [(li.sku, li.verified, li.quantity) for li in station.lines_model.lines()]


def verified_in_db(session_factory, number: str = "SH-000001") -> list[int]:
    with unit_of_work(session_factory, write=False) as s:
        return [li.verified for li in get_shipment(s, find_shipment(s, number)).lines]


def test_whole_day_by_scanning(qtbot, station, session_factory, shop):
    order_id = new_order(
        session_factory, (shop["mug"], 2), (shop["cap"], 1), notes="Gift: no invoice"
    )
    assert station.banner.text().startswith("Scan an order")
    assert "Ann Example" in scan(qtbot, station, "SO-000001")
    assert station.header.order_label.text().startswith("SO-000001")
    assert station.header.customer_label.text().startswith("Ann Example")
    assert station.header.notes_label.text() == "Note: Gift: no invoice"
    assert counts(station) == [("MUG-1", 0, 2), ("CAP-1", 0, 1)]
    assert station.banner.tone == "active"

    assert scan(qtbot, station, "4006381333931").startswith("MUG-1: 1 of 2")
    assert station.header.counter_label.text() == "1 / 3"

    wrong = scan(qtbot, station, "HAT-1")
    assert wrong == "wrong item: HAT-1 (Hat) is not in order SO-000001"
    assert station.banner.tone == "error"
    assert station.sounds_heard[-1] == "error"
    assert counts(station) == [("MUG-1", 1, 2), ("CAP-1", 0, 1)]
    assert verified_in_db(session_factory) == [1, 0]  # the refused scan changed nothing

    scan(qtbot, station, "MUG-1")
    over = scan(qtbot, station, "mug-1")
    assert over == "too many: order SO-000001 needs only 2 × MUG-1"
    assert station.banner.tone == "error"
    assert verified_in_db(session_factory) == [2, 0]

    assert scan(qtbot, station, "CMD-UNDO") == "undone: MUG-1 now 1 of 2   (2 to go)"
    assert counts(station) == [("MUG-1", 1, 2), ("CAP-1", 0, 1)]

    scan(qtbot, station, "MUG-1")
    complete = scan(qtbot, station, "CAP-1")
    assert complete == "All 3 item(s) verified — scan DONE to pack"
    assert station.banner.tone == "ok"
    assert station.sounds_heard[-1] == "done"
    assert station.header.counter_label.text() == "3 / 3"

    qtbot.keyClicks(station.weight_field, "700")
    qtbot.keyClick(station.weight_field, Qt.Key.Key_Return)
    assert station.banner.text() == "Weight 700 g — kept for DONE"
    station.box_combo.setCurrentText("Small box")

    packed = scan(qtbot, station, "CMD-DONE")
    assert packed.startswith("SO-000001 packed — scan the tracking number")
    assert station.ship_section.isVisible()
    with unit_of_work(session_factory, write=False) as s:
        shipment = get_shipment(s, find_shipment(s, "SH-000001"))
        assert (shipment.status, shipment.weight_g) == ("packed", 700)
        assert get_order(s, order_id).status == "packed"

    bad = scan(qtbot, station, "1Z999AA10123456785")
    assert station.banner.tone == "error"
    assert "wrong check digit: 5, expected 4" in bad

    good = scan(qtbot, station, UPS)
    assert "UPS" in good and "check digit OK" in good and good.endswith("Scan DONE to ship")
    assert station.ship_form.carrier() == "ups"

    shipped = scan(qtbot, station, "CMD-DONE")
    assert shipped.startswith(f"SH-000001 shipped with UPS {UPS}; order shipped")
    assert station.banner.tone == "ok"
    assert not station.ship_section.isVisible()
    with unit_of_work(session_factory, write=False) as s:
        assert get_order(s, order_id).status == "shipped"
        shipment = get_shipment(s, find_shipment(s, UPS))
        assert (shipment.carrier, shipment.tracking_number) == ("ups", UPS)


def test_unknown_code_and_scans_before_an_order(qtbot, station, session_factory, shop):
    assert scan(qtbot, station, "MUG-1") == "scan an order, pick list or packing slip first"
    assert station.banner.tone == "error"
    new_order(session_factory, (shop["mug"], 1))
    scan(qtbot, station, "SO-000001")
    unknown = scan(qtbot, station, "NO-SUCH-THING")
    assert unknown == "Unknown code NO-SUCH-THING — F7 links it to an item"
    assert station.banner.tone == "error"
    assert counts(station) == [("MUG-1", 0, 1)]
    assert scan(qtbot, station, "SO-999999") == "order SO-999999 does not exist"


def test_unknown_code_linked_to_an_item(qtbot, station, session_factory, shop, monkeypatch):
    new_order(session_factory, (shop["mug"], 1), (shop["cap"], 2))
    scan(qtbot, station, "SO-000001")
    assert not station.link_button.isEnabled()
    scan(qtbot, station, "MUG-1")
    unknown = scan(qtbot, station, "SUP-CAP-9")
    assert unknown == "Unknown code SUP-CAP-9 — F7 links it to an item"
    assert station.link_button.isEnabled()

    # The dialog offers only the items still to scan.
    dialog = LinkCodeDialog(station.shipment, "SUP-CAP-9", station)
    qtbot.addWidget(dialog)
    assert [dialog.items.item(i).text() for i in range(dialog.items.count())] == [
        "CAP-1 — Cap   (2 to scan)"
    ]
    assert dialog.value() == LinkRequest("SUP-CAP-9", shop["cap"])

    asked = []

    def answer(parent, shipment, code):
        asked.append(code)
        return LinkRequest(code, shop["cap"])

    monkeypatch.setattr(prompts, "ask_link", answer)
    qtbot.keyClick(station.scan_field, Qt.Key.Key_F7)
    assert asked == ["SUP-CAP-9"]
    assert station.banner.text() == "SUP-CAP-9 now scans to CAP-1 · CAP-1: 1 of 2   (1 to go)"
    assert not station.link_button.isEnabled()
    assert station.scan_field.hasFocus()
    assert scan(qtbot, station, "SUP-CAP-9").startswith("All 3 item(s) verified")
    assert verified_in_db(session_factory) == [1, 2]
    # A known code that is refused (over-scan) offers no link.
    scan(qtbot, station, "CAP-1")
    assert not station.link_button.isEnabled()


def test_done_before_everything_is_scanned_is_refused(qtbot, station, session_factory, shop):
    new_order(session_factory, (shop["mug"], 2))
    scan(qtbot, station, "SO-000001")
    scan(qtbot, station, "MUG-1")
    refused = scan(qtbot, station, "CMD-DONE")
    assert refused.startswith("not all items are verified (missing: MUG-1 1)")
    assert station.banner.tone == "error"
    assert not station.ship_section.isVisible()


def test_weight_warning_is_amber(qtbot, station, session_factory, shop):
    new_order(session_factory, (shop["mug"], 1))
    scan(qtbot, station, "SO-000001")
    scan(qtbot, station, "MUG-1")
    station.weight_field.setText("0.9 kg")
    text = scan(qtbot, station, "CMD-DONE")
    assert text.startswith("Packed, but weighed 900 g but the items weigh 300 g")
    assert station.banner.tone == "warning"
    assert station.sounds_heard[-1] == "warning"


def test_bad_weight_is_refused_before_packing(qtbot, station, session_factory, shop):
    new_order(session_factory, (shop["mug"], 1))
    scan(qtbot, station, "SO-000001")
    scan(qtbot, station, "MUG-1")
    station.weight_field.setText("heavy")
    assert "is not a weight" in scan(qtbot, station, "CMD-DONE")
    assert station.shipment is not None  # still on the bench


def test_override_needs_a_supervisor(qtbot, station, session_factory, shop, monkeypatch):
    order_id = new_order(session_factory, (shop["mug"], 2))
    scan(qtbot, station, "SO-000001")
    scan(qtbot, station, "MUG-1")
    answers = iter([OverrideRequest("temp", "label torn"), OverrideRequest("boss", "label torn")])
    monkeypatch.setattr(prompts, "ask_override", lambda parent, shipment: next(answers))
    assert station.override_button.isEnabled()
    qtbot.mouseClick(station.override_button, Qt.MouseButton.LeftButton)
    assert station.banner.text() == "temp may not override packing verification"
    assert station.banner.tone == "error"
    qtbot.mouseClick(station.override_button, Qt.MouseButton.LeftButton)
    assert station.banner.text().startswith("SO-000001 packed")
    with unit_of_work(session_factory, write=False) as s:
        assert get_order(s, order_id).status == "packed"
        shipment = get_shipment(s, find_shipment(s, "SH-000001"))
        assert shipment.override_reason == "boss: label torn (unverified: MUG-1 1)"


def test_leave_and_resume(qtbot, station, session_factory, shop):
    new_order(session_factory, (shop["mug"], 2))
    scan(qtbot, station, "SO-000001")
    scan(qtbot, station, "MUG-1")
    assert scan(qtbot, station, "CMD-CANCEL") == "left SO-000001; scan it again to carry on"
    assert counts(station) == []
    assert scan(qtbot, station, "SO-000001").endswith("1 already scanned — scan the items")
    assert counts(station) == [("MUG-1", 1, 2)]


def test_pick_list_then_next(qtbot, station, session_factory, shop):
    ids = [new_order(session_factory, (shop["cap"], 1)) for _ in range(2)]
    with unit_of_work(session_factory) as s:
        create_pick_list(s, ids, actor=ACTOR)
    scan(qtbot, station, "PL-000001")
    assert station.header.order_label.text().startswith("SO-000001")
    assert station.pick_list_chip.text().startswith("Pick list PL-000001")
    scan(qtbot, station, "CAP-1")
    scan(qtbot, station, "CMD-DONE")
    scan(qtbot, station, "CMD-NEXT")
    assert station.header.order_label.text().startswith("SO-000002")


def test_buttons_and_function_keys_do_what_scans_do(qtbot, station, session_factory, shop):
    new_order(session_factory, (shop["mug"], 2))
    scan(qtbot, station, "SO-000001")
    scan(qtbot, station, "MUG-1")
    qtbot.keyClick(station.scan_field, Qt.Key.Key_F9)  # undo
    assert counts(station) == [("MUG-1", 0, 2)]
    scan(qtbot, station, "MUG-1")
    scan(qtbot, station, "MUG-1")
    qtbot.mouseClick(station.done_button, Qt.MouseButton.LeftButton)
    assert station.packed is not None
    assert station.done_button.text() == "SHIP · F12"


def test_focus_comes_back_to_the_scan_field(qtbot, station, session_factory, shop, monkeypatch):
    station.activateWindow()
    qtbot.waitUntil(station.isActiveWindow)
    new_order(session_factory, (shop["mug"], 2))
    scan(qtbot, station, "SO-000001")
    assert station.scan_field.hasFocus()
    qtbot.mouseClick(station.print_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(station.lines_view.viewport(), Qt.MouseButton.LeftButton)
    assert station.scan_field.hasFocus()
    station.weight_field.setFocus()  # a person (or a USB scale) types the weight …
    qtbot.keyClicks(station.weight_field, "650")
    qtbot.keyClick(station.weight_field, Qt.Key.Key_Return)
    assert station.scan_field.hasFocus()  # … and Enter hands the focus back
    monkeypatch.setattr(prompts, "ask_override", lambda parent, shipment: None)
    qtbot.mouseClick(station.override_button, Qt.MouseButton.LeftButton)
    assert station.scan_field.hasFocus()


def test_print_requests_call_the_print_hook(qtbot, station, session_factory, shop, printed):
    with unit_of_work(session_factory) as s:
        update_settings(s, {"packing.auto_print_slip": True}, actor=ACTOR)
    new_order(session_factory, (shop["mug"], 1))
    scan(qtbot, station, "SO-000001")
    assert [kind for kind, _ in printed] == ["slip"]
    path = printed[0][1]
    assert path.name == "packing-slip-SO-000001.pdf" and path.parent.name == "exports"
    assert path.read_bytes().startswith(b"%PDF")
    assert station.print_status.text() == "slip printed"
    scan(qtbot, station, "CMD-PRINT")
    scan(qtbot, station, "MUG-1")
    scan(qtbot, station, "CMD-DONE")
    scan(qtbot, station, "CMD-PRINT")  # after packing: the shipping label
    assert [kind for kind, _ in printed] == ["slip", "slip", "label"]


def test_parse_weight():
    assert parse_weight("") is None
    assert parse_weight("720") == 720
    assert parse_weight("720 g") == 720
    assert parse_weight("0.72kg") == 720
    assert parse_weight("1,5 KG") == 1500
    assert parse_weight("0.720") == 720
    with pytest.raises(ValueError):
        parse_weight("12 lb")


def test_sound_never_crashes_without_audio(qtbot):
    player = SoundPlayer()
    for kind in ("ok", "done", "warning", "error"):
        player.play(kind)


def test_fast_scans_with_real_threads_are_handled_in_order(qtbot, database, shop, printed):
    """A scanner sends the next code before the last transaction came back: scans queue."""
    ops = Ops(database.session_factory)  # real writer/reader threads
    try:
        station = PackingStationPanel(ops, sounds=SoundPlayer(enabled=False))
        qtbot.addWidget(station)
        station.show()
        new_order(database.session_factory, (shop["mug"], 2), (shop["cap"], 1))
        for code in ("SO-000001", "MUG-1", "CAP-1", "MUG-1", "CMD-DONE"):
            scan(qtbot, station, code)
        qtbot.waitUntil(lambda: station.packed is not None, timeout=10_000)
        assert station.banner.text().startswith("SO-000001 packed")
        assert [li.verified for li in station.packed.lines] == [2, 1]
    finally:
        ops.shutdown()
