from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from services.apps.gateway.deps import StateDep

router = APIRouter(tags=["health"])


@router.get("/health", summary="Liveness and dependencies")
async def health(state: StateDep) -> JSONResponse:
    checks: dict[str, Any] = {}
    try:
        pool = await state.pool()
        async with pool.acquire() as conn:
            await conn.fetchval("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"unavailable: {exc}"
    try:
        nc = await state.nats()
        checks["nats"] = "ok" if nc.is_connected else "reconnecting"
    except Exception as exc:
        checks["nats"] = f"unavailable: {exc}"
    ok = all(v == "ok" for v in checks.values())
    return JSONResponse(status_code=200 if ok else 503, content={"status": "ok" if ok else "degraded", **checks})
