"""The README's plain nats-py example works as written: the code block between its markers runs,
with the publisher's settings from the NATS server's ``publisher.env``, against a running stack;
the command it publishes runs to completion."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from services.cli.commands.generate import write_calendar_file
from services.dev.stack import Stack
from tests.conftest import Servers, start_stack
from tests.polling import eventually_sync

pytestmark = [pytest.mark.e2e]

README = Path(__file__).resolve().parents[2] / "README.md"
_BLOCK = re.compile(
    r"<!-- example: nats-py run [^>]*-->\n```python\n(?P<code>.*?)```\n<!-- example: end -->", re.DOTALL
)


def readme_example() -> str:
    found = _BLOCK.findall(README.read_text(encoding="utf-8"))
    assert len(found) == 1, "README.md must hold exactly one nats-py example between its markers"
    return str(found[0])


def publisher_environment(env_file: Path) -> dict[str, str]:
    """The ``SPINE_NATS_*`` settings of a ``publisher.env`` (what `set -a; . publisher.env` exports)."""
    pairs = (line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line and line[0] != "#")
    return {key.strip(): value.strip() for key, value in pairs}


@pytest.fixture(scope="module")
def own_nats_stack(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack that starts its NATS server itself, so its publisher's settings file is at hand."""
    with start_stack(
        tmp_path_factory.mktemp("readme"), None, database_url=servers.new_database(), file_store="objects"
    ) as stack:
        yield stack


def test_the_readme_nats_py_example_runs_a_pipeline(own_nats_stack: Stack, tmp_path: Path) -> None:
    stack = own_nats_stack
    assert stack.nats is not None
    publisher = publisher_environment(stack.nats.publisher_env)
    assert publisher["SPINE_NATS_USER"] == "publisher" and "@" not in publisher["SPINE_NATS_URL"]

    calendar = write_calendar_file(tmp_path / "holidays_xnys_2025.json", "XNYS", 2025)
    with httpx.Client(base_url=stack.gateway_url, headers=stack.auth_headers, timeout=30) as http:
        uploaded = http.put(f"/v1/inbox/{calendar.name}", content=calendar.read_bytes())
        uploaded.raise_for_status()
        reference = uploaded.json()["data"]["file"]

        script = tmp_path / "run_calendar.py"
        script.write_text(readme_example(), encoding="utf-8")
        env = {key: value for key, value in os.environ.items() if not key.startswith("SPINE_")}
        result = subprocess.run(
            [sys.executable, str(script), reference],
            env={**env, **publisher},
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        queued = re.search(r"execution ([0-9a-f-]{36}) queued \(stream SPINE_COMMANDS", result.stdout)
        assert queued, result.stdout
        assert re.search(r"^captured: \d+ rows accepted", result.stdout, re.MULTILINE), result.stdout
        assert re.search(r"^completed: [1-9]\d* rows accepted, 0 rejected$", result.stdout, re.MULTILINE), result.stdout

        def finished() -> dict[str, object] | None:
            answer = http.get(f"/v1/executions/{queued.group(1)}")
            if answer.status_code == 404:
                return None
            answer.raise_for_status()
            data: dict[str, object] = answer.json()["data"]
            return data if data["status"] in {"completed", "failed", "skipped"} else None

        execution = eventually_sync(finished, 60, "the README example's run to finish")
    assert execution is not None
    assert execution["status"] == "completed", execution
    assert execution["pipeline"] == "reference.exchange_calendar.ingest_year"
    assert int(str(execution["rows_accepted"])) > 0
