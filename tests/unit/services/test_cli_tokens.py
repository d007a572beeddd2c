"""`spine token create|list`, and which token the CLI sends: --token, else SPINE_API_TOKEN, else
the operator token of the data dir."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from services.adapters.auth import Scope, ensure_operator_token, hash_token, read_tokens_file
from services.cli.app import settings_for
from services.cli.main import app

runner = CliRunner()


@pytest.fixture
def data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in ("SPINE_DATABASE_URL", "SPINE_NATS_URL", "SPINE_GATEWAY_URL", "SPINE_API_TOKEN",
                 "SPINE_API_TOKENS_FILE"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SPINE_DATA_DIR", str(tmp_path))
    return tmp_path


def test_token_create_prints_the_token_once_and_stores_only_its_hash(data_dir: Path) -> None:
    result = runner.invoke(app, ["token", "create", "--scope", "read", "--scope", "run", "--name", "ci", "--json"])
    assert result.exit_code == 0, result.output
    made = json.loads(result.output)
    assert made["name"] == "ci" and made["scopes"] == ["read", "run"] and made["token"].startswith("spine_")
    stored = (data_dir / "tokens.json").read_text()
    assert made["token"] not in stored and hash_token(made["token"]) in stored
    assert made["spec"] == f"ci:read+run:{hash_token(made['token'])}"

    listed = runner.invoke(app, ["token", "list", "--json"])
    assert json.loads(listed.output) == [{"name": "ci", "scopes": ["read", "run"]}]
    again = runner.invoke(app, ["token", "create", "--scope", "read", "--name", "ci"])
    assert again.exit_code == 2 and "exists already" in again.output


def test_token_create_refuses_an_unknown_scope(data_dir: Path) -> None:
    result = runner.invoke(app, ["token", "create", "--scope", "admin"])
    assert result.exit_code == 2 and "unknown scope 'admin'" in result.output
    assert read_tokens_file(data_dir / "tokens.json") == []


def test_the_cli_sends_the_flag_then_the_variable_then_the_operator_token(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert settings_for().api_token is None
    operator = ensure_operator_token(data_dir, data_dir / "tokens.json")
    assert read_tokens_file(data_dir / "tokens.json")[0].scopes == {Scope.OPERATE}
    assert settings_for().api_token == operator
    monkeypatch.setenv("SPINE_API_TOKEN", "spine_from-env")
    assert settings_for().api_token == "spine_from-env"
    assert settings_for(api_token="spine_from-flag").api_token == "spine_from-flag"  # what --token sets
