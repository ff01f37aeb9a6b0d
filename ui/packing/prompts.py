"""Questions the packing station asks (supervisor override, which item an unknown code is);
one function each for tests to stub."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
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


@dataclass(frozen=True, slots=True)
class LinkRequest:
    code: str
    product_id: int


class LinkCodeDialog(QDialog):
    """Which of the order's items still to scan an unknown code belongs to (supplier labels,
    new packaging): the code is added to that product and this unit counts."""

    def __init__(self, shipment: ShipmentView, code: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.code = code
        self.setWindowTitle(f"Link code {code}")
        intro = QLabel(
            f"No product answers to {code}. If it is printed on one of {shipment.order_number}'s "
            "items, pick that item: the code will scan to it from now on and this unit counts."
        )
        intro.setWordWrap(True)
        self.items = QListWidget(objectName="linkItems")
        seen: set[int] = set()
        for line in shipment.lines:
            if line.complete or line.product_id is None or line.product_id in seen:
                continue
            seen.add(line.product_id)
            entry = QListWidgetItem(
                f"{line.sku} — {line.name}   ({line.quantity - line.verified} to scan)"
            )
            entry.setData(Qt.ItemDataRole.UserRole, line.product_id)
            self.items.addItem(entry)
        self.items.setCurrentRow(0)
        self.items.itemDoubleClicked.connect(self._on_items_item_double_clicked)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Link and count")
        self.ok_button.setEnabled(self.items.count() > 0)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.items, 1)
        layout.addWidget(buttons)
        self.resize(520, 320)

    def value(self) -> LinkRequest | None:
        entry = self.items.currentItem()
        if entry is None:
            return None
        return LinkRequest(self.code, int(entry.data(Qt.ItemDataRole.UserRole)))

    @Slot(QListWidgetItem)
    def _on_items_item_double_clicked(self, _item: QListWidgetItem) -> None:
        self.accept()


def ask_link(parent: QWidget | None, shipment: ShipmentView, code: str) -> LinkRequest | None:
    """The item an unknown code belongs to, or None when the packer backed out."""
    dialog = LinkCodeDialog(shipment, code, parent)
    return dialog.value() if dialog.exec() == QDialog.DialogCode.Accepted else None
