"""Questions the picking screens ask; one function each so tests can stub the modal part."""

from __future__ import annotations

from PySide6.QtWidgets import QInputDialog, QWidget

from app.picking.dto import PickLineView
from ui.widgets.questions import confirm as confirm  # re-exported: tests stub it here


def ask_short_quantity(parent: QWidget | None, line: PickLineView) -> int | None:
    """How many units of `line` the bin did not hold; None when the picker backed out."""
    value, ok = QInputDialog.getInt(
        parent,
        "Short pick",
        f"{line.sku} in bin {line.bin_code or '?'} (slot {line.slot}): how many units are "
        f"missing?\nThe order is put on hold for a decision.",
        line.remaining,
        1,
        max(line.remaining, 1),
    )
    return value if ok else None
