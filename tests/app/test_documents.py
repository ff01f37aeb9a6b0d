"""Documents end to end: a real shop, builders, PDFs rasterised at 203 dpi and scanned back."""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image, ImageDraw
from sqlalchemy import select, update

from app.documents import _draw
from app.documents.barcodes import product_barcode
from app.documents.builders import (
    build_bin_labels,
    build_packing_slip,
    build_packing_slips,
    build_pick_list,
    build_product_labels,
    build_return_slip,
    build_shipping_label,
    business_info,
)
from app.documents.command_sheet import render_command_sheet
from app.documents.dto import BinLabel, Business, PackingSlipDoc, ProductLabel, SlipLine
from app.documents.labels import (
    LAYOUTS,
    label_layout,
    padding,
    render_bin_labels,
    render_product_labels,
)
from app.documents.packing_slip import render_packing_slip, render_packing_slips
from app.documents.pick_list import render_order_pick_lists, render_pick_list
from app.documents.return_slip import render_return_slip
from app.documents.shipping_label import render_shipping_label
from app.errors import OutOfStock, ValidationError
from app.inventory.dto import ProductInput
from app.inventory.ledger import receive_stock
from app.inventory.locations import create_bin, create_location
from app.inventory.products import create_product, set_default_bin
from app.numbering import set_next_value
from app.orders.address import Address
from app.orders.dto import LineInput, OrderInput
from app.orders.services import create_order, hold_order
from app.scanning import Command, command_barcode
from app.settings import update_settings
from app.uow import unit_of_work
from db.models import OrderLine, ReturnAuthorization, ReturnLine, SalesOrder, Shipment, StockLevel
from tests.app.test_documents_barcodes import scanned

ACTOR = "clerk"
DPI = 203
NAMES = ["Zoë Łukasiewicz", "Smith & Sons <Ltd>", "Søren Müller", "Małgorzata Wiśniewska"]
ADDRESSES = [
    Address(NAMES[0], "1600 Amphitheatre Pkwy", "Mountain View", "94043", "US", "CA"),
    Address(NAMES[1], "350 Fifth Avenue", "New York", "10118", "US", "NY", company="A & B <Co>"),
    Address(NAMES[2], "Unter den Linden 1", "Berlin", "10117", "DE"),
    Address(NAMES[3], "ul. Marszałkowska 1", "Warszawa", "00-624", "PL"),
    Address("José Ñúñez", "Calle Mayor 1", "Madrid", "28013", "ES", "M"),
]


@dataclass
class Shop:
    location: int
    bins: dict[str, int]
    products: dict[str, int]
    orders: list[int]
    logo: Path


def scan_page(image: Image.Image) -> list[str]:
    return sorted(scanned(r) for r in zxingcpp.read_barcodes(image))


def raster(path: Path) -> list[Image.Image]:
    pdf = pdfium.PdfDocument(path)
    return [pdf[i].render(scale=DPI / 72).to_pil() for i in range(len(pdf))]


def page_texts(path: Path) -> list[str]:
    pdf = pdfium.PdfDocument(path)
    return [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]


def page_sizes(path: Path) -> list[tuple[float, float]]:
    pdf = pdfium.PdfDocument(path)
    return [tuple(round(v, 1) for v in pdf[i].get_size()) for i in range(len(pdf))]


