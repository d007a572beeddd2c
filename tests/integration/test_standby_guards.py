"""Two instances of one service overlapping for a moment — the one that lost the lease has not
noticed yet — leave no duplicate and no gap, and each guard that makes it so is shown to be
needed: planted off, the same scenario duplicates or skips events.

The projection here records the position of every event it applies (no unique key to hide a
second application), so "exactly once" is plain to check: each position of the event store
once, none missing.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import nats
import pytest

from contracts.events import EVENT_TYPES
from contracts.subjects import EVENTS_STREAM
from projections.base import EventBatch, ProjectionSpec
from services.adapters.bus.nats import ensure_streams
from services.adapters.bus.positions import consumer_name, last_published_position
from services.adapters.db.lease import UNFENCED, Lease, LeaseLost, LeaseTiming
from services.adapters.db.migrate import migrate, migrate_projection
from services.adapters.db.standby import run_with_lease
from services.adapters.eventstore.app import SpineEventStore
from services.apps.projector import consumer
from services.apps.projector.runtime import ProjectorRunner
from services.apps.relay.relay import Relay
from services.settings import Settings
from tests.integration.helpers import coordinator, request, write_week
from tests.polling import eventually

pytestmark = [pytest.mark.integration]

TIMING = LeaseTiming(interval_s=0.2, timeout_s=4.0)


class PositionsApplier:
    def __init__(self, schema: str) -> None:
        self.schema = schema

    async def apply(self, conn: asyncpg.Connection, events: EventBatch) -> None:
        await conn.execute(
            f'INSERT INTO "{self.schema}".applied SELECT unnest($1::bigint[])', [env.position for env, _ in events]
        )


def _spec(tmp_path: Path) -> ProjectionSpec:
    migrations = tmp_path / "positions_schema"
    migrations.mkdir()
    (migrations / "001_applied.sql").write_text("CREATE TABLE applied (position bigint NOT NULL);\n")
    name = f"positions_{uuid.uuid4().hex[:8]}"
    return ProjectionSpec(name, name, "every position applied", frozenset(EVENT_TYPES), migrations, PositionsApplier)


@dataclass
class World:
    settings: Settings
    spec: ProjectionSpec
    app: SpineEventStore
    pool: asyncpg.Pool
    nc: nats.NATS
    weeks: int = 0

    def runner(self, fence: Any = UNFENCED) -> ProjectorRunner:
        return ProjectorRunner(self.spec, self.pool, self.nc, batch=5, fence=fence)

    def lease(self) -> Lease:
        assert self.settings.database_url
        return Lease(self.settings.database_url, f"projector:{self.spec.name}", TIMING)

    async def record_week(self) -> int:
        """A small ingest recorded in the event store; returns the store's head afterwards."""
        self.weeks += 1
        week = f"2025-11-{7 * self.weeks:02d}"
        ref = write_week(self.settings.inbox, f"w{self.weeks}.psv", 900, week, seed=self.weeks)
        coord = coordinator(self.app, self.settings.inbox, batch_lines=300)
        assert (await asyncio.to_thread(coord.handle, request(week, ref))).status == "completed"
        head = await self.head()
        await eventually(lambda: self._published(head), 30, f"the relay to publish up to {head}")
        return head

    async def head(self) -> int:
        async with self.pool.acquire() as conn:
            return int(await conn.fetchval("SELECT max(notification_id) FROM eventstore.spine_events"))

    async def _published(self, head: int) -> bool:
        return await last_published_position(self.nc) >= head

    async def applied(self) -> list[int]:
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(f'SELECT position FROM "{self.spec.schema}".applied ORDER BY 1')
        return [r["position"] for r in rows]

    async def problems(self, head: int) -> list[str]:
        """What is wrong with the projection against the event store's positions 1..head."""
        applied = await self.applied()
        duplicates = sorted({p for p in applied if applied.count(p) > 1})
        missing = sorted(set(range(1, head + 1)) - set(applied))
        out = []
        if duplicates:
            out.append(f"duplicates: {duplicates[:5]}")
        if missing:
            out.append(f"missing: {missing[:5]}")
        return out


@pytest.fixture
async def world(settings: Settings, tmp_path: Path) -> AsyncIterator[World]:
    assert settings.database_url and settings.nats_url
    await migrate(settings.database_url)
    SpineEventStore.create(settings)
    app = SpineEventStore.connect(settings)
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=6)
    nc = await nats.connect(settings.nats_url)
    await ensure_streams(nc)
    spec = _spec(tmp_path)
    async with pool.acquire() as conn:
        await migrate_projection(conn, spec)
    relay_stop = asyncio.Event()
    relay = asyncio.create_task(Relay(app, nc, settings.database_url, batch=16).run(relay_stop))
    try:
        yield World(settings, spec, app, pool, nc)
    finally:
        relay_stop.set()
        await asyncio.wait_for(relay, 15)
        await nc.close()
        await pool.close()
        app.close()


