"""Settings registry, document numbering, ChangeSet and path resolution."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.audit import list_events
from app.changes import EVERYTHING, ChangeSet
from app.errors import InvalidTransition, ValidationError
from app.numbering import next_number
from app.paths import resolve_paths
from app.settings import get_settings, update_settings
from app.uow import unit_of_work


def test_settings_defaults_update_and_audit(session_factory):
    with unit_of_work(session_factory, write=False) as s:
        assert get_settings(s)["paper_size"] == "Letter"
    with unit_of_work(session_factory) as s:
        changes = update_settings(
            s,
            {"business.name": "Søren & Zoë <Ltd>", "currency": "eur", "paper_size": "A4"},
            actor="clerk",
        )
    assert changes == ChangeSet(settings=True)
    with unit_of_work(session_factory, write=False) as s:
        values = get_settings(s)
        events = list_events(s, entity_type="settings")
    assert values["business.name"] == "Søren & Zoë <Ltd>"
    assert values["currency"] == "EUR"
    assert values["paper_size"] == "A4"
    assert len(events) == 1 and events[0].actor == "clerk"
    assert events[0].details["currency"] == {"old": "USD", "new": "EUR"}


def test_unchanged_settings_write_no_event(session_factory):
    with unit_of_work(session_factory) as s:
        assert update_settings(s, {"currency": "USD"}, actor="clerk").empty
        assert list_events(s) == []


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("currency", "euro", "Currency: must be a three-letter ISO 4217 code"),
        ("paper_size", "A5", "Paper size: must be one of Letter, A4"),
        ("business.logo_path", "/nowhere/logo.png", "Logo image: file /nowhere/logo.png"),
        ("orders.late_after_days", "-1", "must not be negative"),
        ("no.such.key", "x", "unknown setting 'no.such.key'"),
    ],
)
def test_bad_settings_name_the_field_and_write_nothing(session_factory, key, value, message):
    with pytest.raises(ValidationError, match=message) as info, unit_of_work(session_factory) as s:
        update_settings(s, {"business.name": "Changed", key: value}, actor="clerk")
    assert info.value.field == key
    with unit_of_work(session_factory, write=False) as s:
        assert get_settings(s)["business.name"] == "My Shop"


def test_numbers_increase_per_kind(session_factory):
    with unit_of_work(session_factory) as s:
        first = [next_number(s, "order") for _ in range(3)]
        rma = next_number(s, "rma")
    with unit_of_work(session_factory) as s:
        later = next_number(s, "order")
    assert first == ["SO-000001", "SO-000002", "SO-000003"]
    assert rma == "RMA-000001"
    assert later == "SO-000004"


def test_changeset_merge_and_touches():
    merged = ChangeSet(orders=True) | ChangeSet(stock=True)
    assert merged.touches("stock") and merged.touches("orders")
    assert not merged.touches("returns")
    assert EVERYTHING.touches("returns")
    assert ChangeSet().empty and not merged.empty


def test_invalid_transition_names_both_states():
    exc = InvalidTransition("order", "shipped", "picking")
    assert str(exc) == "cannot move order from shipped to picking"


def test_path_resolution_order(tmp_path: Path):
    env = {"PACKBENCH_HOME": str(tmp_path / "env-home")}
    assert resolve_paths(tmp_path / "arg", env=env).data_dir == tmp_path / "arg"
    from_env = resolve_paths(env=env)
    assert from_env.data_dir == tmp_path / "env-home"
    assert from_env.db_file == tmp_path / "env-home" / "packbench.sqlite3"
    assert from_env.backups == tmp_path / "env-home" / "backups"
    default = resolve_paths(env={})
    assert default.data_dir.name == "Packbench"
    url_env = {"PACKBENCH_DB_URL": "postgresql://shop@localhost/packbench"}
    remote = resolve_paths(tmp_path, env=url_env)
    assert remote.db_url == "postgresql://shop@localhost/packbench"
    assert remote.db_file is None
    assert resolve_paths(tmp_path, "sqlite:////x/y.db", env=url_env).db_file == Path("/x/y.db")
