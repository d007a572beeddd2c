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
    for command in ("dev", "demo", "run", "query", "generate", "pipelines", "service"):
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


def test_generate_writes_a_week_the_ingest_accepts_and_a_calendar(tmp_path: Path) -> None:
    from spine_domains.finra_otc.formats import FINRA_DOWNLOAD

    week = tmp_path / "week.psv"
    result = runner.invoke(
        app, ["generate", "week", "--week-ending", "2025-11-14", "--tier", "OTC", "--rows", "500", "--out", str(week)]
    )
    assert result.exit_code == 0, result.output
    lines = week.read_text().splitlines()
    assert lines[0] == FINRA_DOWNLOAD.header and len(lines) == 501 and lines[1].startswith("OTC|")

    calendar = tmp_path / "cal.json"
    result = runner.invoke(app, ["generate", "calendar", "--year", "2026", "--out", str(calendar)])
    assert result.exit_code == 0, result.output
    document = json.loads(calendar.read_text())
    assert document["exchange_code"] == "XNYS" and len(document["holidays"]) == 10
    assert {"date": "2026-07-03", "name": "Independence Day (observed)", "type": "market_holiday"} in document[
        "holidays"
    ]


def test_generate_refuses_what_it_cannot_make(tmp_path: Path) -> None:
    result = runner.invoke(app, ["generate", "calendar", "--year", "1950", "--out", str(tmp_path / "c.json")])
    assert result.exit_code == 2 and "1998 to 2099" in result.output
    assert not (tmp_path / "c.json").exists()
    result = runner.invoke(app, ["generate", "week", "--week-ending", "2025-11-15", "--out", str(tmp_path / "w")])
    assert result.exit_code == 2 and "nearest Friday is 2025-11-14" in result.output
