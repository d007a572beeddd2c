"""Data plane: FINRA OTC weeks, symbols and venue rows (latest capture unless asked)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query

from services.gateway.deps import PoolDep
from services.gateway.queries import finra
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.tiers import Tier

router = APIRouter(prefix="/v1/data", tags=["data"])

TierQ = Annotated[str, Query(description="NMS_TIER_1, NMS_TIER_2 or OTC (also 'NMS Tier 1', 'tier1', 'T1', 'OTCE')")]
WeekQ = Annotated[date, Query(description="the Friday that ends the week, YYYY-MM-DD")]


def _meta(ref: finra.CaptureRef, count: int, **extra: Any) -> dict[str, Any]:
    return {
        "week_ending": ref.week_ending.isoformat(),
        "tier": ref.tier,
        "capture_id": str(ref.capture_id),
        "captured_at": ref.captured_at.isoformat(),
        "latest_capture": ref.latest,
        "count": count,
        **extra,
    }


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
    capture_id: UUID | None = None,
) -> dict[str, Any]:
    week = WeekEnding(week_ending)
    async with pool.acquire() as conn:
        ref = await finra.resolve_capture(conn, week.value, Tier.parse(tier).value, capture_id)
        data = await finra.symbols(conn, ref.capture_id, limit)
    return {"data": data, "meta": _meta(ref, len(data), limit=limit)}


@router.get("/venue-volume", summary="Venue rows of a week (one per symbol and MPID), paged")
async def venue_volume(
    pool: PoolDep,
    week_ending: WeekQ,
    tier: TierQ,
    symbol: str | None = None,
    limit: Annotated[int, Query(ge=1, le=50_000)] = 1000,
    offset: Annotated[int, Query(ge=0)] = 0,
    capture_id: UUID | None = None,
) -> dict[str, Any]:
    week = WeekEnding(week_ending)
    async with pool.acquire() as conn:
        ref = await finra.resolve_capture(conn, week.value, Tier.parse(tier).value, capture_id)
        total, data = await finra.venue_rows(conn, ref.capture_id, symbol, limit, offset)
    return {"data": data, "meta": _meta(ref, len(data), total=total, limit=limit, offset=offset)}
