"""SettingsPanel: a form built from app.settings.REGISTRY, saved in one audited transaction."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from app.audit import default_actor
from app.changes import ChangeSet
from app.errors import ValidationError
from app.settings import REGISTRY, Setting, SettingsSnapshot, get_settings, update_settings
from ui.errors import show_error
from ui.ops import MutationOp, Ops, QueryOp
from ui.panel import Panel

# Not for people to edit here: the first-start dialog owns it.
HIDDEN_SETTINGS = frozenset({"shop.setup_done"})
PAPER_SIZES = ("Letter", "A4")


class SettingEditor:
    """One setting's editing widget with value(), set_value() and an edit notification."""

    def __init__(self, widget: QWidget, focus_widget: QWidget | None = None) -> None:
        self.widget = widget
        self.focus_widget = focus_widget or widget
        self.on_edited: Callable[[], None] = lambda: None

    def value(self) -> Any:
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        raise NotImplementedError

    def set_invalid(self, invalid: bool) -> None:
        target = self.focus_widget
        if bool(target.property("invalid")) == invalid:
            return
        target.setProperty("invalid", invalid)
        # Dynamic properties only restyle after a re-polish.
        target.style().unpolish(target)
        target.style().polish(target)

    def _edited(self, *_args: Any) -> None:
        self.on_edited()


class LineSettingEditor(SettingEditor):
    def __init__(self) -> None:
        self.line_edit = QLineEdit()
        super().__init__(self.line_edit)
        self.line_edit.textEdited.connect(self._edited)

    def value(self) -> str:
        return self.line_edit.text()

    def set_value(self, value: Any) -> None:
        self.line_edit.setText("" if value is None else str(value))


class TextSettingEditor(SettingEditor):
    """Multi-line text (an address: one line per row)."""

    def __init__(self) -> None:
        self.text_edit = QPlainTextEdit()
        self.text_edit.setTabChangesFocus(True)
        self.text_edit.setFixedHeight(self.text_edit.fontMetrics().lineSpacing() * 5 + 12)
        super().__init__(self.text_edit)
        self.text_edit.textChanged.connect(self._edited)

    def value(self) -> str:
        return self.text_edit.toPlainText()

    def set_value(self, value: Any) -> None:
        self.text_edit.blockSignals(True)
        self.text_edit.setPlainText("" if value is None else str(value))
        self.text_edit.blockSignals(False)


class ChoiceSettingEditor(SettingEditor):
    def __init__(self, options: tuple[str, ...]) -> None:
        self.combo = QComboBox()
        self.combo.addItems(list(options))
        super().__init__(self.combo)
        self.combo.activated.connect(self._edited)

    def value(self) -> str:
        return self.combo.currentText()

    def set_value(self, value: Any) -> None:
        index = self.combo.findText(str(value))
        if index < 0:  # a value stored by someone else: show it rather than hide it
            self.combo.addItem(str(value))
            index = self.combo.count() - 1
        self.combo.setCurrentIndex(index)


class IntSettingEditor(SettingEditor):
    def __init__(self) -> None:
        self.spin = QSpinBox()
        self.spin.setRange(0, 2_147_483_647)  # QSpinBox is 32-bit; settings are non-negative
        self.spin.setGroupSeparatorShown(True)
        super().__init__(self.spin)
        self.spin.valueChanged.connect(self._edited)

    def value(self) -> int:
        return self.spin.value()

    def set_value(self, value: Any) -> None:
        self.spin.blockSignals(True)
        try:
            self.spin.setValue(int(value))
        except (TypeError, ValueError):
            self.spin.setValue(0)
        self.spin.blockSignals(False)


class BoolSettingEditor(SettingEditor):
    def __init__(self) -> None:
        self.check = QCheckBox()
        super().__init__(self.check)
        self.check.toggled.connect(self._edited)

    def value(self) -> bool:
        return self.check.isChecked()

    def set_value(self, value: Any) -> None:
        self.check.blockSignals(True)
        self.check.setChecked(bool(value))
        self.check.blockSignals(False)


class FileSettingEditor(SettingEditor):
    """A path with Choose… and Clear buttons (the logo printed on packing slips)."""

    def __init__(self, caption: str, name_filter: str) -> None:
        container = QWidget()
        self.line_edit = QLineEdit()
        self.line_edit.setPlaceholderText("No file chosen")
        self.choose_button = QPushButton("Choose…")
        self.clear_button = QPushButton("Clear")
        layout = QHBoxLayout(container)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.line_edit, 1)
        layout.addWidget(self.choose_button)
        layout.addWidget(self.clear_button)
        super().__init__(container, self.line_edit)
        self._caption = caption
        self._filter = name_filter
        self.line_edit.textEdited.connect(self._edited)
        self.choose_button.clicked.connect(self._on_choose_button_clicked)
        self.clear_button.clicked.connect(self._on_clear_button_clicked)

    def value(self) -> str:
        return self.line_edit.text()

    def set_value(self, value: Any) -> None:
        self.line_edit.setText("" if value is None else str(value))

    def _on_choose_button_clicked(self) -> None:
        current = self.line_edit.text().strip()
        start = str(Path(current).parent) if current else str(Path.home())
        chosen, _ = QFileDialog.getOpenFileName(self.widget, self._caption, start, self._filter)
        if chosen:
            self.line_edit.setText(chosen)
            self._edited()

    def _on_clear_button_clicked(self) -> None:
        if self.line_edit.text():
            self.line_edit.clear()
            self._edited()


