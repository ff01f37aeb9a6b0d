"""ShipForm: carrier, tracking number (carrier detected as typed or scanned), service, mail."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.errors import ValidationError
from app.shipping.dto import ShipmentView
from app.shipping.tracking import CARRIERS, identify_tracking, validate_tracking

IDLE, OK, WARNING, ERROR = "idle", "ok", "warning", "error"
CARRIER_NAMES = dict(CARRIERS)

FORM_STYLE = """
QLabel#trackingStatus { font-size: 15px; padding: 4px 8px; border-radius: 4px; }
QLabel#trackingStatus[tone="ok"] { background: #d7f5dd; color: #145a1f; }
QLabel#trackingStatus[tone="warning"] { background: #fff1cc; color: #6b4500; }
QLabel#trackingStatus[tone="error"] { background: #fde3e0; color: #9b1c1c; }
"""

LARGE_STYLE = """
QLabel { font-size: 18px; }
QLineEdit, QComboBox { font-size: 22px; padding: 6px 8px; }
QCheckBox { font-size: 18px; }
QLabel#trackingStatus { font-size: 20px; font-weight: 600; padding: 8px 12px; }
"""


@dataclass(frozen=True, slots=True)
class ShipRequest:
    carrier: str
    tracking_number: str | None
    service: str | None
    notify_customer: bool


def carrier_name(code: str | None) -> str:
    return CARRIER_NAMES.get(code or "", code or "")


class ShipForm(QWidget):
    """Tracking numbers are checked as they arrive: the carrier is picked from the number
    (the one already chosen wins when the number fits it too) and other carriers it could
    belong to are named; a wrong check digit is shown at once."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None, *, large: bool = False) -> None:
        super().__init__(parent)
        self.setStyleSheet(FORM_STYLE)
        self.carrier_combo = QComboBox()
        self.carrier_combo.addItem("Choose carrier…", "")
        for code, name in CARRIERS:
            self.carrier_combo.addItem(name, code)
        self.carrier_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.carrier_combo.setMinimumContentsLength(12)
        self.tracking_field = QLineEdit(placeholderText="Scan or type the tracking number")
        self.service_field = QLineEdit(placeholderText="e.g. Ground, Priority")
        self.notify_box = QCheckBox("Email the customer")
        self.notify_box.setChecked(True)
        self.status_label = QLabel(objectName="trackingStatus")
        self.status_label.setWordWrap(True)
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        if large:
            self.setStyleSheet(FORM_STYLE + LARGE_STYLE)

        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(QLabel("Tracking number"), 0, 0)
        grid.addWidget(self.tracking_field, 0, 1, 1, 3)
        grid.addWidget(QLabel("Carrier"), 1, 0)
        grid.addWidget(self.carrier_combo, 1, 1)
        grid.addWidget(QLabel("Service"), 1, 2)
        grid.addWidget(self.service_field, 1, 3)
        grid.addWidget(self.notify_box, 2, 1, 1, 3)
        grid.addWidget(self.status_label, 3, 0, 1, 4)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)

        self.tracking_field.textChanged.connect(self._on_tracking_field_text_changed)
        self.carrier_combo.currentIndexChanged.connect(self._on_carrier_combo_index_changed)
        self._detecting = False

    # -- values ------------------------------------------------------------------------------

    def carrier(self) -> str:
        return str(self.carrier_combo.currentData() or "")

    def set_carrier(self, code: str | None) -> None:
        index = self.carrier_combo.findData(code or "")
        self.carrier_combo.setCurrentIndex(max(index, 0))

    def tracking(self) -> str:
        return self.tracking_field.text().strip()

    def set_tracking(self, raw: str) -> tuple[str, str]:
        """Put a scanned number in; returns (tone, message) of the check."""
        self.tracking_field.setText(raw.strip())
        return self.status()

    def request(self) -> ShipRequest:
        return ShipRequest(
            self.carrier(),
            self.tracking() or None,
            self.service_field.text().strip() or None,
            self.notify_box.isChecked(),
        )

    def reset(self, shipment: ShipmentView | None = None) -> None:
        self.tracking_field.clear()
        self.service_field.clear()
        if shipment is not None and shipment.carrier:
            self.set_carrier(shipment.carrier)
        self._show(IDLE, "")

    def problem(self) -> str | None:
        """Why shipping would be refused by the form's values, or None. Without a tracking
        number only the carrier is needed: pickup orders ship without one and the service
        says when a number is required."""
        if self.tracking():
            try:
                validate_tracking(self.tracking(), self.carrier() or None)
            except ValidationError as exc:
                return str(exc)
        if not self.carrier():
            return "choose the carrier (or scan the tracking number to detect it)"
        return None

    # -- detection ---------------------------------------------------------------------------

    def status(self) -> tuple[str, str]:
        return str(self.status_label.property("tone") or IDLE), self.status_label.text()

    def detect(self) -> tuple[str, str]:
        """Check the tracking number and pick its carrier; returns and shows (tone, message)."""
        raw = self.tracking()
        if not raw:
            return self._show(IDLE, "")
        matches = identify_tracking(raw)
        if not matches:
            try:
                validate_tracking(raw, self.carrier() or None)
            except ValidationError as exc:
                return self._show(ERROR, str(exc))
            return self._show(WARNING, f"{raw}: format not recognised")
        codes = list(dict.fromkeys(m.carrier_code for m in matches))
        chosen = self.carrier() if self.carrier() in codes else codes[0]
        best = next(m for m in matches if m.carrier_code == chosen)
        self._detecting = True
        try:
            self.set_carrier(chosen)
        finally:
            self._detecting = False
        label = best.format_name
        if not label.startswith(best.carrier_name):
            label = f"{best.carrier_name} ({label})"
        text = f"{label}: {best.number} — " + (
            "check digit OK" if best.verified else "format fits (it has no check digit)"
        )
        others = [carrier_name(code) for code in codes if code != chosen]
        if others:
            text += f". Could also be: {', '.join(others)}"
        return self._show(OK if best.verified else WARNING, text)

    def _show(self, tone: str, text: str) -> tuple[str, str]:
        self.status_label.setText(text)
        self.status_label.setVisible(bool(text))
        if self.status_label.property("tone") != tone:
            self.status_label.setProperty("tone", tone)
            self.status_label.style().unpolish(self.status_label)
            self.status_label.style().polish(self.status_label)
        return tone, text

    @Slot(str)
    def _on_tracking_field_text_changed(self, _text: str) -> None:
        self.detect()
        self.changed.emit()

    @Slot(int)
    def _on_carrier_combo_index_changed(self, _index: int) -> None:
        if not self._detecting and self.tracking():
            self.detect()
        self.changed.emit()


class ShipDialog(QDialog):
    """Ship a packed shipment from the shipments list: the form plus OK/Cancel."""

    def __init__(self, shipment: ShipmentView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Ship {shipment.number}")
        self.form = ShipForm(self)
        self.form.reset(shipment)
        heading = QLabel(
            f"{shipment.number} · order {shipment.order_number} · {shipment.customer} · "
            f"{shipment.units} unit(s)"
        )
        heading.setWordWrap(True)
        self.error_label = QLabel(objectName="fieldError")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Ship")
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.resize(820, 200)

    def request(self) -> ShipRequest:
        return self.form.request()

    @Slot()
    def _on_buttons_accepted(self) -> None:
        problem = self.form.problem()
        if problem:
            self.error_label.setText(problem)
            self.error_label.show()
            return
        self.accept()
