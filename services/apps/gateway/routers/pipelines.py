"""Control plane: list pipelines and publish RunPipeline commands."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from contracts.commands import ParamValue, RunPipeline
from services.adapters.commands import publish_run
from services.adapters.inbox import FileSource, resolve_in_inbox
from services.apps.gateway.deps import NatsDep, RegistryDep, SettingsDep
from spine_core.framework.describe import check_through, describe

router = APIRouter(prefix="/v1/pipelines", tags=["pipelines"])


class RunBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    params: dict[str, ParamValue] = Field(
        default_factory=dict, description="pipeline parameters, e.g. week_ending, tier, force"
    )
    file: str | None = Field(default=None, description="source file, relative to the inbox (see PUT /v1/inbox/{name})")
    lane: Literal["normal", "backfill", "slow"] = "normal"
    idempotency_key: str | None = Field(default=None, max_length=200, description="same key, same execution: one run")
    through: str | None = Field(
        default=None, description="also run the following stages of the workflow up to this one ('all' for every stage)"
    )
    stage_params: dict[str, ParamValue] = Field(
        default_factory=dict, description='parameters for the following stages, e.g. {"window": 4}'
    )


@router.get("", summary="List pipelines")
async def list_pipelines(registry: RegistryDep) -> dict[str, Any]:
    data = [describe(p) for p in registry.all()]
    return {"data": data, "meta": {"count": len(data)}}


@router.get("/{name}", summary="Describe a pipeline")
async def get_pipeline(name: str, registry: RegistryDep) -> dict[str, Any]:
    return {"data": describe(registry.get(name))}


@router.post("/{name}/run", status_code=202, summary="Run a pipeline (publishes a RunPipeline command)")
async def run_pipeline(
    name: str, body: RunBody, nc: NatsDep, settings: SettingsDep, registry: RegistryDep
) -> JSONResponse:
    pipeline = registry.get(name)
    pipeline.parse_params(body.params)  # refuse bad parameters now, not minutes later
    check_through(registry, pipeline.name, body.through)
    if body.file is not None:
        FileSource(resolve_in_inbox(settings.inbox, body.file), body.file)  # exists, readable, inside the inbox
    command = RunPipeline.new(
        pipeline.name,
        body.params,
        file=body.file,
        trigger_source="api",
        lane=body.lane,
        idempotency_key=body.idempotency_key,
        through=body.through,
        stage_params=body.stage_params,
    )
    duplicate = await publish_run(nc, command)
    poll = f"/v1/executions/{command.execution_id}"
    return JSONResponse(
        status_code=202,
        headers={"Location": poll},
        content={
            "data": {
                "execution_id": str(command.execution_id),
                "status": "queued",
                "poll": poll,
                "duplicate": duplicate,
                "idempotency_key": command.idempotency_key,
            }
        },
    )
