"""ChannelDialog: add or edit a Shopify/WooCommerce channel; secrets go to the keyring only."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.audit import default_actor
from app.changes import ChangeSet
from app.channels.dto import ChannelView
from app.channels.service import create_channel, update_channel
from app.errors import DomainError
from ui.errors import show_error
from ui.ops import MutationOp, Ops

KINDS = (("shopify", "Shopify"), ("woocommerce", "WooCommerce"))
KEEP_SECRET = "stored — leave empty to keep"


@dataclass(frozen=True, slots=True)
class SavedChannel:
    """A mutation result: the saved channel and what changed."""

    view: ChannelView
    changes: ChangeSet = field(default_factory=lambda: ChangeSet(channels=True))


def _secret_edit() -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


class ChannelDialog(QDialog):
    """Add (channel=None) or edit a channel; saves itself and closes on success.

    Secret fields start empty: the stored secret is never read back. Left empty while editing,
    the stored secret is kept; typed, it replaces the stored one.
    """

    saved = Signal(int)  # channel id

    def __init__(self, ops: Ops, channel: ChannelView | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.ops = ops
        self.channel = channel
        self.setWindowTitle(f"Edit channel {channel.name}" if channel else "New channel")
        self.setMinimumWidth(480)
        self.kind_combo = QComboBox()
        for kind, text in KINDS:
            self.kind_combo.addItem(text, kind)
        self.name_edit = QLineEdit()
        self.url_edit = QLineEdit(placeholderText="https://shop.example.com")
        # Shopify: an Admin API access token, or a custom app's client id + client secret.
        self.token_edit = _secret_edit()
        self.client_id_edit = QLineEdit()
        self.client_secret_edit = _secret_edit()
        shopify_hint = QLabel("…or the app's client id and client secret:", objectName="hint")
        self.consumer_key_edit = QLineEdit(placeholderText="ck_…")
        self.consumer_secret_edit = _secret_edit()
        self.buffer_spin = QSpinBox()
        self.buffer_spin.setRange(0, 1_000_000)
        self.buffer_spin.setToolTip("Units held back from what the channel is told it can sell")
        self.enabled_check = QCheckBox("Sync this channel")
        self.enabled_check.setChecked(True)
        form = QFormLayout()
        self.form = form
        form.addRow("Kind:", self.kind_combo)
        form.addRow("Name:", self.name_edit)
        form.addRow("Shop address:", self.url_edit)
        # Both kinds' credential rows live in this one form (aligned); only one kind's show.
        form.addRow("Access token:", self.token_edit)
        form.addRow(shopify_hint)
        form.addRow("Client id:", self.client_id_edit)
        form.addRow("Client secret:", self.client_secret_edit)
        form.addRow("Consumer key:", self.consumer_key_edit)
        form.addRow("Consumer secret:", self.consumer_secret_edit)
        self.credential_rows = {
            "shopify": (
                self.token_edit,
                shopify_hint,
                self.client_id_edit,
                self.client_secret_edit,
            ),
            "woocommerce": (self.consumer_key_edit, self.consumer_secret_edit),
        }
        form.addRow("Stock buffer:", self.buffer_spin)
        form.addRow("", self.enabled_check)
        self.fields: dict[str, QWidget] = {
            "kind": self.kind_combo,
            "name": self.name_edit,
            "base_url": self.url_edit,
            "token": self.token_edit,
            "client_id": self.client_id_edit,
            "client_secret": self.client_secret_edit,
            "consumer_key": self.consumer_key_edit,
            "consumer_secret": self.consumer_secret_edit,
            "stock_buffer": self.buffer_spin,
        }
        self.error_label = QLabel(objectName="fieldError")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.kind_combo.currentIndexChanged.connect(self._on_kind_combo_current_index_changed)
        if channel is not None:
            self._load(channel)
        self._on_kind_combo_current_index_changed(self.kind_combo.currentIndex())

    def _load(self, channel: ChannelView) -> None:
        index = self.kind_combo.findData(channel.kind)
        if index >= 0:
            self.kind_combo.setCurrentIndex(index)
        self.kind_combo.setEnabled(False)  # a channel's kind is fixed once created
        self.name_edit.setText(channel.name)
        self.url_edit.setText(channel.base_url or "")
        self.client_id_edit.setText(str(channel.settings.get("client_id") or ""))
        self.consumer_key_edit.setText(str(channel.settings.get("consumer_key") or ""))
        for edit in (self.token_edit, self.client_secret_edit, self.consumer_secret_edit):
            edit.setPlaceholderText(KEEP_SECRET)
        self.buffer_spin.setValue(channel.stock_buffer)
        self.enabled_check.setChecked(channel.enabled)

    @property
    def kind(self) -> str:
        return str(self.kind_combo.currentData())

    @Slot(int)
    def _on_kind_combo_current_index_changed(self, _index: int) -> None:
        for kind, widgets in self.credential_rows.items():
            for widget in widgets:
                self.form.setRowVisible(widget, kind == self.kind)
        self.url_edit.setPlaceholderText(
            "https://acme.myshopify.com" if self.kind == "shopify" else "https://shop.example.com"
        )
        self.adjustSize()

    def settings(self) -> dict[str, Any]:
        """The channel settings from the form; an empty secret field is left out (kept)."""
        if self.kind == "shopify":
            plain = {"client_id": self.client_id_edit.text().strip()}
            secrets = {
                "token": self.token_edit.text().strip(),
                "client_secret": self.client_secret_edit.text().strip(),
            }
        else:
            plain = {"consumer_key": self.consumer_key_edit.text().strip()}
            secrets = {"consumer_secret": self.consumer_secret_edit.text().strip()}
        if self.channel is None:
            plain = {key: value for key, value in plain.items() if value}
        return {**plain, **{key: value for key, value in secrets.items() if value}}

    @Slot()
    def _on_buttons_accepted(self) -> None:
        self.error_label.hide()
        self.save_button.setEnabled(False)
        kind, name, url = self.kind, self.name_edit.text(), self.url_edit.text()
        settings, buffer = self.settings(), self.buffer_spin.value()
        enabled, actor, channel = self.enabled_check.isChecked(), default_actor(), self.channel

        def save(session) -> SavedChannel:
            if channel is None:
                view = create_channel(
                    session,
                    kind,
                    name,
                    url,
                    settings,
                    actor=actor,
                    enabled=enabled,
                    stock_buffer=buffer,
                )
            else:
                view = update_channel(
                    session,
                    channel.id,
                    actor=actor,
                    name=name,
                    base_url=url,
                    settings=settings,
                    enabled=enabled,
                    stock_buffer=buffer,
                )
            return SavedChannel(view)

        MutationOp(self, save, success=self._saved, failure=self._failed).run(self.ops)

    def _saved(self, result: SavedChannel) -> None:
        self.save_button.setEnabled(True)
        self.saved.emit(result.view.id)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        if not isinstance(exc, DomainError):
            show_error(self, exc, self.ops.log_path)
            return
        self.error_label.setText(str(exc))
        self.error_label.show()
        widget = self.fields.get(getattr(exc, "field", None) or "")
        if widget is not None and widget.isEnabled():
            widget.setFocus()
