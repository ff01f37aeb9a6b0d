"""Secrets (SMTP password, channel tokens) live in the OS keyring, never in the database or logs.

For automation without a desktop keyring (a server running `packbench sync` from cron), a secret
can come from the environment: PACKBENCH_SECRET_<NAME> with NAME upper-cased and non-alphanumerics
as underscores, e.g. PACKBENCH_SECRET_MAIL_SMTP for the key "mail.smtp".
"""

from __future__ import annotations

import os
import re

from app.errors import DomainError

SERVICE = "Packbench"


class SecretStoreUnavailable(DomainError):
    """No usable keyring: the message says how to provide the secret instead."""


def _env_name(key: str) -> str:
    return "PACKBENCH_SECRET_" + re.sub(r"[^A-Za-z0-9]", "_", key).upper()


def _keyring():
    import keyring
    from keyring.errors import KeyringError

    return keyring, KeyringError


def get_secret(key: str) -> str | None:
    """The secret stored under `key`, or None when none is stored."""
    from_env = os.environ.get(_env_name(key))
    if from_env:
        return from_env
    keyring, error = _keyring()
    try:
        return keyring.get_password(SERVICE, key)
    except error as exc:
        raise SecretStoreUnavailable(
            f"cannot read the system keyring ({exc}); set {_env_name(key)} instead"
        ) from None


def set_secret(key: str, value: str) -> None:
    """Store (or with an empty value, delete) the secret under `key` in the system keyring."""
    keyring, error = _keyring()
    try:
        if value:
            keyring.set_password(SERVICE, key, value)
        else:
            from keyring.errors import PasswordDeleteError

            try:
                keyring.delete_password(SERVICE, key)
            except PasswordDeleteError:  # nothing was stored: fine
                pass
    except error as exc:
        raise SecretStoreUnavailable(
            f"cannot write to the system keyring ({exc}); on a server, set {_env_name(key)} in "
            "the environment instead"
        ) from None


def redact(text: str, *secrets: str | None) -> str:
    """Remove secret values from a message before it is logged or shown."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "•••")
    return text
