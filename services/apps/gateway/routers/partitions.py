"""Quality, rejects, the manifest of a partition, batches and lineage."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request

from projections.finra_otc import queries as finra
from projections.manifest import queries as manifest_queries
from projections.quality import queries as quality_queries
from services.apps.gateway.batches import batch_executions
from services.apps.gateway.consistency import ManifestApplied, QualityApplied, RejectsApplied
from services.apps.gateway.deps import PoolDep, RegistryDep
from services.apps.gateway.models import problem_responses
from services.apps.gateway.models.partitions import BatchItem, LineageList, ManifestList, QualityList, RejectList
from services.apps.gateway.models.wire import capture_fields, wire_rows
from services.apps.gateway.paging import AfterLineQ, next_link
from services.apps.gateway.routers.params import OffsetQ, TierQ, WeekQ
from spine_core.errors import NotFound
from spine_core.framework.batches import batch_progress
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.tiers import Tier

router = APIRouter(prefix="/v1", tags=["quality and lineage"])


def _prefix(week_ending: date, tier: str) -> str:
    return f"week_ending={WeekEnding(week_ending)}/tier={Tier.parse(tier).value}"


@router.get(
    "/quality",
    operation_id="listQualityChecks",
    dependencies=[QualityApplied],
    summary="Quality checks and anomalies of a week and tier, every stage",
    response_model_exclude_unset=True,
    responses=problem_responses(400, 503),
)
async def quality(
    pool: PoolDep,
    week_ending: WeekQ,
    tier: TierQ,
    anomalies_only: Annotated[bool, Query(description="only the checks that did not pass")] = False,
    pipeline: Annotated[str | None, Query(description="only this pipeline's checks")] = None,
) -> QualityList:
    prefix = _prefix(week_ending, tier)
    async with pool.acquire() as conn:
        rows = await quality_queries.quality_checks(conn, prefix, pipeline, anomalies_only)
    anomalies = sum(1 for r in rows if r.status != "PASS")
    meta = {"count": len(rows), "anomalies": anomalies, "partition": prefix}
    return QualityList.model_validate({"data": wire_rows(rows), "meta": meta})


@router.get(
    "/rejects",
    operation_id="listRejects",
    dependencies=[RejectsApplied],
    summary="Rejected input lines of a week and tier (latest capture unless asked)",
    response_model_exclude_unset=True,
    responses=problem_responses(400, 404, 503),
)
async def rejects(
    request: Request,
    pool: PoolDep,
    week_ending: WeekQ,
    tier: TierQ,
    reason: Annotated[str | None, Query(description="only this reason code")] = None,
    limit: Annotated[int, Query(ge=1, le=50_000)] = 100,
    offset: OffsetQ = 0,
    capture_id: Annotated[UUID | None, Query(description="a specific capture (default: the latest)")] = None,
    after_line: AfterLineQ = None,
) -> RejectList:
    async with pool.acquire() as conn:
        capture = await finra.ingest_capture(conn, week_ending, tier, capture_id, None)
        by_reason = await quality_queries.reject_reasons(conn, capture.capture_id)
        page = await quality_queries.rejected_lines(conn, capture.capture_id, reason, limit, offset, after_line)
    meta = {**capture_fields(capture), "count": len(page.rows), "total": sum(by_reason.values()), "reasons": by_reason}
    links = {"next": next_link(request, after_line=page.last.line_no) if page.last else None}
    return RejectList.model_validate({"data": wire_rows(page.rows), "meta": meta, "links": links})


@router.get(
    "/manifest",
    operation_id="getManifest",
    dependencies=[ManifestApplied],
    summary="Which stages of a week and tier completed, by which execution and capture",
    response_model_exclude_unset=True,
    responses=problem_responses(400, 503),
)
async def manifest(pool: PoolDep, registry: RegistryDep, week_ending: WeekQ, tier: TierQ) -> ManifestList:
    prefix = _prefix(week_ending, tier)
    async with pool.acquire() as conn:
        entries = await manifest_queries.manifest_entries(conn, prefix)
        running = await manifest_queries.running_executions(conn, prefix)
    workflow = registry.workflow_of("finra.otc_transparency.ingest_week")
    reached = {entry.pipeline for entry in entries}
    missing = [p for p in (workflow.pipelines() if workflow else []) if p not in reached]
    meta = {"count": len(entries), "partition": prefix, "stages_missing": missing, "running": wire_rows(running)}
    return ManifestList.model_validate({"data": wire_rows(entries), "meta": meta})


@router.get(
    "/batches/{batch_id}",
    operation_id="getBatch",
    dependencies=[ManifestApplied],
    summary="Progress of a batch of chained runs (a --through run, a backfill)",
    response_model_exclude_unset=True,
    responses=problem_responses(404, 503),
)
async def batch(pool: PoolDep, registry: RegistryDep, batch_id: UUID) -> BatchItem:
    async with pool.acquire() as conn:
        executions = await batch_executions(conn, batch_id)
    if not executions:
        raise NotFound(f"no executions in batch {batch_id} yet", hint="a batch appears once its first run starts")
    return BatchItem.model_validate(
        {
            "data": {**batch_progress(executions, registry), "batch_id": str(batch_id)},
            "meta": {"count": len(executions)},
        }
    )


@router.get(
    "/lineage/{capture_id}",
    operation_id="getLineage",
    dependencies=[ManifestApplied],
    summary="Where a capture came from: its inputs, recursively",
    response_model_exclude_unset=True,
    responses=problem_responses(404, 503),
)
async def lineage(pool: PoolDep, capture_id: UUID) -> LineageList:
    async with pool.acquire() as conn:
        nodes = await manifest_queries.lineage(conn, capture_id)
    if not nodes:
        raise NotFound(f"no capture {capture_id}")
    return LineageList.model_validate({"data": wire_rows(nodes), "meta": {"count": len(nodes)}})
