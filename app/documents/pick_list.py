"""Pick lists: the batch list in walk order with bin/product barcodes and slots; per order."""

from __future__ import annotations

from reportlab.pdfgen.canvas import Canvas

from app.documents import _draw as d
from app.documents.barcodes import code128, product_barcode
from app.documents.dto import PickLine, PickListDoc, PickOrder, UnpickableLine
from app.documents.fonts import BOLD

ROW = 54.0  # height of a pick line with its two barcodes
SLOT_SIZE, SLOT_LEADING = 9.5, 12.0


def slot_text(slot: int, quantity: int) -> str:
    """ "7" when one unit goes into slot 7, "7×2" for two."""
    return str(slot) if quantity == 1 else f"{slot}×{quantity}"


def render_pick_list(doc: PickListDoc, out: d.Output, *, paper: str = "Letter") -> None:
    """Write the batch pick list: the slot map, one line per product and bin in walk order
    (bin and product barcodes, total quantity, slots to share it into), then the lines that
    cannot be picked. `paper` is "Letter" or "A4"."""
    size = d.paper_size(paper)
    title = f"Pick list {doc.number}" if doc.number else "Pick list"
    with d.pdf_canvas(out, size, title=title) as canvas:
        _BatchWriter(canvas, size, doc).draw()


def render_order_pick_lists(doc: PickListDoc, out: d.Output, *, paper: str = "Letter") -> None:
    """Write one pick list per order of the batch (each on its own pages), lines in walk order
    with the quantity for that order only."""
    size = d.paper_size(paper)
    with d.pdf_canvas(out, size, title="Order pick lists") as canvas:
        for order in doc.orders:
            _OrderWriter(canvas, size, doc, order).draw()


class _Columns:
    """Column positions shared by the batch and per-order layouts."""

    def __init__(self, flow: d.Flow) -> None:
        left, right = flow.left, flow.right
        self.bin_x, self.bin_width = left, 150.0
        self.product_x = left + 160
        self.product_width = 220.0
        self.qty_right = left + 416
        self.slots_x = left + 426
        self.box_x = right - 13
        self.slots_width = self.box_x - 6 - self.slots_x


