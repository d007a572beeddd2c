"""Liveness: the gateway answers, and whether PostgreSQL and NATS do."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from services.apps.gateway.deps import StateDep
from services.apps.gateway.models import problem_responses
from services.apps.gateway.models.ops import Health
from services.apps.gateway.queries.ops import ping

router = APIRouter(tags=["health"])

_DEGRADED = {"status": "degraded", "database": "ok", "nats": "unavailable: [Errno 111] Connection refused"}


@router.get(
    "/health",
    operation_id="getHealth",
    summary="Liveness and dependencies",
    response_model=Health,
    responses={
        200: {"content": {"application/json": {"example": {"status": "ok", "database": "ok", "nats": "ok"}}}},
        503: {
            "model": Health,
            "description": "PostgreSQL or NATS is not reachable",
            "content": {"application/json": {"example": _DEGRADED}},
        },
        **{status: r for status, r in problem_responses(auth=False).items() if status != 503},
    },
)
async def health(state: StateDep) -> JSONResponse:
    checks: dict[str, Any] = {}
    try:
        pool = await state.pool()
        async with pool.acquire() as conn:
            await ping(conn)
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"unavailable: {exc}"
    try:
        nc = await state.nats()
        checks["nats"] = "ok" if nc.is_connected else "reconnecting"
    except Exception as exc:
        checks["nats"] = f"unavailable: {exc}"
    ok = all(v == "ok" for v in checks.values())
    body = Health(status="ok" if ok else "degraded", **checks)
    return JSONResponse(status_code=200 if ok else 503, content=body.model_dump())
