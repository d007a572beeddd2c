"""`spine docs asyncapi`: the bus contract written out, the same bytes as the gateway serves."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from contracts.events import EVENT_TYPES
from services.adapters.bus.asyncapi import asyncapi_json
from services.cli.main import app

runner = CliRunner()


def test_docs_asyncapi_writes_the_document(tmp_path: Path) -> None:
    target = tmp_path / "out" / "asyncapi.json"
    result = runner.invoke(app, ["docs", "asyncapi", "--out", str(target)])
    assert result.exit_code == 0, result.output
    assert f"wrote {target}" in result.output
    assert target.read_text() == asyncapi_json()
    assert set(EVENT_TYPES) <= set(json.loads(target.read_text())["components"]["messages"])


def test_docs_asyncapi_prints_it_without_out() -> None:
    result = runner.invoke(app, ["docs", "asyncapi"])
    assert result.exit_code == 0
    assert result.output == asyncapi_json()


def test_the_help_says_what_is_in_it_and_where_else_it_is() -> None:
    assert "docs" in runner.invoke(app, ["--help"]).output
    result = runner.invoke(app, ["docs", "asyncapi", "--help"])
    assert result.exit_code == 0
    for fragment in ("AsyncAPI 3.0", "spine.commands", "--out", "asyncapi.json"):
        assert fragment in result.output
