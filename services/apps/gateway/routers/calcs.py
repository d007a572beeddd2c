"""Data plane: every calc's read model, latest capture of the current calc version by default.

Each endpoint takes ``week_ending`` and ``tier``, and for point in time ``capture_id`` or
``as_of`` (capture time). ``calc_version`` asks for a specific version; a deprecated one is
served with a warning in ``meta.warning``; an unknown one is a 404 naming the known versions.
The columns of the rows differ by calc: ``meta.columns`` lists them, in order. ``format=csv``
(or ``Accept: text/csv``) streams the rows as CSV, every row of the capture without a ``limit``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from projections.finra_otc import exports
from projections.finra_otc import queries as finra
from projections.finra_otc.views import CALC_VIEWS, CalcView
from projections.querying import stream_rows
from services.apps.gateway.consistency import FinraApplied
from services.apps.gateway.csv_export import FormatQ, csv_filename, csv_ok, csv_response, wants_csv
from services.apps.gateway.deps import PoolDep, RegistryDep
from services.apps.gateway.models import problem_responses
from services.apps.gateway.models.data import CalcList, CalcRowList
from services.apps.gateway.models.wire import calc_fields, capture_fields
from services.apps.gateway.routers.params import AsOfQ, CaptureQ, OffsetQ, TierQ, WeekQ
from spine_core.calcs import ResolvedCalc
from spine_core.errors import InvalidParameter
from spine_core.framework.pipeline import Pipeline
from spine_core.framework.registry import PipelineRegistry
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.tiers import Tier

router = APIRouter(prefix="/v1", tags=["calcs"])

#: A JSON page's default size (a CSV download without a limit has every row).
CALC_LIMIT = 100

_CALC_EXAMPLE = {
    "data": [
        {
            "rank": 1,
            "venue_id": "ITGP",
            "venue_name": "ITGP POSIT",
            "venue_kind": "ATS",
            "total_shares": 1074739006,
            "total_trades": 4722390,
            "symbol_count": 13,
            "share": 0.51039588705,
        }
    ],
    "meta": {
        "capture_id": "e83c142d-e9e1-4a59-80b0-052194a3087c",
        "pipeline": "finra.otc_transparency.compute_venue_share",
        "week_ending": "2025-11-14",
        "tier": "NMS_TIER_1",
        "captured_at": "2025-12-01T09:03:29.734535+00:00",
        "source_updated": "2025-12-01",
        "latest_capture": True,
        "calc": {"name": "venue_share", "version": "v2"},
        "inputs": [
            {
                "role": "normalized",
                "pipeline": "finra.otc_transparency.normalize_week",
                "capture_id": "94073fe2-1628-4ace-b2de-595e57079ed9",
                "partition_key": "week_ending=2025-11-14/tier=NMS_TIER_1",
            }
        ],
        "count": 1,
        "total": 31,
        "limit": 1,
        "offset": 0,
        "columns": [
            "rank",
            "venue_id",
            "venue_name",
            "venue_kind",
            "total_shares",
            "total_trades",
            "symbol_count",
            "share",
        ],
    },
}


def partition_params(
    registry: PipelineRegistry,
    pipeline_name: str,
    week_ending: date,
    tier: str,
    calc_version: str | None,
    **extra: Any,
) -> tuple[Pipeline, dict[str, Any], ResolvedCalc]:
    """The pipeline, its partition parameters (defaults filled) and the resolved calc version."""
    pipeline = registry.get(pipeline_name)
    assert pipeline.calc is not None and pipeline.calc_registry is not None
    resolved = pipeline.calc_registry.resolve(pipeline.calc, calc_version)
    params: dict[str, Any] = {spec.name: spec.default for spec in pipeline.param_specs()}
    params.update({k: v for k, v in extra.items() if v is not None})
    params.update(
        {"week_ending": WeekEnding(week_ending), "tier": Tier.parse(tier).value, "calc_version": resolved.version}
    )
    return pipeline, params, resolved


def _operation_id(view: CalcView) -> str:
    """``venue-shares`` -> ``listVenueShares``."""
    return "list" + "".join(part.capitalize() for part in view.path.split("-"))


def _handler(view: CalcView) -> Callable[..., Awaitable[CalcRowList | Response]]:
    async def handler(
        request: Request,
        pool: PoolDep,
        registry: RegistryDep,
        week_ending: WeekQ,
        tier: TierQ,
        symbol: Annotated[str | None, Query(description="only this symbol", max_length=64)] = None,
        limit: Annotated[int | None, Query(ge=1, le=100_000, description=f"default {CALC_LIMIT} (CSV: all)")] = None,
        offset: OffsetQ = 0,
        calc_version: Annotated[
            str | None, Query(description="a calc version, e.g. v1 (default: current)", max_length=64)
        ] = None,
        capture_id: CaptureQ = None,
        as_of: AsOfQ = None,
        window: Annotated[int | None, Query(ge=1, le=52, description="rolling window in weeks (rolling only)")] = None,
        format: FormatQ = None,
    ) -> CalcRowList | Response:
        if symbol is not None and "symbol" not in view.columns:
            raise InvalidParameter(
                f"{view.path} rows have no symbol: the symbol filter does not apply",
                hint=f"its columns: {', '.join(view.columns)}",
            )
        pipeline, params, resolved = partition_params(
            registry, view.pipeline, week_ending, tier, calc_version, window=window
        )
        key = pipeline.partition_key(params)
        command = f"spine run {pipeline.name} --week-ending {params['week_ending']} --tier {params['tier']}"
        if "window" in params and "window" in pipeline.partition_by:
            command += f" -p window={params['window']}"
        if calc_version:
            command += f" -p calc_version={resolved.version}"
        async with pool.acquire() as conn:
            capture = await finra.resolve_capture(
                conn,
                pipeline.name,
                key,
                what=f"{view.path} ({pipeline.calc} {resolved.version}) for week ending {params['week_ending']} and tier {params['tier']}",
                capture_id=capture_id,
                as_of=as_of,
                hint=f"compute it with `{command}` (or ingest the week with --through all)",
            )
            if wants_csv(request, format):
                export = exports.table_rows(
                    view.table, capture.capture_id, view.columns, view.order_by,
                    symbol=symbol, limit=limit, offset=offset,
                )  # fmt: skip
                name = csv_filename(view.path, params["week_ending"], params["tier"], resolved.version, symbol)
                return csv_response(stream_rows(pool, export), name)
            limit = limit or CALC_LIMIT
            page = await finra.calc_rows(
                conn,
                view.table,
                capture.capture_id,
                view.columns,
                view.order_by,
                symbol=symbol,
                limit=limit,
                offset=offset,
            )
        meta = {
            **capture_fields(capture),
            "count": len(page.rows),
            "total": page.total,
            "limit": limit,
            "offset": offset,
        }
        meta["columns"] = list(view.columns)
        if resolved.warning:
            meta["warning"] = resolved.warning
        return CalcRowList.model_validate({"data": calc_fields(page), "meta": meta})

    handler.__name__ = view.path.replace("-", "_")
    return handler


for _view in CALC_VIEWS:
    router.add_api_route(
        f"/data/{_view.path}",
        _handler(_view),
        methods=["GET"],
        response_model=CalcRowList,
        operation_id=_operation_id(_view),
        dependencies=[FinraApplied],
        summary=_view.summary,
        response_model_exclude_unset=True,
        responses={
            **csv_ok(_CALC_EXAMPLE, ",".join(_view.columns) + "\r\n"),
            **problem_responses(400, 404, 503),
        },
    )


@router.get(
    "/calcs",
    operation_id="listCalcs",
    summary="The calc registry: versions, current, deprecated",
    response_model_exclude_unset=True,
    responses=problem_responses(),
)
async def calcs(registry: RegistryDep) -> CalcList:
    data = []
    for pipeline in registry.all():
        if not pipeline.calc or pipeline.calc_registry is None:
            continue
        calc_registry = pipeline.calc_registry
        current = calc_registry.current(pipeline.calc).version
        data.append(
            {
                "calc": pipeline.calc,
                "pipeline": pipeline.name,
                "current": current,
                "versions": [
                    {
                        "version": v.version,
                        "deprecated": v.deprecated,
                        "note": v.deprecation_note or None,
                        "description": v.description,
                    }
                    for v in calc_registry.versions(pipeline.calc)
                ],
            }
        )
    return CalcList.model_validate({"data": data, "meta": {"count": len(data)}})
