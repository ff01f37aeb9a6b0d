"""Small order dialogs: hold (reason, optional until), cancel (reason), split (units per line)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from PySide6.QtCore import QDateTime, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.orders.dto import OrderView

HOLD_REASONS = (
    "Payment check",
    "Address check",
    "Fraud review",
    "Customer asked to wait",
    "Waiting for stock",
)
CANCEL_REASONS = (
    "Customer request",
    "Payment failed",
    "Out of stock",
    "Duplicate order",
    "Fraud",
)


@dataclass(frozen=True, slots=True)
class HoldRequest:
    reason: str
    until: datetime | None  # aware UTC


def _reason_combo(presets: tuple[str, ...]) -> QComboBox:
    combo = QComboBox()
    combo.setEditable(True)
    combo.addItems(list(presets))
    combo.setCurrentIndex(-1)
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    combo.lineEdit().setPlaceholderText("Type or choose a reason")
    return combo


class _ReasonDialog(QDialog):
    """A reason (typed or chosen) with OK enabled only once there is one."""

    def __init__(self, title: str, intro: str, presets: tuple[str, ...], parent: QWidget | None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(420)
        self.intro_label = QLabel(intro)
        self.intro_label.setWordWrap(True)
        self.reason_combo = _reason_combo(presets)
        self.form = QFormLayout()
        reason_label = QLabel("&Reason:")
        reason_label.setBuddy(self.reason_combo)
        self.form.addRow(reason_label, self.reason_combo)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro_label)
        layout.addLayout(self.form)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.reason_combo.currentTextChanged.connect(self._on_reason_combo_text_changed)
        self.ok_button.setEnabled(False)
        self.reason_combo.setFocus()

    def reason(self) -> str:
        return self.reason_combo.currentText().strip()

    def accept(self) -> None:
        if self.reason():
            super().accept()

    @Slot(str)
    def _on_reason_combo_text_changed(self, _text: str) -> None:
        self.ok_button.setEnabled(bool(self.reason()))


class HoldDialog(_ReasonDialog):
    def __init__(self, numbers: list[str], parent: QWidget | None = None) -> None:
        what = numbers[0] if len(numbers) == 1 else f"{len(numbers)} orders"
        super().__init__(
            f"Hold {what}",
            f"Hold {what}: it keeps its stock but cannot be picked, packed or shipped until "
            "the hold is released.",
            HOLD_REASONS,
            parent,
        )
        self.until_check = QCheckBox("Release automatically &at")
        self.until_edit = QDateTimeEdit(QDateTime.currentDateTime().addDays(1))
        self.until_edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.until_edit.setCalendarPopup(True)
        self.until_edit.setMinimumDateTime(QDateTime.currentDateTime())
        self.until_edit.setEnabled(False)
        self.form.addRow(self.until_check, self.until_edit)
        self.until_check.toggled.connect(self.until_edit.setEnabled)

    def value(self) -> HoldRequest:
        until = None
        if self.until_check.isChecked():
            local = self.until_edit.dateTime().toPython()  # naive local time
            until = local.astimezone().astimezone(UTC)
        return HoldRequest(self.reason(), until)


class CancelDialog(_ReasonDialog):
    def __init__(self, number: str, parent: QWidget | None = None) -> None:
        super().__init__(
            f"Cancel {number}",
            f"Cancel {number}? Its reserved stock is released. This cannot be undone.",
            CANCEL_REASONS,
            parent,
        )
        self.ok_button.setText("Cancel order")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Keep order")


class SplitDialog(QDialog):
    """Units to move to a new linked order, per line (at most the line's unshipped units)."""

    def __init__(self, order: OrderView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Split {order.number}")
        self.setMinimumWidth(460)
        intro = QLabel(
            f"Choose how many units of each line move to a new order linked to {order.number}. "
            "Shipping charges stay on this order."
        )
        intro.setWordWrap(True)
        form = QFormLayout()
        self.spins: dict[int, QSpinBox] = {}
        for line in order.lines:
            unshipped = line.quantity - line.shipped
            if unshipped <= 0:
                continue
            spin = QSpinBox()
            spin.setRange(0, unshipped)
            spin.setSuffix(f" of {unshipped}")
            label = QLabel(f"{line.sku} — {line.name}")
            label.setBuddy(spin)
            form.addRow(label, spin)
            spin.valueChanged.connect(self._on_spin_value_changed)
            self.spins[line.id] = spin
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Split")
        self.ok_button.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        if self.spins:
            next(iter(self.spins.values())).setFocus()

    def set_quantity(self, line_id: int, quantity: int) -> None:
        self.spins[line_id].setValue(quantity)

    def value(self) -> dict[int, int]:
        return {line_id: spin.value() for line_id, spin in self.spins.items() if spin.value()}

    @Slot(int)
    def _on_spin_value_changed(self, _value: int) -> None:
        self.ok_button.setEnabled(bool(self.value()))
