"""OrderHeader: the order on the bench in large type — number, customer, notes, big counter."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from app.shipping.dto import ShipmentView
from ui.packing.widgets import ACTIVE, IDLE, OK, set_tone

PROGRESS_STYLE = """
QProgressBar { border: none; border-radius: 8px; background: #e4e7eb; height: 18px; }
QProgressBar::chunk { border-radius: 8px; background: #1565c0; }
QProgressBar[tone="ok"]::chunk { background: #1b7f2a; }
"""


class OrderHeader(QWidget):
    """Shows who the parcel is for and how far along it is; empty while the bench is idle."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.order_label = QLabel(objectName="orderNumber")
        self.customer_label = QLabel(objectName="customerName")
        self.customer_label.setTextFormat(Qt.TextFormat.PlainText)
        self.notes_label = QLabel(objectName="orderNotes")
        self.notes_label.setWordWrap(True)
        self.notes_label.setTextFormat(Qt.TextFormat.PlainText)
        self.counter_label = QLabel("–", objectName="bigCounter")
        self.counter_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.caption_label = QLabel("items scanned", objectName="counterCaption")
        self.caption_label.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setFixedWidth(220)
        self.progress.setStyleSheet(PROGRESS_STYLE)

        left = QVBoxLayout()
        left.setSpacing(4)
        left.addWidget(self.order_label)
        left.addWidget(self.customer_label)
        left.addWidget(self.notes_label)
        left.addStretch(1)
        right = QVBoxLayout()
        right.setSpacing(2)
        right.addWidget(self.counter_label)
        right.addWidget(self.caption_label)
        right.addWidget(self.progress, 0, Qt.AlignmentFlag.AlignRight)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 4, 0, 4)
        row.addLayout(left, 1)
        row.addLayout(right)
        self.show_idle()

    def show_idle(self) -> None:
        self.order_label.setText("No order on the bench")
        self.customer_label.setText("")
        self.customer_label.hide()
        self.notes_label.hide()
        self.counter_label.setText("")
        self.caption_label.setText("")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.hide()
        set_tone(self.counter_label, IDLE)
        set_tone(self.progress, IDLE)

    def show_shipment(self, shipment: ShipmentView, *, packed: bool = False) -> None:
        self.order_label.setText(f"{shipment.order_number}   ·   {shipment.number}")
        self.customer_label.setText(
            shipment.customer + (f"  ({shipment.ship_country})" if shipment.ship_country else "")
        )
        self.customer_label.show()
        notes = (shipment.notes or "").strip()
        self.notes_label.setText(f"Note: {notes}")
        self.notes_label.setVisible(bool(notes))
        done = shipment.verified_units
        self.counter_label.setText(f"{done} / {shipment.units}")
        self.caption_label.setText("packed" if packed else "items scanned")
        self.progress.setRange(0, max(shipment.units, 1))
        self.progress.setValue(min(done, shipment.units))
        self.progress.show()
        tone = OK if shipment.all_verified or packed else ACTIVE
        set_tone(self.counter_label, tone)
        set_tone(self.progress, tone)