@pytest.fixture
def shop(session_factory, tmp_path) -> Shop:
    logo = tmp_path / "logo.png"
    image = Image.new("RGB", (300, 100), "white")
    ImageDraw.Draw(image).ellipse((5, 5, 95, 95), fill=(20, 80, 160))
    image.save(logo)
    with unit_of_work(session_factory) as s:
        update_settings(
            s,
            {
                "business.name": "Nordlicht Trading Co.",
                "business.address": "2150 NW Front Ave, Dock 4\nPortland, OR 97209\nUnited States",
                "business.email": "hello@nordlicht.example",
                "business.logo_path": str(logo),
                "currency": "EUR",
            },
            actor=ACTOR,
        )
        set_next_value(s, "order", 990001)  # order numbers whose digits start with 99
        location = create_location(s, code="US-WH", name="Oakland", actor=ACTOR).id
        # Walk order differs from alphabetical order on purpose.
        bins = {
            code: create_bin(s, location_id=location, code=code, walk_sequence=walk, actor=ACTOR).id
            for code, walk in (("C-01", 5), ("A-01", 20), ("B-01", 30))
        }
        products = {
            sku: create_product(
                s, ProductInput(sku=sku, name=name, gtin=gtin, price_minor=price), actor=ACTOR
            ).id
            for sku, name, gtin, price in (
                ("MUG-1", "Enamel Camp Mug 350 ml", "4006381333931", 1299),
                ("CAP-1", "Merino Wool Beanie — Zoë edition", "036000291452", 2500),
                ("PEN-1", "Fountain Pen", "96385074", 900),
                ("SOCK-990012", "Smith & Sons <Ltd> socks", None, 700),
            )
        }
        set_default_bin(s, products["MUG-1"], location, bins["A-01"], actor=ACTOR)
        for sku, code, qty in (
            ("MUG-1", "A-01", 10),
            ("MUG-1", "C-01", 5),
            ("CAP-1", "B-01", 10),
            ("PEN-1", "C-01", 3),
            ("SOCK-990012", "A-01", 5),
        ):
            receive_stock(s, product_id=products[sku], bin_id=bins[code], quantity=qty, actor=ACTOR)
    plans = [
        [("MUG-1", 2), ("CAP-1", 1)],
        [("MUG-1", 9)],
        [("PEN-1", 1), ("SOCK-990012", 2), ("GIFT-WRAP", 1)],
        [("CAP-1", 20)],
        [("MUG-1", 1)],
    ]
    orders = []
    for address, plan in zip(ADDRESSES, plans, strict=True):
        lines = tuple(
            LineInput(quantity=q, product_id=products[sku])
            if sku in products
            else LineInput(quantity=q, sku=sku, name="Gift wrap")
            for sku, q in plan
        )
        with unit_of_work(session_factory) as s:
            saved = create_order(
                s,
                OrderInput(lines=lines, ship_to=address, notes="Leave at the back door."),
                actor=ACTOR,
            )
            orders.append(saved.id)
    with unit_of_work(session_factory) as s:
        hold_order(s, orders[4], reason="address check", actor=ACTOR)
    return Shop(location, bins, products, orders, logo)


def build(session_factory, fn, *args, **kwargs):
    with unit_of_work(session_factory, write=False) as s:
        return fn(s, *args, **kwargs)


# ---- pick lists -----------------------------------------------------------------------------


