"""Packing slips: business header, order barcode, ship-to, lines to pack, notes and returns."""

from __future__ import annotations

from collections.abc import Iterable

from reportlab.pdfgen.canvas import Canvas

from app.documents import _draw as d
from app.documents.barcodes import code128
from app.documents.dto import PackingSlipDoc, SlipLine


def render_packing_slip(doc: PackingSlipDoc, out: d.Output, *, paper: str = "Letter") -> None:
    """Write one order's packing slip (one or more pages) as a PDF to `out`."""
    render_packing_slips([doc], out, paper=paper)


def render_packing_slips(
    docs: Iterable[PackingSlipDoc], out: d.Output, *, paper: str = "Letter"
) -> None:
    """Write many packing slips into one PDF, each starting on a new page.

    `paper` is "Letter" or "A4" (ValueError otherwise). Pure: reads nothing but the DTOs (and
    the logo file they name, skipped when missing); safe to call from a worker thread.
    """
    size = d.paper_size(paper)
    docs = list(docs)
    title = f"Packing slip {docs[0].order_number}" if len(docs) == 1 else "Packing slips"
    with d.pdf_canvas(out, size, title=title) as canvas:
        logos: dict[str, tuple | None] = {}
        for index, doc in enumerate(docs):
            path = doc.business.logo_path
            if path not in logos:  # one image in the PDF per distinct logo file
                logos[path] = d.define_logo(canvas, path, 170, 52, name=f"logo{len(logos)}")
            _SlipWriter(canvas, size, doc, index, logos[path]).draw()


