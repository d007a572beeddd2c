"""`spine demo --exit`, the README's first command, as a user runs it: twice, from nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from services.dev.embedded import free_port
from tests.shared_data import PROJECT_ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _demo(data_dir: Path, port: int) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPINE_")}
    env["COLUMNS"] = "200"
    return subprocess.run(
        [sys.executable, "-m", "services.cli", "demo", "--exit", "--weeks", "2", "--rows", "3000",
         "--data-dir", str(data_dir), "--port", str(port)],
        env=env, capture_output=True, text=True, timeout=300, cwd=PROJECT_ROOT,
    )  # fmt: skip


def _table_rows(text: str) -> list[list[str]]:
    """The body rows of the first table in ``text`` (rich's box drawing), as cells."""
    body = text[text.index("┡") :]
    body = body[: body.index("└")]
    return [[cell.strip() for cell in line.strip().strip("│").split("│")] for line in body.splitlines()[1:]]


def test_demo_runs_every_stage_then_skips_on_a_second_run(tmp_path: Path) -> None:
    data_dir = tmp_path / "spine"
    first = _demo(data_dir, free_port())
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    out = first.stdout
    assert "calendar XNYS 2025: completed — 10 holidays" in out
    for week in ("2025-11-07", "2025-11-14"):
        assert f"week {week} NMS_TIER_1: completed — 3,000 rows, 0 rejected; 10 of 10 stages done" in out
    for heading in ("Weeks", "Top symbols", "Venue market share of the tier", "Trend of the top symbols over 2"):
        assert heading in out
    assert "quality of week 2025-11-14 NMS_TIER_1:" in out
    # Both weeks share their symbols, so the trend has both weeks for the top symbols.
    trend = _table_rows(out[out.index("Trend of the top symbols") :])
    assert len(trend) == 5 and all(row[1] == "2" for row in trend), trend
    assert len(list((data_dir / "demo").glob("*.psv"))) == 2

    second = _demo(data_dir, free_port())
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    assert second.stdout.count("already captured from this file; 10 of 10 stages done") == 2
    assert "calendar XNYS 2025: skipped — already captured" in second.stdout
    summary = out[out.index("Top symbols") : out.index("Trend of the top symbols")]
    assert summary in second.stdout, "a second demo shows the same data"
