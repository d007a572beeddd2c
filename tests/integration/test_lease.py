"""The lease on a real PostgreSQL: one holder at a time, handed on the moment the holder's
connection dies or falls silent, and a fence that refuses the writes of a holder that lost it."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest

from services.adapters.db.instances import list_instances
from services.adapters.db.lease import Lease, LeaseLost, LeaseTiming
from services.adapters.db.migrate import ensure_meta
from services.adapters.db.standby import run_with_lease
from services.settings import Settings
from tests.polling import eventually

pytestmark = [pytest.mark.integration]

FAST = LeaseTiming(interval_s=0.2, timeout_s=2.0)


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[asyncpg.Connection]:
    assert settings.database_url
    conn = await asyncpg.connect(settings.database_url)
    await ensure_meta(conn)
    await conn.execute("CREATE TABLE written (n int)")
    try:
        yield conn
    finally:
        await conn.close()


@pytest.fixture
def service() -> str:
    return f"projector:test_{uuid.uuid4().hex[:8]}"


def _lease(settings: Settings, service: str, timing: LeaseTiming = FAST) -> Lease:
    assert settings.database_url
    return Lease(settings.database_url, service, timing)


async def _states(db: asyncpg.Connection, service: str) -> dict[str, str]:
    return {i["instance_id"]: i["state"] for i in await list_instances(db, service)}


async def _acquired(lease: Lease) -> bool:
    if not lease.connected:
        await lease.connect()
    return await lease.try_acquire()


async def test_one_holds_the_lease_and_a_standby_takes_it_when_the_holder_dies(
    settings: Settings, db: asyncpg.Connection, service: str
) -> None:
    a, b = _lease(settings, service), _lease(settings, service)
    await a.connect()
    await b.connect()
    assert await a.try_acquire() and a.held
    assert not await b.try_acquire() and not b.held
    assert await _states(db, service) == {a.me.instance_id: "active", b.me.instance_id: "standby"}

    assert a._conn is not None
    a._conn.terminate()  # as kill -9 does: the socket closes, the server ends the session
    died = time.monotonic()
    await eventually(lambda: _acquired(b), 10, "the standby to take the lease")
    print(f"takeover after the holder's connection died: {time.monotonic() - died:.2f}s")
    assert b.generation is not None and a.generation is not None and b.generation == a.generation + 1
    assert await _states(db, service) == {a.me.instance_id: "gone", b.me.instance_id: "active"}

    await b.drop(release=True)
    assert await _states(db, service) == {a.me.instance_id: "gone", b.me.instance_id: "stopped"}


async def test_the_server_frees_the_lease_of_a_silent_holder(
    settings: Settings, db: asyncpg.Connection, service: str
) -> None:
    a, b = _lease(settings, service), _lease(settings, service)
    await a.connect()
    await b.connect()
    assert await a.try_acquire()
    silent = time.monotonic()  # a sends nothing more: a stopped process, or a cut cable
    await eventually(lambda: _acquired(b), 3 * FAST.timeout_s, "the standby to take a silent holder's lease")
    waited = time.monotonic() - silent
    print(f"takeover from a silent holder: {waited:.2f}s (idle_session_timeout {FAST.timeout_s}s)")
    assert waited >= FAST.step_down_after_s, "the holder's own clock gives up before the server hands the lease on"
    assert not a.held  # on its own clock, long before the server freed the lock
    with pytest.raises(LeaseLost):
        a.check()


async def test_a_holder_that_lost_the_lease_cannot_commit(
    settings: Settings, db: asyncpg.Connection, service: str
) -> None:
    a, b = _lease(settings, service), _lease(settings, service)
    await a.connect()
    await b.connect()
    assert await a.try_acquire()
    writer = await asyncpg.connect(settings.database_url)
    try:
        # a confirms its generation in an open transaction, then its lease session is cut off
        # (its client has not noticed yet: a.held is still true).
        tx = writer.transaction()
        await tx.start()
        await a.confirm(writer)
        await writer.execute("INSERT INTO written VALUES (1)")
        await db.execute(
            "SELECT pg_terminate_backend(lease_pid) FROM spine_meta.service_instances WHERE instance_id = $1",
            a.me.instance_id,
        )
        taking = asyncio.create_task(eventually(lambda: _acquired(b), 10, "b to take the lease"))
        await asyncio.sleep(1.0)
        assert not taking.done(), "the next generation waits for the transaction that confirmed the previous one"
        await tx.commit()  # committed before b holds the lease: b sees it
        await asyncio.wait_for(taking, 10)
        assert await db.fetchval("SELECT count(*) FROM written") == 1

        # The next write of a is refused even if a believes it still holds the lease (a process
        # paused past its step-down, say): the generation moved on.
        a.check = lambda: None  # type: ignore[method-assign]
        with pytest.raises(LeaseLost, match="superseded"):
            async with writer.transaction():
                await a.confirm(writer)
                await writer.execute("INSERT INTO written VALUES (2)")
        assert await db.fetchval("SELECT count(*) FROM written") == 1
        async with writer.transaction():
            await b.confirm(writer)
    finally:
        await writer.close()


async def test_only_one_instance_works_at_a_time_and_a_stop_hands_over_at_once(
    settings: Settings, db: asyncpg.Connection, service: str
) -> None:
    working: list[str] = []
    overlaps: list[list[str]] = []

    def work_of(name: str):  # type: ignore[no-untyped-def]
        async def work(lease: Lease, active: asyncio.Event) -> None:
            working.append(name)
            if len(working) > 1:
                overlaps.append(list(working))
            try:
                await active.wait()
            finally:
                working.remove(name)

        return work

    stops = {name: asyncio.Event() for name in ("a", "b", "c")}
    tasks = {
        name: asyncio.create_task(run_with_lease(_lease(settings, service), stops[name], work_of(name)))
        for name in stops
    }
    try:
        first = (await eventually(lambda: _one(working), 10, "one instance working"))[0]
        stops[first].set()
        handed = time.monotonic()
        await asyncio.wait_for(tasks[first], 10)
        second = (await eventually(lambda: _one(working), 10, "another instance working"))[0]
        print(f"hand-over on a clean stop: {time.monotonic() - handed:.2f}s")
        assert second != first
        assert overlaps == []
        states = sorted((await _states(db, service)).values())
        assert states == ["active", "standby", "stopped"]
    finally:
        for stop in stops.values():
            stop.set()
        for task in tasks.values():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, 10)


async def test_work_cut_short_by_a_server_out_of_reach_is_tried_again(settings: Settings, service: str) -> None:
    calls: list[float] = []
    stop = asyncio.Event()

    async def work(lease: Lease, active: asyncio.Event) -> None:
        calls.append(time.monotonic())
        if len(calls) == 1:
            raise ConnectionRefusedError(111, "NATS is restarting")
        await active.wait()

    task = asyncio.create_task(run_with_lease(_lease(settings, service), stop, work))
    try:
        await eventually(lambda: _count(calls, 2), 10, "the work to be tried again")
        assert calls[1] - calls[0] >= FAST.interval_s, "after a pause"
        assert not task.done()
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


async def _count(calls: list[float], n: int) -> bool:
    return len(calls) >= n


async def _one(working: list[str]) -> list[str]:
    return list(working) if len(working) == 1 else []


async def test_the_ops_api_lists_each_instance_and_the_active_one(
    client: httpx.AsyncClient, settings: Settings, service: str
) -> None:
    a, b = _lease(settings, service), _lease(settings, service)
    await a.connect()
    await b.connect()
    assert await a.try_acquire()
    try:
        response = await client.get("/v1/ops/instances", params={"service": service})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["meta"] == {"count": 2, "active": {service: a.me.instance_id}}
        by_id = {i["instance_id"]: i for i in body["data"]}
        assert by_id[a.me.instance_id]["state"] == "active"
        assert by_id[a.me.instance_id]["active_since"] == by_id[a.me.instance_id]["since"]
        assert by_id[b.me.instance_id]["state"] == "standby" and by_id[b.me.instance_id]["active_since"] is None
        assert {i["pid"] for i in body["data"]} == {a.me.pid} and all(i["host"] for i in body["data"])

        await a.drop()  # as a crash: no clean stop recorded

        async def instances() -> dict[str, object]:
            return dict((await client.get("/v1/ops/instances", params={"service": service})).json())

        # PostgreSQL ends the dropped session's backend (and with it the lock) a moment after the
        # client hung up: under load, the first look can still see it.
        body = await eventually(
            instances, 10, "the dropped instance to show gone", until=lambda b: b["meta"]["active"][service] is None
        )
        assert {i["instance_id"]: i["state"] for i in body["data"]} == {
            a.me.instance_id: "gone",
            b.me.instance_id: "standby",
        }
        assert body["meta"]["active"] == {service: None}
        assert (await client.get("/v1/ops/instances", params={"service": "no such\x00"})).status_code == 422
    finally:
        await a.drop()
        await b.drop()