def test_pick_list_is_in_walk_order_with_totals_slots_and_unpickable_lines(
    session_factory, shop, tmp_path
):
    doc = build(session_factory, build_pick_list, shop.orders, number="PL-000007")
    assert [o.number for o in doc.orders] == [f"SO-99000{i}" for i in range(1, 6)]
    assert [o.slot for o in doc.orders] == [1, 2, 3, 4, 5]
    summary = [
        (
            line.bin_code,
            line.sku,
            line.quantity,
            [(s.slot, s.quantity) for s in line.slots],
        )
        for line in doc.lines
    ]
    # Mugs: 11 wanted, default bin A-01 holds 10, the rest from C-01; C-01 walks first.
    assert summary == [
        ("C-01", "MUG-1", 1, [(2, 1)]),
        ("C-01", "PEN-1", 1, [(3, 1)]),
        ("A-01", "MUG-1", 10, [(1, 2), (2, 8)]),
        ("A-01", "SOCK-990012", 2, [(3, 2)]),
        ("B-01", "CAP-1", 10, [(1, 1), (4, 9)]),
    ]
    assert doc.units == 24
    assert [o.units for o in doc.orders] == [3, 9, 3, 9, 0]
    assert [(u.slot, u.sku, u.quantity) for u in doc.not_reserved] == [
        (3, "GIFT-WRAP", 1),
        (4, "CAP-1", 11),
        (5, "MUG-1", 1),
    ]
    reasons = [u.reason for u in doc.not_reserved]
    assert "not linked" in reasons[0] and "short" in reasons[1]
    assert reasons[2] == "order on hold: address check"

    out = tmp_path / "pick.pdf"
    render_pick_list(doc, out)
    pages = raster(out)
    assert page_sizes(out) == [(612.0, 792.0)] * len(pages)
    # zxing reports equal symbols stacked in one column (a bin on consecutive lines) once,
    # so compare the sets of texts.
    found = {code for image in pages for code in scan_page(image)}
    expected = {"PL-000007"}
    expected |= {line.bin_barcode for line in doc.lines}
    expected |= {scanned_text(line.gtin, line.sku) for line in doc.lines}
    assert found == expected
    text = "".join(page_texts(out))
    assert "BIN/US-WH/C-01" in text and "Smith & Sons <Ltd>" in text
    assert "Zoë Łukasiewicz" in text and "Søren Müller" in text
    assert "NOT RESERVED — CANNOT PICK" in text
    assert "2, 3" not in text  # slots of a line are listed with their quantities
    assert "1×2, 2×8" in text and "1, 4×9" in text and "3×2" in text


def scanned_text(gtin: str | None, sku: str) -> str:
    code = product_barcode(gtin, sku)
    if code.symbology == "EAN-13" and code.text.startswith("0"):
        return code.text[1:]
    return code.text


def test_per_order_pick_lists_show_only_that_orders_share(session_factory, shop, tmp_path):
    doc = build(session_factory, build_pick_list, shop.orders[:3], number="PL-000008")
    out = tmp_path / "orders.pdf"
    render_order_pick_lists(doc, out, paper="A4")
    texts = page_texts(out)
    assert len(texts) == 3
    assert page_sizes(out) == [(595.3, 841.9)] * 3
    for page, order in zip(raster(out), doc.orders, strict=True):
        codes = scan_page(page)
        assert order.number in codes
        assert "PL-000008" not in codes
    assert "Zoë Łukasiewicz" in texts[0] and "slot 1 of PL-000008" in texts[0]
    assert "Gift wrap" in texts[2] and "not linked" in texts[2]


def test_pick_list_refuses_when_bins_no_longer_hold_the_reserved_stock(session_factory, shop):
    with unit_of_work(session_factory) as s:
        # Stock taken from the bins behind the ledger's back (what a miscount looks like).
        s.execute(
            update(StockLevel)
            .where(StockLevel.product_id == shop.products["CAP-1"])
            .values(on_hand=4)
        )
    with pytest.raises(OutOfStock) as caught:
        build(session_factory, build_pick_list, shop.orders)
    message = str(caught.value)
    assert "CAP-1" in message and "US-WH" in message and "SO-990001, SO-990004" in message
    assert "count the bins" in message
    with pytest.raises(ValidationError):
        build(session_factory, build_pick_list, [])


# ---- packing slips ----------------------------------------------------------------------


@pytest.mark.parametrize("paper", ["Letter", "A4"])
def test_packing_slips_scan_and_print_names_literally(session_factory, shop, tmp_path, paper):
    docs = build(session_factory, build_packing_slips, shop.orders)
    out = tmp_path / "slips.pdf"
    render_packing_slips(docs, out, paper=paper)
    size = (612.0, 792.0) if paper == "Letter" else (595.3, 841.9)
    assert page_sizes(out) == [size] * 5
    numbers = [doc.order_number for doc in docs]
    assert numbers == [f"SO-99000{i}" for i in range(1, 6)]
    assert [scan_page(image) for image in raster(out)] == [[n] for n in numbers]
    texts = page_texts(out)
    for text, name in zip(texts, [*NAMES, "José Ñúñez"], strict=True):
        assert name in text
        assert "Nordlicht Trading Co." in text and "Leave at the back door." in text
    assert "A & B <Co>" in texts[1]
    assert "Gift wrap" in texts[2] and "SOCK-990012" in texts[2]
    assert "Page 1 of" in texts[0]


