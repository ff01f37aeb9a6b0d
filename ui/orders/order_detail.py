"""OrderDetailPane: one order's header, ship-to, lines, totals, risk, notes and timeline."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.audit import AuditEntry
from app.documents.formatting import address_lines
from app.orders.dto import LineView, OrderView
from ui.orders.detail_models import OrderLinesModel, TimelineModel, short_lines, short_units
from ui.orders.formatting import (
    DELIVERY_LABELS,
    PAYMENT_LABELS,
    local_time,
    money,
    plural,
    status_text,
)

LINE_WIDTHS = (96, 0, 40, 72, 66, 78, 66, 50, 58, 64)  # the name column stretches


def tool_button(action: QAction) -> QToolButton:
    button = QToolButton()
    button.setDefaultAction(action)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    return button


def _value_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)  # names and notes are customer text
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class OrderDetailPane(QWidget):
    """Shows what get_order returned; the panel owns the actions and passes them in."""

    def __init__(
        self,
        actions: Sequence[QAction],
        line_actions: Sequence[QAction],
        short_actions: Sequence[QAction],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.order: OrderView | None = None
        self.stack = QStackedWidget()
        self.empty_label = QLabel("Select an order to see its details.", objectName="hint")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack.addWidget(self.empty_label)

        content = QWidget()
        self.heading_label = QLabel(objectName="orderHeading")
        self.heading_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        heading = QHBoxLayout()
        heading.setContentsMargins(0, 0, 0, 0)
        heading.addWidget(self.heading_label)
        heading.addStretch(1)
        self.action_buttons = [tool_button(action) for action in actions]
        for button in self.action_buttons:
            heading.addWidget(button)

        self.tabs = QTabWidget()
        # Scrolls rather than forcing a tall window when the splitter gives it little room.
        details = QScrollArea()
        details.setWidget(self._details_tab(line_actions, short_actions))
        details.setWidgetResizable(True)
        details.setFrameShape(QFrame.Shape.NoFrame)
        self.tabs.addTab(details, "&Details")
        self.timeline_model = TimelineModel(self)
        self.timeline_view = _table(self.timeline_model)
        self.timeline_view.horizontalHeader().setSectionResizeMode(
            2, QHeaderView.ResizeMode.Stretch
        )
        self.timeline_view.setColumnWidth(0, 150)
        self.timeline_view.setColumnWidth(1, 110)
        self.timeline_view.setWordWrap(False)
        self.tabs.addTab(self.timeline_view, "Time&line")

        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(6)
        column.addLayout(heading)
        column.addWidget(self.tabs, 1)
        self.stack.addWidget(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)

    def _details_tab(
        self, line_actions: Sequence[QAction], short_actions: Sequence[QAction]
    ) -> QWidget:
        tab = QWidget()
        self.fields: dict[str, QLabel] = {}
        self.forms: dict[str, QFormLayout] = {}
        blocks = QHBoxLayout()
        blocks.setContentsMargins(0, 0, 0, 0)
        blocks.setSpacing(18)
        for group in (
            (("placed", "Placed"), ("payment", "Payment"), ("delivery", "Delivery"),
             ("channel", "Channel"), ("location", "Fulfil from"), ("hold", "Hold"),
             ("parent", "Split from")),
            (("customer", "Customer"), ("ship_to", "Ship to")),
            (("risk", "Risk"), ("notes", "Notes")),
        ):  # fmt: skip
            form = QFormLayout()
            form.setContentsMargins(0, 0, 0, 0)
            form.setVerticalSpacing(2)
            form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
            for key, title in group:
                label = _value_label()
                self.fields[key] = label
                self.forms[key] = form
                form.addRow(f"{title}:", label)
            blocks.addLayout(form, 1)
        self.fields["risk"].setObjectName("riskText")
        self.fields["hold"].setObjectName("holdText")
        self.lines_model = OrderLinesModel(self)
        self.lines_view = _table(self.lines_model)
        for column, width in enumerate(LINE_WIDTHS):
            if width:
                self.lines_view.setColumnWidth(column, width)
        self.lines_view.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.lines_view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        for action in line_actions:
            self.lines_view.addAction(action)

        self.unmatched_banner = QFrame(objectName="unmatchedBanner")
        self.unmatched_banner.setStyleSheet(
            "QFrame#unmatchedBanner { background: #fff4d6; border: 1px solid #f0d48a;"
            " border-radius: 4px; }"
        )
        self.unmatched_label = QLabel()
        self.unmatched_label.setWordWrap(True)
        self.unmatched_label.setTextFormat(Qt.TextFormat.PlainText)
        banner = QHBoxLayout(self.unmatched_banner)
        banner.setContentsMargins(8, 4, 8, 4)
        banner.addWidget(self.unmatched_label, 1)
        for action in line_actions:
            banner.addWidget(tool_button(action))

        self.short_banner = QFrame(objectName="shortBanner")
        self.short_banner.setStyleSheet(
            "QFrame#shortBanner { background: #fdecea; border: 1px solid #f3b8b3;"
            " border-radius: 4px; }"
        )
        self.short_label = QLabel()
        self.short_label.setWordWrap(True)
        self.short_label.setTextFormat(Qt.TextFormat.PlainText)
        short = QHBoxLayout(self.short_banner)
        short.setContentsMargins(8, 4, 8, 4)
        short.addWidget(self.short_label, 1)
        for action in short_actions:
            short.addWidget(tool_button(action))

        totals = QWidget()
        grid = QGridLayout(totals)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(0)
        self.totals: dict[str, QLabel] = {}
        for row, (key, title) in enumerate(
            (
                ("subtotal", "Subtotal"),
                ("discount", "Discount"),
                ("shipping", "Shipping"),
                ("tax", "Tax"),
                ("total", "Total"),
                ("paid", "Paid"),
            )
        ):
            name = QLabel(title)
            value = QLabel()
            value.setAlignment(Qt.AlignmentFlag.AlignRight)
            if key == "total":
                name.setStyleSheet("font-weight: 600;")
                value.setStyleSheet("font-weight: 600;")
            grid.addWidget(name, row, 0, Qt.AlignmentFlag.AlignRight)
            grid.addWidget(value, row, 1)
            self.totals[key] = value
        blocks.addWidget(totals, 0, Qt.AlignmentFlag.AlignTop)

        layout = QVBoxLayout(tab)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        layout.addLayout(blocks)
        layout.addWidget(self.unmatched_banner)
        layout.addWidget(self.short_banner)
        layout.addWidget(self.lines_view, 1)
        self.lines_view.setMinimumHeight(76)
        return tab

    # -- showing ------------------------------------------------------------------------------

    def clear(self) -> None:
        self.order = None
        self.lines_model.set_order(None)
        self.timeline_model.set_rows(())
        self.stack.setCurrentIndex(0)

    def show_order(self, order: OrderView, events: Sequence[AuditEntry]) -> None:
        self.order = order
        cur = order.currency
        self.heading_label.setText(
            f"<b>{order.number}</b> &nbsp; {status_text(order.status, order.on_hold)}"
        )
        f = self.fields
        f["placed"].setText(local_time(order.placed_at))
        until = f" — until {local_time(order.hold_until)}" if order.hold_until else ""
        f["hold"].setText(f"{order.hold_reason or 'no reason given'}{until}")
        f["hold"].setStyleSheet("color: #8d5a00; font-weight: 600;")
        self._set_row_visible("hold", order.on_hold)
        payment = PAYMENT_LABELS.get(order.payment_status, order.payment_status)
        if order.paid_minor and order.payment_status != "paid":
            payment += f" ({money(order.paid_minor, cur)} paid)"
        f["payment"].setText(payment)
        delivery = DELIVERY_LABELS.get(order.delivery_method, order.delivery_method)
        f["delivery"].setText(delivery)
        channel = order.channel or "Entered here"
        if order.external_id:
            channel += f" · {order.external_id}"
        f["channel"].setText(channel)
        if order.delivery_method == "pickup":
            self.forms["location"].labelForField(f["location"]).setText("Pickup at:")
            f["location"].setText(order.pickup_location or "—")
        else:
            self.forms["location"].labelForField(f["location"]).setText("Fulfil from:")
            f["location"].setText(order.fulfil_location or "not allocated yet")
        contact = [part for part in (order.email, order.phone) if part]
        f["customer"].setText("\n".join(contact) or "—")
        f["ship_to"].setText("\n".join(address_lines(order.ship_to)) if order.ship_to else "—")
        f["parent"].setText(order.parent_number or "—")
        self._set_row_visible("parent", bool(order.parent_number))
        f["risk"].setText("\n".join(f"⚠ {flag}" for flag in order.risk_flags) or "None")
        f["risk"].setStyleSheet("color: #b71c1c;" if order.risk_flags else "")
        f["notes"].setText(order.notes or "—")

        t = self.totals
        t["subtotal"].setText(money(order.subtotal_minor, cur))
        t["discount"].setText(
            f"−{money(order.discount_minor, cur)}" if order.discount_minor else "—"
        )
        t["shipping"].setText(money(order.shipping_minor, cur))
        t["tax"].setText(money(order.tax_minor, cur))
        t["total"].setText(money(order.total_minor, cur))
        t["paid"].setText(money(order.paid_minor, cur))

        self.lines_model.set_order(order)
        unmatched = [line for line in order.lines if line.unmatched]
        self.unmatched_banner.setVisible(bool(unmatched))
        self.unmatched_label.setText(
            f"{plural(len(unmatched), 'line')} not in the catalog "
            f"({', '.join(line.sku for line in unmatched)}): select it and link it to a product."
        )
        short = short_lines(order)
        self.short_banner.setVisible(bool(short))
        self.short_label.setText(
            "Short after allocation: "
            + ", ".join(f"{line.sku} × {short_units(line)}" for line in short)
        )
        self.timeline_model.set_rows(events)
        self.stack.setCurrentIndex(1)

    def _set_row_visible(self, key: str, visible: bool) -> None:
        self.forms[key].setRowVisible(self.fields[key], visible)

    def selected_line(self) -> LineView | None:
        index = self.lines_view.currentIndex()
        if not index.isValid() or self.order is None:
            return None
        return self.lines_model.row_at(index.row())


class CompactTableView(QTableView):
    """A table that asks for little height and takes whatever room is left (stretch)."""

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self.minimumHeight() or 76)


def _table(model) -> QTableView:
    view = CompactTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setTabKeyNavigation(False)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(24)
    view.setAlternatingRowColors(True)
    return view
