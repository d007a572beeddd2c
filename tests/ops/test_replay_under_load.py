"""`spine replay all` on a store holding over 1,000,000 rows rebuilds identical read models while
a client queries the gateway continuously, without a single error or empty answer."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import asyncpg
import httpx
import pytest

from projections.registry import PROJECTIONS
from services.adapters.replay import table_checksums
from services.cli.commands.run import run_pipeline
from services.dev.stack import Stack
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.generator import generate_lines
from spine_domains.finra_otc.tiers import Tier

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROWS = 1_050_000
WEEK = "2025-11-14"


class Client(threading.Thread):
    """Queries the gateway in a loop, counting answers, errors and empty answers."""

    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        super().__init__(daemon=True)
        self.base_url = base_url
        self.headers = headers
        self.running = True
        self.answers = 0
        self.problems: list[str] = []

    def run(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=30, headers=self.headers) as http:
            while self.running:
                for path, params in (
                    ("/v1/data/symbols", {"week_ending": WEEK, "tier": "NMS_TIER_1", "limit": 5}),
                    ("/v1/data/weeks", {}),
                    ("/v1/executions", {"limit": 5}),
                ):
                    try:
                        response = http.get(path, params=params)
                        if response.status_code != 200:
                            self.problems.append(f"{path}: HTTP {response.status_code} {response.text[:200]}")
                        elif not response.json()["data"]:
                            self.problems.append(f"{path}: empty answer")
                        else:
                            self.answers += 1
                    except httpx.HTTPError as exc:
                        self.problems.append(f"{path}: {exc!r}")


async def _checksums(database_url: str) -> dict[str, dict[str, tuple[int, str]]]:
    conn = await asyncpg.connect(database_url)
    try:
        return {name: await table_checksums(conn, spec.schema) for name, spec in PROJECTIONS.items()}
    finally:
        await conn.close()


def test_replay_all_without_downtime(stack: Stack, tmp_path: Path) -> None:
    source = tmp_path / "big.psv"
    with source.open("w") as handle:
        for line in generate_lines(ROWS, week_ending=WeekEnding.parse(WEEK), tier=Tier.NMS_TIER_1, seed=11):
            handle.write(line + "\n")
    settings = stack.settings
    result = asyncio.run(
        run_pipeline(
            settings,
            "finra.otc_transparency.ingest_week",
            {"week_ending": WEEK, "tier": "T1"},
            source,
            show_progress=False,
        )
    )
    assert result["status"] == "completed" and result["rows_accepted"] == ROWS
    before = asyncio.run(_checksums(str(settings.database_url)))
    assert before["finra_otc"]["venue_volume"][0] == ROWS

    client = Client(stack.gateway_url, stack.auth_headers)
    client.start()
    try:
        env = {**os.environ, "SPINE_DATABASE_URL": str(settings.database_url), "SPINE_NATS_URL": str(settings.nats_url),
               "SPINE_GATEWAY_URL": stack.gateway_url, "SPINE_DATA_DIR": str(tmp_path),
               "SPINE_API_TOKEN": str(stack.operator_token)}  # fmt: skip
        started = time.monotonic()
        replay = subprocess.run(
            [sys.executable, "-m", "services.cli", "replay", "all", "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        seconds = time.monotonic() - started
    finally:
        client.running = False
        client.join(60)
    assert replay.returncode == 0, replay.stderr
    rates = json.loads(replay.stdout)
    finra = next(r for r in rates if r["projection"] == "finra_otc")
    assert finra["rows"] >= ROWS and finra["events_per_s"] > 0 and finra["rows_per_s"] > 0
    print(f"\nreplay all: {seconds:.1f}s; " + "; ".join(
        f"{r['projection']} {r['events']} events {r['rows']} rows in {r['seconds']}s = {r['events_per_s']} events/s, {r['rows_per_s']} rows/s"
        for r in rates))  # fmt: skip

    assert client.answers > 30, f"the client got only {client.answers} answers during the replay"
    assert client.problems == [], client.problems[:10]
    after = asyncio.run(_checksums(str(settings.database_url)))
    assert after == before, "the rebuilt read models differ from the live ones"
