"""Standbys: with two instances each of the relay, the finra_otc projector and the process
manager, ``kill -9`` the active one at a seeded random moment of a large ingest. A standby takes
over within the issue's 10 s (the takeover time is printed), no view ever shows two active
instances of a service, and once the run is done every read model equals a clean run's — no
duplicate, no gap — and the bus holds each event once, in order."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from contracts.commands import RunPipeline
from contracts.subjects import EVENTS_STREAM
from services.adapters.bus.nats import connect_nats
from services.adapters.bus.positions import last_published_position
from services.adapters.inbox import copy_into_inbox
from services.cli.client import ApiError, GatewayClient
from services.dev.stack import DEFAULT_SERVICES, Stack
from spine_core.errors import SpineError
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.generator import generate_lines
from spine_domains.finra_otc.tiers import Tier
from tests.chaos.content import content_checksums
from tests.chaos.runs import WEEK, publish_week, wait_done
from tests.cluster.cluster import (
    Takeover,
    instances,
    kill_active,
    more_than_one_active,
    start_cluster,
    wait_for_pairs,
    wait_for_takeover,
)
from tests.conftest import Servers
from tests.polling import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.heavy]

ROWS = 150_000
#: The issue's contract: a standby takes over within 10 s of the active instance's death.
TAKEOVER_CONTRACT_S = 10.0
VICTIMS = ("relay", "projector:finra_otc", "process-manager")
PAIRED: tuple[tuple[str, str | None], ...] = (("relay", None), ("projector", "finra_otc"), ("process-manager", None))
CLUSTER = DEFAULT_SERVICES + PAIRED  # a second instance of each
SETTINGS = {"worker_max_deliver": 50, "worker_ack_wait_s": 10.0, "log_level": "INFO"}


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("standby-source") / "week.psv"
    with path.open("w") as handle:
        for line in generate_lines(ROWS, week_ending=WeekEnding.parse(WEEK), tier=Tier.NMS_TIER_1, seed=7):
            handle.write(line + "\n")
    return path


async def _batch(gateway: GatewayClient, command: RunPipeline) -> dict[str, Any]:
    return dict((await gateway.get(f"/v1/batches/{command.execution_id}"))["data"])


async def _ingest_done(stack: Stack, command: RunPipeline) -> None:
    async with GatewayClient(stack.gateway_url, token=stack.operator_token) as gateway:

        async def ingested() -> bool:
            stages = (await _batch(gateway, command))["weeks"][0]["stages"]
            return any(stage.endswith("ingest_week") and status == "completed" for stage, status in stages.items())

        await eventually(ingested, 240, "the ingest stage to complete", interval=0.2, retry_on=(SpineError, ApiError))


async def _read(stack: Stack) -> dict[str, Any]:
    conn = await asyncpg.connect(stack.settings.database_url)
    rows: dict[str, list[str]] = {}
    try:
        content = await content_checksums(conn, rows)
        head = int(await conn.fetchval("SELECT max(notification_id) FROM eventstore.spine_events"))
    finally:
        await conn.close()
    nc = await connect_nats(stack.settings.nats_url, "standby-check", reconnect=False)
    try:
        stream = (await nc.jetstream().stream_info(EVENTS_STREAM)).state
        last = await last_published_position(nc)
    finally:
        await nc.close()
    return {"content": content, "rows": rows, "head": head, "messages": stream.messages, "last": last}


class ActiveWatch:
    """Samples the instances every tenth of a second for the whole run: no view may show two active
    instances of one service."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.views = 0
        self.doubles: list[tuple[list[str], list[dict[str, Any]]]] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            try:
                items = await instances(self.stack)
            except (SpineError, ApiError):
                items = []
            self.views += 1
            if doubled := more_than_one_active(items):
                self.doubles.append((doubled, items))
            await asyncio.sleep(0.1)

    def __enter__(self) -> ActiveWatch:
        self._task = asyncio.create_task(self._run())
        return self

    def __exit__(self, *_: object) -> None:
        assert self._task is not None
        self._task.cancel()