class _Writer:
    def __init__(self, canvas: Canvas, size, doc: PickListDoc, *, footer: str, key: str) -> None:
        self.c = canvas
        self.doc = doc
        self.flow = d.Flow(canvas, size, footer=footer, key=key, continued=self._continued)
        self.cols = _Columns(self.flow)

    def _continued(self, flow: d.Flow) -> None:  # overridden
        raise NotImplementedError

    def _line_header(self, last_title: str) -> None:
        c, f, k = self.c, self.flow, self.cols
        f.need(18 + ROW)
        d.shade(c, f.left, f.y - 16, f.width, 16)
        y = f.y - 11
        d.text(c, k.bin_x + 4, y, "BIN", 8, bold=True)
        d.text(c, k.product_x, y, "PRODUCT", 8, bold=True)
        d.text(c, k.qty_right, y, "QTY", 8, bold=True, align="right")
        d.text(c, k.slots_x, y, last_title, 8, bold=True)
        f.y -= 16

    def _pick_row(self, line: PickLine, quantity: int, slot_lines: list[str], first: bool) -> None:
        """One pick line; `first` False for the remainder of a line continued from a page."""
        c, f, k = self.c, self.flow, self.cols
        height = max(ROW if first else 24, 10 + SLOT_LEADING * len(slot_lines))
        top = f.y
        y = top - 15
        size = d.fit_size(line.bin_code, 13, k.bin_width - 50, BOLD, 8)
        d.text(c, k.bin_x + 4, y, line.bin_code, size, bold=True)
        d.text(c, k.bin_x + k.bin_width - 2, y, line.location_code, 8, grey=True, align="right")
        sku = d.fit(line.sku, 10, 110, BOLD)
        d.text(c, k.product_x, y, sku, 10, bold=True)
        name_x = k.product_x + d.width(sku, 10, BOLD) + 8
        name = d.fit(line.name, 8.5, k.product_x + k.product_width - name_x)
        d.text(c, name_x, y, name, 8.5)
        d.text(c, k.qty_right, y - 4, str(quantity), 18, bold=True, align="right")
        if first:
            d.barcode(
                c,
                code128(line.bin_barcode),
                k.bin_x,
                top - ROW + 4,
                k.bin_width,
                30,
                max_dots=2,
                font_size=6.5,
            )
            d.barcode(
                c,
                product_barcode(line.gtin, line.sku),
                k.product_x - 8,
                top - ROW + 4,
                k.product_width,
                30,
                max_dots=2,
                font_size=6.5,
            )
        else:
            d.text(c, k.product_x, y - 12, "(continued)", 7.5, grey=True)
        for index, value in enumerate(slot_lines):
            d.text(c, k.slots_x, y - SLOT_LEADING * index, value, SLOT_SIZE)
        d.checkbox(c, k.box_x, y - 2, 11)
        f.y -= height
        c.setStrokeColorRGB(0.75, 0.75, 0.75)
        d.rule(c, f.left, f.y, f.right, 0.4)
        c.setStrokeColorRGB(0, 0, 0)

    def _unpickable(self, lines: tuple[UnpickableLine, ...], *, with_order: bool) -> None:
        if not lines:
            return
        c, f = self.c, self.flow
        f.need(60)
        f.y -= 14
        d.text(c, f.left, f.y - 10, "NOT RESERVED — CANNOT PICK", 10, bold=True)
        f.y -= 18
        d.shade(c, f.left, f.y - 14, f.width, 14)
        x_order, x_sku, x_name, x_reason = f.left + 4, f.left + 100, f.left + 190, f.left + 370
        qty_right = x_name - 6
        if not with_order:
            x_sku, x_name, qty_right = f.left + 4, f.left + 110, f.left + 100
        y = f.y - 10
        if with_order:
            d.text(c, x_order, y, "SLOT · ORDER", 7.5, bold=True)
        d.text(c, x_sku, y, "SKU", 7.5, bold=True)
        d.text(c, qty_right, y, "QTY", 7.5, bold=True, align="right")
        d.text(c, x_name, y, "ITEM", 7.5, bold=True)
        d.text(c, x_reason, y, "WHY", 7.5, bold=True)
        f.y -= 14
        for line in lines:
            reasons = d.wrap(line.reason, 8, f.right - x_reason)[:3]
            height = 4 + 11 * max(1, len(reasons))
            f.need(height)
            y = f.y - 10
            if with_order:
                d.text(c, x_order, y, f"{line.slot} · {line.order_number}", 8.5)
            d.text(c, x_sku, y, d.fit(line.sku, 8.5, qty_right - 20 - x_sku), 8.5)
            d.text(c, qty_right, y, str(line.quantity), 8.5, bold=True, align="right")
            d.text(c, x_name, y, d.fit(line.name, 8.5, x_reason - 8 - x_name), 8.5)
            for index, reason in enumerate(reasons):
                d.text(c, x_reason, y - 11 * index, reason, 8)
            f.y -= height


