"""Linear barcodes (Code 128 sets B/C, EAN-13, UPC-A, EAN-8) encoded here and drawn as vector bars.

Our own encoder because python-barcode 0.16.1 silently drops a leading "99" from Code 128 data,
and because EAN classes there ignore a wrong check digit. Bars are emitted as raw PDF rectangle
operators (cached per symbol), which is much faster than images or one `canvas.rect` per bar.
Module widths are whole thermal-printer dots (1/203 in) so bars print crisply at 203 dpi.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from app.errors import ValidationError
from app.inventory.gtin import normalize_gtin

DOT = 72 / 203  # one dot of a 203 dpi thermal printer, in points
MIN_DOTS = 2  # narrowest module we print: 1-dot bars smear on thermal heads

# Bar/space widths of Code 128 symbol values 0..105 (each sums to 11 modules); then the stop.
_CODE128_WIDTHS = (
    "212222 222122 222221 121223 121322 131222 122213 122312 132212 221213 "
    "221312 231212 112232 122132 122231 113222 123122 123221 223211 221132 "
    "221231 213212 223112 312131 311222 321122 321221 312212 322112 322211 "
    "212123 212321 232121 111323 131123 131321 112313 132113 132311 211313 "
    "231113 231311 112133 112331 132131 113123 113321 133121 313121 211331 "
    "231131 213113 213311 213131 311123 311321 331121 312113 312311 332111 "
    "314111 221411 431111 111224 111422 121124 121421 141122 141221 112214 "
    "112412 122114 122411 142112 142211 241211 221114 413111 241112 134111 "
    "111242 121142 121241 114212 124112 124211 411212 421112 421211 212141 "
    "214121 412121 111143 111341 131141 114113 114311 411113 411311 113141 "
    "114131 311141 411131 211412 211214 211232"
).split()
_CODE128_STOP = "2331112"
_START_B, _START_C = 104, 105
_SWITCH_TO_C, _SWITCH_TO_B = 99, 100  # "Code C" in set B, "Code B" in set C

# EAN/UPC digit patterns (7 modules, 1 = bar): set A ("L", odd parity); set C ("R") is its
# complement, set B ("G") the mirror image of C.
_EAN_L = "0001101 0011001 0010011 0111101 0100011 0110001 0101111 0111011 0110111 0001011".split()
_EAN_R = tuple("".join("1" if bit == "0" else "0" for bit in code) for code in _EAN_L)
_EAN_G = tuple(code[::-1] for code in _EAN_R)
# Which of the six left-hand digits use set B, chosen by the (implicit) first digit of EAN-13.
_EAN13_PARITY = "LLLLLL LLGLGG LLGGLG LLGGGL LGLLGG LGGLLG LGGGLL LGLGLG LGLGGL LGGLGL".split()


class BarcodeError(ValidationError):
    """Text that cannot become the requested barcode (non-ASCII, bad check digit, too long)."""


@dataclass(frozen=True, slots=True)
class Barcode:
    """One symbol: bars in module units, the text a scanner reads and the quiet zones it needs.

    `bars` are (first module, width in modules, extends into the text area) counted from the
    start of the symbol, without the quiet zone. `digits` lays out EAN/UPC human-readable text.
    """

    symbology: str  # "Code 128", "EAN-13", "UPC-A", "EAN-8"
    text: str  # what a scanner reports
    bars: tuple[tuple[int, int, bool], ...]
    modules: int  # width of the symbol itself
    quiet_left: int
    quiet_right: int

    @property
    def total_modules(self) -> int:
        """Width including both quiet zones."""
        return self.quiet_left + self.modules + self.quiet_right


def _bars_from_bits(bits: str, long_modules: frozenset[int] = frozenset()) -> tuple:
    bars, start = [], None
    for index, bit in enumerate(bits + "0"):
        if bit == "1" and start is None:
            start = index
        elif bit == "0" and start is not None:
            bars.append((start, index - start, start in long_modules))
            start = None
    return tuple(bars)


def _digit_run(data: str, start: int) -> int:
    end = start
    while end < len(data) and data[end].isdigit():
        end += 1
    return end - start


def code128_values(data: str) -> list[int]:
    """Symbol values for `data` (start, data, checksum; no stop) using sets B and C.

    Set C (two digits per symbol) is used for runs of four or more digits, and from the start
    when the data begins with such a run or is an even number of digits only. Raises
    BarcodeError for empty data or characters outside printable ASCII.
    """
    if not data:
        raise BarcodeError("a barcode needs some text")
    bad = [ch for ch in data if not 32 <= ord(ch) <= 126]
    if bad:
        raise BarcodeError(
            f"{data!r} cannot be a Code 128 barcode: {bad[0]!r} is not a printable ASCII character"
        )
    first_run = _digit_run(data, 0)
    in_c = first_run >= 4 or (first_run == len(data) and first_run % 2 == 0)
    values = [_START_C if in_c else _START_B]
    index = 0
    while index < len(data):
        run = _digit_run(data, index)
        if in_c:
            if run >= 2:
                values.append(int(data[index : index + 2]))
                index += 2
            else:
                values.append(_SWITCH_TO_B)
                in_c = False
            continue
        if run >= 4:
            if run % 2:  # odd run: its first digit stays in set B, the rest pair up
                values.append(ord(data[index]) - 32)
                index += 1
            values.append(_SWITCH_TO_C)
            in_c = True
            continue
        values.append(ord(data[index]) - 32)
        index += 1
    checksum = values[0] + sum(position * value for position, value in enumerate(values[1:], 1))
    values.append(checksum % 103)
    return values


@lru_cache(maxsize=4096)
def code128(data: str) -> Barcode:
    """A Code 128 symbol for `data` (printable ASCII); raises BarcodeError otherwise."""
    widths = "".join(_CODE128_WIDTHS[v] for v in code128_values(data)) + _CODE128_STOP
    bits = "".join(("1" if i % 2 == 0 else "0") * int(w) for i, w in enumerate(widths))
    return Barcode("Code 128", data, _bars_from_bits(bits), len(bits), 10, 10)


def _ean_bits(left: str, right: str, parity: str) -> tuple[str, frozenset[int]]:
    bits = "101"
    for digit, kind in zip(left, parity, strict=True):
        bits += (_EAN_L if kind == "L" else _EAN_G)[int(digit)]
    middle = len(bits)
    bits += "01010"
    bits += "".join(_EAN_R[int(digit)] for digit in right)
    end = len(bits)
    bits += "101"
    guards = frozenset({0, 2, middle + 1, middle + 3, end, end + 2})
    return bits, guards


@lru_cache(maxsize=4096)
def ean(code: str) -> Barcode:
    """An EAN-13, UPC-A or EAN-8 symbol for a GTIN with a correct check digit.

    Raises BarcodeError (a ValidationError naming the expected check digit) otherwise; a
    GTIN-14 with a leading 0 is printed as the EAN-13 it contains.
    """
    try:
        digits = normalize_gtin(code)
    except ValidationError as exc:
        raise BarcodeError(str(exc), field=exc.field) from None
    if len(digits) == 14:
        if not digits.startswith("0"):
            raise BarcodeError(f"GTIN-14 {digits} needs an ITF-14 or GS1-128 symbol, not EAN")
        digits = digits[1:]
    if len(digits) == 8:
        bits, guards = _ean_bits(digits[:4], digits[4:], "LLLL")
        return Barcode("EAN-8", digits, _bars_from_bits(bits, guards), len(bits), 7, 7)
    if len(digits) == 12:
        bits, guards = _ean_bits(digits[:6], digits[6:], "LLLLLL")
        # UPC-A prints its first and last digit's bars full height, like the guards.
        guards |= {i for i in range(3, 10)} | {i for i in range(85, 92)}
        return Barcode("UPC-A", digits, _bars_from_bits(bits, guards), len(bits), 9, 9)
    bits, guards = _ean_bits(digits[1:7], digits[7:], _EAN13_PARITY[int(digits[0])])
    return Barcode("EAN-13", digits, _bars_from_bits(bits, guards), len(bits), 11, 7)


def product_barcode(gtin: str | None, sku: str) -> Barcode:
    """The GTIN as EAN/UPC when it is valid, else Code 128 of the SKU."""
    if gtin:
        try:
            return ean(gtin)
        except BarcodeError:
            pass
    return code128(sku)


def snap(value: float) -> float:
    """`value` (points) moved to the nearest 203 dpi dot, so bars start on the printer grid."""
    return round(value / DOT) * DOT


def module_for(barcode: Barcode, max_width: float, *, max_dots: int = 4) -> float | None:
    """The widest module (a whole number of dots, at most `max_dots`) that fits the symbol with
    its quiet zones into `max_width` points; None when even two dots are too wide."""
    for dots in range(max_dots, MIN_DOTS - 1, -1):
        if barcode.total_modules * dots * DOT <= max_width + 1e-6:
            return dots * DOT
    return None


@lru_cache(maxsize=8192)
def _bar_operators(barcode: Barcode, module: float, height: float, guard_extra: float) -> str:
    """PDF path operators filling the bars, relative to the symbol's bottom-left corner."""
    parts = []
    for start, width, long in barcode.bars:
        extra = guard_extra if long else 0.0
        parts.append(
            f"{start * module:.3f} {-extra:.3f} {width * module:.3f} {height + extra:.3f} re"
        )
    return " ".join(parts) + " f"


