"""The CLI against a remote Spine: `spine --url ... --token ...` with no NATS and no `spine dev`
beside it, as processes, against the running stack — and the exit code of each way it can fail."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from typer.testing import CliRunner

from services.adapters.auth import Scope, add_token
from services.cli.client import GatewayClient
from services.cli.main import app
from services.dev.embedded import free_port
from services.dev.stack import Stack

pytestmark = [pytest.mark.e2e]

PIPELINE = "finra.otc_transparency.ingest_week"
#: A week of this module's own: the stack is shared (tests/e2e/conftest.py).
WEEK = "2025-10-17"


def _spine(tmp: Path, *args: str, nats_url: str | None = None) -> subprocess.CompletedProcess[str]:
    """`spine ARGS` in an environment with no SPINE_* setting (so no NATS) and an empty data dir."""
    env = {key: value for key, value in os.environ.items() if not key.upper().startswith("SPINE_")}
    env["SPINE_DATA_DIR"] = str(tmp / "no-spine-here")
    if nats_url:
        env["SPINE_NATS_URL"] = nats_url
    return subprocess.run(
        [sys.executable, "-m", "services.cli", *args], env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def run_token(stack: Stack) -> str:
    """A token of scope `run`: what a remote user who runs pipelines holds."""
    token, _ = add_token(stack.settings.tokens_file, f"remote-{uuid.uuid4().hex[:8]}", frozenset({Scope.RUN}))
    return token


def _week_file(tmp: Path) -> Path:
    path = tmp / "week.psv"
    made = CliRunner().invoke(
        app, ["generate", "week", "--week-ending", WEEK, "--tier", "OTC", "--rows", "300", "--out", str(path)]
    )
    assert made.exit_code == 0, made.output
    return path


async def test_a_run_with_url_and_token_goes_through_the_gateway(stack: Stack, run_token: str, tmp_path: Path) -> None:
    week = _week_file(tmp_path)
    args = ["--url", stack.gateway_url, "--token", run_token, "run", PIPELINE, "--week-ending", WEEK,
            "--tier", "OTC", "--file", str(week), "--through", "normalize"]  # fmt: skip
    done = _spine(tmp_path, *args, "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["status"] == "completed" and result["via"] == "gateway" and result["rows_accepted"] == 300
    assert {s["pipeline"].rsplit(".", 1)[1]: s["status"] for s in result["stages"]} == {
        "ingest_week": "completed",
        "normalize_week": "completed",
    }
    async with GatewayClient(stack.gateway_url, token=stack.operator_token) as gateway:
        execution = await gateway.execution(result["execution_id"])
    assert execution is not None and execution["trigger_source"] == "api"  # the gateway published it

    again = _spine(tmp_path, *args)  # the same week again: skipped, and the status changes are shown
    assert again.returncode == 0, again.stderr
    assert "submitting through the gateway" in again.stderr and "skipped" in again.stdout


def test_a_wrong_token_exits_4(stack: Stack, tmp_path: Path) -> None:
    refused = _spine(tmp_path, "--url", stack.gateway_url, "--token", "spine_wrong", "run", PIPELINE,
                     "--week-ending", WEEK, "--tier", "OTC")  # fmt: skip
    assert refused.returncode == 4, refused.stderr
    assert f"the gateway at {stack.gateway_url} refused the token" in refused.stderr
    assert "--token or SPINE_API_TOKEN" in refused.stderr


def test_a_token_without_the_scope_exits_4_naming_it(stack: Stack, run_token: str, tmp_path: Path) -> None:
    forbidden = _spine(tmp_path, "--url", stack.gateway_url, "--token", run_token, "replay", "manifest")
    assert forbidden.returncode == 4, forbidden.stderr
    assert "scope 'operate'" in forbidden.stderr and "spine token create --scope operate" in forbidden.stderr


def test_refused_nats_credentials_exit_4(stack: Stack, run_token: str, tmp_path: Path) -> None:
    nats = urlsplit(str(stack.settings.nats_url))
    wrong = f"nats://publisher:not-the-password@{nats.hostname}:{nats.port}"
    refused = _spine(tmp_path, "--url", stack.gateway_url, "--token", run_token, "run", PIPELINE,
                     "--week-ending", WEEK, "--tier", "OTC", nats_url=wrong)  # fmt: skip
    assert refused.returncode == 4, refused.stderr
    assert "refused the credentials" in refused.stderr and "not-the-password" not in refused.stderr


def test_an_unreachable_gateway_exits_3_naming_it(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    unreachable = _spine(tmp_path, "--url", url, "--token", "spine_any", "run", PIPELINE,
                         "--week-ending", WEEK, "--tier", "OTC")  # fmt: skip
    assert unreachable.returncode == 3, unreachable.stderr
    assert f"cannot reach the gateway at {url}" in unreachable.stderr and f"curl {url}/health" in unreachable.stderr


def test_an_unknown_pipeline_exits_2(stack: Stack, run_token: str, tmp_path: Path) -> None:
    unknown = _spine(tmp_path, "--url", stack.gateway_url, "--token", run_token, "run", "finra.no_such_pipeline")
    assert unknown.returncode == 2, unknown.stderr
    assert "finra.no_such_pipeline" in unknown.stderr


def test_replay_through_the_gateway(stack: Stack, tmp_path: Path) -> None:
    assert stack.operator_token
    replayed = _spine(tmp_path, "--url", stack.gateway_url, "--token", stack.operator_token, "replay", "manifest",
                      "--json")  # fmt: skip
    assert replayed.returncode == 0, replayed.stderr
    (result,) = json.loads(replayed.stdout)
    assert result["projection"] == "manifest" and result["events"] >= 0
