"""Reorder tab: low stock, suggestions grouped by supplier, and draft POs made from them."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.audit import default_actor
from app.errors import DomainError
from app.inventory.dto import LocationInfo
from app.inventory.locations import list_locations
from app.inventory.reorder import (
    LowStockRow,
    SuggestionRow,
    SupplierSuggestion,
    create_purchase_orders_from_suggestions,
    list_low_stock,
    reorder_suggestions,
)
from ui.errors import show_error, user_message
from ui.ops import MutationOp, Ops, QueryOp
from ui.purchasing.common import (
    ERROR_BACKGROUND,
    WARN_BACKGROUND,
    Changed,
    format_money,
    make_table,
    set_column_widths,
    show_toned,
)
from ui.widgets.list_table import ListTableModel
from ui.widgets.paged_table import Column

LOW_STOCK_COLUMNS = [
    Column("sku", "SKU", lambda r: r.sku),
    Column("name", "Product", lambda r: r.name),
    Column("supplier", "Supplier", lambda r: r.supplier_name or "—"),
    Column("on_hand", "On hand", lambda r: r.on_hand, align_right=True),
    Column("reserved", "Reserved", lambda r: r.reserved, align_right=True),
    Column("available", "Available", lambda r: r.available, align_right=True),
    Column("incoming", "Incoming", lambda r: r.incoming, align_right=True),
    Column("point", "Reorder at", lambda r: r.reorder_point, align_right=True),
    Column("short", "Below by", lambda r: r.below_point_by, align_right=True),
]


def _cover(row: SuggestionRow) -> str:
    return "—" if row.days_of_cover is None else f"{row.days_of_cover:.0f} d"


def _suggestion_columns(currency: str) -> list[Column]:
    return [
        Column("sku", "SKU", lambda r: r.sku),
        Column("name", "Product", lambda r: r.name, tooltip=lambda r: r.name),
        Column("sold", "Sold", lambda r: r.sold, align_right=True),
        Column("velocity", "Per day", lambda r: f"{r.velocity_per_day:.1f}", align_right=True),
        Column("cover", "Cover", _cover, align_right=True),
        Column("available", "Available", lambda r: r.available, align_right=True),
        Column("incoming", "Incoming", lambda r: r.incoming, align_right=True),
        Column("draft", "On draft", lambda r: r.on_draft or "", align_right=True),
        Column("suggested", "Order", lambda r: r.suggested_quantity, align_right=True),
        Column("cost", "Unit cost", lambda r: format_money(r.unit_cost_minor, currency), True),
        Column("total", "Line", lambda r: format_money(r.line_cost_minor, currency), True),
        Column("reason", "Why", lambda r: r.reason),
    ]


class SupplierGroup(QFrame):
    """One supplier's suggestions with a tick box; the Order column can be edited."""

    changed = Signal()

    def __init__(self, suggestion: SupplierSuggestion, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="card")
        self.suggestion = suggestion
        orderable = suggestion.supplier_id is not None
        self.check = QCheckBox(suggestion.supplier_name)
        self.check.setStyleSheet("font-weight: 600; font-size: 14px;")
        self.check.setChecked(orderable)
        self.check.setEnabled(orderable)
        if not orderable:
            self.check.setToolTip("Set a supplier on these products to order them here.")
        self.summary_label = QLabel(objectName="hint")
        self.model = ListTableModel(
            _suggestion_columns(suggestion.currency),
            editable=lambda _row, key: key == "suggested" and orderable,
            edit_value=lambda row, _key: row.suggested_quantity,
            commit=self._commit,
            parent=self,
        )
        self.model.set_rows(suggestion.rows)
        self.table = make_table(self.model)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        set_column_widths(self.table, [100, -1, 55, 65, 60, 75, 75, 70, 60, 85, 90, 105])
        _fit_height(self.table, len(suggestion.rows))
        header = QHBoxLayout()
        header.addWidget(self.check)
        header.addWidget(self.summary_label, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 10)
        layout.addLayout(header)
        layout.addWidget(self.table)
        self.check.toggled.connect(self._on_check_toggled)
        self._update_summary()

    @property
    def checked(self) -> bool:
        return self.check.isChecked() and self.check.isEnabled()

    def current(self) -> SupplierSuggestion:
        """The suggestion with the quantities as edited here."""
        return replace(self.suggestion, rows=tuple(self.model.rows()))

    def _commit(self, row: int, _key: str, value: Any) -> bool:
        try:
            quantity = int(value)
        except (TypeError, ValueError):
            return False
        if quantity < 0:
            return False
        self.model.replace_at(row, replace(self.model.row_at(row), suggested_quantity=quantity))
        self._update_summary()
        self.changed.emit()
        return True

    def _update_summary(self) -> None:
        current = self.current()
        if current.supplier_id is None:
            prefix = "no supplier: cannot be ordered here"
        else:
            prefix = f"lead time {current.lead_time_days} d"
        self.summary_label.setText(
            f"{prefix} · {len(current.rows)} product(s) · {current.total_units} unit(s) · "
            f"{format_money(current.total_cost_minor, current.currency)}"
        )

    @Slot(bool)
    def _on_check_toggled(self, _checked: bool) -> None:
        self.changed.emit()


