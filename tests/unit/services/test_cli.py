"""The CLI's own behaviour: help that teaches, and clear messages and exit codes before any server is involved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from services.cli.main import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("SPINE_DATABASE_URL", "SPINE_NATS_URL", "SPINE_GATEWAY_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SPINE_DATA_DIR", str(tmp_path / "nothing-running"))


def test_help_names_every_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("dev", "demo", "run", "query", "pipelines", "service"):
        assert command in result.output


def test_run_help_gives_an_example() -> None:
    result = runner.invoke(app, ["run", "--help"])
    assert result.exit_code == 0
    assert "--week-ending" in result.output and "ingest_week" in result.output


def test_no_running_spine_says_how_to_start_one() -> None:
    result = runner.invoke(app, ["query", "weeks"])
    assert result.exit_code == 3
    assert "no running Spine found" in result.output and "spine dev" in result.output


def test_bad_parameters_fail_before_anything_is_sent() -> None:
    result = runner.invoke(
        app, ["run", "finra.otc_transparency.ingest_week", "--week-ending", "2025-11-14", "--tier", "OTC", "-p", "oops"]
    )
    assert result.exit_code == 2
    assert "key=value" in result.output


def test_missing_file_is_named() -> None:
    result = runner.invoke(
        app,
        [
            "run",
            "finra.otc_transparency.ingest_week",
            "--week-ending",
            "2025-11-14",
            "--tier",
            "OTC",
            "--file",
            "/no/such.csv",
        ],
    )
    assert result.exit_code == 2
    assert "/no/such.csv" in result.output


def test_pipelines_lists_the_ingest_pipeline_with_typed_params() -> None:
    result = runner.invoke(app, ["pipelines", "--json"])
    assert result.exit_code == 0
    pipelines = {p["name"]: p for p in json.loads(result.output)}
    params = {p["name"]: p for p in pipelines["finra.otc_transparency.ingest_week"]["params"]}
    assert "week_ending" in params and "tier" in params  # optional: inferred from the file when left out
    assert params["force"]["type"] == "bool" and params["force"]["default"] is False