def test_packing_slip_shows_what_is_left_to_ship_and_runs_over_pages(
    session_factory, shop, tmp_path
):
    doc = build(session_factory, build_packing_slip, shop.orders[0])
    assert doc.business.logo_path == str(shop.logo)
    assert [(line.sku, line.quantity, line.ordered) for line in doc.lines] == [
        ("MUG-1", 2, 2),
        ("CAP-1", 1, 1),
    ]
    assert doc.ship_to[0] == "Zoë Łukasiewicz"
    many = replace(
        doc,
        lines=tuple(SlipLine(f"SKU-{i}", f"Item {i} " * 12, 2, 3) for i in range(60)),
        business=replace(doc.business, logo_path=str(tmp_path / "gone.png")),  # missing: skipped
    )
    out = tmp_path / "long.pdf"
    render_packing_slip(many, out)
    texts = page_texts(out)
    assert len(texts) >= 3
    assert all(f"of {len(texts)}" in " ".join(text.split()) for text in texts)
    assert (
        "SKU-59" in texts[-1] and "RETURNS" in texts[-1] and "ordered 3, 1 sent before" in texts[0]
    )
    assert all(scan_page(image) == [doc.order_number] for image in raster(out))


def test_rendering_in_threads_gives_identical_pdfs(tmp_path):
    business = Business("Søren's Shop", ("Nørregade 1", "1165 København"))
    docs = [
        PackingSlipDoc(
            business,
            f"SO-99{i:04d}",
            None,
            (NAMES[i % 4], "Somewhere 1"),
            (SlipLine("MUG-1", "Mug", 1, 1),),
        )
        for i in range(40)
    ]
    reference = tmp_path / "reference.pdf"
    render_packing_slips(docs, reference)
    outputs = [tmp_path / f"thread{i}.pdf" for i in range(4)]
    errors = []

    def work(path: Path) -> None:
        try:
            render_packing_slips(docs, path)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(path,)) for path in outputs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert all(path.read_bytes() == reference.read_bytes() for path in outputs)


# ---- shipping labels ----------------------------------------------------------------------


@pytest.mark.parametrize(("size", "points"), [("4x6", (288.0, 432.0)), ("100x150", (283.5, 425.2))])
def test_shipping_label_has_order_and_tracking_barcodes(
    session_factory, shop, tmp_path, size, points
):
    with unit_of_work(session_factory) as s:
        s.add(
            Shipment(
                number="SH-000001",
                order_id=shop.orders[2],
                tracking_number="1Z999AA10123456784",
                carrier="UPS",
                service="Ground",
                weight_g=1250,
            )
        )
    doc = build(session_factory, build_shipping_label, shop.orders[2])
    assert doc.ship_from[0] == "Nordlicht Trading Co." and doc.ship_to[0] == "Søren Müller"
    out = tmp_path / "label.pdf"
    render_shipping_label(doc, out, size=size)
    assert page_sizes(out) == [points]
    assert scan_page(raster(out)[0]) == ["1Z999AA10123456784", "SO-990003"]
    text = page_texts(out)[0]
    assert "Søren Müller" in text and "10117 BERLIN" in text and "SH-000001" in text

    untracked = build(session_factory, build_shipping_label, shop.orders[1])
    assert untracked.tracking_number is None
    render_shipping_label(untracked, out, size=size)
    assert scan_page(raster(out)[0]) == ["SO-990002"]
    assert "Smith & Sons <Ltd>" in page_texts(out)[0]


# ---- product and bin labels ---------------------------------------------------------------


