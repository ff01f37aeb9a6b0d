"""ReturnDetailPane: one RMA's facts, amounts and lines, with the actions its status allows."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.orders.dto import OrderView
from app.returns.dto import ReturnLineView, ReturnView
from ui.returns.common import (
    DISPOSITION_COLOURS,
    make_table,
    set_column_widths,
    show_toned,
)
from ui.returns.formatting import (
    CONDITION_LABELS,
    DISPOSITION_LABELS,
    ORDER_STATUS_LABELS,
    REASON_LABELS,
    RESOLUTION_LABELS,
    RESOLVABLE,
    STATUS_LABELS,
    label,
    local_time,
    money,
)
from ui.widgets.list_table import ListTableModel
from ui.widgets.paged_table import Column


def returned_value(view: ReturnView, order: OrderView | None) -> int:
    """What the RMA's units were sold for (line price less the line's discount, per unit)."""
    if order is None:
        return 0
    lines = {line.id: line for line in order.lines}
    total = 0
    for row in view.lines:
        line = lines.get(row.order_line_id)
        if line is not None and line.quantity:
            total += round(line.total_minor * row.quantity / line.quantity)
    return total


def _reason(line: ReturnLineView) -> str:
    text = label(REASON_LABELS, line.reason)
    return f"{text} — {line.reason_note}" if line.reason_note else text


def _line_background(line: ReturnLineView) -> QColor | None:
    if not line.received or not line.disposition:
        return None
    colours = DISPOSITION_COLOURS.get(line.disposition)
    return QColor(colours[1]) if colours else None


LINE_COLUMNS = [
    Column("sku", "SKU", lambda x: x.sku),
    Column("name", "Product", lambda x: x.name),
    Column("quantity", "Qty", lambda x: x.quantity, align_right=True),
    Column("received", "Received", lambda x: x.received, align_right=True),
    Column("reason", "Reason", _reason, tooltip=_reason),
    Column("condition", "Condition", lambda x: label(CONDITION_LABELS, x.condition)),
    Column("disposition", "Disposition", lambda x: label(DISPOSITION_LABELS, x.disposition)),
    Column("bin", "Bin", lambda x: x.bin_code or ""),
]


class ReturnDetailPane(QWidget):
    """Shows one RMA; the panel connects the action buttons. Only applicable actions show."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view: ReturnView | None = None
        self.order: OrderView | None = None
        self.value_minor = 0

        self.heading_label = QLabel("No return selected", objectName="detailHeading")
        self.heading_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.notice_label = QLabel(objectName="notice")
        self.notice_label.setWordWrap(True)
        self.notice_label.setTextFormat(Qt.TextFormat.PlainText)
        self.notice_label.hide()
        self.print_button = QPushButton("&Print return slip")
        heading = QHBoxLayout()
        heading.addWidget(self.heading_label, 1)
        heading.addWidget(self.print_button)

        self.facts = QFormLayout()
        self.facts.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.facts.setHorizontalSpacing(10)
        self.facts.setVerticalSpacing(3)
        self.fact_labels: dict[str, QLabel] = {}
        for key, title in (
            ("order", "Order"),
            ("customer", "Customer"),
            ("dates", "Dates"),
            ("location", "Returns to"),
            ("value", "Goods value"),
            ("order_money", "Payment"),
            ("resolved", "This return"),
            ("exchange", "Exchange"),
            ("notes", "Notes"),
        ):
            value = QLabel()
            value.setWordWrap(True)
            value.setTextFormat(Qt.TextFormat.PlainText)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.fact_labels[key] = value
            self.facts.addRow(f"{title}:", value)
        facts_box = QFrame()
        facts_box.setLayout(self.facts)
        facts_box.setMinimumWidth(300)
        facts_box.setMaximumWidth(420)

        self.lines_model = ListTableModel(
            LINE_COLUMNS, row_background=_line_background, parent=self
        )
        self.lines_view = make_table(self.lines_model)
        self.lines_view.horizontalHeader().setStretchLastSection(False)
        set_column_widths(self.lines_view, [75, -1, 40, 65, -1, 75, 95, 55])
        body = QHBoxLayout()
        body.addWidget(facts_box)
        body.addWidget(self.lines_view, 1)

        self.authorize_button = QPushButton("&Authorize")
        self.reject_button = QPushButton("Re&ject…")
        self.receive_button = QPushButton("Recei&ve…")
        self.refund_button = QPushButton("&Refund…")
        self.exchange_button = QPushButton("E&xchange")
        self.credit_button = QPushButton("&Store credit…")
        self.close_button = QPushButton("C&lose")
        self.close_missing_button = QPushButton("Close accepting &missing units…")
        self.receive_button.setToolTip("Open this return at the receiving station")
        self.exchange_button.setToolTip("Create a replacement order for the returned products")
        self.close_missing_button.setToolTip(
            "Close although some units never arrived; they are dropped from the return"
        )
        self.action_buttons = [
            self.authorize_button,
            self.reject_button,
            self.receive_button,
            self.refund_button,
            self.exchange_button,
            self.credit_button,
            self.close_button,
            self.close_missing_button,
        ]
        actions = QHBoxLayout()
        for button in self.action_buttons:
            actions.addWidget(button)
        actions.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addLayout(heading)
        layout.addWidget(self.notice_label)
        layout.addLayout(body, 1)
        layout.addLayout(actions)
        self.clear()

    # -- showing -----------------------------------------------------------------------------

    def clear(self, text: str = "No return selected") -> None:
        self.view = None
        self.order = None
        self.value_minor = 0
        self.heading_label.setText(text)
        for value in self.fact_labels.values():
            value.setText("")
        self.lines_model.set_rows(())
        self._update_actions()

    def show_return(self, view: ReturnView, order: OrderView | None) -> None:
        if self.view is None or self.view.id != view.id:
            self.set_notice("")
        self.view = view
        self.order = order
        self.value_minor = returned_value(view, order)
        heading = f"{view.number} · {label(STATUS_LABELS, view.status)}"
        if view.resolution:
            heading += f" · {label(RESOLUTION_LABELS, view.resolution)}"
        self.heading_label.setText(heading)
        cur = view.currency
        order_status = label(ORDER_STATUS_LABELS, view.order_status)
        channel = f", {view.channel}" if view.channel else ""
        customer = view.customer
        if view.email and view.email != view.customer:
            customer += f" <{view.email}>"
        dates = [f"created {local_time(view.created_at)}"]
        for word, moment in (
            ("authorized", view.authorized_at),
            ("received", view.received_at),
            ("closed", view.closed_at),
        ):
            if moment is not None:
                dates.append(f"{word} {local_time(moment)}")
        resolved = []
        if view.refund_minor:
            how = f" by {view.refund_method}" if view.refund_method else ""
            resolved.append(f"refunded {money(view.refund_minor, cur)}{how}")
        if view.store_credit_minor:
            resolved.append(f"store credit {money(view.store_credit_minor, cur)}")
        facts = {
            "order": f"{view.order_number} ({order_status}{channel})",
            "customer": customer,
            "dates": "\n".join(dates),
            "location": view.location_code or "no fulfilment location",
            "value": (
                f"{money(self.value_minor, cur)} for {view.units} unit(s), "
                f"{view.received_units} received"
            ),
            "order_money": (
                f"paid {money(view.order_paid_minor, cur)}, "
                f"refunded {money(view.order_refunded_minor, cur)}; "
                f"{money(view.refundable_minor, cur)} refundable"
            ),
            "resolved": "; ".join(resolved) or "nothing given back yet",
            "exchange": view.exchange_order_number or "—",
            "notes": view.notes or "—",
        }
        for key, text in facts.items():
            self.fact_labels[key].setText(text)
        self.lines_model.set_rows(view.lines)
        self._update_actions()

    def set_notice(self, text: str, tone: str = "ok") -> None:
        show_toned(self.notice_label, text, tone if text else "")
        self.notice_label.setVisible(bool(text))

    def _update_actions(self) -> None:
        view = self.view
        status = view.status if view else ""
        received = view.received_units if view else 0
        resolvable = status in RESOLVABLE
        shown = {
            self.authorize_button: status == "requested",
            self.reject_button: status in ("requested", "authorized") and not received,
            self.receive_button: status == "authorized",
            self.refund_button: resolvable,
            self.exchange_button: resolvable and view is not None and not view.exchange_order_id,
            self.credit_button: resolvable,
            self.close_button: status in ("received", "rejected"),
            self.close_missing_button: (
                status == "authorized" and view is not None and 0 < received < view.units
            ),
        }
        for button, visible in shown.items():
            button.setVisible(visible)
        if view is not None:
            self.refund_button.setEnabled(view.refundable_minor > 0)
            self.refund_button.setToolTip(
                "" if view.refundable_minor > 0 else "Nothing left to refund on this order"
            )
        self.print_button.setEnabled(view is not None and status != "rejected")
