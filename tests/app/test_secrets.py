"""Secrets: environment override, keyring round trip, redaction."""

from __future__ import annotations

import keyring
import pytest
from keyring.backend import KeyringBackend

from app.secrets import get_secret, redact, set_secret


class MemoryKeyring(KeyringBackend):
    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.store.get((service, username))

    def set_password(self, service, username, password):
        self.store[(service, username)] = password

    def delete_password(self, service, username):
        self.store.pop((service, username), None)


@pytest.fixture
def memory_keyring():
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def test_round_trip_and_delete(memory_keyring):
    set_secret("mail.smtp", "s3cret")
    assert memory_keyring.store == {("Packbench", "mail.smtp"): "s3cret"}
    assert get_secret("mail.smtp") == "s3cret"
    set_secret("mail.smtp", "")
    assert get_secret("mail.smtp") is None


def test_environment_wins(memory_keyring, monkeypatch):
    set_secret("channel.3.token", "from-keyring")
    monkeypatch.setenv("PACKBENCH_SECRET_CHANNEL_3_TOKEN", "from-env")
    assert get_secret("channel.3.token") == "from-env"


def test_redact():
    assert redact("login failed for key abc123 at host", "abc123", None) == (
        "login failed for key ••• at host"
    )
