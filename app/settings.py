"""Business settings: declared once with type, default and validation; stored in the database."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from app.audit import record_event
from app.changes import ChangeSet
from app.errors import ValidationError
from app.uow import core_connection
from db.models import AppSetting


def _currency(value: Any) -> str:
    text = str(value).strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", text):
        raise ValueError("must be a three-letter ISO 4217 code such as USD or EUR")
    return text


def _choice(*options: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        text = str(value)
        if text not in options:
            raise ValueError(f"must be one of {', '.join(options)}")
        return text

    return check


def _text(max_len: int) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        text = str(value).strip()
        if len(text) > max_len:
            raise ValueError(f"must be at most {max_len} characters")
        return text

    return check


def _optional_file(value: Any) -> str:
    text = str(value or "").strip()
    if text and not Path(text).is_file():
        raise ValueError(f"file {text} does not exist")
    return text


def _non_negative_int(value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValueError("must be a whole number") from None
    if number < 0:
        raise ValueError("must not be negative")
    return number


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("1", "true", "yes", "on"):
        return True
    if str(value).lower() in ("0", "false", "no", "off", ""):
        return False
    raise ValueError("must be yes or no")


@dataclass(frozen=True, slots=True)
class Setting:
    key: str
    label: str
    default: Any
    parse: Callable[[Any], Any] = field(repr=False)
    help: str = ""


REGISTRY: dict[str, Setting] = {
    s.key: s
    for s in (
        Setting("business.name", "Business name", "My Shop", _text(200)),
        Setting(
            "business.address",
            "Business address",
            "",
            _text(1000),
            "Printed on packing slips and return slips; one line per row.",
        ),
        Setting("business.email", "Contact email", "", _text(254)),
        Setting("business.phone", "Contact phone", "", _text(50)),
        Setting(
            "business.logo_path",
            "Logo image",
            "",
            _optional_file,
            "PNG or JPEG printed at the top of packing slips.",
        ),
        Setting("currency", "Currency", "USD", _currency),
        Setting("paper_size", "Paper size", "Letter", _choice("Letter", "A4")),
        Setting("orders.late_after_days", "Orders are late after (days)", 2, _non_negative_int),
        Setting(
            "risk.high_value_minor",
            "Flag orders at or above (minor units)",
            100_000,
            _non_negative_int,
            "Orders of this value or more get a risk flag; 0 turns it off.",
        ),
        Setting(
            "packing.weight_tolerance_pct",
            "Warn when package weight is off by (%)",
            10,
            _non_negative_int,
            "Compared with the products' weights; 0 turns it off.",
        ),
        Setting(
            "packing.auto_print_slip", "Print the packing slip when packing starts", False, _bool
        ),
        Setting("packing.auto_print_label", "Print the shipping label when packed", False, _bool),
        Setting("mail.notify_shipped", "Email customers when their order ships", False, _bool),
        Setting("mail.smtp_host", "SMTP server", "", _text(200)),
        Setting("mail.smtp_port", "SMTP port", 587, _non_negative_int),
        Setting(
            "mail.smtp_security", "SMTP security", "starttls", _choice("starttls", "ssl", "none")
        ),
        Setting(
            "mail.smtp_username",
            "SMTP user name",
            "",
            _text(200),
            "The password is kept in the system keyring, not in the database.",
        ),
        Setting("mail.from_address", "Send mail from", "", _text(254)),
        Setting(
            "mail.shipped_subject",
            "Shipped mail subject",
            "Your order {order_number} is on its way",
            _text(300),
        ),
        Setting(
            "mail.shipped_body",
            "Shipped mail text",
            "Hello {customer_name},\n\nyour order {order_number} has shipped with {carrier}."
            "\nTrack it here: {tracking_url}\n\nThank you,\n{business_name}",
            _text(4000),
            "Placeholders: {customer_name} {order_number} {carrier} {tracking_number} "
            "{tracking_url} {business_name}",
        ),
        Setting(
            "channels.sync_minutes",
            "Sync channels every (minutes)",
            15,
            _non_negative_int,
            "While the app is open; 0 turns scheduled syncs off.",
        ),
        Setting("shop.setup_done", "First-start choice made", False, _bool),
    )
}


@dataclass(frozen=True, slots=True)
class SettingsSnapshot:
    values: Mapping[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.values[key]


# Built once: hot paths (packing, shipping) read settings on every order.
_ALL_STORED = select(AppSetting.key, AppSetting.value)
_ONE_STORED = select(AppSetting.value).where(AppSetting.key == bindparam("key"))


def get_settings(session: Session) -> SettingsSnapshot:
    """Every registered setting, stored value or default."""
    stored = dict(core_connection(session).execute(_ALL_STORED).all())
    return SettingsSnapshot({key: stored.get(key, s.default) for key, s in REGISTRY.items()})


def get_setting(session: Session, key: str) -> Any:
    setting = REGISTRY[key]
    row = core_connection(session).execute(_ONE_STORED, {"key": key}).first()
    return setting.default if row is None else row[0]


def update_settings(session: Session, changes: Mapping[str, Any], *, actor: str) -> ChangeSet:
    """Validate and store `changes`; raises ValidationError naming the first bad field."""
    parsed: dict[str, Any] = {}
    for key, raw in changes.items():
        setting = REGISTRY.get(key)
        if setting is None:
            raise ValidationError(f"unknown setting {key!r}", field=key)
        try:
            parsed[key] = setting.parse(raw)
        except ValueError as exc:
            raise ValidationError(f"{setting.label}: {exc}", field=key) from None
    changed = {}
    for key, value in parsed.items():
        row = session.get(AppSetting, key)
        old = REGISTRY[key].default if row is None else row.value
        if old == value:
            continue
        if row is None:
            session.add(AppSetting(key=key, value=value))
        else:
            row.value = value
        changed[key] = {"old": old, "new": value}
    if not changed:
        return ChangeSet()
    record_event(
        session,
        actor=actor,
        action="settings.update",
        entity_type="settings",
        entity_id=None,
        summary="Changed " + ", ".join(sorted(changed)),
        details=changed,
    )
    return ChangeSet(settings=True)