def ink_outside_cells(image: Image.Image, layout_name: str, cells: int, skip: int = 0):
    """Dark pixels left after whitening each used cell's padded box (1 px of slack), and the
    cells that came out blank."""
    layout = label_layout(layout_name)
    scale = DPI / 72
    pad = padding(layout)
    grey = image.convert("L")
    blank = []
    draw = ImageDraw.Draw(grey)
    for index in range(skip, skip + cells):
        x, y = layout.cell_origin(index)
        w, h = layout.cell
        box = (
            (x + pad) * scale - 1,
            (layout.page[1] - (y + h - pad)) * scale - 1,
            (x + w - pad) * scale + 1,
            (layout.page[1] - (y + pad)) * scale + 1,
        )
        inner = grey.crop(tuple(round(v) for v in box)).point(lambda v: 255 if v > 160 else 0)
        if inner.getextrema()[0] == 255:
            blank.append(index)
        draw.rectangle(box, fill=255)
    dark = grey.point(lambda v: 255 if v <= 160 else 0)
    return dark.getbbox(), blank


def test_product_labels_on_sheets_stay_in_their_cells_and_scan(session_factory, shop, tmp_path):
    labels = build(
        session_factory,
        build_product_labels,
        {shop.products[sku]: 2 for sku in ("MUG-1", "CAP-1", "PEN-1", "SOCK-990012")},
    )
    assert len(labels) == 8 and labels[0].currency == "EUR"
    long_name = ProductLabel("LONG-1", "Ünïcödé " * 20, 123456, "JPY", "4006381333932")
    labels.append(long_name)
    expected = sorted(scanned_text(label.gtin, label.sku) for label in labels)
    for name in ("avery-5160", "avery-l7159", "avery-l7160"):
        out = tmp_path / f"{name}.pdf"
        render_product_labels(labels, out, layout=name, skip=2)
        image = raster(out)[0]
        assert page_sizes(out) == [tuple(round(v, 1) for v in LAYOUTS[name].page)]
        assert scan_page(image) == expected
        outside, blank = ink_outside_cells(image, name, len(labels), skip=2)
        assert outside is None, f"{name}: ink outside the cells at {outside}"
        assert blank == []
        text = page_texts(out)[0]
        assert "€12.99" in text and "Smith & Sons <Ltd> socks" in text and "¥123,456" in text
        assert "…" in text  # the long name was cut to fit


@pytest.mark.parametrize("name", ["thermal-2.25x1.25", "thermal-50x25"])
def test_thermal_product_labels_one_per_page(session_factory, shop, tmp_path, name):
    labels = build(session_factory, build_product_labels, list(shop.products.values()))
    out = tmp_path / "thermal.pdf"
    render_product_labels(labels, out, layout=name)
    images = raster(out)
    assert len(images) == 4
    assert page_sizes(out) == [tuple(round(v, 1) for v in LAYOUTS[name].page)] * 4
    for image, label in zip(images, labels, strict=True):
        assert scan_page(image) == [scanned_text(label.gtin, label.sku)]
        assert ink_outside_cells(image, name, 1) == (None, [])


def test_bin_labels_scan_as_bin_codes(session_factory, shop, tmp_path):
    labels = build(session_factory, build_bin_labels, location_id=shop.location)
    assert [label.bin_code for label in labels] == ["C-01", "A-01", "B-01"]
    for name in LAYOUTS:
        if name == "thermal-50x25":
            continue  # "BIN/US-WH/A-01" needs 418 dots at 2 dots a module; 50 mm has 394
        out = tmp_path / f"bins-{name}.pdf"
        render_bin_labels(labels, out, layout=name)
        images = raster(out)
        found = sorted(code for image in images for code in scan_page(image))
        assert found == sorted(label.barcode_text for label in labels), name
        cells = 1 if LAYOUTS[name].per_page == 1 else len(labels)
        assert ink_outside_cells(images[0], name, cells) == (None, []), name


