"""Data plane: every calc's read model, latest capture of the current calc version by default.

Each endpoint takes ``week_ending`` and ``tier``, and for point in time ``capture_id`` or
``as_of`` (capture time). ``calc_version`` asks for a specific version; a deprecated one is
served with a warning in ``meta.warning``; an unknown one is a 404 naming the known versions.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query

from projections.finra_otc.views import CALC_VIEWS, CalcView
from services.apps.gateway.deps import PoolDep, RegistryDep
from services.apps.gateway.queries import finra
from spine_core.framework.registry import PipelineRegistry
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.tiers import Tier

router = APIRouter(prefix="/v1", tags=["calcs"])


def partition_params(
    registry: PipelineRegistry,
    pipeline_name: str,
    week_ending: date,
    tier: str,
    calc_version: str | None,
    **extra: Any,
) -> tuple[Any, dict[str, Any], Any]:
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


def _handler(view: CalcView) -> Callable[..., Awaitable[dict[str, Any]]]:
    async def handler(
        pool: PoolDep,
        registry: RegistryDep,
        week_ending: Annotated[date, Query(description="the Friday that ends the week")],
        tier: Annotated[str, Query(description="NMS_TIER_1, NMS_TIER_2 or OTC")],
        symbol: Annotated[str | None, Query(description="only this symbol")] = None,
        limit: Annotated[int, Query(ge=1, le=100_000)] = 100,
        offset: Annotated[int, Query(ge=0)] = 0,
        calc_version: Annotated[str | None, Query(description="a calc version, e.g. v1 (default: current)")] = None,
        capture_id: Annotated[UUID | None, Query(description="a specific capture (default: latest)")] = None,
        as_of: Annotated[
            datetime | None, Query(description="the latest capture completed at or before this time")
        ] = None,
        window: Annotated[int | None, Query(ge=1, le=52, description="rolling window in weeks (rolling only)")] = None,
    ) -> dict[str, Any]:
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
            total, rows = await finra.table_rows(
                conn,
                view.table,
                capture.capture_id,
                view.columns,
                view.order_by,
                symbol=symbol,
                limit=limit,
                offset=offset,
            )
        meta = {**capture.meta(), "count": len(rows), "total": total, "limit": limit, "offset": offset}
        if resolved.warning:
            meta["warning"] = resolved.warning
        return {"data": rows, "meta": meta}

    handler.__name__ = view.path.replace("-", "_")
    return handler


for _view in CALC_VIEWS:
    router.add_api_route(f"/data/{_view.path}", _handler(_view), methods=["GET"], summary=_view.summary)


@router.get("/calcs", summary="The calc registry: versions, current, deprecated")
async def calcs(registry: RegistryDep) -> dict[str, Any]:
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
    return {"data": data, "meta": {"count": len(data)}}
