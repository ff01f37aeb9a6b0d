"""Questions the packing station asks (supervisor override); one function each for tests to stub."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.shipping.dto import ShipmentView


@dataclass(frozen=True, slots=True)
class OverrideRequest:
    user: str
    reason: str


class OverrideDialog(QDialog):
    """A supervisor confirms packing without every item scanned: their user name and why."""

    def __init__(self, shipment: ShipmentView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Override verification — {shipment.order_number}")
        missing = ", ".join(
            f"{line.sku} × {line.quantity - line.verified}"
            for line in shipment.lines
            if not line.complete
        )
        intro = QLabel(
            f"Not scanned yet: {missing or 'nothing'}.\nA supervisor with the override right "
            "can confirm the parcel is complete anyway. Both are recorded."
        )
        intro.setWordWrap(True)
        self.user_field = QLineEdit(placeholderText="supervisor's user name")
        self.reason_field = QPlainTextEdit(placeholderText="e.g. label torn, counted by hand")
        self.reason_field.setFixedHeight(80)
        self.error_label = QLabel(objectName="fieldError")
        self.error_label.hide()
        form = QFormLayout()
        form.addRow("Supervisor", self.user_field)
        form.addRow("Reason", self.reason_field)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Pack without scanning")
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.resize(520, 260)

    def value(self) -> OverrideRequest:
        return OverrideRequest(self.user_field.text().strip(), self.reason_field.toPlainText())

    @Slot()
    def _on_buttons_accepted(self) -> None:
        request = self.value()
        if not request.user or not request.reason.strip():
            self.error_label.setText("Enter the supervisor's user name and the reason.")
            self.error_label.show()
            return
        self.accept()


def ask_override(parent: QWidget | None, shipment: ShipmentView) -> OverrideRequest | None:
    """Supervisor name and reason, or None when the packer backed out."""
    dialog = OverrideDialog(shipment, parent)
    return dialog.value() if dialog.exec() == QDialog.DialogCode.Accepted else None
