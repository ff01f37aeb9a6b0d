"""ShipmentDetail: one shipment's facts and lines, with Ship, Void, tracking page and printing."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.shipping.dto import ShipmentView
from ui.shipping.formatting import local_time, status_text
from ui.shipping.ship_form import carrier_name
from ui.widgets.list_table import ListTableModel
from ui.widgets.paged_table import Column

LINE_COLUMNS = [
    Column("sku", "SKU", lambda li: li.sku),
    Column("name", "Product", lambda li: li.name),
    Column("quantity", "Qty", lambda li: li.quantity, align_right=True),
    Column("verified", "Scanned", lambda li: li.verified, align_right=True),
]
FIELDS = (
    ("order", "Order"),
    ("customer", "Customer"),
    ("status", "Status"),
    ("carrier", "Carrier"),
    ("tracking", "Tracking"),
    ("weight", "Weight"),
    ("packed", "Packed"),
    ("shipped", "Shipped"),
    ("override", "Override"),
    ("notes", "Notes"),
)


def _weight(shipment: ShipmentView) -> str:
    if shipment.weight_g is None:
        return f"not weighed (items {shipment.expected_weight_g:,} g)"
    return (
        f"{shipment.weight_g:,} g in {shipment.package_count} package(s); "
        f"items {shipment.expected_weight_g:,} g"
    )


class ShipmentDetail(QWidget):
    """Buttons emit what the person asked for; the panel runs the work."""

    ship_requested = Signal()
    void_requested = Signal()
    tracking_requested = Signal()
    print_requested = Signal(str)  # "label" or "slip"
    preview_requested = Signal(str)  # "label" or "slip"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shipment: ShipmentView | None = None
        self.title_label = QLabel("Choose a shipment", objectName="fieldCaption")
        self.title_label.setStyleSheet("font-size: 18px; font-weight: 700;")
        self.values: dict[str, QLabel] = {}
        form = QFormLayout()
        form.setVerticalSpacing(3)
        for key, title in FIELDS:
            label = QLabel()
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.values[key] = label
            form.addRow(f"{title}:", label)
        self.lines_model = ListTableModel(LINE_COLUMNS, parent=self)
        self.lines_table = QTableView()
        self.lines_table.setModel(self.lines_model)
        self.lines_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.lines_table.verticalHeader().setVisible(False)
        self.lines_table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.ship_button = QPushButton("Ship…")
        self.void_button = QPushButton("Void…")
        self.tracking_button = QPushButton("Open tracking page")
        self.label_button = QPushButton("Print label")
        self.slip_button = QPushButton("Print packing slip")
        self.preview_button = QPushButton("Preview…")
        self.preview_button.setToolTip("Show the packing slip and label on screen before printing")
        self.ship_button.clicked.connect(self.ship_requested)
        self.void_button.clicked.connect(self.void_requested)
        self.tracking_button.clicked.connect(self.tracking_requested)
        self.label_button.clicked.connect(self._on_label_button_clicked)
        self.slip_button.clicked.connect(self._on_slip_button_clicked)
        self.preview_button.clicked.connect(self._on_preview_button_clicked)

        facts = QVBoxLayout()
        facts.addWidget(self.title_label)
        facts.addLayout(form)
        facts.addStretch(1)
        row = QHBoxLayout()
        row.addLayout(facts, 1)
        row.addWidget(self.lines_table, 1)
        buttons = QHBoxLayout()
        for button in (self.ship_button, self.void_button, self.tracking_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.preview_button)
        buttons.addWidget(self.label_button)
        buttons.addWidget(self.slip_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addLayout(row, 1)
        layout.addLayout(buttons)
        self.show_shipment(None)

    def show_shipment(self, shipment: ShipmentView | None) -> None:
        self.shipment = shipment
        if shipment is None:
            self.title_label.setText("Choose a shipment")
            for label in self.values.values():
                label.setText("")
            self.lines_model.set_rows([])
        else:
            self.title_label.setText(f"{shipment.number} · {shipment.units} unit(s)")
            country = f" ({shipment.ship_country})" if shipment.ship_country else ""
            service = f" · {shipment.service}" if shipment.service else ""
            texts = {
                "order": shipment.order_number,
                "customer": shipment.customer + country,
                "status": status_text(shipment.status),
                "carrier": carrier_name(shipment.carrier) + service,
                "tracking": shipment.tracking_number or "",
                "weight": _weight(shipment),
                "packed": " by ".join(
                    p for p in (local_time(shipment.packed_at), shipment.verified_by or "") if p
                )
                if shipment.packed_at
                else "",
                "shipped": local_time(shipment.shipped_at),
                "override": shipment.override_reason or "",
                "notes": shipment.notes or "",
            }
            for key, text in texts.items():
                self.values[key].setText(text)
            self.lines_model.set_rows(shipment.lines)
        status = shipment.status if shipment else None
        self.ship_button.setEnabled(status == "packed")
        self.void_button.setEnabled(status in ("packing", "packed", "shipped"))
        self.tracking_button.setEnabled(bool(shipment and shipment.tracking_url))
        self.label_button.setEnabled(shipment is not None)
        self.slip_button.setEnabled(shipment is not None)
        self.preview_button.setEnabled(shipment is not None)

    @Slot()
    def _on_label_button_clicked(self) -> None:
        self.print_requested.emit("label")

    @Slot()
    def _on_slip_button_clicked(self) -> None:
        self.print_requested.emit("slip")

    @Slot()
    def _on_preview_button_clicked(self) -> None:
        self.preview_requested.emit("slip")
