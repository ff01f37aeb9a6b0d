"""Stock dialogs on one product: receive, adjust, transfer and scrap, each one ledger move."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from PySide6.QtWidgets import QLabel, QLineEdit, QSpinBox, QWidget

from app.audit import default_actor
from app.errors import ValidationError
from app.inventory.dto import BinInfo, ProductDetail
from app.inventory.ledger import adjust_stock, receive_stock, scrap_stock, transfer_stock
from ui.inventory.bin_picker import BinPicker
from ui.inventory.forms import FormDialog
from ui.ops import Ops

MAX_UNITS = 1_000_000


def _quantity_spin(minimum: int = 1) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(minimum, MAX_UNITS)
    spin.setGroupSeparatorShown(True)
    return spin


def _held(product: ProductDetail) -> dict[int, int]:
    """Units per bin id that hold this product."""
    return {b.bin_id: b.on_hand for b in product.bins if b.on_hand > 0}


def _default_bin(product: ProductDetail, bins: Sequence[BinInfo]) -> int | None:
    """Where new stock usually goes: a default bin, else a receiving bin, else the first."""
    active = {b.id for b in bins}
    for default in product.default_bins:
        if default.bin_id in active:
            return default.bin_id
    for info in bins:
        if info.kind == "receiving":
            return info.id
    return bins[0].id if bins else None


class StockDialog(FormDialog):
    """A header naming the product and its stock, then the move's fields."""

    verb = "Save"

    def __init__(
        self,
        ops: Ops,
        product: ProductDetail,
        bins: Sequence[BinInfo],
        title: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ops, f"{title} — {product.sku}", parent)
        self.product = product
        self.all_bins = list(bins)
        header = QLabel(
            f"<b>{escape(product.sku)}</b> — {escape(product.name)}<br>"
            f"<span style='color:#616e7c'>{product.on_hand:,} on hand, "
            f"{product.available:,} available</span>"
        )
        header.setWordWrap(True)
        self.form.addRow(header)
        self.save_button.setText(self.verb)
        self.setMinimumWidth(460)

    def chosen_bin(self, key: str, picker: BinPicker) -> int:
        """The picked bin id, or ValidationError for `key` when none is picked."""
        bin_id = picker.bin_id()
        if bin_id is None:
            text = picker.currentText().strip()
            raise ValidationError(
                f"no bin {text!r} here; type or scan a bin code such as LOC/A-01-01"
                if text
                else "choose a bin (type or scan its code)",
                field=key,
            )
        return bin_id

    def build_op(self, actor: str) -> Any:
        raise NotImplementedError

    def save(self) -> None:
        try:
            op = self.build_op(default_actor())
        except ValidationError as exc:
            self.refuse(exc)
            return
        self.submit(op)


class ReceiveDialog(StockDialog):
    """Book goods into a bin (opening stock, found stock; PO receipts live in Purchasing)."""

    verb = "Receive"

    def __init__(self, ops: Ops, product: ProductDetail, bins: Sequence[BinInfo], parent=None):
        super().__init__(ops, product, bins, "Receive stock", parent)
        self.bin_picker = BinPicker()
        self.bin_picker.set_bins(bins, on_hand=_held(product), selected=_default_bin(product, bins))
        self.quantity_spin = _quantity_spin()
        self.reference_edit = QLineEdit(maxLength=100)
        self.reference_edit.setPlaceholderText("Delivery note, invoice… (optional)")
        self.note_edit = QLineEdit(maxLength=500)
        self.add_field("bin_id", "Into bin:", self.bin_picker)
        self.add_field("quantity", "Quantity:", self.quantity_spin)
        self.add_field("reference", "Reference:", self.reference_edit)
        self.add_field("note", "Note:", self.note_edit)
        self.quantity_spin.setFocus()

    def build_op(self, actor: str) -> Any:
        product_id, bin_id = self.product.id, self.chosen_bin("bin_id", self.bin_picker)
        quantity = self.quantity_spin.value()
        reference = self.reference_edit.text().strip() or None
        note = self.note_edit.text().strip() or None
        return lambda session: receive_stock(
            session,
            product_id=product_id,
            bin_id=bin_id,
            quantity=quantity,
            actor=actor,
            reference=reference,
            note=note,
        )


