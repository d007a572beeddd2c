"""Chaos: during a large ingest, kill -9 the worker, the relay or a projector, or restart NATS or
PostgreSQL, at a random moment; once it has recovered, every read model holds exactly the
content of a clean run — no duplicates, no gaps — and equals a rebuild from the event store."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from projections.registry import PROJECTIONS
from services.adapters.eventstore.app import SpineEventStore
from services.adapters.inbox import copy_into_inbox
from services.adapters.replay import rebuild_projection, table_checksums
from services.dev.stack import Stack
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.generator import generate_lines
from spine_domains.finra_otc.tiers import Tier
from tests.chaos.content import content_checksums
from tests.chaos.runs import STAGES, WEEK, publish_week, runs_ended, wait_done
from tests.conftest import Servers, start_stack

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROWS = 150_000  # a run of several seconds: every crash moment drawn (0.3-3 s) falls inside it
VICTIMS = ("worker", "relay", "projector:finra_otc", "nats", "postgres")


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("chaos-source") / "week.psv"
    with path.open("w") as handle:
        for line in generate_lines(ROWS, week_ending=WeekEnding.parse(WEEK), tier=Tier.NMS_TIER_1, seed=5):
            handle.write(line + "\n")
    return path


def _own_stack(root: Path, servers: Servers | None) -> AbstractContextManager[Stack]:
    """A stack that owns its NATS server (the chaos restarts it), and its PostgreSQL server when
    ``servers`` is None (for the test that crashes it); else a fresh database on the session's
    server, which saves creating a cluster."""
    database = {} if servers is None else {"database_url": servers.new_database()}
    return start_stack(
        root,
        None,
        **database,
        worker_max_deliver=50,  # crashes are not poison: keep redelivering
        worker_ack_wait_s=5.0,
        log_level="INFO",
    )


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
    command = asyncio.run(publish_week(stack.settings, ref, "chaos"))
    ended_at_crash = None
    if victim is not None:
        time.sleep(delay)  # the crash moment drawn
        ended_at_crash = runs_ended(stack.settings)  # read before the crash: PostgreSQL may be the victim
        _crash(stack, victim)
    batch = asyncio.run(wait_done(stack.gateway_url, stack.operator_token, command))
    content, live, rows = asyncio.run(_read(stack))
    return {"batch": batch, "content": content, "live": live, "rows": rows, "ended_at_crash": ended_at_crash}


@pytest.fixture(scope="module")
def clean(source: Path, servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with _own_stack(tmp_path_factory.mktemp("chaos-clean"), servers) as stack:
        yield _run(stack, source, None, 0.0)


@pytest.mark.parametrize("victim", VICTIMS)
def test_read_models_survive_a_crash(
    victim: str, source: Path, clean: dict[str, Any], servers: Servers, tmp_path: Path
) -> None:
    rng = random.Random(f"chaos-{victim}")  # a different moment per victim, the same from run to run
    delay = rng.uniform(0.3, 3.0)
    with _own_stack(tmp_path, None if victim == "postgres" else servers) as stack:
        result = _run(stack, source, victim, delay)
        # A crash after the run ended would prove nothing: the run must still have been going.
        assert result["ended_at_crash"] < STAGES, (
            f"the run had ended before {victim} was killed at {delay:.2f}s: ingest more rows (ROWS)"
        )
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
