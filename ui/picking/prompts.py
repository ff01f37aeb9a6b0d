"""Questions the picking screens ask; one function each so tests can stub the modal part."""

from __future__ import annotations

from PySide6.QtWidgets import QInputDialog, QMessageBox, QWidget

from app.picking.dto import PickLineView


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


def confirm(parent: QWidget | None, title: str, text: str) -> bool:
    """A yes/no question; True when the user said yes."""
    answer = QMessageBox.question(
        parent,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes
