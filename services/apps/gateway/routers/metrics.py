"""Prometheus metrics: projection lag and rates, dead letters, runs and their durations."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import PlainTextResponse

from services.apps.gateway.deps import PoolDep, StateDep
from services.apps.gateway.models import problem_responses
from services.apps.gateway.prometheus import CONTENT_TYPE, MetricsSnapshot, read_runs

__all__ = ["router"]

router = APIRouter(tags=["ops"])


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    operation_id="getMetrics",
    summary="Prometheus metrics",
    responses={
        200: {
            "description": "Prometheus text exposition format 0.0.4",
            "content": {
                CONTENT_TYPE: {
                    "schema": {"type": "string"},
                    "example": 'spine_projection_events_behind{projection="finra_otc"} 0.0\n',
                }
            },
        },
        **problem_responses(503),
    },
)
async def metrics(pool: PoolDep, state: StateDep) -> Response:
    monitor = state.start_monitor()
    sample = monitor.latest() or await monitor.sample()
    async with pool.acquire() as conn:
        runs, durations = await read_runs(conn)
    body = state.metrics.render(MetricsSnapshot(sample, runs, durations))
    return Response(body, media_type=CONTENT_TYPE)
