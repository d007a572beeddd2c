"""Projectors: exactly-once effect across restarts, lost acks and failing batches."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import asyncpg
import nats
import pytest

from projections.finra_otc.spec import SPEC as FINRA
from services.adapters.bus.nats import ensure_streams
from services.adapters.db.migrate import migrate
from services.adapters.eventstore.app import SpineEventStore
from services.apps.projector import runtime
from services.apps.projector.runtime import ProjectorRunner
from services.apps.relay.relay import Relay
from services.settings import Settings
from tests.integration.helpers import coordinator, request, write_week
from tests.polling import eventually

pytestmark = [pytest.mark.integration]


@contextlib.asynccontextmanager
async def running(coro_factory: Any):  # type: ignore[no-untyped-def]
    stop = asyncio.Event()
    task = asyncio.create_task(coro_factory(stop))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)


async def _setup(settings: Settings) -> tuple[SpineEventStore, Any, asyncpg.Pool, nats.NATS]:
    assert settings.database_url
    await migrate(settings.database_url)
    SpineEventStore.create(settings)
    app = SpineEventStore.connect(settings)
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=4)
    nc = await nats.connect(settings.nats_url)
    await ensure_streams(nc)
    return app, coordinator(app, settings.inbox, batch_lines=400), pool, nc


async def _rows(pool: asyncpg.Pool) -> tuple[int, int]:
    async with pool.acquire() as conn:
        total = await conn.fetchval("SELECT count(*) FROM finra_otc.venue_volume")
        distinct = await conn.fetchval("SELECT count(DISTINCT (capture_id, line_no)) FROM finra_otc.venue_volume")
    return int(total), int(distinct)


async def _complete_captures(pool: asyncpg.Pool) -> int:
    async with pool.acquire() as conn:
        return int(await conn.fetchval("SELECT count(*) FROM finra_otc.captures WHERE status = 'complete'"))


async def test_restart_and_lost_acks_apply_each_event_once(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    app, coord, pool, nc = await _setup(settings)
    relay = Relay(app, nc, str(settings.database_url), batch=8)
    ref = write_week(settings.inbox, "a.psv", 2000, "2025-11-14")
    assert (await asyncio.to_thread(coord.handle, request("2025-11-14", ref))).status == "completed"

    # First projector instance: commits, but every ack is lost (as if it crashed after commit).
    async def no_ack(ack: Any) -> None:
        ack.close()  # the ack is never sent

    monkeypatch.setattr(runtime, "_quietly", no_ack)
    async with running(relay.run), running(ProjectorRunner(FINRA, pool, nc, batch=4).run):
        await eventually(lambda: _complete(pool, 1), what="first capture projected")
    monkeypatch.undo()

    # A second instance gets everything redelivered (nothing was acked) and must skip it all.
    ref2 = write_week(settings.inbox, "b.psv", 1000, "2025-11-21", seed=2)
    assert (await asyncio.to_thread(coord.handle, request("2025-11-21", ref2))).status == "completed"
    async with running(relay.run), running(ProjectorRunner(FINRA, pool, nc, batch=4).run):
        await eventually(lambda: _complete(pool, 2), what="second capture projected")
    total, distinct = await _rows(pool)
    assert total == distinct == 3000
    await _close(app, pool, nc)


async def test_a_failing_batch_is_retried_in_order_until_it_applies(settings: Settings) -> None:
    app, coord, pool, nc = await _setup(settings)
    ref = write_week(settings.inbox, "a.psv", 1200, "2025-11-14")
    assert (await asyncio.to_thread(coord.handle, request("2025-11-14", ref))).status == "completed"
    relay = Relay(app, nc, str(settings.database_url))
    # Break the data plane: the projector cannot write rows until the table is back.
    async with pool.acquire() as conn:
        await conn.execute("ALTER TABLE finra_otc.venue_volume RENAME TO venue_volume_away")
    projector = ProjectorRunner(FINRA, pool, nc, batch=3)
    async with running(relay.run), running(projector.run):
        await eventually(lambda: _failed(projector, 3), what="the projector failing while the table is away")
        assert await _complete_captures(pool) == 0
        async with pool.acquire() as conn:
            await conn.execute("ALTER TABLE finra_otc.venue_volume_away RENAME TO venue_volume")
        await eventually(lambda: _complete(pool, 1), what="capture projected after the fix")
    total, distinct = await _rows(pool)
    assert total == distinct == 1200
    await _close(app, pool, nc)


async def test_a_commit_whose_answer_is_lost_is_not_applied_twice(settings: Settings) -> None:
    """PostgreSQL crashing right after COMMIT: the rows are in, the projector saw an error.

    Retrying the same events would break the venue key and dead-letter applied events; the
    projector reads its checkpoint back instead and goes on after it.
    """
    app, coord, pool, nc = await _setup(settings)
    ref = write_week(settings.inbox, "a.psv", 1200, "2025-11-14")
    assert (await asyncio.to_thread(coord.handle, request("2025-11-14", ref))).status == "completed"
    relay = Relay(app, nc, str(settings.database_url))
    projector = ProjectorRunner(FINRA, pool, nc, batch=3, max_attempts=2)
    commit = projector._commit
    lost: list[int] = []

    async def commit_then_lose_the_answer(items: Any) -> None:
        before = projector.checkpoint
        await commit(items)
        if len(lost) < 2:  # the first two commits go through, but the projector hears of a dropped connection
            lost.append(items[-1][0].position)
            projector.checkpoint = before  # as it stands when COMMIT's answer never arrives
            raise asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation")

    projector._commit = commit_then_lose_the_answer  # type: ignore[method-assign]
    async with running(relay.run), running(projector.run):
        await eventually(lambda: _complete(pool, 1), what="capture projected despite lost commit answers")
    assert len(lost) == 2
    total, distinct = await _rows(pool)
    assert total == distinct == 1200
    async with pool.acquire() as conn:
        letters = await conn.fetchval("SELECT count(*) FROM spine_meta.dead_letters")
    assert letters == 0
    await _close(app, pool, nc)


async def _complete(pool: asyncpg.Pool, n: int) -> bool:
    return await _complete_captures(pool) >= n


async def _failed(projector: ProjectorRunner, times: int) -> bool:
    return projector.failures >= times


async def _close(app: SpineEventStore, pool: asyncpg.Pool, nc: nats.NATS) -> None:
    await nc.close()
    await pool.close()
    app.close()
