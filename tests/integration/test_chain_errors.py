"""A stage the process manager cannot plan is not dropped: the event is retried, dead-lettered
after the set attempts, and the batch view shows the stages that were never issued as failed."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg
import httpx
import nats
import pytest

import spine_domains
from projections.registry import get_projection
from services.adapters.db.migrate import migrate_projection
from services.adapters.eventstore.app import SpineEventStore
from services.apps.process_manager.applier import process_manager_spec
from services.apps.projector.runtime import ProjectorRunner
from services.apps.relay.relay import Relay
from services.bootstrap import build_gateway, prepare_infrastructure
from services.settings import Settings
from spine_core.framework.registry import PipelineRegistry
from tests.conftest import api_headers
from tests.integration.helpers import coordinator, request, write_week
from tests.polling import eventually

pytestmark = [pytest.mark.integration]

P = "finra.otc_transparency."


def _registry_without(missing: str) -> PipelineRegistry:
    """The domain's pipelines and workflows, less one stage: planning the step into it fails."""
    domains = spine_domains.build_registry()
    registry = PipelineRegistry()
    for pipeline in domains.all():
        if pipeline.name != missing:
            registry.register(pipeline)
    for workflow in domains.workflows():
        registry.register_workflow(workflow)
    return registry


@contextlib.asynccontextmanager
async def _running(*runs: Callable[[asyncio.Event], Awaitable[None]]) -> AsyncIterator[None]:
    stop = asyncio.Event()
    tasks = [asyncio.create_task(run(stop)) for run in runs]
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), 15)


async def test_a_stage_that_cannot_be_planned_is_dead_lettered_and_shown_failed(settings: Settings) -> None:
    settings = settings.model_copy(update={"projector_max_attempts": 2})
    await prepare_infrastructure(settings)
    assert settings.database_url
    app = SpineEventStore.connect(settings)
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=6)
    nc = await nats.connect(settings.nats_url)
    manager = process_manager_spec(nc, _registry_without(P + "normalize_week"))
    manifest = get_projection("manifest")
    async with pool.acquire() as conn:
        await migrate_projection(conn, manager)
        await migrate_projection(conn, manifest)

    # An ingest run through every stage completes: the process manager must plan normalize next.
    ref = write_week(settings.inbox, "a.psv", 50, "2025-11-14")
    run = dataclasses.replace(request("2025-11-14", ref), through="all")
    assert (await asyncio.to_thread(coordinator(app, settings.inbox).handle, run)).status == "completed"

    attempts = settings.projector_max_attempts
    chaining = ProjectorRunner(manager, pool, nc, batch=8, max_attempts=attempts)
    async with _running(
        Relay(app, nc, settings.database_url).run,
        ProjectorRunner(manifest, pool, nc, batch=8).run,
        chaining.run,
    ):

        async def dead_lettered() -> Any:
            async with pool.acquire() as conn:
                return await conn.fetchrow(
                    "SELECT * FROM spine_meta.dead_letters WHERE projection = 'process_manager' AND stream_id = $1",
                    run.execution_id,
                )

        await eventually(lambda: _truthy(dead_lettered()), what="the completion dead-lettered by the process manager")
        letter = await dead_lettered()
        async with pool.acquire() as conn:
            manifest_done = await conn.fetchval(
                "SELECT status FROM manifest.executions WHERE execution_id = $1", run.execution_id
            )
    assert letter["event_type"] == "RunCompleted" and letter["status"] == "pending"
    assert letter["attempts"] == attempts + 1 and chaining.failures >= attempts  # retried as a batch, then alone
    assert "ChainPlanningError" in letter["error"] and "normalize_week" in letter["error"]
    assert manifest_done == "completed"

    gateway = build_gateway(settings)
    async with (
        gateway.router.lifespan_context(gateway),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=gateway), base_url="http://gateway", headers=api_headers(settings)
        ) as http,
    ):
        response = await http.get(f"/v1/batches/{run.context.batch_id}")
    assert response.status_code == 200, response.text
    progress = response.json()["data"]
    (week,) = progress["weeks"]
    assert progress["done"] and week["pending"] == []
    assert week["stages"] == {P + "ingest_week": "completed", P + "normalize_week": "failed"}
    assert progress["failed"] == [f"2025-11-14: {P}normalize_week"]
    error = week["errors"][P + "normalize_week"]
    assert error.startswith("not issued: ChainPlanningError: cannot plan the stages after " + P + "ingest_week")
    assert "unknown pipeline" in error

    await nc.close()
    await pool.close()
    app.close()


async def _truthy(value: Awaitable[Any]) -> bool:
    return bool(await value)
