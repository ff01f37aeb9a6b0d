"""The read-mostly table view the list screens share, and pixel column widths."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView


def make_table(
    model: QAbstractItemModel, widths: Sequence[int] = (), *, station: bool = False
) -> QTableView:
    """Whole-row single selection, no grid clutter, last column stretched; cells the model
    makes editable are edited in place. `station` gives the larger rows of a scanning bench."""
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(
        QAbstractItemView.EditTrigger.DoubleClicked
        | QAbstractItemView.EditTrigger.EditKeyPressed
        | QAbstractItemView.EditTrigger.AnyKeyPressed
    )
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.setTabKeyNavigation(False)  # Tab leaves the table, as in every other field
    view.verticalHeader().hide()
    header = view.horizontalHeader()
    header.setStretchLastSection(True)
    header.setHighlightSections(False)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    if station:
        view.setObjectName("stationTable")
        view.verticalHeader().setDefaultSectionSize(34)
    else:
        view.verticalHeader().setDefaultSectionSize(26)
    set_column_widths(view, widths)
    return view


def set_column_widths(view: QTableView, widths: Sequence[int]) -> None:
    """Column widths in pixels; -1 makes that column take the spare room (instead of the last)."""
    header = view.horizontalHeader()
    if any(width < 0 for width in widths):
        header.setStretchLastSection(False)
    for column, width in enumerate(widths):
        if width > 0:
            header.resizeSection(column, width)
        elif width < 0:
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
