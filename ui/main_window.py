"""MainWindow: sidebar navigation over the panels, status bar, shortcuts, saved window state."""

from __future__ import annotations

import logging
from functools import partial
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, Qt, Signal, Slot
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.changes import ChangeSet
from ui.formatting import plural
from ui.navigation import PANELS, PanelContext, PanelSpec
from ui.ops import Ops, QueryOp

log = logging.getLogger(__name__)

GEOMETRY_KEY = "main_window/geometry"
STATE_KEY = "main_window/state"
PANEL_KEY = "main_window/panel"
KEY_ROLE = Qt.ItemDataRole.UserRole


class MainWindow(QMainWindow):
    """Composes the panels; knows nothing about what they do beyond an optional refresh()."""

    panel_shown = Signal(str)

    def __init__(
        self,
        ops: Ops,
        settings: QSettings,
        *,
        database_name: str,
        log_path: Path | None = None,
        panels: tuple[PanelSpec, ...] = PANELS,
        start: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        """`start=False` builds only the shell (sidebar, status bar, an "Opening the
        database…" page) for showing while the database opens; call start() once it is."""
        super().__init__(parent)
        self.ops = ops
        self.settings = settings
        self.database_name = database_name
        self._context = PanelContext(ops, database_name, log_path)
        self._specs = {spec.key: spec for spec in panels}
        self._order = [spec.key for spec in panels]
        self._pages: dict[str, QWidget] = {}
        self.counts: dict[str, int] | None = None
        self.setWindowTitle(f"Packbench — {Path(database_name).name or database_name}")

        self.sidebar = QListWidget(objectName="sidebar")
        self.sidebar.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.sidebar.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for spec in panels:
            item = QListWidgetItem(spec.title)
            item.setData(KEY_ROLE, spec.key)
            item.setToolTip(f"{spec.title} ({spec.shortcut})")
            self.sidebar.addItem(item)
        self.stack = QStackedWidget()

        column = QWidget(objectName="sidebarColumn")
        column.setFixedWidth(190)
        column_layout = QVBoxLayout(column)
        column_layout.setContentsMargins(0, 0, 0, 0)
        column_layout.setSpacing(0)
        column_layout.addWidget(QLabel("Packbench", objectName="brand"))
        column_layout.addWidget(self.sidebar, 1)

        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(column)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.database_label = QLabel(f"Database: {database_name}")
        self.database_label.setToolTip(database_name)
        # A long path must not set the window's minimum width; it is clipped instead.
        self.database_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.counts_label = QLabel("Counting…")
        self.statusBar().addWidget(self.database_label, 1)
        self.statusBar().addPermanentWidget(self.counts_label)

        self._add_shortcuts()
        self.sidebar.currentRowChanged.connect(self._on_sidebar_current_row_changed)
        ops.changes_applied.connect(self._on_ops_changes_applied)
        self.ready = False
        self._waiting: QLabel | None = QLabel(
            "Opening the database…", alignment=Qt.AlignmentFlag.AlignCenter
        )
        self.stack.addWidget(self._waiting)
        self._restore_window_state()
        saved = self.settings.value(PANEL_KEY)
        # The panel start() shows: the saved one, or one asked for while the database opens.
        self._wanted = saved if isinstance(saved, str) and saved in self._specs else self._order[0]
        self._select_row(self._wanted)
        if start:
            self.start()

    def start(self) -> None:
        """Show the saved (or first) panel and count the shop; the database is open now."""
        if self.ready:
            return
        self.ready = True
        self.show_panel(self._wanted)
        if self._waiting is not None:
            self.stack.removeWidget(self._waiting)
            self._waiting.deleteLater()
            self._waiting = None
        self.refresh_counts()

    # -- navigation --------------------------------------------------------------------------

    def panel_keys(self) -> list[str]:
        return list(self._order)

    def show_panel(self, key: str) -> QWidget:
        """Show the panel `key`, building it on first use; returns the panel."""
        if key not in self._specs:
            raise KeyError(f"no panel {key!r}")
        if not self.ready:  # the database is still opening: remember, build it in start()
            self._wanted = key
            self._select_row(key)
            return self._waiting
        page = self._pages.get(key)
        if page is None:
            page = self._specs[key].build(self._context)
            page.setObjectName(f"panel:{key}")
            self._pages[key] = page
            self.stack.addWidget(page)
        self._select_row(key)
        if self.stack.currentWidget() is not page:
            self.stack.setCurrentWidget(page)
            self.panel_shown.emit(key)
        return page

    def _select_row(self, key: str) -> None:
        row = self._order.index(key)
        if self.sidebar.currentRow() != row:
            self.sidebar.blockSignals(True)
            self.sidebar.setCurrentRow(row)
            self.sidebar.blockSignals(False)

    def current_panel_key(self) -> str | None:
        page = self.stack.currentWidget()
        for key, built in self._pages.items():
            if built is page:
                return key
        return None

    def current_panel(self) -> QWidget | None:
        return self.stack.currentWidget()

    def panel(self, key: str) -> QWidget | None:
        """The panel `key` if it was built already."""
        return self._pages.get(key)

    def open_link(self, key: str, **criteria: object) -> QWidget:
        """Show panel `key` and, when it offers `show_filtered(**criteria)`, narrow it to them.

        The dashboard's tiles link here; the criteria names are listed in ui/dashboard/links.py.
        Panels without show_filtered are just shown. Returns the panel.
        """
        page = self.show_panel(key)
        show_filtered = getattr(page, "show_filtered", None)
        if callable(show_filtered):
            show_filtered(**criteria)
        return page

    def refresh_current_panel(self) -> None:
        page = self.current_panel()
        refresh = getattr(page, "refresh", None)
        if callable(refresh):
            refresh()
        self.refresh_counts()

    def _add_shortcuts(self) -> None:
        self.shortcuts: dict[str, QShortcut] = {}
        for spec in self._specs.values():
            shortcut = QShortcut(QKeySequence(spec.shortcut), self)
            shortcut.activated.connect(partial(self.show_panel, spec.key))
            self.shortcuts[spec.key] = shortcut
        refresh = QShortcut(QKeySequence(Qt.Key.Key_F5), self)
        refresh.activated.connect(self._on_refresh_shortcut_activated)
        quit_ = QShortcut(QKeySequence("Ctrl+Q"), self)
        quit_.activated.connect(self._on_quit_shortcut_activated)
        self.shortcuts["refresh"] = refresh
        self.shortcuts["quit"] = quit_

    @Slot(int)
    def _on_sidebar_current_row_changed(self, row: int) -> None:
        if 0 <= row < len(self._order):
            self.show_panel(self._order[row])

    @Slot()
    def _on_refresh_shortcut_activated(self) -> None:
        self.refresh_current_panel()

    @Slot()
    def _on_quit_shortcut_activated(self) -> None:
        self.close()

    # -- status bar --------------------------------------------------------------------------

    def refresh_counts(self) -> None:
        if not self.ready:  # start() counts once the database is open (and the import is done)
            return
        from app.database import count_rows

        QueryOp(self, count_rows, self._on_counts_loaded, self._on_counts_failed).run(self.ops)

    def _on_counts_loaded(self, counts: dict[str, int]) -> None:
        self.counts = counts
        self.counts_label.setText(
            f"{plural(counts.get('products', 0), 'product')} · "
            f"{plural(counts.get('orders', 0), 'order')}"
        )

    def _on_counts_failed(self, exc: BaseException) -> None:
        # A status bar is no place for a dialog; the log keeps the details.
        log.warning("could not count products and orders: %s", exc, exc_info=exc)
        self.counts_label.setText("Counts unavailable")

    @Slot(object)
    def _on_ops_changes_applied(self, changes: ChangeSet) -> None:
        if changes.touches("products", "orders"):
            self.refresh_counts()

    # -- window state ------------------------------------------------------------------------

    def _restore_window_state(self) -> None:
        geometry = self.settings.value(GEOMETRY_KEY)
        if not (isinstance(geometry, QByteArray | bytes) and self.restoreGeometry(geometry)):
            screen = self.screen().availableGeometry() if self.screen() else None
            width, height = 1280, 820
            if screen is not None:
                width, height = min(width, screen.width() - 40), min(height, screen.height() - 60)
            self.resize(max(width, 720), max(height, 530))
        state = self.settings.value(STATE_KEY)
        if isinstance(state, QByteArray | bytes):
            self.restoreState(state)

    def save_window_state(self) -> None:
        self.settings.setValue(GEOMETRY_KEY, self.saveGeometry())
        self.settings.setValue(STATE_KEY, self.saveState())
        key = self.current_panel_key() if self.ready else self._wanted
        if key is not None:
            self.settings.setValue(PANEL_KEY, key)
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_window_state()
        super().closeEvent(event)
