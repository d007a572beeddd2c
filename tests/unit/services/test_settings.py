"""Settings: typed, from SPINE_* variables, refusing placeholder secrets at start-up."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from services.settings import Settings, child_environment


@pytest.fixture(autouse=True)
def _no_spine_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test sees only the SPINE_* variables it sets itself."""
    for name in list(os.environ):
        if name.startswith("SPINE_"):
            monkeypatch.delenv(name)


@pytest.mark.parametrize("password", ["changeme", "ChangeThis", "password", "SECRET", "xxx"])
def test_placeholder_password_is_refused(password: str) -> None:
    with pytest.raises(ValidationError, match="placeholder password"):
        Settings(database_url=f"postgresql://u:{password}@h/db")


def test_placeholder_password_from_the_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPINE_DATABASE_URL", "postgresql://spine:changeme@db:5432/spine")
    with pytest.raises(ValidationError, match="placeholder password"):
        Settings()


@pytest.mark.parametrize("url", ["postgresql://u:s3cr3t-Value@h/db", "postgresql://u@h/db", "postgresql://h/db"])
def test_real_or_absent_password_is_accepted(url: str) -> None:
    assert Settings(database_url=url).database_url == url


def test_environment_is_read_with_the_prefix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SPINE_NATS_URL", "nats://n:4222")
    monkeypatch.setenv("SPINE_DATABASE_URL", "postgresql://u:real@h/db")
    monkeypatch.setenv("SPINE_INBOX_DIR", str(tmp_path / "in"))

    settings = Settings()

    assert settings.external is True
    assert settings.inbox == (tmp_path / "in").resolve()


def test_inbox_defaults_under_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "spine")
    assert settings.inbox == (tmp_path / "spine" / "inbox").resolve()


def test_not_external_without_both_servers() -> None:
    assert Settings(database_url="postgresql://u:real@h/db").external is False


@pytest.mark.parametrize(
    ("field", "value"), [("worker_max_deliver", 0), ("projector_batch", 10_001), ("log_format", "xml")]
)
def test_bounds_are_enforced(field: str, value: object) -> None:
    with pytest.raises(ValidationError):
        Settings(**{field: value})  # type: ignore[arg-type]


def test_settings_are_frozen() -> None:
    settings = Settings()
    with pytest.raises(ValidationError):
        settings.gateway_port = 1  # type: ignore[misc]


#: A value other than the default for every field (the round trip below must cover them all).
_EVERY_FIELD: dict[str, object] = {
    "database_url": "postgresql://spine:s3cr3t@db:5432/spine",
    "nats_url": "nats://bus:4222",
    "nats_creds": Path("/srv/spine.creds"),
    "nats_user": "spine",
    "nats_password": "n4ts-s3cr3t",
    "stream_replicas": 3,
    "data_dir": Path("/srv/spine"),
    "file_store": "inbox",
    "inbox_dir": Path("/srv/inbox"),
    "gateway_host": "0.0.0.0",
    "gateway_port": 8123,
    "gateway_workers": 3,
    "gateway_url": "http://gw:8123",
    "log_format": "json",
    "log_level": "DEBUG",
    "eventstore_schema": "es_test",
    "worker_max_deliver": 7,
    "worker_ack_wait_s": 12.5,
    "backfill_max_pending": 5,
    "projector_batch": 999,
    "projector_max_attempts": 3,
    "relay_batch": 77,
    "lease_interval_s": 0.25,
    "lease_timeout_s": 4.0,
    "standbys": 1,
    "dev_processes": "per-service",
    "dev_nats_memory_limit": "1GiB",
    "max_upload_bytes": 12345,
    "read_wait_seconds": 0.5,
    "api_tokens": "ci:read+run:" + "ab" * 32,
    "api_tokens_file": Path("/srv/tokens.json"),
    "api_token": "spine_client-secret",
    "auth_disabled": True,
    "public_reads": True,
    "metrics_public": True,
}
#: A client's own token never goes to child processes.
_NOT_INHERITED = {"api_token"}


def test_every_setting_round_trips_through_a_child_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert set(_EVERY_FIELD) == set(Settings.model_fields), "give the new setting a value here"
    original = Settings(**_EVERY_FIELD)  # type: ignore[arg-type]
    assert all(getattr(original, name) != field.default for name, field in Settings.model_fields.items())

    env = child_environment(original)

    inherited = set(Settings.model_fields) - _NOT_INHERITED
    assert {k for k in env if k.startswith("SPINE_")} == {f"SPINE_{name.upper()}" for name in inherited}
    assert "spine_client-secret" not in env.values()
    monkeypatch.setattr(os, "environ", env)
    assert Settings() == original.model_copy(update=dict.fromkeys(_NOT_INHERITED))


def test_a_child_environment_keeps_other_variables_and_drops_stale_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(gateway_port=9001)
    monkeypatch.setenv("PATH_FOR_TEST", "kept")
    monkeypatch.setenv("SPINE_GATEWAY_URL", "http://stale:1")  # set after the settings were read
    env = child_environment(settings)
    assert env["PATH_FOR_TEST"] == "kept"
    assert env["SPINE_GATEWAY_PORT"] == "9001"
    assert "SPINE_GATEWAY_URL" not in env  # unset in the settings: the child must not see the parent's
    assert "SPINE_DATABASE_URL" not in env
