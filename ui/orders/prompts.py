"""Questions the orders pages ask people; one function each so tests can stub the modal part."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QWidget

from app.orders.dto import OrderView
from ui.ops import Ops
from ui.orders.order_dialogs import CancelDialog, HoldDialog, HoldRequest, SplitDialog
from ui.orders.product_picker import PickedProduct, ProductPickerDialog


def ask_hold(parent: QWidget | None, numbers: list[str]) -> HoldRequest | None:
    """Reason and optional hold-until for holding `numbers`; None when the user backed out."""
    dialog = HoldDialog(numbers, parent)
    return dialog.value() if dialog.exec() == QDialog.DialogCode.Accepted else None


def ask_cancel_reason(parent: QWidget | None, number: str) -> str | None:
    dialog = CancelDialog(number, parent)
    return dialog.reason() if dialog.exec() == QDialog.DialogCode.Accepted else None


def ask_split(parent: QWidget | None, order: OrderView) -> dict[int, int] | None:
    """{line id: units to move} for splitting `order`; None when the user backed out."""
    dialog = SplitDialog(order, parent)
    return dialog.value() if dialog.exec() == QDialog.DialogCode.Accepted else None


def pick_product(
    parent: QWidget | None, ops: Ops, text: str = "", title: str = "Find product"
) -> PickedProduct | None:
    dialog = ProductPickerDialog(ops, text, title, parent)
    return dialog.chosen if dialog.exec() == QDialog.DialogCode.Accepted else None


def confirm_discard(parent: QWidget | None) -> bool:
    """True when the user agrees to throw away what they typed."""
    answer = QMessageBox.question(
        parent,
        "Discard order?",
        "Discard this order? What you typed is lost.",
        QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Discard


def ask_import_file(parent: QWidget | None) -> Path | None:
    """The order CSV to import (Packbench, Shopify or WooCommerce export); None to back out."""
    chosen, _ = QFileDialog.getOpenFileName(
        parent, "Import orders", str(Path.home()), "CSV files (*.csv *.txt);;All files (*)"
    )
    return Path(chosen) if chosen else None
