"""Return slips: the RMA barcode, what comes back and why, and where to send it."""

from __future__ import annotations

from collections.abc import Iterable

from reportlab.pdfgen.canvas import Canvas

from app.documents import _draw as d
from app.documents.barcodes import code128
from app.documents.dto import ReturnSlipDoc


def render_return_slip(doc: ReturnSlipDoc, out: d.Output, *, paper: str = "Letter") -> None:
    """Write one return slip as a PDF (`paper` "Letter" or "A4")."""
    render_return_slips([doc], out, paper=paper)


def render_return_slips(
    docs: Iterable[ReturnSlipDoc], out: d.Output, *, paper: str = "Letter"
) -> None:
    """Write many return slips into one PDF, each starting on a new page."""
    size = d.paper_size(paper)
    with d.pdf_canvas(out, size, title="Return slips") as canvas:
        logos: dict[str, tuple | None] = {}
        for doc in docs:
            path = doc.business.logo_path
            if path not in logos:  # one image in the PDF per distinct logo file
                logos[path] = d.define_logo(canvas, path, 170, 52, name=f"logo{len(logos)}")
            _draw_slip(canvas, size, doc, logos[path])


def _draw_slip(c: Canvas, size: tuple[float, float], doc: ReturnSlipDoc, logo) -> None:
    def continued(flow: d.Flow) -> None:
        d.text(c, flow.left, flow.y - 12, f"Return {doc.rma_number} (continued)", 10, bold=True)
        flow.y -= 24

    f = d.Flow(c, size, footer=f"Return {doc.rma_number}", key=doc.rma_number, continued=continued)
    f.new_page()
    top = f.y
    y = top
    if logo is not None:
        name, _w, h = logo
        d.place_form(c, name, f.left, top - h)
        y = top - h - 6
    y = d.business_block(c, doc.business, f.left, y, f.width * 0.55)
    d.text(c, f.right, top - 16, "RETURN AUTHORIZATION", 15, bold=True, align="right")
    d.barcode(
        c,
        code128(doc.rma_number),
        f.right - 210,
        top - 78,
        210,
        54,
        max_dots=3,
        font_size=9,
        align="right",
    )
    f.y = min(y, top - 84) - 14
    column = f.width * 0.56
    d.text(c, f.left, f.y - 8, "CUSTOMER", 8, bold=True, grey=True)
    y_left = d.lines_block(c, f.left, f.y - 10, doc.customer, 10.5, column - 12, bold_first=True)
    x = f.left + column
    d.text(c, x, f.y - 8, "RETURN", 8, bold=True, grey=True)
    facts = [("RMA", doc.rma_number), ("Order", doc.order_number)]
    if doc.created_at is not None:
        facts.append(("Issued", doc.created_at.astimezone().strftime("%Y-%m-%d")))
    facts.append(("Items", str(sum(line.quantity for line in doc.lines))))
    y_right = f.y - 10
    for label, value in facts:
        y_right -= 12.5
        d.text(c, x, y_right + 3, label, 9, grey=True)
        d.text(c, x + 50, y_right + 3, d.fit(value, 9, f.right - x - 50), 9)
    f.y = min(y_left, y_right) - 16

    qty_right, sku_x, item_x = f.left + 30, f.left + 42, f.left + 150
    reason_x = f.left + f.width * 0.62

    def header() -> None:
        d.shade(c, f.left, f.y - 16, f.width, 16)
        d.text(c, qty_right, f.y - 11, "QTY", 8, bold=True, align="right")
        d.text(c, sku_x, f.y - 11, "SKU", 8, bold=True)
        d.text(c, item_x, f.y - 11, "ITEM", 8, bold=True)
        d.text(c, reason_x, f.y - 11, "REASON", 8, bold=True)
        f.y -= 16

    header()
    for line in doc.lines:
        names = d.wrap(line.name, 9.5, reason_x - 8 - item_x)[:2] or [""]
        reasons = d.wrap(line.reason, 9, f.right - reason_x)[:3] or [""]
        height = 10 + 12 * max(len(names), len(reasons))
        if f.need(height):
            header()
        first = f.y - 15
        d.text(c, qty_right, first, str(line.quantity), 10.5, bold=True, align="right")
        d.text(c, sku_x, first, d.fit(line.sku, 9, item_x - sku_x - 8), 9)
        for index, name in enumerate(names):
            d.text(c, item_x, first - 12 * index, name, 9.5)
        for index, reason in enumerate(reasons):
            d.text(c, reason_x, first - 12 * index, reason, 9)
        f.y -= height
        c.setStrokeColorRGB(0.75, 0.75, 0.75)
        d.rule(c, f.left, f.y, f.right, 0.4)
        c.setStrokeColorRGB(0, 0, 0)

    blocks = []
    if doc.notes.strip():
        blocks.append(("NOTES", d.wrap(doc.notes, 9, f.width)))
    blocks.append(("HOW TO RETURN", d.wrap(doc.instructions, 9, f.width)))
    for title, lines in blocks:
        f.need(30 + 11.7 * len(lines))
        f.y -= 14
        d.text(c, f.left, f.y - 8, title, 8, bold=True, grey=True)
        f.y -= 12
        for line in lines:
            f.y -= 11.7
            d.text(c, f.left, f.y, line, 9)
    send_to = doc.return_to or doc.business.lines
    f.need(30 + 14 * len(send_to))
    f.y -= 16
    d.text(c, f.left, f.y - 8, "SEND TO", 8, bold=True, grey=True)
    box_top = f.y - 12
    f.y = d.lines_block(c, f.left + 10, box_top - 4, send_to, 11, f.width / 2, bold_first=True)
    c.setLineWidth(0.8)
    c.rect(f.left, f.y - 6, f.width / 2 + 20, box_top - f.y + 6, stroke=1, fill=0)
    f.y -= 20
    d.text(c, f.left, f.y, f"Write {doc.rma_number} on the outside of the parcel.", 9, bold=True)
    f.finish()
