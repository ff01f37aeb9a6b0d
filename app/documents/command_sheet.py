"""The command barcode sheet kept at the packing bench: DONE, PRINT, UNDO, NEXT, CANCEL."""

from __future__ import annotations

from collections.abc import Sequence

from app.documents import _draw as d
from app.documents.barcodes import code128
from app.scanning import Command, command_barcode

MEANINGS = {
    Command.DONE: "Finish the current order or count",
    Command.PRINT: "Print the label or slip for the current order",
    Command.UNDO: "Take back the last scan",
    Command.NEXT: "Go to the next order in the batch",
    Command.CANCEL: "Abandon the current step",
}


def render_command_sheet(
    out: d.Output, *, paper: str = "Letter", commands: Sequence[Command] | None = None
) -> None:
    """Write one page with a large, labelled Code 128 for each command (all by default)."""
    size = d.paper_size(paper)
    commands = list(commands or Command)
    with d.pdf_canvas(out, size, title="Command barcodes") as c:
        page_width, page_height = size
        margin = 40.0
        left, right = margin, page_width - margin
        d.text(c, left, page_height - margin - 18, "Scan commands", 20, bold=True)
        d.text(
            c,
            left,
            page_height - margin - 34,
            "Keep this sheet at the packing bench; scan a code instead of using the keyboard.",
            9.5,
            grey=True,
        )
        top = page_height - margin - 50
        slot = (top - margin) / max(len(commands), 5)
        for index, command in enumerate(commands):
            y = top - index * slot
            d.rule(c, left, y, right, 0.4)
            d.text(c, left, y - 30, command.value, 24, bold=True)
            meaning = MEANINGS.get(command, "")
            for row, line in enumerate(d.wrap(meaning, 9.5, 190)[:3]):
                d.text(c, left, y - 48 - row * 12, line, 9.5, grey=True)
            height = min(slot - 16, 110)
            d.barcode(
                c,
                code128(command_barcode(command)),
                left + 200,
                y - 8 - height,
                right - left - 200,
                height,
                max_dots=4,
                font_size=10,
                align="centre",
            )
        c.showPage()
