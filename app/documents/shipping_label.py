"""Shipping labels (4×6 in, 100×150 mm): ship-from, large ship-to, order and tracking codes."""

from __future__ import annotations

from collections.abc import Iterable

from reportlab.pdfgen.canvas import Canvas

from app.documents import _draw as d
from app.documents.barcodes import code128
from app.documents.dto import ShippingLabelDoc
from app.documents.fonts import BOLD

LABEL_SIZES = {"4x6": (4 * d.INCH, 6 * d.INCH), "100x150": (100 * d.MM, 150 * d.MM)}
MARGIN = 10.0


def label_size(size: str) -> tuple[float, float]:
    """Page size in points for "4x6" or "100x150"; ValueError otherwise."""
    try:
        return LABEL_SIZES[size]
    except KeyError:
        raise ValueError(f"label size must be 4x6 or 100x150, not {size!r}") from None


def render_shipping_label(doc: ShippingLabelDoc, out: d.Output, *, size: str = "4x6") -> None:
    """Write one shipping label (one page of `size`, "4x6" or "100x150") as a PDF."""
    render_shipping_labels([doc], out, size=size)


def render_shipping_labels(
    docs: Iterable[ShippingLabelDoc], out: d.Output, *, size: str = "4x6"
) -> None:
    """Write many shipping labels, one per page, into one PDF."""
    page = label_size(size)
    with d.pdf_canvas(out, page, title="Shipping labels") as canvas:
        for doc in docs:
            _draw_label(canvas, page, doc)
            canvas.showPage()


def _draw_label(c: Canvas, page: tuple[float, float], doc: ShippingLabelDoc) -> None:
    page_width, page_height = page
    left, right = MARGIN, page_width - MARGIN
    width = right - left
    y = page_height - MARGIN
    # Ship-from: small, top left.
    d.text(c, left, y - 7, "FROM", 6.5, bold=True, grey=True)
    y = d.lines_block(c, left, y - 8, doc.ship_from[:6], 8, width, bold_first=True, leading=1.2)
    y -= 5
    d.rule(c, left, y, right, 2)
    # Ship-to: as large as fits.
    d.text(c, left, y - 10, "SHIP TO", 7, bold=True, grey=True)
    y -= 14
    lines = doc.ship_to[:8]
    for index, line in enumerate(lines):
        font = BOLD if index == 0 else d.REGULAR
        size = d.fit_size(line, 16 if index == 0 else 13, width - 6, font, 9)
        y -= size * 1.22
        d.text(
            c, left + 6, y + size * 0.22, d.fit(line, size, width - 6, font), size, bold=index == 0
        )
    y -= 10
    d.rule(c, left, y, right, 2)
    # Order number, scanned at the bench to find the order.
    d.text(c, left, y - 10, "ORDER", 7, bold=True, grey=True)
    d.text(c, right, y - 10, doc.order_number, 9, bold=True, align="right")
    y -= 14
    d.barcode(
        c,
        code128(doc.order_number),
        left,
        y - 52,
        width,
        50,
        max_dots=3,
        font_size=8,
        align="centre",
    )
    y -= 60
    d.rule(c, left, y, right, 2)
    # Tracking number: large, for the carrier's scanners.
    carrier = " · ".join(p for p in (doc.carrier, doc.service) if p)
    d.text(c, left, y - 12, d.fit(carrier or "TRACKING", 10, width, BOLD), 10, bold=True)
    package = f"Package {doc.package_no} of {doc.package_count}"
    bottom = MARGIN + 14
    if doc.tracking_number:
        height = min(90.0, y - 22 - bottom - 4)
        d.barcode(
            c,
            code128(doc.tracking_number),
            left,
            y - 20 - height,
            width,
            height,
            max_dots=4,
            font_size=10,
            align="centre",
        )
    else:
        d.text(c, left, y - 32, "No tracking number", 9, grey=True)
    footer = [package]
    if doc.weight_g:
        footer.append(f"{doc.weight_g / 1000:.2f} kg")
    if doc.shipment_number:
        footer.append(doc.shipment_number)
    d.rule(c, left, MARGIN + 11, right, 0.5)
    d.text(c, left, MARGIN + 2, " · ".join(footer), 8)
