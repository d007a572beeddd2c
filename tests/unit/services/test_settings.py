"""Settings: typed, from SPINE_* variables, refusing placeholder secrets at start-up."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from services.settings import Settings


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
