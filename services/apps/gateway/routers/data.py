"""Data plane: FINRA OTC weeks, symbols and venue rows (latest capture unless asked)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query

from services.apps.gateway.deps import PoolDep
from services.apps.gateway.queries import finra
from spine_domains.finra_otc.tiers import Tier

router = APIRouter(prefix="/v1/data", tags=["data"])

TierQ = Annotated[str, Query(description="NMS_TIER_1, NMS_TIER_2 or OTC (also 'NMS Tier 1', 'tier1', 'T1', 'OTCE')")]
WeekQ = Annotated[date, Query(description="the Friday that ends the week, YYYY-MM-DD")]
CaptureQ = Annotated[UUID | None, Query(description="a specific capture (default: the latest)")]
AsOfQ = Annotated[datetime | None, Query(description="the latest capture completed at or before this time")]


@router.get("/weeks", summary="Weeks with data, by tier")
async def weeks(
    pool: PoolDep, tier: Annotated[str | None, Query(description="filter by tier")] = None
) -> dict[str, Any]:
    canonical = Tier.parse(tier).value if tier else None
    async with pool.acquire() as conn:
        data = await finra.weeks(conn, canonical)
    return {"data": data, "meta": {"count": len(data), "tier": canonical}}


@router.get("/symbols", summary="Symbols of a week by total volume, descending")
async def symbols(
    pool: PoolDep,
    week_ending: WeekQ,
    tier: TierQ,
    limit: Annotated[int, Query(ge=1, le=100_000)] = 20,
    capture_id: CaptureQ = None,
    as_of: AsOfQ = None,
) -> dict[str, Any]:
    async with pool.acquire() as conn:
        capture = await finra.ingest_capture(conn, week_ending, tier, capture_id, as_of)
        data = await finra.symbols(conn, capture.capture_id, limit)
    return {"data": data, "meta": {**capture.meta(), "count": len(data), "limit": limit}}


@router.get("/venue-volume", summary="Venue rows of a week (one per symbol and MPID), paged")
async def venue_volume(
    pool: PoolDep,
    week_ending: WeekQ,
    tier: TierQ,
    symbol: str | None = None,
    limit: Annotated[int, Query(ge=1, le=50_000)] = 1000,
    offset: Annotated[int, Query(ge=0)] = 0,
    capture_id: CaptureQ = None,
    as_of: AsOfQ = None,
    after_line: Annotated[int | None, Query(description="keyset paging: rows after this line_no")] = None,
) -> dict[str, Any]:
    async with pool.acquire() as conn:
        capture = await finra.ingest_capture(conn, week_ending, tier, capture_id, as_of)
        total, data = await finra.venue_rows(conn, capture.capture_id, symbol, limit, offset, after_line)
    return {
        "data": data,
        "meta": {**capture.meta(), "count": len(data), "total": total, "limit": limit, "offset": offset},
    }
