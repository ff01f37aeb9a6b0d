"""DashboardPanel: product and order counts and where the database lives."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.database import count_rows
from ui.errors import show_error
from ui.ops import Ops, QueryOp
from ui.panel import Panel


class _CountCard(QFrame):
    """A big number with a caption."""

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="card")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 14)
        self.value_label = QLabel("…", objectName="cardValue")
        layout.addWidget(self.value_label)
        layout.addWidget(QLabel(caption, objectName="cardLabel"))
        self.setMinimumWidth(180)

    def set_value(self, value: int | None) -> None:
        self.value_label.setText("—" if value is None else f"{value:,}")


class DashboardPanel(Panel):
    """Counts refresh whenever products or orders change."""

    refresh_on = ("products", "orders")

    def __init__(self, ops: Ops, *, database_name: str, parent: QWidget | None = None) -> None:
        super().__init__(ops, "Dashboard", "Your shop at a glance.", parent)
        cards = QHBoxLayout()
        cards.setSpacing(14)
        self.products_card = _CountCard("products")
        self.orders_card = _CountCard("orders")
        cards.addWidget(self.products_card)
        cards.addWidget(self.orders_card)
        cards.addStretch(1)
        self.body.addLayout(cards)
        self.database_label = QLabel(f"Database: {database_name}", objectName="hint")
        self.database_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.database_label.setWordWrap(True)
        self.body.addWidget(self.database_label)
        hint = QLabel(
            "Switch pages with Ctrl+1 … Ctrl+0; Ctrl+, (comma) opens Settings; F5 reloads a page.",
            objectName="hint",
        )
        hint.setWordWrap(True)
        self.body.addWidget(hint)
        self.body.addStretch(1)
        self.counts: dict[str, int] | None = None

    def refresh(self) -> None:
        super().refresh()
        QueryOp(self, count_rows, self._on_counts_loaded, self._on_counts_failed).run(self.ops)

    def _on_counts_loaded(self, counts: dict[str, int]) -> None:
        self.counts = counts
        self.products_card.set_value(counts.get("products"))
        self.orders_card.set_value(counts.get("orders"))

    def _on_counts_failed(self, exc: BaseException) -> None:
        self.products_card.set_value(None)
        self.orders_card.set_value(None)
        show_error(self, exc, self.ops.log_path)
