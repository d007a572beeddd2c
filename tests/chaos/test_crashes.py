"""Chaos: during a large ingest, kill -9 the worker, the relay or a projector, or restart NATS or
PostgreSQL, at a random moment; once it has recovered, every read model holds exactly the
content of a clean run — no duplicates, no gaps — and equals a rebuild from the event store."""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from contracts.commands import RunPipeline
from projections.registry import PROJECTIONS
from services.adapters.bus.nats import connect_nats
from services.adapters.commands import publish_run
from services.adapters.eventstore.app import SpineEventStore
from services.adapters.inbox import copy_into_inbox
from services.adapters.replay import rebuild_projection, table_checksums
from services.cli.client import ApiError, GatewayClient
from services.dev.stack import Stack
from spine_core.errors import SpineError
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.generator import generate_lines
from spine_domains.finra_otc.tiers import Tier
from tests.chaos.content import content_checksums
from tests.conftest import start_stack
from tests.polling import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROWS = 300_000
WEEK = "2025-11-14"
THROUGH = "aggregate"
VICTIMS = ("worker", "relay", "projector:finra_otc", "nats", "postgres")


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("chaos-source") / "week.psv"
    with path.open("w") as handle:
        for line in generate_lines(ROWS, week_ending=WeekEnding.parse(WEEK), tier=Tier.NMS_TIER_1, seed=5):
            handle.write(line + "\n")
    return path


def _own_stack(root: Path) -> AbstractContextManager[Stack]:
    """A stack that owns its servers (they are what the chaos restarts)."""
    return start_stack(
        root,
        None,
        worker_max_deliver=50,  # crashes are not poison: keep redelivering
        worker_ack_wait_s=5.0,
        log_level="INFO",
    )


async def _publish(stack: Stack, ref: str) -> RunPipeline:
    command = RunPipeline.new(
        "finra.otc_transparency.ingest_week", {"week_ending": WEEK, "tier": "NMS_TIER_1"}, file=ref, through=THROUGH
    )
    nc = await connect_nats(stack.settings.nats_url, "chaos", reconnect=False)
    try:
        await publish_run(nc, command)
    finally:
        await nc.close()
    return command


async def _wait_done(stack: Stack, command: RunPipeline, timeout: float = 240.0) -> dict[str, Any]:
    """Wait for every stage of the batch and every projector, tolerating a gateway that is itself
    recovering (errors while the servers restart are expected here, not in the results)."""
    async with GatewayClient(stack.gateway_url, token=stack.operator_token) as gateway:

        async def progress() -> dict[str, Any]:
            batch = (await gateway.get(f"/v1/batches/{command.execution_id}"))["data"]
            finished = batch["done"] and len(batch["weeks"][0]["stages"]) == 3
            # Caught up with the head as it is now (a monitor sample may be a second old).
            caught_up = finished and (await gateway.get("/v1/ops/caught-up"))["data"]["caught_up"]
            if caught_up:
                letters = (await gateway.get("/v1/ops/dead-letters"))["data"]
                assert letters == [], f"a crash must not dead-letter anything: {letters}"
            return {"batch": batch, "caught_up": caught_up}

        recovered = await eventually(
            progress,
            timeout,
            "the run to finish and every projector to catch up",
            until=lambda seen: seen["caught_up"],
            interval=0.5,
            retry_on=(SpineError, ApiError),
        )
    return recovered["batch"]


def _crash(stack: Stack, victim: str) -> None:
    if victim == "nats":
        assert stack.nats is not None
        stack.nats.kill()
        time.sleep(1.0)
        stack.nats.start()
    elif victim == "postgres":
        assert stack.postgres is not None
        stack.postgres.crash()
        time.sleep(1.0)
        stack.postgres.start()
    else:
        stack.kill(victim)
        time.sleep(0.5)
        stack.restart(victim)


async def _read(
    stack: Stack,
) -> tuple[dict[str, tuple[int, str]], dict[str, dict[str, tuple[int, str]]], dict[str, list[str]]]:
    conn = await asyncpg.connect(stack.settings.database_url)
    rows: dict[str, list[str]] = {}
    try:
        content = await content_checksums(conn, rows)
        live = {name: await table_checksums(conn, spec.schema) for name, spec in PROJECTIONS.items()}
    finally:
        await conn.close()
    return content, live, rows


async def _rebuilt(stack: Stack) -> dict[str, dict[str, tuple[int, str]]]:
    app = SpineEventStore.connect(stack.settings)
    conn = await asyncpg.connect(stack.settings.database_url)
    try:
        out = {}
        for name, spec in PROJECTIONS.items():
            await rebuild_projection(conn, app, spec, f"{spec.schema}__check")
            out[name] = await table_checksums(conn, f"{spec.schema}__check")
            await conn.execute(f'DROP SCHEMA "{spec.schema}__check" CASCADE')
        return out
    finally:
        await conn.close()
        app.close()


def _run(stack: Stack, source: Path, victim: str | None, delay: float) -> dict[str, Any]:
    ref, _, _ = copy_into_inbox(stack.settings.inbox, source)
    command = asyncio.run(_publish(stack, ref))
    if victim is not None:
        timer = threading.Timer(delay, _crash, args=(stack, victim))
        timer.start()
        timer.join()
    batch = asyncio.run(_wait_done(stack, command))
    content, live, rows = asyncio.run(_read(stack))
    return {"batch": batch, "content": content, "live": live, "rows": rows}


@pytest.fixture(scope="module")
def clean(source: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with _own_stack(tmp_path_factory.mktemp("chaos-clean")) as stack:
        yield _run(stack, source, None, 0.0)


@pytest.mark.parametrize("victim", VICTIMS)
def test_read_models_survive_a_crash(victim: str, source: Path, clean: dict[str, Any], tmp_path: Path) -> None:
    rng = random.Random(f"chaos-{victim}")  # a different moment per victim, the same from run to run
    delay = rng.uniform(0.3, 3.0)
    with _own_stack(tmp_path) as stack:
        result = _run(stack, source, victim, delay)
        statuses = set(result["batch"]["weeks"][0]["stages"].values())
        assert statuses == {"completed"}, result["batch"]
        different = {
            k: {
                "only_after_crash": sorted(set(result["rows"].get(k, [])) - set(clean["rows"][k]))[:3],
                "only_in_clean_run": sorted(set(clean["rows"][k]) - set(result["rows"].get(k, [])))[:3],
            }
            for k, v in clean["content"].items()
            if result["content"].get(k) != v
        }
        assert not different, (
            f"after killing {victim} at {delay:.2f}s, read models differ from a clean run: {different}"
        )
        assert set(result["content"]) == set(clean["content"])
        assert result["content"]["finra_otc.venue_volume"][0] == ROWS
        assert asyncio.run(_rebuilt(stack)) == result["live"], (
            "live read models differ from a rebuild of the event store"
        )
