"""OrderFilterBar: search box (debounced), status, channel, date range, held and risky filters."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from PySide6.QtCore import QDate, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.orders.queries import OrderFilter
from ui.orders.flow_layout import FlowLayout
from ui.orders.formatting import STATUS_LABELS, local_day_end, local_day_start

SEARCH_DELAY_MS = 250
ALL = "all"
NEEDS_ATTENTION = "attention"
# Orders that can still be acted on; "needs attention" ignores finished ones.
UNFINISHED = ("draft", "open", "picking", "packed", "partially_shipped")
NO_DATE = QDate(2000, 1, 1)  # the minimum of the date edits, shown as "Any"
ANY_CHANNEL = "any"
MANUAL = "manual"


@dataclass(frozen=True, slots=True)
class LinkedStatuses:
    """A status choice made by a link (the dashboard): several statuses, hold state, age."""

    label: str
    statuses: tuple[str, ...]
    on_hold: bool | None = None
    placed_before: datetime | None = None


class OrderFilterBar(QWidget):
    """Emits `filters_changed` when the user changed a filter (search text after a pause)."""

    filters_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search_edit = QLineEdit(objectName="orderSearch")
        self.search_edit.setPlaceholderText(
            "Search order number, email, customer name or exact SKU (Ctrl+F)"
        )
        self.search_edit.setClearButtonEnabled(True)
        self.status_combo = QComboBox(objectName="statusFilter")
        self.status_combo.addItem("All statuses", ALL)
        self.status_combo.addItem("Needs attention", NEEDS_ATTENTION)
        self.status_combo.setItemData(
            1,
            "Unfinished orders that are on hold or carry a risk flag",
            Qt.ItemDataRole.ToolTipRole,
        )
        for value, label in STATUS_LABELS.items():
            self.status_combo.addItem(label, value)
        self.channel_combo = QComboBox(objectName="channelFilter")
        self.channel_combo.addItem("All channels", ANY_CHANNEL)
        self.channel_combo.addItem("Entered here", MANUAL)
        self.from_edit = _date_edit("Placed on or after this day")
        self.to_edit = _date_edit("Placed on or before this day")
        self.held_check = QCheckBox("On hold")
        self.risky_check = QCheckBox("Risky only")

        first = QHBoxLayout()
        first.setContentsMargins(0, 0, 0, 0)
        first.addWidget(self.search_edit, 1)
        # Wraps onto a second row in a narrow window instead of widening it.
        second = FlowLayout(spacing=10)
        second.addWidget(_labelled("&Status:", self.status_combo))
        second.addWidget(_labelled("C&hannel:", self.channel_combo))
        second.addWidget(_labelled("Fro&m:", self.from_edit))
        second.addWidget(_labelled("&To:", self.to_edit))
        second.addWidget(self.held_check)
        second.addWidget(self.risky_check)
        self.extra_layout = second  # the panel adds its count label here
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(first)
        layout.addLayout(second)
        self.first_row = first

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._on_search_timer_timeout)
        self.search_edit.textChanged.connect(self._on_search_edit_text_changed)
        self.search_edit.returnPressed.connect(self._on_search_edit_return_pressed)
        self.status_combo.currentIndexChanged.connect(self._on_filter_widget_changed)
        self.channel_combo.currentIndexChanged.connect(self._on_filter_widget_changed)
        self.from_edit.dateChanged.connect(self._on_filter_widget_changed)
        self.to_edit.dateChanged.connect(self._on_filter_widget_changed)
        self.held_check.toggled.connect(self._on_filter_widget_changed)
        self.risky_check.toggled.connect(self._on_filter_widget_changed)

    # -- reading ------------------------------------------------------------------------------

    def filters(self, sort: str, descending: bool) -> list[OrderFilter]:
        """The disjoint OrderFilters whose union is what the user asked for."""
        channel = self.channel_combo.currentData()
        base = OrderFilter(
            channel_id=channel if isinstance(channel, int) else None,
            manual_only=channel == MANUAL,
            placed_from=_day(self.from_edit, local_day_start),
            placed_to=_day(self.to_edit, local_day_end),
            on_hold=True if self.held_check.isChecked() else None,
            risky_only=self.risky_check.isChecked(),
            search=self.search_edit.text().strip(),
            sort=sort,
            descending=descending,
        )
        status = self.status_combo.currentData()
        if isinstance(status, LinkedStatuses):
            linked = replace(base, statuses=status.statuses)
            if status.on_hold is not None and not self.held_check.isChecked():
                linked = replace(linked, on_hold=status.on_hold)
            if status.placed_before is not None:
                end = linked.placed_to
                linked = replace(
                    linked,
                    placed_to=min(end, status.placed_before) if end else status.placed_before,
                )
            return [linked]
        if status == ALL:
            return [base]
        if status != NEEDS_ATTENTION:
            return [replace(base, statuses=(status,))]
        held = replace(base, statuses=UNFINISHED, on_hold=True)
        if self.held_check.isChecked():
            return [held]
        return [held, replace(base, statuses=UNFINISHED, on_hold=False, risky_only=True)]

    # -- changing -----------------------------------------------------------------------------

    def set_channels(self, channels: list[tuple[int, str]]) -> None:
        """Offer these (id, name) sales channels after "All channels" and "Entered here"."""
        combo = self.channel_combo
        current = combo.currentData()
        combo.blockSignals(True)
        while combo.count() > 2:
            combo.removeItem(2)
        for channel_id, name in channels:
            combo.addItem(name, channel_id)
        index = combo.findData(current)
        combo.setCurrentIndex(max(index, 0))
        combo.blockSignals(False)
        if index < 0:  # the chosen channel is gone: show every order again
            self.filters_changed.emit()

    def set_channel(self, value: int | str) -> None:
        index = self.channel_combo.findData(value)
        if index >= 0:
            self.channel_combo.setCurrentIndex(index)

    def show_link(self, link: LinkedStatuses) -> None:
        """Show the orders behind a dashboard number: one status entry standing for `link`
        (replacing an earlier one), every other filter cleared, one filters_changed."""
        combo = self.status_combo
        combo.blockSignals(True)
        existing = next(
            (i for i in range(combo.count()) if isinstance(combo.itemData(i), LinkedStatuses)), None
        )
        if existing is not None:
            combo.removeItem(existing)
        combo.insertItem(2, link.label, link)
        combo.blockSignals(False)
        self.reset()
        combo.blockSignals(True)
        combo.setCurrentIndex(2)
        combo.blockSignals(False)
        self.filters_changed.emit()

    def set_status(self, value: str) -> None:
        index = self.status_combo.findData(value)
        if index >= 0:
            self.status_combo.setCurrentIndex(index)

    def reset(self, search: str = "") -> None:
        """Back to every order (optionally searching for `search`), one filters_changed."""
        widgets = (
            self.search_edit,
            self.status_combo,
            self.channel_combo,
            self.from_edit,
            self.to_edit,
            self.held_check,
            self.risky_check,
        )
        for widget in widgets:
            widget.blockSignals(True)
        self.search_edit.setText(search)
        self.status_combo.setCurrentIndex(0)
        self.channel_combo.setCurrentIndex(0)
        self.from_edit.setDate(NO_DATE)
        self.to_edit.setDate(NO_DATE)
        self.held_check.setChecked(False)
        self.risky_check.setChecked(False)
        for widget in widgets:
            widget.blockSignals(False)
        self._search_timer.stop()
        self.filters_changed.emit()

    def apply_search_now(self) -> None:
        self._search_timer.stop()
        self.filters_changed.emit()

    @Slot(str)
    def _on_search_edit_text_changed(self, _text: str) -> None:
        self._search_timer.start()  # restarts: one query once typing pauses

    @Slot()
    def _on_search_edit_return_pressed(self) -> None:
        self.apply_search_now()

    @Slot()
    def _on_search_timer_timeout(self) -> None:
        self.filters_changed.emit()

    @Slot()
    def _on_filter_widget_changed(self, *_args: object) -> None:
        self.filters_changed.emit()


def _date_edit(tip: str) -> QDateEdit:
    edit = QDateEdit()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setMinimumDate(NO_DATE)
    edit.setSpecialValueText("Any")
    edit.setDate(NO_DATE)
    edit.setToolTip(tip + "; the earliest date means any day")
    return edit


def _day(edit: QDateEdit, convert):
    value = edit.date()
    if value == NO_DATE:
        return None
    return convert(value.toPython())


def _labelled(text: str, widget: QWidget) -> QWidget:
    """A label and its field that wrap together."""
    box = QWidget()
    label = QLabel(text)
    label.setBuddy(widget)
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(4)
    layout.addWidget(label)
    layout.addWidget(widget)
    return box
