"""Operations: projection positions and lag."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from services.gateway.deps import PoolDep, StateDep
from services.gateway.queries.ops import projection_status

router = APIRouter(prefix="/v1/ops", tags=["ops"])


@router.get("/projections", summary="Each projector's position against the event store")
async def projections(pool: PoolDep, state: StateDep) -> dict[str, Any]:
    try:
        nc = await state.nats()
    except Exception:
        nc = None
    async with pool.acquire() as conn:
        data = await projection_status(conn, nc, state.settings.eventstore_schema)
    return {"data": data}