class _SlipWriter:
    """Draws one slip, starting new pages as the lines need them."""

    def __init__(self, canvas: Canvas, size: tuple[float, float], doc, index: int, logo) -> None:
        self.c = canvas
        self.doc: PackingSlipDoc = doc
        self.logo = logo
        self.flow = d.Flow(
            canvas,
            size,
            footer=f"Packing slip {doc.order_number}",
            key=f"slip{index}",
            continued=self._continued,
        )
        f = self.flow
        # Table columns: quantity, SKU, item, packed check box.
        self.qty_right = f.left + 34
        self.sku_x = f.left + 46
        self.item_x = f.left + 160
        self.box_x = f.right - 26
        self.item_width = self.box_x - 12 - self.item_x

    def draw(self) -> None:
        c, f, doc = self.c, self.flow, self.doc
        f.new_page()
        self._first_header()
        for line in doc.lines:
            names, note, height = self._row(line)
            if f.need(height):
                self._table_header()
            first = f.y - 16
            d.text(c, self.qty_right, first, str(line.quantity), 11, bold=True, align="right")
            d.text(c, self.sku_x, first, d.fit(line.sku, 9, self.item_x - self.sku_x - 8), 9)
            for offset, name in enumerate(names):
                d.text(c, self.item_x, first - 12 * offset, name, 9.5)
            if note:
                d.text(c, self.item_x, first - 12 * len(names), note, 7.5, grey=True)
            d.checkbox(c, self.box_x + 8, first - 2, 11)
            f.y -= height
            c.setStrokeColorRGB(0.75, 0.75, 0.75)
            d.rule(c, f.left, f.y, f.right, 0.4)
            c.setStrokeColorRGB(0, 0, 0)
        if not doc.lines:
            d.text(c, self.item_x, f.y - 16, "Nothing left to ship on this order.", 9.5, grey=True)
            f.y -= 24
        self._trailer()
        f.finish()

    # ---- headers -------------------------------------------------------------------------

    def _first_header(self) -> None:
        c, f, doc = self.c, self.flow, self.doc
        top = f.top
        y = top
        if self.logo is not None:
            name, _w, h = self.logo
            d.place_form(c, name, f.left, top - h)
            y = top - h - 6
        y = d.business_block(c, doc.business, f.left, y, f.width * 0.55)
        # Right: title and the order number as Code 128 (scanned at the packing bench).
        d.text(c, f.right, top - 16, "PACKING SLIP", 16, bold=True, align="right")
        d.barcode(
            c,
            code128(doc.order_number),
            f.right - 200,
            top - 76,
            200,
            52,
            max_dots=3,
            font_size=9,
            align="right",
        )
        f.y = min(y, top - 82) - 14
        self._addresses()
        self._table_header()

    def _addresses(self) -> None:
        c, f, doc = self.c, self.flow, self.doc
        top = f.y
        column = f.width * 0.56
        pickup = doc.delivery_method == "pickup"
        d.text(c, f.left, top - 8, "PICKUP BY" if pickup else "SHIP TO", 8, bold=True, grey=True)
        y_left = d.lines_block(c, f.left, top - 10, doc.ship_to, 11, column - 12, bold_first=True)
        x = f.left + column
        d.text(c, x, top - 8, "ORDER", 8, bold=True, grey=True)
        facts = [("Order", doc.order_number)]
        if doc.placed_at is not None:
            facts.append(("Date", doc.placed_at.astimezone().strftime("%Y-%m-%d")))
        if doc.channel_ref:
            facts.append(("Reference", doc.channel_ref))
        facts.append(("Delivery", "Customer pickup" if pickup else "Ship"))
        if doc.email:
            facts.append(("Email", doc.email))
        if doc.phone:
            facts.append(("Phone", doc.phone))
        facts.append(("Units", str(sum(line.quantity for line in doc.lines))))
        y_right = top - 10
        value_width = f.right - (x + 62)
        for label, value in facts:
            y_right -= 12.5
            d.text(c, x, y_right + 3, label, 9, grey=True)
            d.text(c, x + 62, y_right + 3, d.fit(value, 9, value_width), 9)
        f.y = min(y_left, y_right) - 16

    def _continued(self, f: d.Flow) -> None:
        c, number = self.c, self.doc.order_number
        d.text(c, f.left, f.top - 14, self.doc.business.name, 9, grey=True)
        d.text(c, f.left, f.top - 32, f"Packing slip {number} (continued)", 13, bold=True)
        d.barcode(
            c,
            code128(number),
            f.right - 200,
            f.top - 44,
            200,
            44,
            max_dots=3,
            font_size=8,
            align="right",
        )
        f.y = f.top - 60

    def _table_header(self) -> None:
        c, f = self.c, self.flow
        d.shade(c, f.left, f.y - 16, f.width, 16)
        y = f.y - 11
        d.text(c, self.qty_right, y, "QTY", 8, bold=True, align="right")
        d.text(c, self.sku_x, y, "SKU", 8, bold=True)
        d.text(c, self.item_x, y, "ITEM", 8, bold=True)
        d.text(c, f.right - 4, y, "PACKED", 7, bold=True, align="right")
        f.y -= 16

    # ---- body ----------------------------------------------------------------------------

    def _row(self, line: SlipLine) -> tuple[list[str], str, float]:
        names = d.wrap(line.name, 9.5, self.item_width)[:3] or [""]
        note = ""
        if line.ordered != line.quantity:
            note = f"ordered {line.ordered}, {line.ordered - line.quantity} sent before"
        height = 8 + 12 * len(names) + (10 if note else 0)
        return names, note, max(height, 24)

    def _trailer(self) -> None:
        c, f, doc = self.c, self.flow, self.doc
        f.y -= 14
        blocks = []
        if doc.notes.strip():
            blocks.append(("NOTES", d.wrap(doc.notes, 9, f.width), 9))
        if doc.return_instructions.strip():
            blocks.append(("RETURNS", d.wrap(doc.return_instructions, 8.5, f.width), 8.5))
        for title, lines, size in blocks:
            if f.need(14 + len(lines) * size * 1.3 + 8):
                f.y -= 14
            d.text(c, f.left, f.y - 8, title, 8, bold=True, grey=True)
            f.y -= 12
            for line in lines:
                f.y -= size * 1.3
                d.text(c, f.left, f.y, line, size)
            f.y -= 12
