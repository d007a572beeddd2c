"""What this gateway can do, as flags: read from its settings, its calc registry and its own routes
(a feature is advertised only when the route that serves it is mounted)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from contracts.subjects import LANES
from services.apps.gateway.deps import RegistryDep, SettingsDep
from services.apps.gateway.models import problem_responses
from services.apps.gateway.models.capabilities import CalcVersions, Capabilities, CapabilitiesItem
from spine_core.framework.registry import PipelineRegistry

router = APIRouter(prefix="/v1", tags=["meta"])

CSV_MEDIA_TYPE = "text/csv"
#: The OpenAPI document as FastAPI builds it (JSON).
OpenApiDocument = dict[str, Any]


def _document(request: Request) -> OpenApiDocument:
    """The gateway's own OpenAPI document (built once, then cached by FastAPI): every mounted
    operation, whichever router it was included through."""
    document: OpenApiDocument = request.app.openapi()
    return document


def _operations(document: OpenApiDocument) -> set[str]:
    return {op["operationId"] for item in document.get("paths", {}).values() for op in item.values()
            if isinstance(op, dict) and "operationId" in op}  # fmt: skip


def _serves_csv(document: OpenApiDocument) -> bool:
    return any(
        CSV_MEDIA_TYPE in ((op.get("responses") or {}).get("200", {}).get("content") or {})
        for item in document.get("paths", {}).values()
        for op in item.values()
        if isinstance(op, dict)
    )


def _calc_versions(registry: PipelineRegistry) -> dict[str, CalcVersions]:
    out: dict[str, CalcVersions] = {}
    for pipeline in registry.all():
        if not pipeline.calc or pipeline.calc_registry is None:
            continue
        versions = pipeline.calc_registry.versions(pipeline.calc)
        out[pipeline.calc] = CalcVersions(
            current=pipeline.calc_registry.current(pipeline.calc).version,
            versions=[v.version for v in versions],
            deprecated=[v.version for v in versions if v.deprecated],
        )
    return out


@router.get(
    "/capabilities",
    operation_id="getCapabilities",
    summary="Feature flags of this gateway: tier, event store, replay, lanes, auth, calc versions, CSV...",
    response_model_exclude_unset=True,
    responses=problem_responses(),
)
async def capabilities(request: Request, settings: SettingsDep, registry: RegistryDep) -> CapabilitiesItem:
    document = _document(request)
    operations = _operations(document)
    paths = document.get("paths", {})
    flags = Capabilities(
        tier="full",
        event_store="listEvents" in operations,
        replay="startReplay" in operations,
        lanes=list(LANES),
        auth_enabled=not settings.auth_disabled,
        public_reads=settings.public_reads and not settings.auth_disabled,
        metrics_public=settings.metrics_public or settings.auth_disabled,
        calc_versions=_calc_versions(registry),
        csv_export=_serves_csv(document),
        keyset_paging="listVenueVolume" in operations,
        point_in_time=True,
        asyncapi=any("asyncapi" in path for path in paths),
        execution_events="listExecutionEvents" in operations,
    )
    return CapabilitiesItem(data=flags)
