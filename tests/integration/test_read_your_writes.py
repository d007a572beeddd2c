"""Read your writes on real PostgreSQL and NATS, without projector processes: runs are recorded
in the event store in process and the read models are built from it by replays, so the test
decides exactly when each read model has applied a run. (The whole stack, POST .../run?wait=
and a stopped projector included, is in tests/e2e/test_read_your_writes.py.)"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest

from projections.registry import PROJECTIONS
from services.adapters.eventstore.app import SpineEventStore
from services.adapters.monitored import monitored_projections
from services.adapters.replay import replay
from services.apps.gateway.consistency import wait_until_applied
from services.settings import Settings
from spine_core.errors import NotYetApplied
from tests.integration.helpers import coordinator, request, write_week

pytestmark = [pytest.mark.integration]

WEEK = "2025-11-14"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A short wait, so a read model that is behind answers 503 quickly."""
    return settings.model_copy(update={"read_wait_seconds": 0.3})


@pytest.fixture
async def store(settings: Settings) -> AsyncIterator[SpineEventStore]:
    app = await asyncio.to_thread(SpineEventStore.connect, settings)
    try:
        yield app
    finally:
        app.close()


async def _record_a_run(store: SpineEventStore, settings: Settings) -> tuple[str, int]:
    """Run a week in process, straight into the event store: (execution id, its position)."""
    ref = write_week(settings.inbox, "week.psv", 200, WEEK)
    run = request(WEEK, ref)
    outcome = await asyncio.to_thread(coordinator(store, settings.inbox).handle, run)
    assert outcome.status == "completed" and outcome.position
    return str(run.execution_id), outcome.position


async def _replay(settings: Settings, store: SpineEventStore, name: str) -> None:
    conn = await asyncpg.connect(settings.database_url)
    try:
        await replay(conn, store, PROJECTIONS[name])
    finally:
        await conn.close()


async def test_a_position_the_store_has_not_reached_is_refused_at_once(client: httpx.AsyncClient) -> None:
    assert (await client.get("/v1/data/weeks", params={"min_position": 0})).status_code == 200
    response = await client.get("/v1/data/weeks", params={"min_position": 1})  # the store is empty
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "position_not_recorded" and problem["details"] == {"min_position": 1, "head": 0}
    assert "position" in problem["hint"]
    assert (await client.get("/v1/data/weeks", params={"min_position": -1})).status_code == 422


async def test_a_read_model_behind_answers_503_with_retry_after_and_serves_once_it_applied(
    client: httpx.AsyncClient, settings: Settings, store: SpineEventStore
) -> None:
    execution_id, position = await _record_a_run(store, settings)
    weeks = {"min_position": position}

    behind = await client.get("/v1/data/weeks", params=weeks)
    assert behind.status_code == 503, behind.text
    assert behind.headers["retry-after"] == "1"
    problem = behind.json()
    assert problem["code"] == "not_yet_applied" and f"position {position}" in problem["detail"]
    assert set(problem["details"]["behind"]) == {"finra_otc"}  # only the read model this route serves
    assert "/v1/ops/projections" in problem["hint"]
    assert (await client.get("/v1/data/weeks")).json()["data"] == []  # without min_position: as it is now

    await _replay(settings, store, "finra_otc")
    served = await client.get("/v1/data/weeks", params=weeks)
    assert served.status_code == 200, served.text
    assert [(w["week_ending"], w["tier"]) for w in served.json()["data"]] == [(WEEK, "OTC")]
    symbols = await client.get("/v1/data/symbols", params={"week_ending": WEEK, "tier": "OTC", **weeks})
    assert symbols.status_code == 200 and symbols.json()["data"]

    # Executions are the manifest's: still behind, whatever the data plane has applied.
    assert (await client.get(f"/v1/executions/{execution_id}", params=weeks)).status_code == 503
    rejects = await client.get("/v1/rejects", params={"week_ending": WEEK, "tier": "OTC", **weeks})
    assert rejects.status_code == 503 and set(rejects.json()["details"]["behind"]) == {"quality"}
    await _replay(settings, store, "manifest")
    execution = await client.get(f"/v1/executions/{execution_id}", params=weeks)
    assert execution.status_code == 200 and execution.json()["data"]["position"] == position


async def test_a_waiting_read_returns_as_soon_as_the_read_model_applies_the_position(
    client: httpx.AsyncClient, settings: Settings, store: SpineEventStore
) -> None:
    _, position = await _record_a_run(store, settings)
    finra = [p for p in monitored_projections() if p.name == "finra_otc"]
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=2)
    try:
        with pytest.raises(NotYetApplied) as refused:
            await wait_until_applied(pool, settings.eventstore_schema, finra, position, 0.0)
        assert refused.value.retry_after_s == 1
        waiting = asyncio.create_task(wait_until_applied(pool, settings.eventstore_schema, finra, position, 60.0))
        await asyncio.sleep(0.2)
        assert not waiting.done(), "it waits while the read model is behind"
        await _replay(settings, store, "finra_otc")
        await asyncio.wait_for(waiting, 30)  # returns (no NotYetApplied) once the replay swapped in
    finally:
        await pool.close()
