"""Barcode encoders, money and text helpers of app.documents, checked by decoding real renders."""

from __future__ import annotations

import io
import math
import subprocess
import sys
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp
from reportlab.pdfgen.canvas import Canvas

from app.documents import _draw
from app.documents.barcodes import (
    DOT,
    BarcodeError,
    code128,
    code128_values,
    draw_barcode,
    ean,
    module_for,
    product_barcode,
)
from app.documents.fonts import REGULAR, register_fonts
from app.documents.formatting import address_lines, format_money
from app.orders.address import Address

ROOT = Path(__file__).resolve().parents[2]


def scanned(result) -> str:
    """What a till would show: zxing reports UPC-A as EAN-13 with a leading 0."""
    text = result.text
    if result.format == zxingcpp.BarcodeFormat.EAN13 and text.startswith("0"):
        return text[1:]
    return text


def render_one(barcode, *, dots: int = 2) -> list[str]:
    register_fonts()
    buffer = io.BytesIO()
    # Whole inches, so the 203 dpi raster is exactly the printer's dot grid.
    inches = math.ceil((barcode.total_modules * dots * DOT + 20) / 72)
    canvas = Canvas(buffer, pagesize=(inches * 72, 72))
    draw_barcode(canvas, barcode, 10, 10, module=dots * DOT, height=50, font=REGULAR, font_size=7)
    canvas.save()
    image = pdfium.PdfDocument(buffer.getvalue())[0].render(scale=203 / 72).to_pil()
    return [scanned(r) for r in zxingcpp.read_barcodes(image)]


CODE128_SAMPLES = [
    "9912345",  # python-barcode 0.16.1 drops this leading 99
    "99",
    "990001",
    "SO-990001",
    "12345",
    "1234567890",
    "A",
    "ab-1234567-c99",
    "BIN/US-WH/A-01",
    "1Z999AA10123456784",
    "CMD-DONE",
    "sku with spaces ~!@#$%^&*()_+{}|:\"<>?`-=[]\\;',./",
]


@pytest.mark.parametrize("data", CODE128_SAMPLES)
def test_code128_round_trips_through_a_scanner(data):
    assert render_one(code128(data)) == [data]


def test_code128_uses_set_c_for_digit_runs_and_keeps_a_leading_99():
    assert code128_values("9912345")[:3] == [105, 99, 12]  # start C, "99", "12"
    assert code128_values("SO-990001")[:5] == [104, 51, 47, 13, 99]  # B: S O -, then Code C
    assert code128_values("SO-1")[0] == 104
    # Digits only: 3 symbols (start, 2 pairs) + checksum, versus 6 in set B.
    assert len(code128_values("1234")) == 4
    values = code128_values("PL-000001")
    start, data, check = values[0], values[1:-1], values[-1]
    assert check == (start + sum(i * v for i, v in enumerate(data, 1))) % 103


def test_code128_table_matches_the_standard():
    from barcode.charsets import code128 as reference

    from app.documents.barcodes import _CODE128_WIDTHS

    def bits(widths: str) -> str:
        return "".join(("1" if i % 2 == 0 else "0") * int(w) for i, w in enumerate(widths))

    assert [bits(w) for w in _CODE128_WIDTHS] == list(reference.CODES)


def test_code128_refuses_text_it_cannot_encode():
    with pytest.raises(BarcodeError, match="printable ASCII"):
        code128("Zoë")
    with pytest.raises(BarcodeError):
        code128("")


@pytest.mark.parametrize(
    ("code", "symbology", "expected"),
    [
        ("4006381333931", "EAN-13", "4006381333931"),
        ("036000291452", "UPC-A", "036000291452"),
        ("96385074", "EAN-8", "96385074"),
        ("00036000291452", "EAN-13", "036000291452"),  # GTIN-14 with leading 0
        ("5901234123457", "EAN-13", "5901234123457"),
    ],
)
def test_ean_and_upc_round_trip(code, symbology, expected):
    barcode = ean(code)
    assert barcode.symbology == symbology
    assert render_one(barcode) == [expected]
    assert render_one(barcode, dots=3) == [expected]


def test_ean_refuses_a_wrong_check_digit_that_python_barcode_would_fix_silently():
    with pytest.raises(BarcodeError, match="expected 1"):
        ean("4006381333932")
    with pytest.raises(BarcodeError):
        ean("10012345678902")  # GTIN-14 proper needs ITF-14
    # A product with a bad GTIN falls back to its SKU as Code 128.
    assert product_barcode("4006381333932", "MUG-1").text == "MUG-1"
    assert product_barcode(None, "MUG-1").symbology == "Code 128"
    assert product_barcode("96385074", "PEN-1").symbology == "EAN-8"


def test_module_is_whole_printer_dots_and_keeps_quiet_zones():
    barcode = code128("SO-000123")
    module = module_for(barcode, 200, max_dots=4)
    assert module is not None
    dots = module / DOT
    assert abs(dots - round(dots)) < 1e-9 and round(dots) >= 2
    assert barcode.total_modules * module <= 200
    assert barcode.quiet_left == barcode.quiet_right == 10
    assert module_for(code128("X" * 60), 200) is None  # would need 1-dot bars: refused


def test_money_formatting():
    assert format_money(1299, "USD") == "$12.99"
    assert format_money(123456789, "usd") == "$1,234,567.89"
    assert format_money(5, "EUR") == "€0.05"
    assert format_money(1200, "JPY") == "¥1,200"
    assert format_money(-450, "GBP") == "-£4.50"
    assert format_money(1999, "CHF") == "19.99 CHF"
    assert format_money(12345, "KWD") == "12.345 KWD"
    assert format_money(0, "SEK") == "0.00 SEK"


def test_address_lines_follow_the_country_and_keep_text_literal():
    us = Address("Zoë Łukasiewicz", "1600 Amphitheatre Pkwy", "Mountain View", "94043", "US", "CA")
    assert address_lines(us) == (
        "Zoë Łukasiewicz",
        "1600 Amphitheatre Pkwy",
        "MOUNTAIN VIEW, CA 94043",
        "UNITED STATES",
    )
    de = Address("Søren", "Unter den Linden 1", "Berlin", "10117", "DE", company="A & B <GmbH>")
    assert address_lines(de)[:2] == ("Søren", "A & B <GmbH>")
    assert "10117 BERLIN" in address_lines(de)
    odd = Address("X", "Main St 1", "Town", "123", "ZZ")
    assert address_lines(odd) == ("X", "Main St 1", "123 Town", "ZZ")


def test_text_helpers_wrap_and_cut_to_width():
    register_fonts()
    lines = _draw.wrap("Enamel mug " * 20 + "https://example.com/" + "x" * 200, 9, 150)
    assert all(_draw.width(line, 9) <= 150 for line in lines)
    assert "".join(lines).replace(" ", "").endswith("x" * 50)
    cut = _draw.fit("Merino Wool Beanie — Zoë edition", 9, 60)
    assert cut.endswith("…") and _draw.width(cut, 9) <= 60
    assert _draw.wrap("one\n\ntwo", 9, 100) == ["one", "", "two"]
    with pytest.raises(ValueError, match="Letter or A4"):
        _draw.paper_size("Legal")


def test_importing_the_package_does_not_load_reportlab():
    code = (
        "import sys, app.documents, app.documents.dto, app.documents.builders, "
        "app.documents.barcodes, app.documents.formatting; "
        "loaded = sorted(m for m in sys.modules if m.startswith('reportlab')); "
        "print(loaded); sys.exit(1 if loaded else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