def _fit_height(table: QTableView, rows: int) -> None:
    header = table.horizontalHeader().sizeHint().height()
    row_height = table.verticalHeader().defaultSectionSize()
    table.setFixedHeight(header + rows * row_height + 2 * table.frameWidth() + 2)


class ReorderTab(QWidget):
    """Low stock on top; below, what to order per supplier (sales window and cover days)."""

    purchase_orders_created = Signal(list)  # new draft PO ids

    def __init__(self, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.groups: list[SupplierGroup] = []
        self.window_spin = QSpinBox()
        self.window_spin.setRange(1, 730)
        self.window_spin.setValue(30)
        self.window_spin.setSuffix(" days")
        self.cover_spin = QSpinBox()
        self.cover_spin.setRange(0, 730)
        self.cover_spin.setValue(30)
        self.cover_spin.setSuffix(" days")
        self.cover_spin.setToolTip("Order enough for the lead time plus this many days of sales.")
        self.recalculate_button = QPushButton("Recalculate")
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Sales window:"))
        controls.addWidget(self.window_spin)
        controls.addWidget(QLabel("Cover:"))
        controls.addWidget(self.cover_spin)
        controls.addWidget(self.recalculate_button)
        controls.addStretch(1)

        self.low_model = ListTableModel(
            LOW_STOCK_COLUMNS,
            row_background=lambda r: ERROR_BACKGROUND if r.available <= 0 else WARN_BACKGROUND,
            parent=self,
        )
        self.low_view = make_table(self.low_model)
        set_column_widths(self.low_view, [110, -1, 180, 75, 75, 75, 75, 85, 85])
        self.low_title = QLabel("Low stock", objectName="sectionTitle")
        low_box = QWidget()
        low_layout = QVBoxLayout(low_box)
        low_layout.setContentsMargins(0, 0, 0, 0)
        low_layout.addWidget(self.low_title)
        low_layout.addWidget(self.low_view, 1)

        self.groups_host = QWidget()
        self.groups_layout = QVBoxLayout(self.groups_host)
        self.groups_layout.setContentsMargins(0, 0, 4, 0)
        self.groups_layout.setSpacing(10)
        self.groups_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.groups_host)
        self.suggestions_title = QLabel("Suggestions by supplier", objectName="sectionTitle")
        self.location_combo = QComboBox()
        self.create_button = QPushButton("Create draft POs")
        self.summary_label = QLabel(objectName="hint")
        self.message_label = QLabel(objectName="stationMessage")
        self.message_label.setWordWrap(True)
        self.message_label.hide()
        create_row = QHBoxLayout()
        create_row.addWidget(self.summary_label, 1)
        create_row.addWidget(QLabel("Receive at:"))
        create_row.addWidget(self.location_combo)
        create_row.addWidget(self.create_button)
        suggestions_box = QWidget()
        suggestions_layout = QVBoxLayout(suggestions_box)
        suggestions_layout.setContentsMargins(0, 0, 0, 0)
        suggestions_layout.addWidget(self.suggestions_title)
        suggestions_layout.addWidget(scroll, 1)
        suggestions_layout.addWidget(self.message_label)
        suggestions_layout.addLayout(create_row)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(low_box)
        splitter.addWidget(suggestions_box)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([260, 520])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addLayout(controls)
        layout.addWidget(splitter, 1)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(350)
        self._debounce.timeout.connect(self._on_debounce_timeout)
        self.window_spin.valueChanged.connect(self._on_days_spin_value_changed)
        self.cover_spin.valueChanged.connect(self._on_days_spin_value_changed)
        self.recalculate_button.clicked.connect(self._on_recalculate_button_clicked)
        self.create_button.clicked.connect(self._on_create_button_clicked)
        self._update_summary()

    # -- loading -----------------------------------------------------------------------------

    def refresh(self) -> None:
        QueryOp(self, list_low_stock, self._on_low_stock_loaded).run(self.ops)
        QueryOp(self, list_locations, self._on_locations_loaded).run(self.ops)
        self.recalculate()

    def recalculate(self) -> None:
        self._debounce.stop()
        window, cover = self.window_spin.value(), self.cover_spin.value()
        QueryOp(
            self,
            lambda s: reorder_suggestions(s, window_days=window, cover_days=cover),
            self._on_suggestions_loaded,
        ).run(self.ops)

    def _on_low_stock_loaded(self, rows: list[LowStockRow]) -> None:
        self.low_model.set_rows(rows)
        self.low_title.setText(f"Low stock — {len(rows)} product(s) at or below reorder point")

    def _on_locations_loaded(self, locations: list[LocationInfo]) -> None:
        chosen = self.location_combo.currentData()
        self.location_combo.clear()
        for location in locations:
            self.location_combo.addItem(f"{location.code} — {location.name}", location.id)
        if chosen is not None and self.location_combo.findData(chosen) >= 0:
            self.location_combo.setCurrentIndex(self.location_combo.findData(chosen))
        self._update_summary()

    def _on_suggestions_loaded(self, suggestions: list[SupplierSuggestion]) -> None:
        unticked = {g.suggestion.supplier_id for g in self.groups if not g.check.isChecked()}
        for group in self.groups:
            self.groups_layout.removeWidget(group)
            group.deleteLater()
        self.groups = []
        for index, suggestion in enumerate(suggestions):
            group = SupplierGroup(suggestion, self.groups_host)
            if suggestion.supplier_id in unticked:
                group.check.setChecked(False)
            group.changed.connect(self._on_group_changed)
            self.groups_layout.insertWidget(index, group)
            self.groups.append(group)
        self.suggestions_title.setText(
            f"Suggestions by supplier — sales over {self.window_spin.value()} days, "
            f"cover {self.cover_spin.value()} days beyond lead time"
            if suggestions
            else "Suggestions by supplier — nothing to order"
        )
        self._update_summary()

    def group(self, supplier_name: str) -> SupplierGroup:
        return next(g for g in self.groups if g.suggestion.supplier_name == supplier_name)

    def _update_summary(self) -> None:
        chosen = [g.current() for g in self.groups if g.checked]
        units = sum(s.total_units for s in chosen)
        self.summary_label.setText(f"{len(chosen)} supplier(s) ticked · {units} unit(s)")
        self.create_button.setEnabled(
            any(s.total_units for s in chosen) and self.location_combo.currentIndex() >= 0
        )

    # -- create ------------------------------------------------------------------------------

    def create_purchase_orders(self) -> None:
        chosen = [g.current() for g in self.groups if g.checked]
        location_id = self.location_combo.currentData()
        if not chosen or location_id is None:
            return
        actor = default_actor()
        self.create_button.setEnabled(False)

        def create(session: Any) -> Changed:
            ids = create_purchase_orders_from_suggestions(session, chosen, location_id, actor=actor)
            return Changed(ids, message=f"Created {len(ids)} draft purchase order(s)")

        MutationOp(self, create, self._on_created, self._on_create_failed).run(self.ops)

    def _on_created(self, result: Changed) -> None:
        show_toned(self.message_label, result.message + ".", "ok")
        self.message_label.show()
        self.purchase_orders_created.emit(list(result.value))

    def _on_create_failed(self, exc: BaseException) -> None:
        self._update_summary()
        show_toned(self.message_label, user_message(exc, self.ops.log_path), "error")
        self.message_label.show()
        if not isinstance(exc, DomainError):
            show_error(self, exc, self.ops.log_path)

    @Slot()
    def _on_create_button_clicked(self) -> None:
        self.create_purchase_orders()

    @Slot()
    def _on_recalculate_button_clicked(self) -> None:
        self.recalculate()

    @Slot(int)
    def _on_days_spin_value_changed(self, _value: int) -> None:
        self._debounce.start()

    @Slot()
    def _on_debounce_timeout(self) -> None:
        self.recalculate()

    @Slot()
    def _on_group_changed(self) -> None:
        self._update_summary()