def draw_barcode(
    canvas: Any,
    barcode: Barcode,
    x: float,
    y: float,
    *,
    module: float,
    height: float,
    font: str,
    font_size: float,
    text: bool = True,
) -> float:
    """Draw `barcode` with its left quiet zone starting at `x` (snapped to the dot grid) and the
    bottom of its human-readable text at `y`; `height` counts bars plus text.

    Returns the width used including quiet zones. Text is drawn with `font` (a registered
    font name) and never needs escaping.
    """
    x = snap(x)
    text_height = font_size * 1.15 if text else 0.0
    bar_height = max(height - text_height, module * 10)
    left = x + barcode.quiet_left * module
    guard_extra = 0.0
    if text and barcode.symbology != "Code 128":
        guard_extra = min(text_height * 0.6, 5 * module)
    canvas.saveState()
    canvas.setFillColorRGB(0, 0, 0)
    canvas.addLiteral(
        f"q 1 0 0 1 {left:.3f} {y + text_height:.3f} cm "
        + _bar_operators(barcode, module, bar_height, guard_extra)
        + " Q"
    )
    if text:
        baseline = y + font_size * 0.2
        if barcode.symbology == "Code 128":
            size = _fit_size(canvas, barcode.text, font, font_size, barcode.total_modules * module)
            canvas.setFont(font, size)
            canvas.drawCentredString(left + barcode.modules * module / 2, baseline, barcode.text)
        else:
            _draw_ean_digits(canvas, barcode, left, baseline, module, font, font_size)
    canvas.restoreState()
    return barcode.total_modules * module


def _fit_size(canvas: Any, text: str, font: str, size: float, width: float) -> float:
    natural = canvas.stringWidth(text, font, size)
    return size if natural <= width else max(size * width / natural, 4.0)


def _draw_ean_digits(
    canvas: Any,
    barcode: Barcode,
    left: float,
    baseline: float,
    module: float,
    font: str,
    font_size: float,
) -> None:
    digits = barcode.text
    # (text, centre in modules from the symbol's start) for each group under/around the bars
    if barcode.symbology == "EAN-13":
        groups = [(digits[0], -6), (digits[1:7], 24), (digits[7:], 71)]
        half = 42
    elif barcode.symbology == "UPC-A":
        groups = [(digits[0], -5), (digits[1:6], 27.5), (digits[6:11], 67.5), (digits[11], 100)]
        half = 35
    else:
        groups = [(digits[:4], 17), (digits[4:], 50)]
        half = 28
    size = _fit_size(canvas, "0" * (len(groups[1][0]) + 1), font, font_size, half * module)
    canvas.setFont(font, size)
    for group, centre in groups:
        canvas.drawCentredString(left + centre * module, baseline, group)
