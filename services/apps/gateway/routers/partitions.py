"""Quality, rejects, the manifest of a partition, batches and lineage."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query

from services.apps.gateway.deps import PoolDep, RegistryDep
from services.apps.gateway.queries import finra
from services.apps.gateway.queries.executions import batch_executions
from spine_core.errors import NotFound
from spine_core.framework.batches import batch_progress
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.tiers import Tier

router = APIRouter(prefix="/v1", tags=["quality and lineage"])

WeekQ = Annotated[date, Query(description="the Friday that ends the week")]
TierQ = Annotated[str, Query(description="NMS_TIER_1, NMS_TIER_2 or OTC")]


def _prefix(week_ending: date, tier: str) -> str:
    return f"week_ending={WeekEnding(week_ending)}/tier={Tier.parse(tier).value}"


def _row(record: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in dict(record).items():
        if isinstance(value, date | datetime):
            out[key] = value.isoformat()
        elif isinstance(value, UUID):
            out[key] = str(value)
        elif key in ("details", "inputs", "partition", "params", "calc", "source") and isinstance(value, str):
            out[key] = json.loads(value)
        else:
            out[key] = value
    return out


@router.get("/quality", summary="Quality checks and anomalies of a week and tier, every stage")
async def quality(
    pool: PoolDep,
    week_ending: WeekQ,
    tier: TierQ,
    anomalies_only: bool = False,
    pipeline: str | None = None,
) -> dict[str, Any]:
    prefix = _prefix(week_ending, tier)
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            """SELECT q.pipeline, q.partition_key, q.capture_id, q."check", q.status, q.severity, q.message, q.value,
                      q.threshold, q.details, q.checked_at
               FROM quality.core_quality q
               WHERE q.partition_key LIKE $1 || '%' AND ($2::text IS NULL OR q.pipeline = $2)
                 AND (NOT $3 OR q.status <> 'PASS')
               ORDER BY q.checked_at DESC, q.position""",
            prefix,
            pipeline,
            anomalies_only,
        )
    data = [_row(r) for r in rows]
    anomalies = sum(1 for r in data if r["status"] != "PASS")
    return {"data": data, "meta": {"count": len(data), "anomalies": anomalies, "partition": prefix}}


@router.get("/rejects", summary="Rejected input lines of a week and tier (latest capture unless asked)")
async def rejects(
    pool: PoolDep,
    week_ending: WeekQ,
    tier: TierQ,
    reason: str | None = None,
    limit: Annotated[int, Query(ge=1, le=50_000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
    capture_id: UUID | None = None,
) -> dict[str, Any]:
    async with pool.acquire() as conn:
        capture = await finra.ingest_capture(conn, week_ending, tier, capture_id, None)
        reasons = await conn.fetch(
            "SELECT reason, count(*) AS lines FROM quality.core_rejects WHERE capture_id = $1 GROUP BY reason ORDER BY 2 DESC",
            capture.capture_id,
        )
        rows = await conn.fetch(
            """SELECT line_no, reason, detail, raw FROM quality.core_rejects
               WHERE capture_id = $1 AND ($2::text IS NULL OR reason = $2)
               ORDER BY line_no LIMIT $3 OFFSET $4""",
            capture.capture_id,
            reason,
            limit,
            offset,
        )
    data = [_row(r) for r in rows]
    by_reason = {r["reason"]: r["lines"] for r in reasons}
    return {
        "data": data,
        "meta": {**capture.meta(), "count": len(data), "total": sum(by_reason.values()), "reasons": by_reason},
    }


@router.get("/manifest", summary="Which stages of a week and tier completed, by which execution and capture")
async def manifest(pool: PoolDep, registry: RegistryDep, week_ending: WeekQ, tier: TierQ) -> dict[str, Any]:
    prefix = _prefix(week_ending, tier)
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            """SELECT DISTINCT ON (m.pipeline, m.partition_key)
                      m.pipeline, m.partition_key, m.stage, m.capture_id, m.execution_id, m.completed_at,
                      m.rows_accepted, m.rows_rejected, c.calc, c.inputs,
                      count(*) OVER (PARTITION BY m.pipeline, m.partition_key) AS captures
               FROM manifest.manifest m JOIN manifest.captures c USING (capture_id)
               WHERE m.partition_key LIKE $1 || '%'
               ORDER BY m.pipeline, m.partition_key, m.position DESC""",
            prefix,
        )
        running = await conn.fetch(
            """SELECT execution_id, pipeline, partition_key, status, requested_at FROM manifest.executions
               WHERE partition_key LIKE $1 || '%' AND status IN ('requested', 'running')""",
            prefix,
        )
    data = [_row(r) for r in rows]
    workflow = registry.workflow_of("finra.otc_transparency.ingest_week")
    reached = {r["pipeline"] for r in data}
    missing = [p for p in (workflow.pipelines() if workflow else []) if p not in reached]
    return {
        "data": data,
        "meta": {
            "count": len(data),
            "partition": prefix,
            "stages_missing": missing,
            "running": [_row(r) for r in running],
        },
    }


@router.get("/batches/{batch_id}", summary="Progress of a batch of chained runs (a --through run, a backfill)")
async def batch(pool: PoolDep, registry: RegistryDep, batch_id: UUID) -> dict[str, Any]:
    async with pool.acquire() as conn:
        executions = await batch_executions(conn, batch_id)
    if not executions:
        raise NotFound(f"no executions in batch {batch_id} yet", hint="a batch appears once its first run starts")
    return {
        "data": {**batch_progress(executions, registry), "batch_id": str(batch_id)},
        "meta": {"count": len(executions)},
    }


@router.get("/lineage/{capture_id}", summary="Where a capture came from: its inputs, recursively")
async def lineage(pool: PoolDep, capture_id: UUID) -> dict[str, Any]:
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            """WITH RECURSIVE tree AS (
                   SELECT capture_id, 0 AS depth FROM manifest.captures WHERE capture_id = $1
                   UNION
                   SELECT (i->>'capture_id')::uuid, t.depth + 1
                   FROM tree t JOIN manifest.captures c ON c.capture_id = t.capture_id,
                        jsonb_array_elements(coalesce(c.inputs, '[]'::jsonb)) i
                   WHERE t.depth < 20)
               SELECT t.depth, c.capture_id, c.pipeline, c.partition_key, c.status, c.captured_at, c.execution_id,
                      c.source, c.calc, c.inputs
               FROM tree t JOIN manifest.captures c USING (capture_id)
               ORDER BY t.depth, c.pipeline""",
            capture_id,
        )
    if not rows:
        raise NotFound(f"no capture {capture_id}")
    return {"data": [_row(r) for r in rows], "meta": {"count": len(rows)}}
