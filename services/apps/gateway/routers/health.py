"""Liveness (the gateway answers, and whether PostgreSQL and NATS do) and readiness (those, and
every projector's status from the lag monitor)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from services.adapters.db.pool import ping
from services.apps.gateway.deps import StateDep
from services.apps.gateway.models import problem_responses
from services.apps.gateway.models.ops import Health, ProjectorReadiness, Readiness
from services.apps.gateway.state import GatewayState

router = APIRouter(tags=["health"])
log = logging.getLogger("spine.gateway")

_DEGRADED = {"status": "degraded", "database": "ok", "nats": "unavailable: [Errno 111] Connection refused"}
#: Statuses of a projector that still serves (LAGGING catches up on its own).
_READY_STATUSES = frozenset({"OK", "LAGGING"})
#: How long readiness waits for a lag sample when the monitor has none yet.
_SAMPLE_TIMEOUT_S = 5.0
_NOT_READY = {
    "status": "not_ready",
    "database": "ok",
    "nats": "ok",
    "projectors": [
        {
            "name": "finra_otc",
            "status": "FAILED",
            "status_reason": "its durable consumer is gone: the projector is not running",
            "ready": False,
        },
    ],
    "not_ready": ["projector finra_otc is FAILED: its durable consumer is gone: the projector is not running"],
}


async def _dependencies(state: GatewayState) -> dict[str, str]:
    checks: dict[str, str] = {}
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
    return checks


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
    checks = await _dependencies(state)
    ok = all(v == "ok" for v in checks.values())
    body = Health(status="ok" if ok else "degraded", **checks)
    return JSONResponse(status_code=200 if ok else 503, content=body.model_dump())


async def _projectors(state: GatewayState) -> tuple[list[ProjectorReadiness], str | None]:
    """Every projector's status from the monitor's latest sample (one taken now if it has none),
    or why there is none."""
    monitor = state.start_monitor()
    try:
        sample: dict[str, Any] | None = monitor.latest()
        if sample is None:
            sample = await asyncio.wait_for(monitor.sample(), _SAMPLE_TIMEOUT_S)
    except Exception as exc:  # readiness reports what it cannot see; it never fails itself
        log.warning("readiness: no projection lag sample: %r", exc)
        return [], f"projector statuses unavailable: {exc!r}"
    return [
        ProjectorReadiness(
            name=p["name"],
            status=p["status"],
            status_reason=p.get("status_reason") or "",
            ready=p["status"] in _READY_STATUSES,
        )
        for p in sample.get("projectors", [])
    ], None


@router.get(
    "/health/ready",
    operation_id="getReadiness",
    summary="Readiness: PostgreSQL reachable, NATS connected, every projector OK or catching up",
    description="200 when the gateway can serve fresh data; 503 with the same body saying what is not ready "
    "(a projector STALLED or FAILED, a server unreachable). Public, like /health.",
    response_model=Readiness,
    responses={
        200: {"description": "ready"},
        503: {
            "model": Readiness,
            "description": "something is not ready: `not_ready` says what",
            "content": {"application/json": {"example": _NOT_READY}},
        },
        **{status: r for status, r in problem_responses(auth=False).items() if status != 503},
    },
)
async def readiness(state: StateDep) -> JSONResponse:
    checks = await _dependencies(state)
    not_ready = [f"{name} {value}" for name, value in checks.items() if value != "ok"]
    projectors, missing = await _projectors(state)
    if missing:
        not_ready.append(missing)
    not_ready += [f"projector {p.name} is {p.status}: {p.status_reason}" for p in projectors if not p.ready]
    body = Readiness(status="not_ready" if not_ready else "ready", projectors=projectors, not_ready=not_ready, **checks)
    return JSONResponse(status_code=503 if not_ready else 200, content=body.model_dump(mode="json"))