class _BatchWriter(_Writer):
    def __init__(self, canvas: Canvas, size, doc: PickListDoc) -> None:
        footer = f"Pick list {doc.number}" if doc.number else "Pick list (preview, not saved)"
        super().__init__(canvas, size, doc, footer=footer, key="batch")

    def _continued(self, flow: d.Flow) -> None:
        d.text(self.c, flow.left, flow.y - 12, self.flow.footer + " (continued)", 10, bold=True)
        flow.y -= 22

    def draw(self) -> None:
        c, f, doc = self.c, self.flow, self.doc
        f.new_page()
        d.text(c, f.left, f.y - 18, "PICK LIST", 18, bold=True)
        d.text(c, f.left, f.y - 36, doc.number or "Preview — not saved", 13, bold=True)
        if doc.number:
            d.barcode(
                c,
                code128(doc.number),
                f.right - 200,
                f.y - 56,
                200,
                54,
                max_dots=3,
                font_size=9,
                align="right",
            )
        locations = sorted({o.location_code for o in doc.orders if o.location_code})
        summary = (
            f"{len(doc.orders)} orders · {len(doc.lines)} lines · {doc.units} units"
            f" · {', '.join(locations) or 'no location'}"
            f" · {doc.created_at.astimezone().strftime('%Y-%m-%d %H:%M')}"
        )
        d.text(c, f.left, f.y - 52, summary, 9, grey=True)
        f.y -= 68
        self._slot_map()
        f.y -= 10
        self._line_header("SLOTS  (slot×qty)")
        for line in doc.lines:
            per_slot: dict[int, int] = {}
            for share in line.slots:  # two lines of one order for the same product: one slot
                per_slot[share.slot] = per_slot.get(share.slot, 0) + share.quantity
            texts = [slot_text(slot, quantity) for slot, quantity in per_slot.items()]
            slot_lines = d.wrap(", ".join(texts), SLOT_SIZE, self.cols.slots_width)
            first = True
            while True:
                fits = int((f.room() - 10) // SLOT_LEADING)
                if (first and f.room() < ROW) or fits < 1:
                    f.new_page()
                    self._line_header("SLOTS  (slot×qty)")
                    continue
                part, slot_lines = slot_lines[:fits], slot_lines[fits:]
                self._pick_row(line, line.quantity, part, first)
                if not slot_lines:
                    break
                first = False
                f.new_page()
                self._line_header("SLOTS  (slot×qty)")
        if not doc.lines:
            f.y -= 20
            d.text(c, f.left, f.y, "Nothing reserved to pick.", 10, grey=True)
        self._unpickable(doc.not_reserved, with_order=True)
        f.finish()

    def _slot_map(self) -> None:
        """Slot → order number and customer, three columns."""
        c, f = self.c, self.flow
        columns, gap = 3, 10.0
        cell = (f.width - gap * (columns - 1)) / columns
        f.need(30)
        d.text(c, f.left, f.y - 10, "SLOTS", 8, bold=True, grey=True)
        f.y -= 14
        orders = list(self.doc.orders)
        while orders:
            rows = max(1, min(int((f.room() - 4) // 12), -(-len(orders) // columns)))
            chunk, orders = orders[: rows * columns], orders[rows * columns :]
            for index, order in enumerate(chunk):
                column, row = divmod(index, rows)
                x = f.left + column * (cell + gap)
                self._slot_entry(order, x, f.y - 10 - row * 12, cell)
            f.y -= rows * 12 + 4
            if orders:
                f.new_page()

    def _slot_entry(self, order: PickOrder, x: float, y: float, cell: float) -> None:
        c = self.c
        d.text(c, x + 25, y, str(order.slot), 9.5, bold=True, align="right")
        d.text(c, x + 30, y, order.number, 8.5)
        name_x = x + 30 + d.width(order.number, 8.5) + 6
        d.text(c, name_x, y, d.fit(order.customer, 8, x + cell - name_x), 8, grey=True)


class _OrderWriter(_Writer):
    def __init__(self, canvas: Canvas, size, doc: PickListDoc, order: PickOrder) -> None:
        super().__init__(canvas, size, doc, footer=f"Pick list {order.number}", key=order.number)
        self.order = order

    def _continued(self, flow: d.Flow) -> None:
        d.text(
            self.c,
            flow.left,
            flow.y - 12,
            f"Pick list {self.order.number} (continued)",
            10,
            bold=True,
        )
        flow.y -= 22

    def draw(self) -> None:
        c, f, order = self.c, self.flow, self.order
        f.new_page()
        d.text(c, f.left, f.y - 18, "PICK LIST", 18, bold=True)
        d.text(c, f.left, f.y - 36, order.number, 13, bold=True)
        d.barcode(
            c,
            code128(order.number),
            f.right - 200,
            f.y - 56,
            200,
            54,
            max_dots=3,
            font_size=9,
            align="right",
        )
        batch = (
            f"slot {order.slot} of {self.doc.number}" if self.doc.number else f"slot {order.slot}"
        )
        details = " · ".join(
            p
            for p in (order.customer, batch, order.location_code or "", f"{order.units} units")
            if p
        )
        d.text(c, f.left, f.y - 52, d.fit(details, 9, f.width - 210), 9, grey=True)
        f.y -= 70
        self._line_header("")
        for line in self.doc.lines:
            quantity = sum(s.quantity for s in line.slots if s.slot == order.slot)
            if quantity:
                if f.room() < ROW:
                    f.new_page()
                    self._line_header("")
                self._pick_row(line, quantity, [], True)
        mine = tuple(u for u in self.doc.not_reserved if u.slot == order.slot)
        self._unpickable(mine, with_order=False)
        f.finish()