def test_small_thermal_bin_labels_fit_short_codes_and_refuse_long_ones(tmp_path):
    out = tmp_path / "bin.pdf"
    render_bin_labels(
        [BinLabel("WH", "A-01"), BinLabel("US-WH", "A-01")], out, layout="thermal-50x25"
    )
    short, long = raster(out)
    assert scan_page(short) == ["BIN/WH/A-01"]
    assert ink_outside_cells(short, "thermal-50x25", 1) == (None, [])
    # Never a squeezed, unscannable symbol: the label says why it has none.
    assert scan_page(long) == []
    assert "barcode too long" in page_texts(out)[1] and "A-01" in page_texts(out)[1]
    with pytest.raises(ValueError, match="avery-5160"):
        render_bin_labels([], out, layout="avery-9999")


# ---- returns and commands -----------------------------------------------------------------


def test_return_slip_carries_the_rma_barcode(session_factory, shop, tmp_path):
    with unit_of_work(session_factory) as s:
        rma = ReturnAuthorization(rma_number="RMA-990042", order_id=shop.orders[0])
        s.add(rma)
        s.flush()
        mug, cap = s.scalars(
            select(OrderLine)
            .where(OrderLine.order_id == shop.orders[0])
            .order_by(OrderLine.line_no)
        )
        s.add_all(
            [
                ReturnLine(
                    rma_id=rma.id,
                    order_line_id=mug.id,
                    quantity=1,
                    reason="damaged",
                    reason_note="lid cracked",
                ),
                ReturnLine(
                    rma_id=rma.id, order_line_id=cap.id, quantity=1, reason="no_longer_needed"
                ),
            ]
        )
        rma_id = rma.id
    doc = build(session_factory, build_return_slip, rma_id)
    assert [(line.sku, line.quantity, line.reason) for line in doc.lines] == [
        ("MUG-1", 1, "Damaged — lid cracked"),
        ("CAP-1", 1, "No longer needed"),
    ]
    for paper in ("Letter", "A4"):
        out = tmp_path / f"rma-{paper}.pdf"
        render_return_slip(doc, out, paper=paper)
        assert scan_page(raster(out)[0]) == ["RMA-990042"]
        text = page_texts(out)[0]
        assert "Zoë Łukasiewicz" in text and "SO-990001" in text and "lid cracked" in text
        assert "2150 NW Front Ave, Dock 4" in text


def test_command_sheet_scans_every_command(tmp_path):
    for paper in ("Letter", "A4"):
        out = tmp_path / f"commands-{paper}.pdf"
        render_command_sheet(out, paper=paper)
        assert scan_page(raster(out)[0]) == sorted(command_barcode(c) for c in Command)
        assert all(c.value in page_texts(out)[0] for c in Command)


def test_business_info_comes_from_settings(session_factory, shop):
    business = build(session_factory, business_info)
    assert business.lines == (
        "Nordlicht Trading Co.",
        "2150 NW Front Ave, Dock 4",
        "Portland, OR 97209",
        "United States",
    )
    assert business.email == "hello@nordlicht.example"
    assert _draw.paper_size("A4") == pytest.approx((595.2756, 841.8898))


def test_pickup_orders_get_a_slip_but_no_shipping_label(session_factory, shop, tmp_path):
    with unit_of_work(session_factory) as s:
        order = SalesOrder(
            number="SO-990099",
            status="open",
            delivery_method="pickup",
            pickup_location_id=shop.location,
            ship_name="Zoë Łukasiewicz",
            email="zoe@example.com",
        )
        s.add(order)
        s.flush()
        s.add(OrderLine(order_id=order.id, line_no=1, sku="PEN-1", name="Fountain Pen", quantity=1))
        order_id = order.id
    doc = build(session_factory, build_packing_slip, order_id)
    assert doc.ship_to == ("Zoë Łukasiewicz", "Collects at Oakland")
    out = tmp_path / "pickup.pdf"
    render_packing_slip(doc, out, paper="A4")
    text = page_texts(out)[0]
    assert "PICKUP BY" in text and "Customer pickup" in text
    assert scan_page(raster(out)[0]) == ["SO-990099"]
    with pytest.raises(ValidationError, match="collected in store"):
        build(session_factory, build_shipping_label, order_id)
