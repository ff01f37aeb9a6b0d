"""First start: on an empty shop, offer a demo shop (with progress and cancel) or an empty start."""

from __future__ import annotations

import importlib.util
import logging
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.audit import default_actor
from app.changes import ChangeSet
from app.database import is_empty_shop
from app.settings import REGISTRY, get_setting, update_settings
from ui.errors import show_error
from ui.ops import MutationOp, Ops, QueryOp, TaskState
from ui.progress import TaskProgressDialog

log = logging.getLogger(__name__)

SETUP_DONE = "shop.setup_done"
DEMO_PRODUCTS = 500
DEMO_ORDERS = 3_000
DEMO_SEED = 7


def should_offer_first_start(session: Any) -> bool:
    """True when the shop is empty and nobody chose demo or empty before."""
    done = REGISTRY[SETUP_DONE].parse(get_setting(session, SETUP_DONE))
    return not done and is_empty_shop(session)


def mark_setup_done(session: Any, *, actor: str) -> ChangeSet:
    return update_settings(session, {SETUP_DONE: True}, actor=actor)


@dataclass(frozen=True, slots=True)
class DemoLoaded:
    """The demo generator's summary plus everything the transaction changed."""

    summary: Any
    changes: ChangeSet


def load_demo(
    session: Any, *, products: int, orders: int, seed: int, progress: Any, actor: str
) -> DemoLoaded:
    """Generate the demo shop and record the first-start choice in the same transaction."""
    from app.demo import generate_demo  # heavy and rarely needed: import on use

    summary = generate_demo(session, products=products, orders=orders, seed=seed, progress=progress)
    done = mark_setup_done(session, actor=actor)
    return DemoLoaded(summary, summary.changes | done)


def demo_available() -> bool:
    return importlib.util.find_spec("app.demo") is not None


class FirstStartDialog(QDialog):
    """Asks once: explore a demo shop or start with an empty one."""

    demo_loaded = Signal(object)  # the demo generator's summary
    started_empty = Signal()

    def __init__(
        self,
        ops: Ops,
        parent: QWidget | None = None,
        *,
        demo_products: int = DEMO_PRODUCTS,
        demo_orders: int = DEMO_ORDERS,
        seed: int = DEMO_SEED,
    ) -> None:
        super().__init__(parent)
        self.ops = ops
        self.demo_products = demo_products
        self.demo_orders = demo_orders
        self.seed = seed
        self.progress_dialog: TaskProgressDialog | None = None
        self.setWindowTitle("Welcome to Packbench")
        self.setMinimumWidth(480)

        heading = QLabel("Welcome to Packbench", objectName="panelTitle")
        text = QLabel(
            "This shop has no products or orders yet.\n\n"
            f"Open a demo shop to try everything safely: {demo_products:,} made-up products and "
            f"{demo_orders:,} orders with customers and stock. The demo is written into this "
            "database, so keep your real shop in its own data folder.\n\n"
            "Or start empty and add your own products and orders."
        )
        text.setWordWrap(True)
        self.status_label = QLabel(objectName="hint")
        self.status_label.setWordWrap(True)
        self.status_label.hide()
        self.demo_button = QPushButton("Open demo shop")
        self.empty_button = QPushButton("Start empty")
        self.empty_button.setDefault(True)
        if not demo_available():
            self.demo_button.setEnabled(False)
            self.demo_button.setToolTip("The demo generator is not part of this build.")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.demo_button)
        buttons.addWidget(self.empty_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.setSpacing(12)
        layout.addWidget(heading)
        layout.addWidget(text)
        layout.addWidget(self.status_label)
        layout.addLayout(buttons)
        self.demo_button.clicked.connect(self._on_demo_button_clicked)
        self.empty_button.clicked.connect(self._on_empty_button_clicked)

    def _set_busy(self, busy: bool) -> None:
        self.demo_button.setEnabled(not busy and demo_available())
        self.empty_button.setEnabled(not busy)

    def _set_status(self, text: str) -> None:
        self.status_label.setText(text)
        self.status_label.setVisible(bool(text))

    # -- start empty -------------------------------------------------------------------------

    @Slot()
    def _on_empty_button_clicked(self) -> None:
        self.start_empty()

    def start_empty(self) -> None:
        self._set_busy(True)
        actor = default_actor()
        MutationOp(
            self,
            lambda session: mark_setup_done(session, actor=actor),
            self._on_empty_succeeded,
            self._on_choice_failed,
        ).run(self.ops)

    def _on_empty_succeeded(self, _changes: ChangeSet) -> None:
        self.started_empty.emit()
        self.accept()

    # -- demo --------------------------------------------------------------------------------

    @Slot()
    def _on_demo_button_clicked(self) -> None:
        self.open_demo()

    def open_demo(self) -> None:
        self._set_busy(True)
        self._set_status("")
        task = TaskState()
        self.progress_dialog = TaskProgressDialog(task, "Creating the demo shop", self)
        self.progress_dialog.open()
        products, orders, seed = self.demo_products, self.demo_orders, self.seed
        actor = default_actor()

        def work(session: Any) -> DemoLoaded:
            return load_demo(
                session,
                products=products,
                orders=orders,
                seed=seed,
                progress=task.report,
                actor=actor,
            )

        MutationOp(
            self,
            work,
            self._on_demo_succeeded,
            self._on_choice_failed,
            task=task,
            cancelled=self._on_demo_cancelled,
        ).run(self.ops)

    def _close_progress(self) -> None:
        if self.progress_dialog is not None:
            self.progress_dialog.finish()
            self.progress_dialog = None

    def _on_demo_succeeded(self, loaded: DemoLoaded) -> None:
        self._close_progress()
        self.demo_loaded.emit(loaded.summary)
        self.accept()

    def _on_demo_cancelled(self) -> None:
        self._close_progress()
        self._set_busy(False)
        self._set_status("Demo cancelled; nothing was written. Choose again.")

    def _on_choice_failed(self, exc: BaseException) -> None:
        self._close_progress()
        self._set_busy(False)
        show_error(self, exc, self.ops.log_path)


def offer_first_start(parent: QWidget, ops: Ops, **dialog_options: Any) -> None:
    """Open the first-start dialog over `parent` if the shop is empty and undecided."""

    def on_checked(offer: bool) -> None:
        if not offer:
            return
        dialog = FirstStartDialog(ops, parent, **dialog_options)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    QueryOp(parent, should_offer_first_start, on_checked, _log_check_failed).run(ops)


def _log_check_failed(exc: BaseException) -> None:
    # Not worth a dialog at start-up: without the check the app simply skips the offer.
    log.warning("first-start check failed: %s", exc, exc_info=exc)
