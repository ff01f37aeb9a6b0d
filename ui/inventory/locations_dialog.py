"""LocationsDialog: warehouses and stores, their bins in walk order; add, reorder, deactivate."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.audit import default_actor
from app.errors import DomainError, ValidationError
from app.inventory.dto import BinInfo, LocationInfo
from app.inventory.locations import (
    create_bin,
    create_location,
    list_bins,
    list_locations,
    update_bin,
)
from ui.errors import show_error
from ui.inventory.formatting import ARCHIVED_FOREGROUND, BIN_KINDS, LOCATION_KINDS
from ui.inventory.forms import error_label, set_invalid
from ui.ops import MutationOp, Ops, QueryOp

LOCATION_ID_ROLE = Qt.ItemDataRole.UserRole
MAX_WALK = 1_000_000


@dataclass(frozen=True, slots=True)
class Places:
    locations: tuple[LocationInfo, ...]
    bins: tuple[BinInfo, ...]


def load_places(session: Any) -> Places:
    return Places(
        tuple(list_locations(session, include_inactive=True)),
        tuple(list_bins(session, include_inactive=True)),
    )


class BinTableModel(QAbstractTableModel):
    """The bins of one location in walk order; inactive bins greyed."""

    HEADERS = ("Bin", "Kind", "Walk sequence", "Active")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[BinInfo] = []

    def set_bins(self, bins: Sequence[BinInfo]) -> None:
        self.beginResetModel()
        self._rows = list(bins)
        self.endResetModel()

    def bin_at(self, row: int) -> BinInfo:
        return self._rows[row]

    def row_of_id(self, bin_id: int) -> int | None:
        for row, info in enumerate(self._rows):
            if info.id == bin_id:
                return row
        return None

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        info = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (info.code, info.kind, str(info.walk_sequence), "yes" if info.active else "no")[
                index.column()
            ]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and not info.active:
            return ARCHIVED_FOREGROUND
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        # Explicit values, never super().headerData() (see DESIGN.md §3).
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section] if 0 <= section < len(self.HEADERS) else None
        return str(section + 1)


class _Group:
    """A form group with its own error line; ValidationError.field marks one of its fields."""

    def __init__(self, title: str) -> None:
        self.box = QGroupBox(title)
        self.form = QFormLayout(self.box)
        self.fields: dict[str, QWidget] = {}
        self.error = error_label()

    def add(self, key: str, label: str, widget: QWidget) -> None:
        self.form.addRow(label, widget)
        self.fields[key] = widget

    def finish(self, button: QPushButton) -> None:
        self.form.addRow("", button)
        self.form.addRow(self.error)

    def clear(self) -> None:
        self.error.clear()
        self.error.hide()
        for widget in self.fields.values():
            set_invalid(widget, False)

    def show(self, exc: BaseException) -> None:
        self.error.setText(str(exc))
        self.error.show()
        field = getattr(exc, "field", None)
        if field in self.fields:
            set_invalid(self.fields[field], True)
            self.fields[field].setFocus()


class LocationsDialog(QDialog):
    """Stays open while the user adds places; every change is its own audited transaction."""

    def __init__(self, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.setWindowTitle("Locations and bins")
        self.resize(900, 600)
        self.places = Places((), ())
        self._select_location: int | None = None
        self._select_bin: int | None = None

        self.location_list = QListWidget()
        self.location_group = _Group("Add a location")
        self.location_code_edit = QLineEdit(maxLength=32)
        self.location_name_edit = QLineEdit(maxLength=200)
        self.location_kind_combo = QComboBox()
        self.location_kind_combo.addItems(list(LOCATION_KINDS))
        self.country_edit = QLineEdit("US", maxLength=2)
        self.region_edit = QLineEdit(maxLength=100)
        self.region_edit.setPlaceholderText("State or region (optional)")
        self.add_location_button = QPushButton("Add location")
        group = self.location_group
        group.add("code", "Code:", self.location_code_edit)
        group.add("name", "Name:", self.location_name_edit)
        group.add("kind", "Kind:", self.location_kind_combo)
        group.add("country", "Country:", self.country_edit)
        group.add("region", "Region:", self.region_edit)
        group.finish(self.add_location_button)
        left = QVBoxLayout()
        left.addWidget(QLabel("<b>Locations</b>"))
        left.addWidget(self.location_list, 1)
        left.addWidget(group.box)

        self.bin_model = BinTableModel(self)
        self.bin_view = QTableView()
        self.bin_view.setModel(self.bin_model)
        self.bin_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.bin_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.bin_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.bin_view.verticalHeader().hide()
        self.bin_view.verticalHeader().setDefaultSectionSize(
            self.bin_view.fontMetrics().height() + 8
        )
        self.bin_view.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate((150, 100, 110)):
            self.bin_view.setColumnWidth(column, width)
        self.walk_spin = QSpinBox()
        self.walk_spin.setRange(0, MAX_WALK)
        self.set_walk_button = QPushButton("Set walk sequence")
        self.active_button = QPushButton("Deactivate bin")
        self.bin_error = error_label()
        edit_row = QHBoxLayout()
        edit_row.addWidget(QLabel("Selected bin:"))
        edit_row.addWidget(self.walk_spin)
        edit_row.addWidget(self.set_walk_button)
        edit_row.addStretch(1)
        edit_row.addWidget(self.active_button)

        self.bin_group = _Group("Add a bin to the selected location")
        self.bin_code_edit = QLineEdit(maxLength=32)
        self.bin_code_edit.setPlaceholderText("e.g. A-01-03")
        self.bin_kind_combo = QComboBox()
        self.bin_kind_combo.addItems(list(BIN_KINDS))
        self.bin_walk_spin = QSpinBox()
        self.bin_walk_spin.setRange(-1, MAX_WALK)
        self.bin_walk_spin.setSpecialValueText("after the last bin")
        self.bin_walk_spin.setValue(-1)
        self.add_bin_button = QPushButton("Add bin")
        self.bin_group.add("code", "Code:", self.bin_code_edit)
        self.bin_group.add("kind", "Kind:", self.bin_kind_combo)
        self.bin_group.add("walk_sequence", "Walk sequence:", self.bin_walk_spin)
        self.bin_group.finish(self.add_bin_button)
        self.bins_title = QLabel("<b>Bins</b> in walk order")
        right = QVBoxLayout()
        right.addWidget(self.bins_title)
        right.addWidget(self.bin_view, 1)
        right.addLayout(edit_row)
        right.addWidget(self.bin_error)
        right.addWidget(self.bin_group.box)

        columns = QHBoxLayout()
        columns.addLayout(left, 2)
        columns.addLayout(right, 3)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        layout = QVBoxLayout(self)
        layout.addLayout(columns, 1)
        layout.addWidget(buttons)

        buttons.rejected.connect(self._on_buttons_rejected)
        self.location_list.currentItemChanged.connect(self._on_location_list_current_item_changed)
        self.bin_view.selectionModel().currentRowChanged.connect(self._on_bin_view_row_changed)
        self.bin_model.modelReset.connect(self._on_bin_model_reset)
        self.add_location_button.clicked.connect(self._on_add_location_button_clicked)
        self.add_bin_button.clicked.connect(self._on_add_bin_button_clicked)
        self.set_walk_button.clicked.connect(self._on_set_walk_button_clicked)
        self.active_button.clicked.connect(self._on_active_button_clicked)
        self._update_bin_actions()
        self.reload()

    # -- loading -----------------------------------------------------------------------------

    def reload(self) -> None:
        QueryOp(self, load_places, self._on_places_loaded).run(self.ops)

    def _on_places_loaded(self, places: Places) -> None:
        keep = self._select_location or self.current_location_id()
        self.places = places
        self.location_list.blockSignals(True)
        self.location_list.clear()
        for location in places.locations:
            text = f"{location.code} — {location.name} ({location.kind}, {location.country})"
            item = QListWidgetItem(text)
            item.setData(LOCATION_ID_ROLE, location.id)
            if not location.active:
                item.setForeground(ARCHIVED_FOREGROUND)
            self.location_list.addItem(item)
        self.location_list.blockSignals(False)
        self._select_location = None
        row = next((i for i, loc in enumerate(places.locations) if loc.id == keep), 0)
        if places.locations:
            self.location_list.setCurrentRow(row)  # shows its bins
        else:
            self._show_bins()

    def current_location_id(self) -> int | None:
        item = self.location_list.currentItem()
        return item.data(LOCATION_ID_ROLE) if item is not None else None

    def selected_bin(self) -> BinInfo | None:
        index = self.bin_view.currentIndex()
        return self.bin_model.bin_at(index.row()) if index.isValid() else None

    def _show_bins(self) -> None:
        location_id = self.current_location_id()
        bins = [b for b in self.places.bins if b.location_id == location_id]
        code = next((loc.code for loc in self.places.locations if loc.id == location_id), "")
        self.bins_title.setText(f"<b>Bins at {code}</b> in walk order" if code else "<b>Bins</b>")
        self.bin_model.set_bins(bins)
        self.bin_group.box.setEnabled(location_id is not None)
        if self._select_bin is not None:
            row = self.bin_model.row_of_id(self._select_bin)
            if row is not None:
                self.bin_view.selectRow(row)
            self._select_bin = None

    def _update_bin_actions(self) -> None:
        info = self.selected_bin()
        self.walk_spin.setEnabled(info is not None)
        self.set_walk_button.setEnabled(info is not None)
        self.active_button.setEnabled(info is not None)
        if info is not None:
            self.walk_spin.setValue(info.walk_sequence)
            self.active_button.setText("Deactivate bin" if info.active else "Reactivate bin")

    # -- changes -----------------------------------------------------------------------------

    def add_location(self) -> None:
        self.location_group.clear()
        fields = {
            "code": self.location_code_edit.text(),
            "name": self.location_name_edit.text(),
            "kind": self.location_kind_combo.currentText(),
            "country": self.country_edit.text(),
            "region": self.region_edit.text().strip() or None,
        }
        actor = default_actor()
        self._mutate(
            lambda session: create_location(session, **fields, actor=actor),
            self._on_location_added,
            self.location_group.show,
        )

    def add_bin(self) -> None:
        self.bin_group.clear()
        location_id = self.current_location_id()
        if location_id is None:
            self.bin_group.show(ValidationError("add a location first"))
            return
        code, kind = self.bin_code_edit.text(), self.bin_kind_combo.currentText()
        walk = self.bin_walk_spin.value()
        actor = default_actor()
        self._mutate(
            lambda session: create_bin(
                session,
                location_id=location_id,
                code=code,
                kind=kind,
                walk_sequence=None if walk < 0 else walk,
                actor=actor,
            ),
            self._on_bin_added,
            self.bin_group.show,
        )

    def update_selected_bin(self, **changes: Any) -> None:
        """update_bin on the selected bin (walk_sequence=…, active=…)."""
        info = self.selected_bin()
        if info is None:
            return
        self.bin_error.hide()
        actor = default_actor()
        self._select_bin = info.id
        self._mutate(
            lambda session: update_bin(session, info.id, actor=actor, **changes),
            lambda _saved: self.reload(),
            self._show_bin_error,
        )

    def _mutate(
        self,
        op: Callable[[Any], Any],
        done: Callable[[Any], None],
        refused: Callable[[BaseException], None],
    ) -> None:
        def failed(exc: BaseException) -> None:
            if isinstance(exc, DomainError):
                refused(exc)
            else:
                show_error(self, exc, self.ops.log_path)

        MutationOp(self, op, done, failed).run(self.ops)

    def _show_bin_error(self, exc: BaseException) -> None:
        self.bin_error.setText(str(exc))
        self.bin_error.show()

    def _on_location_added(self, saved: Any) -> None:
        self._select_location = saved.id
        for edit in (self.location_code_edit, self.location_name_edit, self.region_edit):
            edit.clear()
        self.reload()

    def _on_bin_added(self, saved: Any) -> None:
        self._select_bin = saved.id
        self.bin_code_edit.clear()
        self.bin_walk_spin.setValue(-1)
        self.reload()

    # -- slots -------------------------------------------------------------------------------

    @Slot()
    def _on_buttons_rejected(self) -> None:
        self.reject()

    @Slot()
    def _on_location_list_current_item_changed(self, *_args: Any) -> None:
        self._show_bins()

    @Slot()
    def _on_bin_view_row_changed(self, *_args: Any) -> None:
        self.bin_error.hide()
        self._update_bin_actions()

    @Slot()
    def _on_bin_model_reset(self) -> None:
        self._update_bin_actions()

    @Slot()
    def _on_add_location_button_clicked(self) -> None:
        self.add_location()

    @Slot()
    def _on_add_bin_button_clicked(self) -> None:
        self.add_bin()

    @Slot()
    def _on_set_walk_button_clicked(self) -> None:
        self.update_selected_bin(walk_sequence=self.walk_spin.value())

    @Slot()
    def _on_active_button_clicked(self) -> None:
        info = self.selected_bin()
        if info is not None:
            self.update_selected_bin(active=not info.active)