class AdjustDialog(StockDialog):
    """Correct a bin up or down (found, damaged, miscounted); the reason is required."""

    verb = "Adjust"

    def __init__(self, ops: Ops, product: ProductDetail, bins: Sequence[BinInfo], parent=None):
        super().__init__(ops, product, bins, "Adjust stock", parent)
        held = _held(product)
        self.bin_picker = BinPicker()
        first_held = next(iter(held), None)
        self.bin_picker.set_bins(
            bins, on_hand=held, selected=first_held or _default_bin(product, bins)
        )
        self.delta_spin = QSpinBox()
        self.delta_spin.setRange(-MAX_UNITS, MAX_UNITS)
        self.delta_spin.setGroupSeparatorShown(True)
        self.delta_spin.setToolTip("Units to add (positive) or take away (negative)")
        self.note_edit = QLineEdit(maxLength=500)
        self.note_edit.setPlaceholderText("Why? damaged, found, miscount…")
        self.add_field("bin_id", "Bin:", self.bin_picker)
        self.add_field("delta", "Change by (±):", self.delta_spin)
        self.add_field("note", "Reason:", self.note_edit)
        self.delta_spin.setFocus()

    def build_op(self, actor: str) -> Any:
        product_id, bin_id = self.product.id, self.chosen_bin("bin_id", self.bin_picker)
        delta, note = self.delta_spin.value(), self.note_edit.text()
        if delta == 0:
            raise ValidationError("enter how many units to add (+) or remove (−)", field="delta")
        if not note.strip():
            raise ValidationError("say why the stock is adjusted", field="note")
        return lambda session: adjust_stock(
            session, product_id=product_id, bin_id=bin_id, delta=delta, note=note, actor=actor
        )


class TransferDialog(StockDialog):
    """Move units from a bin holding the product to any bin, at this or another location."""

    verb = "Transfer"

    def __init__(self, ops: Ops, product: ProductDetail, bins: Sequence[BinInfo], parent=None):
        super().__init__(ops, product, bins, "Transfer stock", parent)
        held = _held(product)
        self.from_picker = BinPicker()
        self.from_picker.set_bins([b for b in bins if b.id in held], on_hand=held)
        self.to_picker = BinPicker()
        self.to_picker.set_bins(bins, on_hand=held)
        self.to_picker.setCurrentIndex(-1)
        self.to_picker.setEditText("")
        self.quantity_spin = _quantity_spin()
        self.note_edit = QLineEdit(maxLength=500)
        self.add_field("from_bin_id", "From bin:", self.from_picker)
        self.add_field("to_bin_id", "To bin:", self.to_picker)
        self.add_field("quantity", "Quantity:", self.quantity_spin)
        self.add_field("note", "Note:", self.note_edit)
        if not held:
            self.show_error("This product is in no bin yet: receive it first.")
            self.save_button.setEnabled(False)
        self.to_picker.setFocus()

    def build_op(self, actor: str) -> Any:
        product_id = self.product.id
        from_bin = self.chosen_bin("from_bin_id", self.from_picker)
        to_bin = self.chosen_bin("to_bin_id", self.to_picker)
        quantity, note = self.quantity_spin.value(), self.note_edit.text().strip() or None
        return lambda session: transfer_stock(
            session,
            product_id=product_id,
            from_bin_id=from_bin,
            to_bin_id=to_bin,
            quantity=quantity,
            actor=actor,
            note=note,
        )


class ScrapDialog(StockDialog):
    """Write units off (broken, expired); the reason is required."""

    verb = "Scrap"

    def __init__(self, ops: Ops, product: ProductDetail, bins: Sequence[BinInfo], parent=None):
        super().__init__(ops, product, bins, "Scrap stock", parent)
        held = _held(product)
        self.bin_picker = BinPicker()
        self.bin_picker.set_bins([b for b in bins if b.id in held], on_hand=held)
        self.quantity_spin = _quantity_spin()
        self.note_edit = QLineEdit(maxLength=500)
        self.note_edit.setPlaceholderText("Why? broken, expired…")
        self.add_field("bin_id", "From bin:", self.bin_picker)
        self.add_field("quantity", "Quantity:", self.quantity_spin)
        self.add_field("note", "Reason:", self.note_edit)
        if not held:
            self.show_error("This product is in no bin: there is nothing to scrap.")
            self.save_button.setEnabled(False)
        self.quantity_spin.setFocus()

    def build_op(self, actor: str) -> Any:
        product_id, bin_id = self.product.id, self.chosen_bin("bin_id", self.bin_picker)
        quantity, note = self.quantity_spin.value(), self.note_edit.text()
        if not note.strip():
            raise ValidationError("say why the stock is scrapped", field="note")
        return lambda session: scrap_stock(
            session, product_id=product_id, bin_id=bin_id, quantity=quantity, note=note, actor=actor
        )