@contextlib.asynccontextmanager
async def standing(world: World) -> AsyncIterator[Lease]:
    """An instance run as the services run: under its lease, working while it holds it."""
    lease = world.lease()
    stop = asyncio.Event()

    async def work(held: Lease, active: asyncio.Event) -> None:
        await world.runner(fence=held).run(active)

    task = asyncio.create_task(run_with_lease(lease, stop, work))
    try:
        yield lease
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)


async def _cut_off(world: World, lease: Lease) -> None:
    """End the instance's lease session on the server while its process has not noticed (a
    partition, a paused process): it still believes it holds the lease."""
    async with world.pool.acquire() as conn:
        await conn.execute(
            "SELECT pg_terminate_backend(lease_pid) FROM spine_meta.service_instances WHERE instance_id = $1",
            lease.me.instance_id,
        )
    lease.check = lambda: None  # type: ignore[method-assign]  # its own clock has not run out yet


@pytest.mark.parametrize("fence", ["on", "planted off"])
async def test_a_batch_fetched_before_losing_the_lease_is_not_committed(world: World, fence: str) -> None:
    head = await world.record_week()
    old = world.lease()
    await old.connect()
    assert await old.try_acquire()
    zombie = world.runner(fence=old if fence == "on" else UNFENCED)
    await zombie._load()
    held_back = await zombie._sub.fetch(5, timeout=5)  # fetched, not yet committed...
    await _cut_off(world, old)  # ...when its lease goes

    async with standing(world) as new:
        await eventually(lambda: _generation_above(new, old), 20, "the standby to take over")
        await eventually(lambda: _caught_up(world, head), 30, "the new active instance to apply everything")
        if fence == "on":
            with pytest.raises(LeaseLost, match="superseded"):
                await zombie._apply_until_done(held_back, asyncio.Event())
            assert await world.problems(head) == []
        else:
            await zombie._apply_until_done(held_back, asyncio.Event())
            problems = await world.problems(head)
            assert problems and problems[0].startswith("duplicates"), problems
    await old.drop()


@pytest.mark.parametrize("check", ["on", "planted off"])
async def test_events_pulled_by_an_instance_that_lost_the_lease_are_not_skipped(
    world: World, check: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if check == "planted off":
        monkeypatch.setattr(consumer, "deliveries_contiguous", lambda expected, sequences: True)
    await world.record_week()
    async with standing(world):
        await eventually(lambda: _caught_up(world, None), 30, "the active instance to apply the first week")
        await _set_paused(world, True)  # hold it still while the old instance pulls
        await eventually(lambda: _state(world, "paused"), 10, "the active instance to pause")
        head = await world.record_week()
        thief = await world.nc.jetstream().pull_subscribe_bind(
            durable=consumer_name(world.spec.name), stream=EVENTS_STREAM
        )
        stolen = await thief.fetch(3, timeout=5)  # an instance that lost the lease still pulling
        assert len(stolen) == 3
        await _set_paused(world, False)
        if check == "on":
            await eventually(lambda: _caught_up(world, head), 30, "every event applied, the pulled ones too")
            assert await world.problems(head) == []
        else:
            await eventually(lambda: _checkpoint_at(world, head), 30, "the active instance to pass the head")
            problems = await world.problems(head)
            assert problems and problems[0].startswith("missing"), problems
        await thief.unsubscribe()


async def test_two_relays_overlapping_publish_each_position_once_in_order(world: World) -> None:
    second_stop = asyncio.Event()
    assert world.settings.database_url
    second = asyncio.create_task(Relay(world.app, world.nc, world.settings.database_url, batch=7).run(second_stop))
    try:
        head = await world.record_week()
        head = await world.record_week()
    finally:
        second_stop.set()
        await asyncio.wait_for(second, 15)
    js = world.nc.jetstream()
    info = await js.stream_info(EVENTS_STREAM)
    assert info.state.messages == head, "every position once"
    positions = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        msg = await js.get_msg(EVENTS_STREAM, seq=seq)
        positions.append(int((msg.headers or {})["Nats-Msg-Id"]))
    assert positions == list(range(1, head + 1)), "in order, no gap"


async def _generation_above(new: Lease, old: Lease) -> bool:
    return new.generation is not None and old.generation is not None and new.generation > old.generation


async def _caught_up(world: World, head: int | None) -> bool:
    head = head or await world.head()
    return set(await world.applied()) >= set(range(1, head + 1))


async def _checkpoint_at(world: World, head: int) -> bool:
    async with world.pool.acquire() as conn:
        position = await conn.fetchval(
            f'SELECT position FROM "{world.spec.schema}".projection_checkpoint WHERE projection = $1', world.spec.name
        )
    return (position or 0) >= head


async def _set_paused(world: World, paused: bool) -> None:
    async with world.pool.acquire() as conn:
        await conn.execute(
            "UPDATE spine_meta.projector_control SET paused = $2 WHERE projection = $1", world.spec.name, paused
        )


async def _state(world: World, state: str) -> bool:
    async with world.pool.acquire() as conn:
        found = await conn.fetchval(
            "SELECT state FROM spine_meta.projector_control WHERE projection = $1", world.spec.name
        )
    return bool(found == state)
