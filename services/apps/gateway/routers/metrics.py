"""Prometheus metrics: projection lag and rates, dead letters, runs and their durations."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from services.apps.gateway.deps import PoolDep, StateDep

router = APIRouter(tags=["ops"])

_STATUSES = ("OK", "LAGGING", "STALLED", "FAILED")


def _label(value: Any) -> str:
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _family(name: str, kind: str, help_text: str, samples: Iterable[tuple[dict[str, Any], float]]) -> list[str]:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
    for labels, value in samples:
        rendered = ",".join(f'{k}="{_label(v)}"' for k, v in labels.items())
        lines.append(f"{name}{{{rendered}}} {value}" if rendered else f"{name} {value}")
    return lines


@router.get("/metrics", response_class=PlainTextResponse, summary="Prometheus metrics")
async def metrics(pool: PoolDep, state: StateDep) -> PlainTextResponse:
    monitor = state.start_monitor()
    sample = monitor.latest() or await monitor.sample()
    projectors = sample["projectors"]
    out: list[str] = []
    out += _family(
        "spine_event_store_head", "gauge", "Position of the newest event in the event store.", [({}, sample["head"])]
    )
    if sample["relay_position"] is not None:
        out += _family(
            "spine_relay_position",
            "gauge",
            "Position of the last event published on the bus.",
            [({}, sample["relay_position"])],
        )
    per = [
        ("spine_projection_position", "gauge", "Last event position the projection applied.", "position"),
        (
            "spine_projection_events_behind",
            "gauge",
            "Relevant events in the event store not yet applied.",
            "events_behind",
        ),
        ("spine_projection_pending", "gauge", "Messages pending on the projection's JetStream consumer.", "pending"),
        (
            "spine_projection_seconds_behind",
            "gauge",
            "Age in seconds of the oldest event not yet applied.",
            "seconds_behind",
        ),
        ("spine_projection_apply_rate", "gauge", "Events applied per second over the last 10 seconds.", "rate"),
        ("spine_projection_dead_letters", "gauge", "Dead-lettered events waiting for a retry.", "dead_letters"),
        (
            "spine_projection_events_applied_total",
            "counter",
            "Events the projection applied since it was built.",
            "events_applied",
        ),
    ]
    for name, kind, text, key in per:
        out += _family(
            name, kind, text, [({"projection": p["name"]}, p[key]) for p in projectors if p[key] is not None]
        )
    out += _family(
        "spine_projection_consumer_up", "gauge", "1 when the projection's durable consumer exists.",
        [({"projection": p["name"]}, 1 if p["consumer"] else 0) for p in projectors],
    )  # fmt: skip
    out += _family(
        "spine_projection_status", "gauge", "1 for the projection's current status.",
        [({"projection": p["name"], "status": s}, 1 if p["status"] == s else 0) for p in projectors for s in _STATUSES],
    )  # fmt: skip
    async with pool.acquire() as conn:
        runs = await conn.fetch(
            "SELECT pipeline, status, count(*) AS n FROM manifest.executions GROUP BY 1, 2 ORDER BY 1, 2"
        )
        durations = await conn.fetch(
            """SELECT pipeline, count(*) AS n, coalesce(sum(extract(epoch FROM finished_at - started_at)), 0) AS s
               FROM manifest.executions WHERE status = 'completed' AND started_at IS NOT NULL GROUP BY 1 ORDER BY 1"""
        )
    out += _family("spine_runs_total", "counter", "Executions by pipeline and outcome.",
                   [({"pipeline": r["pipeline"], "status": r["status"]}, r["n"]) for r in runs])  # fmt: skip
    out += _family("spine_run_duration_seconds_sum", "counter", "Total duration of completed runs.",
                   [({"pipeline": r["pipeline"]}, round(float(r["s"]), 3)) for r in durations])  # fmt: skip
    out += _family("spine_run_duration_seconds_count", "counter", "Completed runs.",
                   [({"pipeline": r["pipeline"]}, r["n"]) for r in durations])  # fmt: skip
    return PlainTextResponse("\n".join(out) + "\n", media_type="text/plain; version=0.0.4")
