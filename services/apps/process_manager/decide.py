"""Pure decisions of the process manager: which commands follow a finished run."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from uuid import UUID

from contracts.commands import ParamValue, RunPipeline
from spine_core.errors import SpineError
from spine_core.framework.registry import PipelineRegistry

__all__ = ["RunRecord", "next_commands", "BACKFILL_PLAN_KEY"]

#: A planning run (backfill) lists in its completion details the weeks to ingest.
BACKFILL_PLAN_KEY = "plan"

Lane = Literal["normal", "backfill", "slow"]


@dataclass(frozen=True, slots=True)
class RunRecord:
    execution_id: UUID
    pipeline: str
    params: Mapping[str, Any]
    through: str | None
    stage_params: Mapping[str, Any]
    batch_id: UUID
    lane: str


def _accepted(registry: PipelineRegistry, pipeline: str, values: Mapping[str, Any]) -> dict[str, ParamValue]:
    """The values a pipeline takes (its declared parameters), leaving out what it does not know."""
    names = {spec.name for spec in registry.get(pipeline).param_specs()} - {"force", "calc_version"}
    return {k: v for k, v in values.items() if k in names and v is not None}


def next_commands(run: RunRecord, details: Mapping[str, Any], registry: PipelineRegistry) -> list[RunPipeline]:
    """Commands to issue after ``run`` completed or was skipped. Idempotency keys are derived from
    the batch, so a redelivered event issues the same commands (and JetStream/the worker dedupe)."""
    plan = details.get(BACKFILL_PLAN_KEY)
    if isinstance(plan, list):
        return _backfill(run, plan, details, registry)
    if not run.through:
        return []
    workflow = registry.workflow_of(run.pipeline)
    if workflow is None:
        return []
    commands = []
    for child in workflow.next_after(run.pipeline, run.through):
        params = _accepted(registry, child, {**run.stage_params, **run.params})
        partition = "/".join(f"{k}={params.get(k)}" for k in registry.get(child).partition_by)
        commands.append(_command(run, child, params, None, f"{run.batch_id}:{child}:{partition}"))
    return commands


def _backfill(
    run: RunRecord, plan: list[Any], details: Mapping[str, Any], registry: PipelineRegistry
) -> list[RunPipeline]:
    workflow_root = None
    through = str(details.get("through") or run.params.get("through") or "all")
    for wf in registry.workflows():
        if wf.root.endswith(".ingest_week") and wf.root.split(".")[0] == run.pipeline.split(".")[0]:
            workflow_root = wf.root
    if workflow_root is None:
        raise SpineError(f"no ingest workflow for {run.pipeline}")
    source_dir = str(run.params.get("source_dir") or "").strip("/")
    commands = []
    for item in plan:
        week, file = str(item["week_ending"]), str(item["file"])
        params = _accepted(
            registry, workflow_root, {**run.stage_params, "week_ending": week, "tier": run.params.get("tier")}
        )
        ref = f"{source_dir}/{file}" if source_dir else file
        key = f"{run.batch_id}:{workflow_root}:week_ending={week}"
        commands.append(_command(run, workflow_root, params, ref, key, through=through, lane="backfill"))
    return commands


def _command(
    run: RunRecord,
    pipeline: str,
    params: dict[str, ParamValue],
    file: str | None,
    key: str,
    *,
    through: str | None = None,
    lane: str | None = None,
) -> RunPipeline:
    chosen_lane = lane or run.lane
    assert chosen_lane in ("normal", "backfill", "slow")
    return RunPipeline.new(
        pipeline,
        params,
        file=file,
        trigger_source="scheduler",
        lane=chosen_lane,  # type: ignore[arg-type]
        idempotency_key=key,
        batch_id=run.batch_id,
        through=through or run.through,
        stage_params={k: v for k, v in run.stage_params.items()},
    )
