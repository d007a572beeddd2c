"""The gateway's OpenAPI document is what the gateway does: schemathesis drives every operation of
a running stack (one small week ingested through every stage) with generated and example requests
and finds no server error, no undeclared status, no response off its schema or media type — with
an operator token, and without one (every guarded operation must declare its 401 answer).

Bounded by a number of generated requests per operation with a token, by time without one; the
live event stream is left out (it never ends).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from services.apps.gateway.run_wait import MAX_WAIT_S
from services.dev.stack import Stack
from tests.contract.populate import auth_headers, ingest_small_week

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance"
#: How much to generate. With a token every operation runs for real: after the examples and the
#: coverage phase, a number of generated requests per operation (a count, not a time budget: as many
#: on a busy machine as on a quiet one). Without one most answer 401 at once: seconds of generated
#: requests cover them.
BUDGET = {"operator": ["--max-examples", "50"], "anonymous": ["--max-time", "20"]}
#: Ample for either budget on a busy machine.
RUN_TIMEOUT_S = 600
#: A run with `wait` may be answered only when the run ends (up to MAX_WAIT_S, behind the runs the
#: fuzzing queued before it), and a read with `min_position` after its bounded wait: schemathesis's
#: default of 10 s would call that a network error.
REQUEST_TIMEOUT_S = MAX_WAIT_S + 15


def _schemathesis() -> str:
    found = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip("schemathesis is not installed (a dev dependency: uv sync)")
    return found


@pytest.fixture(scope="module")
def populated(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Stack:
    ingest_small_week(stack, tmp_path_factory.mktemp("week"))
    return stack


@pytest.mark.parametrize("caller", ["operator", "anonymous"])
def test_the_gateway_keeps_its_openapi_contract(populated: Stack, caller: str, tmp_path: Path) -> None:
    stack = populated
    token = auth_headers(stack) if caller == "operator" else {}
    headers = [arg for name, value in token.items() for arg in ("-H", f"{name}: {value}")]
    command = [
        _schemathesis(),
        "run",
        f"{stack.gateway_url}/openapi.json",
        "--checks",
        CHECKS,
        *BUDGET[caller],
        "--request-timeout",
        str(REQUEST_TIMEOUT_S),
        "--workers",
        "1",
        "--exclude-path",
        "/v1/ops/stream",
        "--report",
        "junit",
        "--report-dir",
        str(tmp_path / "schemathesis"),
        *headers,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, cwd=tmp_path)
    output = result.stdout + result.stderr
    cases = re.search(r"(\d+) generated", output)
    print(f"schemathesis ({caller}): {cases.group(1) if cases else '?'} cases, exit code {result.returncode}")
    assert result.returncode == 0, output[-12_000:]
    assert cases and int(cases.group(1)) > 100, output[-4_000:]
