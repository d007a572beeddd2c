"""Control plane: executions."""

from __future__ import annotations

import asyncio
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request

from contracts.events import EventEnvelope
from projections.manifest.queries import execution_key, get_execution, recent_executions
from services.adapters.commands import queued_command
from services.adapters.eventstore.positions import stream_events
from services.apps.gateway.batches import batch_executions
from services.apps.gateway.consistency import ManifestApplied
from services.apps.gateway.deps import PoolDep, StateDep
from services.apps.gateway.models import PageLinks, examples, problem_responses
from services.apps.gateway.models.examples import ok
from services.apps.gateway.models.inputs import MAX_POSITION
from services.apps.gateway.models.pipelines import (
    ExecutionEventList,
    ExecutionEventsMeta,
    ExecutionItem,
    ExecutionList,
    ExecutionsMeta,
)
from services.apps.gateway.models.wire import execution_fields
from services.apps.gateway.paging import CursorQ, decode_execution_cursor, encode_execution_cursor, next_link
from services.apps.gateway.routers.events import event_store
from spine_core.errors import NotFound

router = APIRouter(prefix="/v1/executions", tags=["executions"])


@router.get(
    "/{execution_id}",
    operation_id="getExecution",
    dependencies=[ManifestApplied],
    summary="One execution: status, capture, rows, error",
    description="A command a worker has not picked up yet shows as `queued`, with its lane.",
    response_model_exclude_unset=True,
    responses={**ok(examples.EXECUTION), **problem_responses(404, 503)},
)
async def execution(execution_id: UUID, pool: PoolDep, state: StateDep) -> ExecutionItem:
    async with pool.acquire() as conn:
        row = await get_execution(conn, execution_id)
    if row is not None:
        return ExecutionItem.model_validate({"data": execution_fields(row)})
    lane = await queued_command(await state.nats(), execution_id)
    if lane is None:
        raise NotFound(f"no execution {execution_id}", hint="start one with POST /v1/pipelines/{name}/run")
    return ExecutionItem.model_validate({"data": {"execution_id": str(execution_id), "status": "queued", "lane": lane}})


@router.get(
    "",
    operation_id="listExecutions",
    dependencies=[ManifestApplied],
    summary="Recent executions, newest first, paged (or every execution of a batch)",
    description="Page with `links.next` (keyset: every page costs the same). With `batch_id`, the whole "
    "batch in one page.",
    response_model_exclude_unset=True,
    responses=problem_responses(400, 503),
)
async def executions(
    request: Request,
    pool: PoolDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    pipeline: Annotated[str | None, Query(description="only this pipeline")] = None,
    batch_id: Annotated[UUID | None, Query(description="every execution of this batch, oldest first")] = None,
    cursor: CursorQ = None,
) -> ExecutionList:
    after = decode_execution_cursor(cursor) if cursor else None
    next_page = None
    async with pool.acquire() as conn:
        if batch_id:
            data = await batch_executions(conn, batch_id)
        else:
            page = await recent_executions(conn, limit, pipeline, after)
            data = [execution_fields(row) for row in page.rows]
            if page.last:
                next_page = next_link(request, cursor=encode_execution_cursor(execution_key(page.last)))
    meta = ExecutionsMeta(count=len(data), limit=limit)
    return ExecutionList.model_validate({"data": data, "meta": meta, "links": {"next": next_page}})


@router.get(
    "/{execution_id}/events",
    operation_id="listExecutionEvents",
    summary="The events a run recorded, and those of the capture it started, oldest first (paged)",
    description="Read from the event store. Row blocks are left out (`block_bytes` gives their size; "
    "GET /v1/events/{position}/block serves one). Page with `after` = meta.next_after.",
    response_model_exclude_unset=True,
    responses=problem_responses(404, 503),
)
async def execution_events(
    request: Request,
    execution_id: UUID,
    state: StateDep,
    after: Annotated[int, Query(ge=0, le=MAX_POSITION, description="position to read after (0: from the start)")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> ExecutionEventList:
    store = await asyncio.to_thread(event_store, state)
    own = await asyncio.to_thread(stream_events, store, execution_id, limit=1000)
    if not own:
        raise NotFound(
            f"no events recorded for execution {execution_id}",
            hint="a command a worker has not picked up yet has none (GET /v1/executions/{id} shows it queued)",
        )
    started = next((e for e in own if e.type == "RunStarted" and e.data.get("capture_id")), None)
    capture_id = UUID(str(started.data["capture_id"])) if started else None
    merged: list[EventEnvelope] = [e for e in own if e.position > after]
    if capture_id is not None:
        merged += await asyncio.to_thread(stream_events, store, capture_id, after=after, limit=limit + 1)
    merged.sort(key=lambda e: e.position)
    page = merged[:limit]
    more = len(merged) > limit
    meta = ExecutionEventsMeta(
        count=len(page),
        execution_id=str(execution_id),
        capture_id=str(capture_id) if capture_id else None,
        after=after,
        next_after=page[-1].position if more and page else None,
        limit=limit,
    )
    links = PageLinks(next=None if meta.next_after is None else next_link(request, after=meta.next_after))
    return ExecutionEventList(data=page, meta=meta, links=links)