def editor_for(setting: Setting) -> SettingEditor:
    """The widget that suits a setting: by key for the special ones, else by default's type."""
    if setting.key == "paper_size":
        return ChoiceSettingEditor(PAPER_SIZES)
    if setting.key == "business.address":
        return TextSettingEditor()
    if setting.key == "business.logo_path":
        return FileSettingEditor("Choose logo", "Images (*.png *.jpg *.jpeg)")
    if isinstance(setting.default, bool):
        return BoolSettingEditor()
    if isinstance(setting.default, int):
        return IntSettingEditor()
    return LineSettingEditor()


class SettingsPanel(Panel):
    """Edits every visible setting; Save stores only what changed, in one transaction."""

    refresh_on = ("settings",)

    def __init__(self, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(
            ops, "Settings", "Business details printed on documents, and shop defaults.", parent
        )
        self.editors: dict[str, SettingEditor] = {}
        self._loaded: dict[str, Any] = {}
        form_host = QWidget()
        form_host.setMaximumWidth(720)
        form = QFormLayout(form_host)
        form.setContentsMargins(0, 6, 0, 0)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for key, setting in REGISTRY.items():
            if key in HIDDEN_SETTINGS:
                continue
            editor = editor_for(setting)
            editor.widget.setObjectName(f"setting:{key}")
            editor.on_edited = self._make_edit_handler(key)
            editor.widget.setEnabled(False)  # until loaded
            if setting.help:
                editor.widget.setToolTip(setting.help)
            label = QLabel(setting.label + ":")
            label.setBuddy(editor.focus_widget)
            form.addRow(label, editor.widget)
            if setting.help:
                help_label = QLabel(setting.help, objectName="hint")
                help_label.setWordWrap(True)
                form.addRow("", help_label)
            self.editors[key] = editor
        self.body.addWidget(form_host)

        self.error_label = QLabel(objectName="fieldError")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        self.body.addWidget(self.error_label)

        buttons = QHBoxLayout()
        self.save_button = QPushButton("Save")
        self.save_button.setDefault(True)
        self.save_button.setEnabled(False)
        self.revert_button = QPushButton("Revert")
        self.revert_button.setEnabled(False)
        self.saved_label = QLabel(objectName="savedNote")
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.saved_label)
        buttons.addStretch(1)
        self.body.addLayout(buttons)
        self.body.addStretch(1)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.revert_button.clicked.connect(self._on_revert_button_clicked)
        self._saving = False

    # -- loading -----------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload from the database, unless there are unsaved edits (they are never dropped)."""
        if self.is_dirty():
            self._stale = False
            return
        self.load()

    def load(self) -> None:
        self._stale = False
        QueryOp(self, get_settings, self._on_settings_loaded).run(self.ops)

    def _on_settings_loaded(self, snapshot: SettingsSnapshot) -> None:
        self._loaded = {key: snapshot.values[key] for key in self.editors}
        for key, editor in self.editors.items():
            editor.set_value(self._loaded[key])
            editor.set_invalid(False)
            editor.widget.setEnabled(True)
        self._show_error(None)
        self._update_buttons()

    # -- editing -----------------------------------------------------------------------------

    def _make_edit_handler(self, key: str) -> Callable[[], None]:
        def handler() -> None:
            self.editors[key].set_invalid(False)
            self.saved_label.clear()
            self._update_buttons()

        return handler

    def pending_changes(self) -> dict[str, Any]:
        """Settings whose editor differs from what was loaded."""
        if not self._loaded:
            return {}
        return {
            key: editor.value()
            for key, editor in self.editors.items()
            if not _same(editor.value(), self._loaded.get(key))
        }

    def is_dirty(self) -> bool:
        return bool(self.pending_changes())

    def _update_buttons(self) -> None:
        dirty = self.is_dirty()
        self.save_button.setEnabled(dirty and not self._saving)
        self.revert_button.setEnabled(dirty and not self._saving)

    def _show_error(self, text: str | None) -> None:
        self.error_label.setText(text or "")
        self.error_label.setVisible(bool(text))

    # -- saving ------------------------------------------------------------------------------

    def save(self) -> None:
        changes = self.pending_changes()
        if not changes or self._saving:
            return
        self._saving = True
        self._update_buttons()
        self._show_error(None)
        for editor in self.editors.values():
            editor.set_invalid(False)
        actor = default_actor()
        MutationOp(
            self,
            _saver(changes, actor),
            self._on_save_succeeded,
            self._on_save_failed,
        ).run(self.ops)

    @Slot()
    def _on_save_button_clicked(self) -> None:
        self.save()

    @Slot()
    def _on_revert_button_clicked(self) -> None:
        self._on_settings_loaded(SettingsSnapshot(self._loaded))

    def _on_save_succeeded(self, _changes: ChangeSet) -> None:
        self._saving = False
        self.saved_label.setText("Saved.")
        self.load()

    def _on_save_failed(self, exc: BaseException) -> None:
        self._saving = False
        self._update_buttons()
        if isinstance(exc, ValidationError) and exc.field in self.editors:
            editor = self.editors[exc.field]
            editor.set_invalid(True)
            editor.focus_widget.setFocus()
            self._show_error(str(exc))
        show_error(self, exc, self.ops.log_path)


def _saver(changes: Mapping[str, Any], actor: str) -> Callable[[Any], ChangeSet]:
    values = dict(changes)

    def save(session: Any) -> ChangeSet:
        return update_settings(session, values, actor=actor)

    return save


def _same(edited: Any, stored: Any) -> bool:
    """Compare an editor's value with the stored one the way a person would."""
    if isinstance(stored, bool) or isinstance(edited, bool):
        return bool(edited) == bool(stored)
    if isinstance(stored, int) and not isinstance(stored, bool):
        try:
            return int(edited) == stored
        except (TypeError, ValueError):
            return False
    return str(edited if edited is not None else "") == str(stored if stored is not None else "")
