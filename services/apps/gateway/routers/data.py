"""Data plane: FINRA OTC weeks, symbols and venue rows (latest capture unless asked), as JSON or
streamed CSV (``format=csv`` or ``Accept: text/csv``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from projections.finra_otc import exports
from projections.finra_otc import queries as finra
from projections.finra_otc.views import VENUE_ROW_COLUMNS
from projections.querying import columns_of, stream_rows
from services.apps.gateway.consistency import FinraApplied
from services.apps.gateway.csv_export import FormatQ, csv_filename, csv_ok, csv_response, wants_csv
from services.apps.gateway.deps import PoolDep
from services.apps.gateway.models import examples, problem_responses
from services.apps.gateway.models.data import SymbolList, VenueRowList, VenueRowsMeta, WeekList
from services.apps.gateway.models.envelope import PageLinks
from services.apps.gateway.models.wire import capture_fields, wire_rows
from services.apps.gateway.paging import json_page_answer, next_link
from services.apps.gateway.routers.params import AsOfQ, CaptureQ, OffsetQ, TierQ, WeekQ
from spine_domains.finra_otc.tiers import Tier

router = APIRouter(prefix="/v1/data", tags=["data"])

#: JSON pages' default sizes (a CSV download without a limit has every row).
SYMBOLS_LIMIT = 20
VENUE_ROWS_LIMIT = 1000

_WEEKS_CSV = ",".join(columns_of(finra.WeekRow)) + "\r\n"
_SYMBOLS_CSV = ",".join(columns_of(finra.SymbolRow)) + "\r\nAAPL,Apple Inc. Common Stock,1200,34,3\r\n"
_VENUE_CSV = (
    ",".join(VENUE_ROW_COLUMNS) + "\r\n1,AAPL,Apple Inc.,NITE,VIRTU AMERICAS LLC,1200,34,2025-12-01,ATS_W_SMBL,\r\n"
)


@router.get(
    "/weeks",
    operation_id="listWeeks",
    dependencies=[FinraApplied],
    summary="Weeks with data, by tier (latest capture of each)",
    response_model=WeekList,
    response_model_exclude_unset=True,
    responses={**csv_ok(examples.WEEKS, _WEEKS_CSV), **problem_responses(400, 503)},
)
async def weeks(
    request: Request,
    pool: PoolDep,
    tier: Annotated[str | None, Query(description="filter by tier", max_length=64)] = None,
    format: FormatQ = None,
) -> WeekList | Response:
    canonical = Tier.parse(tier).value if tier else None
    if wants_csv(request, format):
        return csv_response(stream_rows(pool, exports.weeks(canonical)), csv_filename("weeks", canonical))
    async with pool.acquire() as conn:
        rows = await finra.weeks(conn, canonical)
    return WeekList.model_validate({"data": wire_rows(rows), "meta": {"count": len(rows), "tier": canonical}})


@router.get(
    "/symbols",
    operation_id="listSymbols",
    dependencies=[FinraApplied],
    summary="Symbols of a week by total volume, descending",
    response_model=SymbolList,
    response_model_exclude_unset=True,
    responses={**csv_ok(examples.SYMBOLS, _SYMBOLS_CSV), **problem_responses(400, 404, 503)},
)
async def symbols(
    request: Request,
    pool: PoolDep,
    week_ending: WeekQ,
    tier: TierQ,
    limit: Annotated[int | None, Query(ge=1, le=100_000, description=f"default {SYMBOLS_LIMIT} (CSV: all)")] = None,
    capture_id: CaptureQ = None,
    as_of: AsOfQ = None,
    format: FormatQ = None,
) -> SymbolList | Response:
    async with pool.acquire() as conn:
        capture = await finra.ingest_capture(conn, week_ending, tier, capture_id, as_of)
        if wants_csv(request, format):
            name = csv_filename("symbols", capture.week_ending, capture.tier, str(capture.capture_id)[:8])
            return csv_response(stream_rows(pool, exports.symbols(capture.capture_id, limit)), name)
        limit = limit or SYMBOLS_LIMIT
        rows = await finra.symbols(conn, capture.capture_id, limit)
    meta = {**capture_fields(capture), "count": len(rows), "limit": limit}
    return SymbolList.model_validate({"data": wire_rows(rows), "meta": meta})


@router.get(
    "/venue-volume",
    operation_id="listVenueVolume",
    dependencies=[FinraApplied],
    summary="Venue rows of a week (one per symbol and MPID), paged; as CSV, the whole capture",
    response_model=VenueRowList,
    response_model_exclude_unset=True,
    responses={**csv_ok(None, _VENUE_CSV), **problem_responses(400, 404, 503)},
)
async def venue_volume(
    request: Request,
    pool: PoolDep,
    week_ending: WeekQ,
    tier: TierQ,
    symbol: Annotated[str | None, Query(description="only this symbol", max_length=64)] = None,
    limit: Annotated[
        int | None, Query(ge=1, le=50_000, description=f"default {VENUE_ROWS_LIMIT} (CSV: every row)")
    ] = None,
    offset: OffsetQ = 0,
    capture_id: CaptureQ = None,
    as_of: AsOfQ = None,
    after_line: Annotated[
        int | None,
        Query(
            ge=0, le=2_147_483_647, description="keyset paging: the rows after this line_no (see meta.next_after_line)"
        ),
    ] = None,
    format: FormatQ = None,
) -> VenueRowList | Response:
    async with pool.acquire() as conn:
        capture = await finra.ingest_capture(conn, week_ending, tier, capture_id, as_of)
        if wants_csv(request, format):
            export = exports.venue_rows(capture.capture_id, symbol, limit, offset, after_line)
            name = csv_filename("venue-volume", capture.week_ending, capture.tier, symbol, str(capture.capture_id)[:8])
            return csv_response(stream_rows(pool, export), name)
        limit = limit or VENUE_ROWS_LIMIT
        page = await finra.venue_rows_json(conn, capture, symbol, limit, offset, after_line)
    meta = {
        **capture_fields(capture),
        "count": page.count,
        "total": page.total,
        "limit": limit,
        "offset": offset,
        "after_line": after_line,
        "next_after_line": page.last_key,
    }
    next_page = None if page.last_key is None else next_link(request, after_line=page.last_key)
    return json_page_answer(page.rows_json, VenueRowsMeta.model_validate(meta), PageLinks(next=next_page))
