"""Data plane: FINRA OTC weeks, symbols and venue rows (latest capture unless asked)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.apps.gateway.deps import PoolDep
from services.apps.gateway.models import examples, problem_responses
from services.apps.gateway.models.data import SymbolList, VenueRowList, WeekList
from services.apps.gateway.models.examples import ok
from services.apps.gateway.queries import finra
from services.apps.gateway.routers.params import AsOfQ, CaptureQ, OffsetQ, TierQ, WeekQ
from spine_domains.finra_otc.tiers import Tier

router = APIRouter(prefix="/v1/data", tags=["data"])


@router.get(
    "/weeks",
    operation_id="listWeeks",
    summary="Weeks with data, by tier (latest capture of each)",
    response_model_exclude_unset=True,
    responses={**ok(examples.WEEKS), **problem_responses(400, 503)},
)
async def weeks(
    pool: PoolDep, tier: Annotated[str | None, Query(description="filter by tier", max_length=64)] = None
) -> WeekList:
    canonical = Tier.parse(tier).value if tier else None
    async with pool.acquire() as conn:
        data = await finra.weeks(conn, canonical)
    return WeekList.model_validate({"data": data, "meta": {"count": len(data), "tier": canonical}})


@router.get(
    "/symbols",
    operation_id="listSymbols",
    summary="Symbols of a week by total volume, descending",
    response_model_exclude_unset=True,
    responses={**ok(examples.SYMBOLS), **problem_responses(400, 404, 503)},
)
async def symbols(
    pool: PoolDep,
    week_ending: WeekQ,
    tier: TierQ,
    limit: Annotated[int, Query(ge=1, le=100_000)] = 20,
    capture_id: CaptureQ = None,
    as_of: AsOfQ = None,
) -> SymbolList:
    async with pool.acquire() as conn:
        capture = await finra.ingest_capture(conn, week_ending, tier, capture_id, as_of)
        data = await finra.symbols(conn, capture.capture_id, limit)
    return SymbolList.model_validate({"data": data, "meta": {**capture.meta(), "count": len(data), "limit": limit}})


@router.get(
    "/venue-volume",
    operation_id="listVenueVolume",
    summary="Venue rows of a week (one per symbol and MPID), paged",
    response_model_exclude_unset=True,
    responses=problem_responses(400, 404, 503),
)
async def venue_volume(
    pool: PoolDep,
    week_ending: WeekQ,
    tier: TierQ,
    symbol: Annotated[str | None, Query(description="only this symbol", max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=50_000)] = 1000,
    offset: OffsetQ = 0,
    capture_id: CaptureQ = None,
    as_of: AsOfQ = None,
    after_line: Annotated[
        int | None,
        Query(ge=0, le=2_147_483_647, description="keyset paging: the rows after this line_no (see meta.next_after_line)"),
    ] = None,
) -> VenueRowList:
    async with pool.acquire() as conn:
        capture = await finra.ingest_capture(conn, week_ending, tier, capture_id, as_of)
        total, data = await finra.venue_rows(conn, capture.capture_id, symbol, limit, offset, after_line)
    next_after = data[-1]["line_no"] if len(data) == limit else None
    meta = {
        **capture.meta(),
        "count": len(data),
        "total": total,
        "limit": limit,
        "offset": offset,
        "after_line": after_line,
        "next_after_line": next_after,
    }
    return VenueRowList.model_validate({"data": data, "meta": meta})
