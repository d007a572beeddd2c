"""Operations: projection lag (JSON and a live stream), dead letters, replays, service instances."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.sse import EventSourceResponse, ServerSentEvent
from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.adapters.db.instances import active_by_service, list_instances
from services.adapters.db.projector_state import dead_letter_key, list_dead_letters, request_retry
from services.adapters.db.read_positions import events_not_applied, store_head
from services.adapters.monitored import monitored_projections
from services.apps.gateway.deps import PoolDep, StateDep
from services.apps.gateway.models import problem_responses
from services.apps.gateway.models.examples import ok
from services.apps.gateway.models.inputs import MAX_POSITION, refuse_nul
from services.apps.gateway.models.ops import (
    INSTANCES_EXAMPLE,
    CaughtUpItem,
    DeadLetterList,
    InstanceList,
    ProjectionsItem,
    ReplayItem,
    ReplayList,
    RetryItem,
)
from services.apps.gateway.models.wire import wire_rows
from services.apps.gateway.paging import CursorQ, decode_dead_letter_cursor, encode_dead_letter_cursor, next_link
from spine_core.errors import InvalidInput, NotFound

router = APIRouter(prefix="/v1/ops", tags=["ops"])
log = logging.getLogger("spine.gateway")


@router.get(
    "/projections",
    operation_id="getProjections",
    summary="Each projector's position, lag (events, seconds), rate and status",
    response_model_exclude_unset=True,
    responses=problem_responses(503),
)
async def projections(
    state: StateDep,
    history: Annotated[int, Query(ge=0, le=3600, description="also return the samples of the last N seconds")] = 0,
) -> ProjectionsItem:
    monitor = state.start_monitor()
    sample = monitor.latest() or await monitor.sample()
    body: dict[str, Any] = {"data": sample}
    if history:
        body["history"] = monitor.recent(history)
    return ProjectionsItem.model_validate(body)


#: A comment this often keeps an idle stream (no sample: the monitor is stuck) open through proxies.
_KEEP_ALIVE_S = 5.0


@router.get(
    "/stream",
    response_class=EventSourceResponse,
    operation_id="streamProjections",
    summary="Server-sent events: one projection sample about every second",
    responses=problem_responses(503),
)
async def stream(state: StateDep) -> AsyncIterator[ServerSentEvent]:
    """Each event is named ``sample`` and carries a sample (as ``GET /v1/ops/projections``'
    ``data``) as JSON: the latest at once, then every new one."""
    monitor = state.start_monitor()
    queue = monitor.subscribe()
    try:
        latest = monitor.latest()
        if latest is not None:
            yield ServerSentEvent(event="sample", data=latest)
        while True:  # until the client goes: FastAPI then cancels this generator
            try:
                sample = await asyncio.wait_for(queue.get(), timeout=_KEEP_ALIVE_S)
            except TimeoutError:
                yield ServerSentEvent(comment="keep-alive")
                continue
            yield ServerSentEvent(event="sample", data=sample)
    finally:
        monitor.unsubscribe(queue)


@router.get(
    "/caught-up",
    operation_id="getCaughtUp",
    summary="Whether every projector has applied every event up to a position",
    response_model_exclude_unset=True,
    responses=problem_responses(503),
)
async def caught_up(
    pool: PoolDep,
    state: StateDep,
    position: Annotated[
        int | None, Query(ge=0, le=MAX_POSITION, description="default: the event store's head, now")
    ] = None,
) -> CaughtUpItem:
    schema = state.settings.eventstore_schema
    async with pool.acquire() as conn:
        if position is None:
            position = await store_head(conn, schema)
        behind = await events_not_applied(conn, schema, monitored_projections(), position)
    return CaughtUpItem.model_validate({"data": {"position": position, "caught_up": not behind, "behind": behind}})


@router.get(
    "/dead-letters",
    operation_id="listDeadLetters",
    summary="Events a projector could not apply, and those parked behind them (paged: `links.next`)",
    response_model_exclude_unset=True,
    responses=problem_responses(400, 503),
)
async def dead_letters(
    request: Request,
    pool: PoolDep,
    projection: Annotated[str | None, Query(description="only this projection's")] = None,
    include_resolved: Annotated[bool, Query(description="also those already retried successfully")] = False,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 500,
    cursor: CursorQ = None,
) -> DeadLetterList:
    after = decode_dead_letter_cursor(cursor) if cursor else None
    async with pool.acquire() as conn:
        page = await list_dead_letters(conn, projection, include_resolved, limit, after)
    last = page.last
    links = {"next": next_link(request, cursor=encode_dead_letter_cursor(dead_letter_key(last))) if last else None}
    return DeadLetterList.model_validate(
        {"data": wire_rows(page.rows), "meta": {"count": len(page.rows)}, "links": links}
    )


@router.get(
    "/instances",
    operation_id="listInstances",
    summary="Each instance of the relay, the projectors and the process manager: active or standby, since when",
    response_model_exclude_unset=True,
    responses={**ok(INSTANCES_EXAMPLE), **problem_responses(503)},
)
async def instances(
    pool: PoolDep,
    service: Annotated[
        str | None,
        Query(
            description="only this service's, e.g. `projector:finra_otc`", max_length=100, pattern=r"^[a-z0-9_:.\-]+$"
        ),
    ] = None,
) -> InstanceList:
    """One active instance per service, the others standing by: which is active is what
    PostgreSQL says (the lease's lock and the instances' connections), not what an instance
    last wrote about itself, so a killed one shows `gone` at once."""
    async with pool.acquire() as conn:
        data = await list_instances(conn, service)
    return InstanceList.model_validate({"data": data, "meta": {"count": len(data), "active": active_by_service(data)}})


class RetryBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    projection: str = Field(description="the projection whose dead letters to retry", examples=["finra_otc"])
    position: int | None = Field(
        default=None, ge=0, le=MAX_POSITION, description="only the stream of this dead letter (default: every one)"
    )

    @field_validator("projection", mode="before")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        return refuse_nul(value)


@router.post(
    "/dead-letters/retry",
    status_code=202,
    operation_id="retryDeadLetters",
    summary="Ask a projector to apply its dead letters again",
    response_model_exclude_unset=True,
    responses=problem_responses(400, 404, 503),
)
async def retry(pool: PoolDep, body: RetryBody) -> RetryItem:
    """Retries the stream of the given dead letter (or every stream of the projection): the
    projector re-reads the events from the event store and applies them in order."""
    if body.projection not in {p.name for p in monitored_projections()}:
        raise NotFound(f"unknown projection {body.projection!r}")
    async with pool.acquire() as conn:
        requested = await request_retry(conn, body.projection, body.position)
    if not requested:
        raise InvalidInput(f"nothing to retry for {body.projection}", hint="GET /v1/ops/dead-letters lists them")
    return RetryItem.model_validate({"data": {"projection": body.projection, "retry_requested": requested}})


class ReplayBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    projection: str = Field(description="a projection, or `all`", examples=["finra_otc"])


@router.post(
    "/replays",
    status_code=202,
    operation_id="startReplay",
    summary="Rebuild read models from the event store and swap them in",
    response_model_exclude_unset=True,
    responses=problem_responses(400, 404, 503),
)
async def start_replay(state: StateDep, body: ReplayBody) -> ReplayItem:
    """Runs in the gateway, in the background: the live tables keep answering until the swap."""
    from projections.registry import PROJECTIONS

    names = list(PROJECTIONS) if body.projection == "all" else [body.projection]
    unknown = [n for n in names if n not in PROJECTIONS]
    if unknown:
        raise NotFound(f"unknown projection {unknown[0]!r}", hint=f"choose one of: all, {', '.join(PROJECTIONS)}")
    if any(r["status"] == "running" for r in state.replays.values()):
        raise InvalidInput("a replay is already running", hint="GET /v1/ops/replays shows its progress")
    replay_id = str(uuid.uuid4())
    record: dict[str, Any] = {
        "id": replay_id,
        "projections": names,
        "status": "running",
        "progress": {},
        "results": [],
        "error": None,
    }
    state.replays[replay_id] = record
    state.track(asyncio.create_task(_run_replays(state, record)))
    return ReplayItem.model_validate({"data": record})


@router.get(
    "/replays",
    operation_id="listReplays",
    summary="Replays started through the API, with progress and rates",
    response_model_exclude_unset=True,
    responses=problem_responses(),
)
async def replays(state: StateDep) -> ReplayList:
    data = list(state.replays.values())
    return ReplayList.model_validate({"data": data, "meta": {"count": len(data)}})


async def _run_replays(state: Any, record: dict[str, Any]) -> None:
    import asyncpg

    from projections.registry import PROJECTIONS
    from services.adapters.eventstore.app import SpineEventStore
    from services.adapters.replay import replay_many

    app = await asyncio.to_thread(SpineEventStore.connect, state.settings, pool_size=2)
    conn = await asyncpg.connect(state.settings.database_url)
    try:
        started: dict[str, float] = {}

        def on_progress(name: str, position: int, head: int, events: int) -> None:
            elapsed = max(time.monotonic() - started.setdefault(name, time.monotonic()), 1e-6)
            record["progress"] = {"projection": name, "position": position, "head": head, "events": events,
                                  "events_per_s": round(events / elapsed, 1)}  # fmt: skip

        specs = [PROJECTIONS[name] for name in record["projections"]]
        for result in await replay_many(conn, app, specs, on_progress=on_progress):
            record["results"].append(
                {"projection": result.projection, "events": result.events, "rows": result.rows_loaded,
                 "seconds": round(result.seconds, 3),
                 "events_per_s": round(result.events / result.seconds, 1) if result.seconds else None,
                 "rows_per_s": round(result.rows_loaded / result.seconds, 1) if result.seconds else None}
            )  # fmt: skip
        record["status"] = "completed"
    except Exception as exc:
        log.exception("replay %s failed", record.get("id"))
        record["status"] = "failed"
        record["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        await conn.close()
        app.close()
