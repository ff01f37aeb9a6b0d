"""Drawing helpers shared by the renderers: paper sizes, the canvas, text fitting, logo, barcodes.

All text goes through `canvas.drawString` (never a Paragraph), so customer text such as
"Smith & Sons <Ltd>" is printed literally without any escaping.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

from reportlab import rl_config
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from app.documents.barcodes import Barcode, draw_barcode, module_for
from app.documents.dto import Business
from app.documents.fonts import BOLD, REGULAR, register_fonts

log = logging.getLogger(__name__)

# Streams are zlib-compressed binary. ReportLab's default wraps them in ASCII85 as well, which
# makes files 25% larger and (without the optional C accelerator) costs more than the drawing.
rl_config.useA85 = 0

MM = 72 / 25.4
INCH = 72.0
PAPER_SIZES = {"Letter": (8.5 * INCH, 11 * INCH), "A4": (210 * MM, 297 * MM)}
GREY = (0.35, 0.35, 0.35)
LIGHT = (0.9, 0.9, 0.9)
ELLIPSIS = "…"

Output = BinaryIO | Path | str


def paper_size(paper: str) -> tuple[float, float]:
    """Page size in points for "Letter" or "A4"; ValueError for anything else."""
    try:
        return PAPER_SIZES[paper]
    except KeyError:
        raise ValueError(f"paper must be Letter or A4, not {paper!r}") from None


@contextmanager
def pdf_canvas(out: Output, pagesize: tuple[float, float], *, title: str) -> Iterator[Canvas]:
    """A canvas writing to `out` (a path or a binary file object), saved when the block ends.

    Nothing is written when the block raises. Output is deterministic (no timestamps).
    """
    register_fonts()
    target = os.fspath(out) if isinstance(out, str | os.PathLike) else out
    canvas = Canvas(target, pagesize=pagesize, pageCompression=1, invariant=1)
    canvas.setTitle(title)
    canvas.setAuthor("Packbench")
    canvas.setCreator("Packbench")
    yield canvas
    canvas.save()


@lru_cache(maxsize=16384)
def _width_1000(text: str, font: str) -> float:
    return stringWidth(text, font, 1000)


def width(text: str, size: float, font: str = REGULAR) -> float:
    """Width of `text` in points (cached: labels and SKUs repeat on every page)."""
    return _width_1000(text, font) * size / 1000


def fit(text: str, size: float, max_width: float, font: str = REGULAR) -> str:
    """`text` cut with an ellipsis so it is at most `max_width` points wide."""
    if width(text, size, font) <= max_width:
        return text
    low, high = 0, len(text)
    while low < high:  # longest prefix that fits with the ellipsis
        middle = (low + high + 1) // 2
        if stringWidth(text[:middle].rstrip() + ELLIPSIS, font, size) <= max_width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + ELLIPSIS if low else ""


def fit_size(text: str, size: float, max_width: float, font: str, min_size: float) -> float:
    """The largest font size ≤ `size` (not below `min_size`) at which `text` fits."""
    natural = width(text, size, font)
    if natural <= max_width:
        return size
    return max(min_size, size * max_width / natural)


def wrap(text: str, size: float, max_width: float, font: str = REGULAR) -> list[str]:
    """Lines of `text` no wider than `max_width`; explicit newlines are kept and words longer
    than a line are broken."""
    lines: list[str] = []
    space = width(" ", size, font)
    for paragraph in text.splitlines() or [""]:
        current, current_width = "", 0.0
        for word in paragraph.split():
            word_width = width(word, size, font)
            while word_width > max_width:  # break an over-long word (URLs, codes)
                if current:
                    lines.append(current)
                    current, current_width = "", 0.0
                cut = len(fit(word, size, max_width, font).rstrip(ELLIPSIS)) or 1
                lines.append(word[:cut])
                word = word[cut:]
                word_width = stringWidth(word, font, size)
            if not word:
                continue
            if current and current_width + space + word_width <= max_width:
                current += " " + word
                current_width += space + word_width
            elif current:
                lines.append(current)
                current, current_width = word, word_width
            else:
                current, current_width = word, word_width
        lines.append(current)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def text(
    canvas: Canvas,
    x: float,
    y: float,
    value: str,
    size: float,
    *,
    bold: bool = False,
    align: str = "left",
    grey: bool = False,
) -> None:
    """Draw one line of text; `align` is left, right (x is the right edge) or centre."""
    font = BOLD if bold else REGULAR
    # setFont writes operators every time; most calls repeat the current font.
    if getattr(canvas, "_fontname", None) != font or getattr(canvas, "_fontsize", None) != size:
        canvas.setFont(font, size)
    if align == "right":
        x -= width(value, size, font)
    elif align == "centre":
        x -= width(value, size, font) / 2
    if grey:
        canvas.setFillColorRGB(*GREY)
        canvas.drawString(x, y, value)
        canvas.setFillColorRGB(0, 0, 0)
    else:
        canvas.drawString(x, y, value)


def lines_block(
    canvas: Canvas,
    x: float,
    top: float,
    values: tuple[str, ...] | list[str],
    size: float,
    max_width: float,
    *,
    bold_first: bool = False,
    leading: float = 1.25,
) -> float:
    """Draw `values` one per line from `top` down, each cut to `max_width`; returns the y below."""
    y = top
    for index, value in enumerate(values):
        y -= size * leading
        bold = bold_first and index == 0
        font = BOLD if bold else REGULAR
        text(canvas, x, y + size * 0.25, fit(value, size, max_width, font), size, bold=bold)
    return y


def barcode(
    canvas: Canvas,
    code: Barcode,
    x: float,
    y: float,
    max_width: float,
    height: float,
    *,
    max_dots: int = 4,
    font_size: float = 8,
    align: str = "left",
) -> float:
    """Draw `code` at the widest whole-dot module that fits `max_width` (quiet zones included),
    aligned left, right or centre within it. Returns the width used (0 when it cannot fit,
    in which case a note is printed instead of an unscannable symbol)."""
    module = module_for(code, max_width, max_dots=max_dots)
    if module is None:
        note = fit("(barcode too long for this space)", 6, max_width * 0.8)
        text(canvas, x + max_width / 2, y + height / 2, note, 6, grey=True, align="centre")
        return 0.0
    used = code.total_modules * module
    if align == "right":
        x += max_width - used
    elif align == "centre":
        x += (max_width - used) / 2
    return draw_barcode(
        canvas, code, x, y, module=module, height=height, font=REGULAR, font_size=font_size
    )


def define_logo(
    canvas: Canvas, path: str, max_width: float, max_height: float, *, name: str = "logo"
):
    """Put the logo image into the PDF once as a form; returns (name, width, height) or None
    when there is no logo or the file is missing or unreadable (slips print without it)."""
    if not path:
        return None
    file = Path(path)
    if not file.is_file():
        log.info("logo %s not found; printing without it", file)
        return None
    try:
        reader = ImageReader(str(file))
        image_width, image_height = reader.getSize()
    except Exception:  # any decoder error: the logo is decoration, never a reason to fail
        log.warning("logo %s could not be read; printing without it", file, exc_info=True)
        return None
    scale = min(max_width / image_width, max_height / image_height)
    logo_width, logo_height = image_width * scale, image_height * scale
    canvas.beginForm(name, 0, 0, logo_width, logo_height)
    canvas.drawImage(reader, 0, 0, logo_width, logo_height, mask="auto")
    canvas.endForm()
    return name, logo_width, logo_height


def place_form(canvas: Canvas, name: str, x: float, y: float) -> None:
    canvas.saveState()
    canvas.translate(x, y)
    canvas.doForm(name)
    canvas.restoreState()


def rule(canvas: Canvas, x1: float, y: float, x2: float, weight: float = 0.5) -> None:
    canvas.setLineWidth(weight)
    canvas.line(x1, y, x2, y)


def shade(canvas: Canvas, x: float, y: float, w: float, h: float) -> None:
    canvas.setFillColorRGB(*LIGHT)
    canvas.rect(x, y, w, h, stroke=0, fill=1)
    canvas.setFillColorRGB(0, 0, 0)


def checkbox(canvas: Canvas, x: float, y: float, size: float) -> None:
    canvas.setLineWidth(0.8)
    canvas.rect(x, y, size, size, stroke=1, fill=0)


def business_block(canvas: Canvas, business: Business, x: float, top: float, width: float) -> float:
    """Business name, address and contact line from `top` down; returns the y below them."""
    size = fit_size(business.name, 13, width, BOLD, 9)
    text(canvas, x, top - size, fit(business.name, size, width, BOLD), size, bold=True)
    contact = "  ·  ".join(p for p in (business.email, business.phone) if p)
    lines = list(business.address_lines) + ([contact] if contact else [])
    return lines_block(canvas, x, top - size - 3, lines, 8.5, width)


class Flow:
    """Top-to-bottom layout over pages with a numbered footer ("Page 2 of 5").

    The total is a form filled in by `finish()`, so pages need not be counted in advance.
    `continued(flow)` redraws a compact header on every page after the first.
    """

    def __init__(
        self,
        canvas: Canvas,
        size: tuple[float, float],
        *,
        footer: str,
        key: str,
        margin: float = 36.0,
        continued=None,
    ) -> None:
        self.c = canvas
        self.page_width, self.page_height = size
        self.margin = margin
        self.left, self.right = margin, self.page_width - margin
        self.width = self.right - self.left
        self.top = self.page_height - margin
        self.bottom = margin + 26
        self.footer = footer
        self.form = f"pages-{key}"
        self.continued = continued
        self.page_no = 0
        self.y = self.top

    def new_page(self) -> None:
        if self.page_no:
            self.c.showPage()
        self.page_no += 1
        self.y = self.top
        y = self.margin - 4
        rule(self.c, self.left, y + 12, self.right, 0.3)
        text(self.c, self.left, y, self.footer, 7.5, grey=True)
        label = f"Page {self.page_no} of "
        text(self.c, self.right - 16 - width(label, 7.5), y, label, 7.5, grey=True)
        place_form(self.c, self.form, self.right - 16, y)
        if self.page_no > 1 and self.continued is not None:
            self.continued(self)

    def room(self) -> float:
        return self.y - self.bottom

    def need(self, height: float) -> bool:
        """Start a new page unless `height` fits; True when a page was started."""
        if self.y - height < self.bottom:
            self.new_page()
            return True
        return False

    def finish(self) -> None:
        """End the part's last page and fill in its page total."""
        self.c.showPage()
        self.c.beginForm(self.form, 0, 0, 40, 10)
        text(self.c, 0, 0, str(self.page_no), 7.5, grey=True)
        self.c.endForm()
