"""Report table model and value formatting: display text, CSV text, sorting, presets."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QSortFilterProxyModel, Qt

from ui.reports.formatting import Money, preset_range, product_label
from ui.reports.table_model import SORT_ROLE, Column, ReportTableModel, cell_text, csv_text

COLUMNS = (
    Column("SKU"),
    Column("Units", "int"),
    Column("Revenue", "money"),
    Column("Rate", "percent"),
    Column("Per day", "float", 2),
)
ROWS = [
    ("MUG", 1200, Money(123456, "USD"), 0.125, 1.5),
    ("Zoë's cap", 3, Money(-50, "EUR"), None, None),
    ("LAMP", 0, Money(1200, "JPY"), 1.0, 0.333),
]


def test_model_passes_qtmodeltester(qtmodeltester):
    model = ReportTableModel(COLUMNS)
    model.set_rows(ROWS)
    qtmodeltester.check(model)
    model.set_rows([])
    qtmodeltester.check(model)


def test_display_and_csv_text():
    model = ReportTableModel(COLUMNS)
    model.set_rows(ROWS)
    assert model.display_rows() == [
        ["MUG", "1,200", "$1,234.56", "12.5 %", "1.50"],
        ["Zoë's cap", "3", "-€0.50", "—", "—"],
        ["LAMP", "0", "¥1,200", "100.0 %", "0.33"],
    ]
    assert model.csv_rows() == [
        ["MUG", "1200", "1234.56", "12.50", "1.50"],
        ["Zoë's cap", "3", "-0.50", "", ""],
        ["LAMP", "0", "1200", "100.00", "0.33"],
    ]
    assert model.headers() == ["SKU", "Units", "Revenue", "Rate", "Per day"]
    assert csv_text(Money(5, "KWD"), Column("x", "money")) == "0.005"
    assert cell_text(None, Column("x")) == ""


def test_numbers_align_right_and_sort_by_value():
    model = ReportTableModel(COLUMNS)
    model.set_rows(ROWS)
    right = model.data(model.index(0, 2), Qt.ItemDataRole.TextAlignmentRole)
    assert right & int(Qt.AlignmentFlag.AlignRight)
    assert model.headerData(2, Qt.Orientation.Horizontal) == "Revenue"
    assert model.headerData(9, Qt.Orientation.Horizontal) is None
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(model)
    proxy.setSortRole(SORT_ROLE)
    proxy.sort(2, Qt.SortOrder.DescendingOrder)  # by minor units, not by text
    assert [proxy.index(r, 0).data() for r in range(3)] == ["MUG", "LAMP", "Zoë's cap"]
    proxy.sort(3, Qt.SortOrder.AscendingOrder)  # no rate sorts first
    assert proxy.index(0, 0).data() == "Zoë's cap"


@pytest.mark.parametrize(
    ("preset", "expected"),
    [
        ("today", (date(2026, 3, 10), date(2026, 3, 10))),
        ("last_7_days", (date(2026, 3, 4), date(2026, 3, 10))),
        ("last_30_days", (date(2026, 2, 9), date(2026, 3, 10))),
        ("this_month", (date(2026, 3, 1), date(2026, 3, 10))),
        ("last_month", (date(2026, 2, 1), date(2026, 2, 28))),
    ],
)
def test_presets(preset, expected):
    assert preset_range(preset, date(2026, 3, 10)) == expected


def test_last_month_over_new_year_and_unknown_presets():
    assert preset_range("last_month", date(2026, 1, 31)) == (date(2025, 12, 1), date(2025, 12, 31))
    with pytest.raises(KeyError):
        preset_range("custom", date(2026, 1, 1))


def test_product_labels_are_cut_for_chart_axes():
    assert product_label("MUG", "Mug") == "MUG Mug"
    label = product_label("NL-10289", "Harbor Laptop Sleeve 12 l — Rust and more words")
    assert len(label) <= 34 and label.endswith("…")
