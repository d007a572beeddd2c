"""Control plane: executions."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from services.adapters.commands import queued_command
from services.apps.gateway.deps import PoolDep, StateDep
from services.apps.gateway.models import examples, problem_responses
from services.apps.gateway.models.examples import ok
from services.apps.gateway.models.pipelines import ExecutionItem, ExecutionList, ExecutionsMeta
from services.apps.gateway.queries.executions import batch_executions, get_execution, recent_executions
from spine_core.errors import NotFound

router = APIRouter(prefix="/v1/executions", tags=["executions"])


@router.get(
    "/{execution_id}",
    operation_id="getExecution",
    summary="One execution: status, capture, rows, error",
    description="A command a worker has not picked up yet shows as `queued`, with its lane.",
    response_model_exclude_unset=True,
    responses={**ok(examples.EXECUTION), **problem_responses(404, 503)},
)
async def execution(execution_id: UUID, pool: PoolDep, state: StateDep) -> ExecutionItem:
    async with pool.acquire() as conn:
        found = await get_execution(conn, execution_id)
    if found is None:
        lane = await queued_command(await state.nats(), execution_id)
        if lane is None:
            raise NotFound(f"no execution {execution_id}", hint="start one with POST /v1/pipelines/{name}/run")
        found = {"execution_id": str(execution_id), "status": "queued", "lane": lane}
    return ExecutionItem.model_validate({"data": found})


@router.get(
    "",
    operation_id="listExecutions",
    summary="Recent executions, newest first (or every execution of a batch)",
    response_model_exclude_unset=True,
    responses=problem_responses(503),
)
async def executions(
    pool: PoolDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    pipeline: Annotated[str | None, Query(description="only this pipeline")] = None,
    batch_id: Annotated[UUID | None, Query(description="every execution of this batch, oldest first")] = None,
) -> ExecutionList:
    async with pool.acquire() as conn:
        data = await batch_executions(conn, batch_id) if batch_id else await recent_executions(conn, limit, pipeline)
    return ExecutionList.model_validate({"data": data, "meta": ExecutionsMeta(count=len(data), limit=limit)})
