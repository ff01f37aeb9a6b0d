"""Product and bin labels on sheets (Avery 5160 Letter, L7159/L7160 A4) or thermal rolls."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from reportlab.pdfgen.canvas import Canvas

from app.documents import _draw as d
from app.documents.barcodes import code128, product_barcode
from app.documents.dto import BinLabel, ProductLabel
from app.documents.fonts import BOLD
from app.documents.formatting import format_money

INCH, MM = d.INCH, d.MM
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class LabelLayout:
    """A label stock: page size, cell size, grid and where the first cell sits."""

    title: str
    page: tuple[float, float]
    cell: tuple[float, float]
    columns: int = 1
    rows: int = 1
    left: float = 0.0  # page edge to the first column
    top: float = 0.0  # page top to the first row
    pitch_x: float = 0.0  # cell start to the next cell's start
    pitch_y: float = 0.0

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def cell_origin(self, index: int) -> tuple[float, float]:
        """Bottom-left corner of cell `index` (row by row from the top left) on its page."""
        row, column = divmod(index % self.per_page, self.columns)
        x = self.left + column * self.pitch_x
        y = self.page[1] - self.top - row * self.pitch_y - self.cell[1]
        return x, y


LAYOUTS: dict[str, LabelLayout] = {
    "avery-5160": LabelLayout(
        "Avery 5160 — Letter, 30 per sheet, 2⅝ × 1 in",
        d.PAPER_SIZES["Letter"],
        (2.625 * INCH, 1 * INCH),
        3,
        10,
        0.1875 * INCH,
        0.5 * INCH,
        2.75 * INCH,
        1 * INCH,
    ),
    "avery-l7159": LabelLayout(
        "Avery L7159 — A4, 24 per sheet, 63.5 × 33.9 mm",
        d.PAPER_SIZES["A4"],
        (63.5 * MM, 33.9 * MM),
        3,
        8,
        7.21 * MM,
        12.9 * MM,
        66.04 * MM,
        33.9 * MM,
    ),
    "avery-l7160": LabelLayout(
        "Avery L7160 — A4, 21 per sheet, 63.5 × 38.1 mm",
        d.PAPER_SIZES["A4"],
        (63.5 * MM, 38.1 * MM),
        3,
        7,
        7.21 * MM,
        15.15 * MM,
        66.04 * MM,
        38.1 * MM,
    ),
    "thermal-2.25x1.25": LabelLayout(
        "Thermal roll, 2.25 × 1.25 in", (2.25 * INCH, 1.25 * INCH), (2.25 * INCH, 1.25 * INCH)
    ),
    "thermal-50x25": LabelLayout(
        "Thermal roll, 50 × 25 mm", (50 * MM, 25 * MM), (50 * MM, 25 * MM)
    ),
}


def label_layout(name: str) -> LabelLayout:
    """The layout called `name` (a key of LAYOUTS); ValueError listing the choices otherwise."""
    try:
        return LAYOUTS[name]
    except KeyError:
        raise ValueError(
            f"label layout must be one of {', '.join(LAYOUTS)}, not {name!r}"
        ) from None


def padding(layout: LabelLayout) -> float:
    """Blank border kept inside every cell (die-cut tolerance and barcode quiet space)."""
    return max(4.0, min(layout.cell) * 0.07)


def render_product_labels(
    labels: Iterable[ProductLabel], out: d.Output, *, layout: str = "avery-5160", skip: int = 0
) -> None:
    """Write product labels: name (cut to fit), SKU, price in its currency and the GTIN as
    EAN-13/UPC-A/EAN-8 when valid, else the SKU as Code 128. `skip` leaves that many cells of
    the first sheet empty (a partly used sheet)."""
    _render(list(labels), out, label_layout(layout), skip, _draw_product, "Product labels")


def render_bin_labels(
    labels: Iterable[BinLabel], out: d.Output, *, layout: str = "avery-5160", skip: int = 0
) -> None:
    """Write bin labels: the bin code large, its location, and Code 128 of `bin_barcode()`."""
    _render(list(labels), out, label_layout(layout), skip, _draw_bin, "Bin labels")


def _render(
    items: Sequence[T],
    out: d.Output,
    layout: LabelLayout,
    skip: int,
    draw: Callable[[Canvas, T, float, float, float, float, float, float], None],
    title: str,
) -> None:
    if skip < 0 or (skip and layout.per_page == 1):
        raise ValueError("skip applies to label sheets and must not be negative")
    with d.pdf_canvas(out, layout.page, title=title) as canvas:
        pad = padding(layout)
        for position, item in enumerate(items, start=skip % layout.per_page):
            if position and position % layout.per_page == 0:
                canvas.showPage()
            x, y = layout.cell_origin(position)
            w, h = layout.cell
            draw(canvas, item, x + pad, y + pad, w - 2 * pad, h - 2 * pad, pad, h / 72)


def _draw_product(
    c: Canvas, label: ProductLabel, x: float, y: float, w: float, h: float, pad: float, scale: float
) -> None:
    """One product label inside the padded box (x, y, w, h); `scale` grows text on taller
    labels. The barcode may span the whole cell width: its quiet zones (≥ 10 modules, wider
    than the padding) keep every bar inside the padded box."""
    name_size = min(8.5 * scale, 11)
    small = min(7.5 * scale, 9.5)
    top = y + h
    name = d.fit(label.name, name_size, w, BOLD)
    # Baseline one ascent below the top: accented capitals (Ü, Ł) reach 0.93 em.
    d.text(c, x, top - name_size * 0.95, name, name_size, bold=True)
    price = format_money(label.price_minor, label.currency) if label.price_minor is not None else ""
    price_size = min(10 * scale, 12)
    # Below the name's descenders, with room for the price's (taller) figures.
    info_y = top - name_size * 1.2 - max(small, price_size * 0.8)
    price_width = d.width(price, price_size, BOLD)
    if price:
        d.text(c, x + w, info_y, price, price_size, bold=True, align="right")
    sku = d.fit(f"SKU {label.sku}", small, w - price_width - 6)
    d.text(c, x, info_y, sku, small)
    code_height = info_y - 3 - y
    font_size = max(5.5, min(6.5 * scale, 8))
    d.barcode(
        c,
        product_barcode(label.gtin, label.sku),
        x - pad,
        y,
        w + 2 * pad,
        code_height,
        max_dots=3,
        font_size=font_size,
        align="centre",
    )


def _draw_bin(
    c: Canvas, label: BinLabel, x: float, y: float, w: float, h: float, pad: float, scale: float
) -> None:
    """One bin label: bin code as large as fits, location code, Code 128 below."""
    location_size = min(8 * scale, 11)
    location_width = d.width(label.location_code, location_size) + 6
    size = d.fit_size(label.bin_code, min(18 * scale, 30), w - location_width, BOLD, 8)
    top = y + h
    code = d.fit(label.bin_code, size, w - location_width, BOLD)
    d.text(c, x, top - size * 0.8, code, size, bold=True)
    d.text(c, x + w, top - size * 0.8, label.location_code, location_size, align="right", grey=True)
    code_height = top - size * 0.8 - 5 - y
    font_size = max(5.5, min(6.5 * scale, 8))
    d.barcode(
        c,
        code128(label.barcode_text),
        x - pad,
        y,
        w + 2 * pad,
        code_height,
        max_dots=3,
        font_size=font_size,
        align="centre",
    )
