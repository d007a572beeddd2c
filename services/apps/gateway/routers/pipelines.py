"""Control plane: list pipelines and publish RunPipeline commands."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from contracts.commands import ParamValue, RunPipeline
from services.adapters.commands import publish_run
from services.apps.gateway.deps import CommandDep, RegistryDep
from services.apps.gateway.files import check_file
from services.apps.gateway.models import CountMeta, examples, problem_responses
from services.apps.gateway.models.examples import ok
from services.apps.gateway.models.inputs import refuse_nul
from services.apps.gateway.models.pipelines import (
    PipelineItem,
    PipelineList,
    RunAccepted,
    RunAcceptedItem,
    RunEndedItem,
)
from services.apps.gateway.run_wait import MAX_WAIT_S, answer_after
from spine_core.framework.describe import check_through, describe

router = APIRouter(prefix="/v1/pipelines", tags=["pipelines"])


class RunBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    params: dict[str, ParamValue] = Field(
        default_factory=dict, description="pipeline parameters, e.g. week_ending, tier, force"
    )
    file: str | None = Field(
        default=None, description="source file: the reference an upload answered (PUT /v1/inbox/{name})"
    )
    lane: Literal["normal", "backfill", "slow"] = "normal"
    idempotency_key: str | None = Field(default=None, max_length=200, description="same key, same execution: one run")
    through: str | None = Field(
        default=None, description="also run the following stages of the workflow up to this one ('all' for every stage)"
    )
    stage_params: dict[str, ParamValue] = Field(
        default_factory=dict, description='parameters for the following stages, e.g. {"window": 4}'
    )

    @field_validator("*", mode="before")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        return refuse_nul(value)


_RUN_EXAMPLES: dict[str, Any] = {
    "ingest": {
        "summary": "Ingest an uploaded week and compute every stage",
        "value": {
            "params": {"week_ending": "2025-11-14", "tier": "NMS_TIER_1"},
            "file": "uploads/24376b5d07105225-finra_2025-11-14.psv",
            "through": "all",
        },
    },
    "calc": {
        "summary": "Compute a 4-week rolling window",
        "value": {"params": {"week_ending": "2025-11-14", "tier": "NMS_TIER_1", "window": 4}},
    },
}


@router.get(
    "",
    operation_id="listPipelines",
    summary="List pipelines",
    response_model_exclude_unset=True,
    responses={**ok(examples.PIPELINES), **problem_responses()},
)
async def list_pipelines(registry: RegistryDep) -> PipelineList:
    data = [describe(p) for p in registry.all()]
    return PipelineList.model_validate({"data": data, "meta": CountMeta(count=len(data))})


@router.get(
    "/{name}",
    operation_id="getPipeline",
    summary="Describe a pipeline",
    response_model_exclude_unset=True,
    responses=problem_responses(404),
)
async def get_pipeline(name: str, registry: RegistryDep) -> PipelineItem:
    return PipelineItem.model_validate({"data": describe(registry.get(name))})


@router.post(
    "/{name}/run",
    status_code=202,
    operation_id="runPipeline",
    summary="Run a pipeline (publishes a RunPipeline command)",
    response_model=RunAcceptedItem,
    description="Checks the parameters, the `through` stage and the file now, then queues the command; "
    "follow the execution at the `Location` header (`data.poll`). With `wait`, answers 200 with the result "
    "and its `position` if the run (with `through`: every stage) ended within that many seconds; pass "
    "`position` as `min_position` to the data routes to read what it wrote.",
    response_model_exclude_unset=True,
    responses={
        202: {
            "description": "Queued (or, with `wait`, not ended in time): `position` is null until the run ends",
            "headers": {"Location": {"description": "the execution's URL", "schema": {"type": "string"}}},
            "content": {
                "application/json": {
                    "example": {
                        "data": {
                            "execution_id": "1cf7e491-c71f-5b1a-b5b6-20b916cba1a1",
                            "status": "queued",
                            "poll": "/v1/executions/1cf7e491-c71f-5b1a-b5b6-20b916cba1a1",
                            "duplicate": False,
                            "idempotency_key": "9a0ac973-c2d4-425d-9480-89fc35d8bd7f",
                        }
                    }
                }
            },
        },
        200: {
            "model": RunEndedItem,
            "description": "With `wait`: the run ended in time",
            "headers": {"Location": {"description": "the execution's URL", "schema": {"type": "string"}}},
            "content": {"application/json": {"example": examples.RUN_ENDED}},
        },
        **problem_responses(400, 404, 503),
    },
)
async def run_pipeline(
    name: str,
    body: Annotated[RunBody, Body(openapi_examples=_RUN_EXAMPLES)],
    context: CommandDep,
    response: Response,
    wait: Annotated[
        float | None,
        Query(ge=0, le=MAX_WAIT_S, description="seconds to wait for the run to end (see 200)", examples=[30]),
    ] = None,
) -> RunAcceptedItem | Response:
    state, registry = context.state, context.registry
    pipeline = registry.get(name)
    pipeline.parse_params(body.params)  # refuse bad parameters now, not minutes later
    check_through(registry, pipeline.name, body.through)
    if body.file is not None:
        await check_file(state, body.file)
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
    duplicate = await publish_run(context.nats, command)
    poll = f"/v1/executions/{command.execution_id}"
    response.headers["Location"] = poll
    accepted = RunAccepted(
        execution_id=str(command.execution_id),
        status="queued",
        poll=poll,
        duplicate=duplicate,
        idempotency_key=command.idempotency_key,
        position=None,
        batch=f"/v1/batches/{command.batch_id or command.execution_id}" if body.through else None,
    )
    if wait is not None:
        return await answer_after(await state.pool(), registry, accepted, wait)
    return RunAcceptedItem(data=accepted)
