"""PagedTableModel: pages on demand, drops stale results, sorts through SQL, passes the tester."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, Qt

from tests.ui.helpers import DeferredExecutor
from ui.ops import Ops
from ui.widgets.paged_table import Column, PagedTableModel


@dataclass(frozen=True)
class Row:
    id: int
    name: str


@dataclass(frozen=True)
class Page:
    rows: tuple
    next_after: int | None


def numbers(total: int):
    def fetch(_session, after, limit):
        start = after or 0
        rows = tuple(Row(i, f"row {i}") for i in range(start + 1, min(start + limit, total) + 1))
        return Page(rows, rows[-1].id if len(rows) == limit and rows[-1].id < total else None)

    return fetch


COLUMNS = [
    Column("id", "#", lambda r: r.id, align_right=True, sort_key="id"),
    Column("name", "Name", lambda r: r.name),
]


def test_pages_load_as_the_view_asks(ops, qtmodeltester):
    model = PagedTableModel(ops, COLUMNS, page_size=10)
    model.set_query(numbers(25))
    assert model.rowCount() == 10 and model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    assert model.rowCount() == 25 and not model.canFetchMore(QModelIndex())
    assert model.data(model.index(24, 1)) == "row 25"
    assert model.data(model.index(3, 0), PagedTableModel.IdRole) == 4
    assert model.data(model.index(3, 0), PagedTableModel.RowRole) == Row(4, "row 4")
    assert model.headerData(1, Qt.Orientation.Horizontal) == "Name"
    assert model.headerData(0, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole) is None
    qtmodeltester.check(model)


def test_stale_pages_are_dropped(database, qapp):
    deferred = DeferredExecutor()
    hub = Ops(database.session_factory, writer=deferred, reader=deferred, network=deferred)
    try:
        model = PagedTableModel(hub, COLUMNS, page_size=5)
        model.set_query(numbers(3))
        model.set_query(numbers(8))  # the user typed again before the first page came back
        deferred.run_all()
        qapp.processEvents()
        assert [model.row_at(i).id for i in range(model.rowCount())] == [1, 2, 3, 4, 5]
    finally:
        hub.shutdown()


def test_header_click_asks_for_sql_sort(ops, qtbot):
    model = PagedTableModel(ops, COLUMNS)
    with qtbot.waitSignal(model.sort_requested) as blocker:
        model.sort(0, Qt.SortOrder.DescendingOrder)
    assert blocker.args == ["id", True]
    with qtbot.assertNotEmitted(model.sort_requested):
        model.sort(1)  # not sortable


def test_failure_shows_the_message(ops, messages):
    from app.errors import DomainError

    def broken(_s, _a, _l):
        raise DomainError("the query could not run")

    model = PagedTableModel(ops, COLUMNS)
    model.set_query(broken)
    assert model.rowCount() == 0 and not model.canFetchMore(QModelIndex())
    assert messages and "the query could not run" in messages[-1][1]
