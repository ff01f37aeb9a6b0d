"""ReportFilterBar: the date range (presets or custom days) and the channel the reports cover."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date

from PySide6.QtCore import QDate, Signal, Slot
from PySide6.QtWidgets import QComboBox, QDateEdit, QHBoxLayout, QLabel, QWidget

from app.reports.extra import ReportChannel
from app.reports.queries import ReportFilter
from ui.reports.formatting import PRESETS, preset_range

ALL_CHANNELS = -1
MANUAL = 0  # orders entered here (no channel); real channel ids start at 1


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(day: QDate) -> date:
    return date(day.year(), day.month(), day.day())


class ReportFilterBar(QWidget):
    """Emits filter_changed after any change; `today` is the UTC date presets end on."""

    filter_changed = Signal()

    def __init__(self, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._today = today
        self._quiet = False
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        self.preset_combo = QComboBox()
        self.preset_combo.setAccessibleName("Date range")
        for key, label in PRESETS:
            self.preset_combo.addItem(label, key)
        self.from_edit = QDateEdit(calendarPopup=True, displayFormat="dd MMM yyyy")
        self.to_edit = QDateEdit(calendarPopup=True, displayFormat="dd MMM yyyy")
        self.from_edit.setAccessibleName("First day")
        self.to_edit.setAccessibleName("Last day")
        self.channel_combo = QComboBox()
        self.channel_combo.setAccessibleName("Channel")
        self.channel_combo.setMinimumContentsLength(14)
        range_label = QLabel("&Range")
        range_label.setBuddy(self.preset_combo)
        channel_label = QLabel("C&hannel")
        channel_label.setBuddy(self.channel_combo)
        layout.addWidget(range_label)
        layout.addWidget(self.preset_combo)
        layout.addWidget(self.from_edit)
        layout.addWidget(QLabel("to"))
        layout.addWidget(self.to_edit)
        layout.addSpacing(12)
        layout.addWidget(channel_label)
        layout.addWidget(self.channel_combo)
        utc = QLabel("Days are UTC days.", objectName="hint")
        layout.addWidget(utc)
        layout.addStretch(1)
        self.set_channels([])
        self.set_preset("last_30_days")
        self.preset_combo.currentIndexChanged.connect(self._on_preset_combo_current_index_changed)
        self.from_edit.dateChanged.connect(self._on_from_edit_date_changed)
        self.to_edit.dateChanged.connect(self._on_to_edit_date_changed)
        self.channel_combo.currentIndexChanged.connect(self._on_channel_combo_current_index_changed)

    # -- state -------------------------------------------------------------------------------

    @property
    def today(self) -> date:
        return self._today

    def set_today(self, today: date) -> None:
        """Move presets to a new today (a refresh after midnight UTC)."""
        if today != self._today:
            self._today = today
            if self.preset != "custom":
                self._apply_preset(self.preset)

    @property
    def preset(self) -> str:
        return str(self.preset_combo.currentData())

    def dates(self) -> tuple[date, date]:
        return _pydate(self.from_edit.date()), _pydate(self.to_edit.date())

    def channel_choice(self) -> int:
        data = self.channel_combo.currentData()
        return ALL_CHANNELS if data is None else int(data)

    def channel_name(self) -> str:
        return self.channel_combo.currentText()

    def report_filter(self) -> ReportFilter:
        first, last = self.dates()
        choice = self.channel_choice()
        return ReportFilter(
            date_from=first,
            date_to=last,
            channel_id=choice if choice > 0 else None,
            manual_only=choice == MANUAL,
        )

    # -- changes -----------------------------------------------------------------------------

    def set_preset(self, preset: str) -> None:
        index = self.preset_combo.findData(preset)
        if index < 0:
            raise KeyError(preset)
        with self._batch():
            self.preset_combo.setCurrentIndex(index)
            self._apply_preset(preset)
        self.filter_changed.emit()

    def set_range(self, first: date, last: date) -> None:
        """A custom range; the days are swapped when given backwards."""
        first, last = min(first, last), max(first, last)
        with self._batch():
            self.preset_combo.setCurrentIndex(self.preset_combo.findData("custom"))
            self._apply_dates(first, last, editable=True)
        self.filter_changed.emit()

    def set_channels(self, channels: Sequence[ReportChannel]) -> None:
        """Fill the channel list, keeping the current choice when it still exists."""
        current = self.channel_choice() if self.channel_combo.count() else ALL_CHANNELS
        with self._batch():
            self.channel_combo.clear()
            self.channel_combo.addItem("All channels", ALL_CHANNELS)
            self.channel_combo.addItem("Manual orders", MANUAL)
            for channel in channels:
                name = channel.name if channel.enabled else f"{channel.name} (disabled)"
                self.channel_combo.addItem(name, channel.id)
            index = self.channel_combo.findData(current)
            self.channel_combo.setCurrentIndex(max(index, 0))
        if self.channel_choice() != current:
            self.filter_changed.emit()

    def set_channel(self, choice: int) -> None:
        """ALL_CHANNELS, MANUAL or a channel id (unknown ids choose all channels)."""
        index = self.channel_combo.findData(choice)
        with self._batch():
            self.channel_combo.setCurrentIndex(max(index, 0))
        self.filter_changed.emit()

    def _apply_preset(self, preset: str) -> None:
        if preset == "custom":
            self.from_edit.setEnabled(True)
            self.to_edit.setEnabled(True)
            return
        first, last = preset_range(preset, self._today)
        self._apply_dates(first, last, editable=False)

    def _apply_dates(self, first: date, last: date, *, editable: bool) -> None:
        with self._batch():
            self.to_edit.setMinimumDate(QDate(1900, 1, 1))
            self.from_edit.setDate(_qdate(first))
            self.to_edit.setDate(_qdate(last))
            self.to_edit.setMinimumDate(_qdate(first))
        self.from_edit.setEnabled(editable)
        self.to_edit.setEnabled(editable)

    @contextmanager
    def _batch(self) -> Iterator[None]:
        """Changes made inside emit no filter_changed of their own (the caller emits once)."""
        quiet, self._quiet = self._quiet, True
        try:
            yield
        finally:
            self._quiet = quiet

    @Slot(int)
    def _on_preset_combo_current_index_changed(self, _index: int) -> None:
        if self._quiet:
            return
        with self._batch():
            self._apply_preset(self.preset)
        self.filter_changed.emit()

    @Slot(QDate)
    def _on_from_edit_date_changed(self, day: QDate) -> None:
        if self._quiet:
            return
        with self._batch():
            self.to_edit.setMinimumDate(day)
        self.filter_changed.emit()

    @Slot(QDate)
    def _on_to_edit_date_changed(self, _day: QDate) -> None:
        if not self._quiet:
            self.filter_changed.emit()

    @Slot(int)
    def _on_channel_combo_current_index_changed(self, _index: int) -> None:
        if not self._quiet:
            self.filter_changed.emit()
