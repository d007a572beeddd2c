"""Control plane: executions."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query

from services.adapters.commands import queued_command
from services.apps.gateway.deps import PoolDep, StateDep
from services.apps.gateway.queries.executions import batch_executions, get_execution, recent_executions
from spine_core.errors import NotFound

router = APIRouter(prefix="/v1/executions", tags=["executions"])


@router.get("/{execution_id}", summary="One execution: status, capture, rows, error")
async def execution(execution_id: UUID, pool: PoolDep, state: StateDep) -> dict[str, Any]:
    async with pool.acquire() as conn:
        found = await get_execution(conn, execution_id)
    if found is None:
        lane = await queued_command(await state.nats(), execution_id)
        if lane is None:
            raise NotFound(f"no execution {execution_id}", hint="start one with POST /v1/pipelines/{name}/run")
        found = {"execution_id": str(execution_id), "status": "queued", "lane": lane}
    return {"data": found}


@router.get("", summary="Recent executions")
async def executions(
    pool: PoolDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    pipeline: str | None = None,
    batch_id: UUID | None = None,
) -> dict[str, Any]:
    async with pool.acquire() as conn:
        data = await batch_executions(conn, batch_id) if batch_id else await recent_executions(conn, limit, pipeline)
    return {"data": data, "meta": {"count": len(data), "limit": limit}}
