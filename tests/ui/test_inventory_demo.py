"""InventoryPanel over the demo shop: renders at a realistic size with every location column."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from app.demo import generate_demo
from app.uow import unit_of_work
from ui.inventory.inventory_panel import InventoryPanel


def test_demo_shop_renders(qtbot, ops, session_factory, tmp_path: Path, qtmodeltester):
    with unit_of_work(session_factory) as session:
        generate_demo(session, products=300, orders=500)
    panel = InventoryPanel(ops)
    qtbot.addWidget(panel)
    panel.resize(1280, 800)
    panel.show()
    qtbot.waitExposed(panel)
    model = panel.model
    assert model.rowCount() == 200 and panel.count_label.text() == "200+ products"
    titles = [model.headerData(i, Qt.Orientation.Horizontal) for i in range(model.columnCount())]
    assert [t.split("\n")[-1] for t in titles[9:]] == ["@HAM", "@PDX", "@STORE"]
    # Every column fits a 1280-pixel window without resizing to contents.
    header = panel.table.horizontalHeader()
    assert header.length() <= panel.table.viewport().width()
    low = next(r for r in range(model.rowCount()) if model.row_at(r).low)
    panel.table.setCurrentIndex(model.index(low, 0))
    assert panel.detail_pane.moves_model.rowCount() > 0
    image = panel.grab()
    assert not image.isNull() and image.width() == 1280
    image.save(str(tmp_path / "inventory.png"))
    qtmodeltester.check(model)