async def _trial(stack: Stack, source: Path, victim: str | None, rng: random.Random) -> dict[str, Any]:
    if victim is not None:
        await wait_for_pairs(stack, VICTIMS)
    with ActiveWatch(stack) as watch:
        ref, _, _ = copy_into_inbox(stack.settings.inbox, source)
        command = await publish_week(stack.settings, ref, "standby-test")
        takeover: Takeover | None = None
        if victim is not None:
            if victim == "process-manager":  # its work is chaining stages: kill it as the ingest ends
                await _ingest_done(stack, command)
                await asyncio.sleep(rng.uniform(0.0, 1.5))
            else:  # the relay and finra_otc are busiest while the ingest's rows stream in
                await asyncio.sleep(rng.uniform(1.0, 6.0))
            takeover = await wait_for_takeover(stack, await kill_active(stack, victim))
            child = stack.child_by_pid(takeover.victim["pid"])
            assert child is not None
            stack.restart(child.name)  # it comes back, and stands by
        batch = await wait_done(stack.gateway_url, stack.operator_token, command, timeout=300.0)
        await asyncio.sleep(1.0)  # one more view after the end
    return {"batch": batch, "takeover": takeover, "watch": watch, **await _read(stack)}


@pytest.fixture(scope="module")
def clean(source: Path, servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The same ingest on a stack of one instance each, undisturbed."""
    with start_cluster(tmp_path_factory.mktemp("standby-clean"), servers, DEFAULT_SERVICES, **SETTINGS) as stack:
        yield asyncio.run(_trial(stack, source, None, random.Random(0)))


@pytest.mark.parametrize("victim", VICTIMS)
def test_a_standby_takes_over_from_a_killed_active_instance(
    victim: str, source: Path, clean: dict[str, Any], servers: Servers, tmp_path: Path
) -> None:
    rng = random.Random(f"standby-{victim}")  # a different moment per victim, the same from run to run
    with start_cluster(tmp_path, servers, CLUSTER, **SETTINGS) as stack:
        result = asyncio.run(_trial(stack, source, victim, rng))
        watch: ActiveWatch = result["watch"]
        assert watch.views > 10 and not watch.doubles, f"two active instances seen: {watch.doubles[:1]}"
        takeover: Takeover = result["takeover"]
        assert takeover.successor is not None
        print(
            f"\n{victim}: killed instance {takeover.victim['instance_id']} (pid {takeover.victim['pid']}); "
            f"instance {takeover.successor['instance_id']} took over {takeover.seconds:.2f}s later "
            f"(seen through the API after {takeover.seen_after_s:.2f}s)"
        )
        assert takeover.seconds > 0, f"{victim}: {takeover.successor} was active before the kill"
        assert takeover.seconds <= TAKEOVER_CONTRACT_S, f"{victim}: takeover after {takeover.seconds:.2f}s"

        async def back_as_standby() -> bool:
            states = [i["state"] for i in await instances(stack) if i["service"] == victim]
            return sorted(states) == ["active", "gone", "standby"]

        asyncio.run(
            eventually(back_as_standby, 60, f"the restarted {victim} to stand by", retry_on=(SpineError, ApiError))
        )

    assert set(result["batch"]["weeks"][0]["stages"].values()) == {"completed"}, result["batch"]
    assert result["messages"] == result["head"] == result["last"], "the bus holds each event once: no duplicate, no gap"
    different = {
        table: {
            "only_after_takeover": sorted(set(result["rows"].get(table, [])) - set(clean["rows"][table]))[:3],
            "only_in_clean_run": sorted(set(clean["rows"][table]) - set(result["rows"].get(table, [])))[:3],
        }
        for table, checksum in clean["content"].items()
        if result["content"].get(table) != checksum
    }
    assert not different, f"after killing the active {victim}, read models differ from a clean run: {different}"
    assert set(result["content"]) == set(clean["content"])
    assert result["content"]["finra_otc.venue_volume"][0] == ROWS


def test_the_watch_catches_two_active_instances() -> None:
    """The guard above, shown to fail on a planted view."""
    view = [
        {"service": "relay", "instance_id": "a", "state": "active"},
        {"service": "relay", "instance_id": "b", "state": "active"},
        {"service": "process-manager", "instance_id": "c", "state": "active"},
        {"service": "process-manager", "instance_id": "d", "state": "standby"},
    ]
    assert more_than_one_active(view) == ["relay"]
    assert more_than_one_active(view[2:]) == []
