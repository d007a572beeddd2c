"""Chaining stages: which runs follow a finished run of a workflow (the process manager's decision).

The decision is pure: a finished run (what it asked for, and its completion details) and the
registry in, a list of :class:`NextRun` out. It knows nothing of the wire: the process manager
translates each :class:`NextRun` into a ``RunPipeline`` command at its edge, where the execution
id is derived from the idempotency key. Idempotency keys derive from the batch, so a redelivered
event plans the same runs and JetStream and the worker deduplicate them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from uuid import UUID

from spine_core.errors import SpineError
from spine_core.framework.registry import PipelineRegistry

__all__ = [
    "CHAIN_EVENT_TYPES",
    "CHAIN_PROJECTION",
    "BACKFILL_PLAN_KEY",
    "ChainPlanningError",
    "Lane",
    "NextRun",
    "RunRecord",
    "next_runs",
]

#: The run events the process manager applies: a request records a run, an end issues what follows.
CHAIN_EVENT_TYPES = frozenset({"RunRequested", "RunCompleted", "RunSkipped", "RunFailed"})

#: The projection that chains runs (the process manager): its dead letters stop a chain.
CHAIN_PROJECTION = "process_manager"

#: A planning run (backfill) lists in its completion details the weeks to ingest.
BACKFILL_PLAN_KEY = "plan"

Lane = Literal["normal", "backfill", "slow"]
_LANES: tuple[Lane, ...] = ("normal", "backfill", "slow")

Param = str | int | float | bool | None


class ChainPlanningError(SpineError):
    """The runs that follow a finished run could not be planned: the chain stops there.

    Raised (never logged and dropped) so the process manager's projector retries the event and,
    after its set number of attempts, dead-letters it; the batch view shows the error.
    """

    code = "chain_planning_failed"


@dataclass(frozen=True, slots=True)
class RunRecord:
    """What a run asked for, as the process manager recorded it from its ``RunRequested``."""

    execution_id: UUID
    pipeline: str
    params: Mapping[str, Any]
    through: str | None
    stage_params: Mapping[str, Any]
    batch_id: UUID
    lane: str


@dataclass(frozen=True, slots=True)
class NextRun:
    """One run to request next: everything a ``RunPipeline`` command needs but its execution id,
    which the edge derives from ``idempotency_key``."""

    pipeline: str
    params: dict[str, Param]
    idempotency_key: str
    batch_id: UUID
    lane: Lane
    through: str | None
    stage_params: dict[str, Param] = field(default_factory=dict)
    file: str | None = None


def next_runs(run: RunRecord, details: Mapping[str, Any], registry: PipelineRegistry) -> list[NextRun]:
    """Runs to request after ``run`` completed or was skipped (with completion ``details``).

    Raises :class:`ChainPlanningError` (chained to the cause) when they cannot be planned.
    """
    try:
        plan = details.get(BACKFILL_PLAN_KEY)
        if isinstance(plan, list):
            return _backfill(run, plan, details, registry)
        return _following_stages(run, registry)
    except Exception as exc:
        raise ChainPlanningError(
            f"cannot plan the stages after {run.pipeline} (execution {run.execution_id}): {type(exc).__name__}: {exc}",
            hint="fix the cause, then retry the process manager's dead letter",
        ) from exc


def _following_stages(run: RunRecord, registry: PipelineRegistry) -> list[NextRun]:
    if not run.through:
        return []
    workflow = registry.workflow_of(run.pipeline)
    if workflow is None:
        return []
    runs = []
    for child in workflow.next_after(run.pipeline, run.through):
        params = _accepted(registry, child, {**run.stage_params, **run.params})
        partition = "/".join(f"{k}={params.get(k)}" for k in registry.get(child).partition_by)
        runs.append(_next(run, child, params, None, f"{run.batch_id}:{child}:{partition}"))
    return runs


def _backfill(run: RunRecord, plan: list[Any], details: Mapping[str, Any], registry: PipelineRegistry) -> list[NextRun]:
    workflow_root = None
    through = str(details.get("through") or run.params.get("through") or "all")
    for wf in registry.workflows():
        if wf.root.endswith(".ingest_week") and wf.root.split(".")[0] == run.pipeline.split(".")[0]:
            workflow_root = wf.root
    if workflow_root is None:
        raise SpineError(f"no ingest workflow for {run.pipeline}")
    source_dir = str(run.params.get("source_dir") or "").strip("/")
    runs = []
    for item in plan:
        week, file = str(item["week_ending"]), str(item["file"])
        params = _accepted(
            registry, workflow_root, {**run.stage_params, "week_ending": week, "tier": run.params.get("tier")}
        )
        ref = f"{source_dir}/{file}" if source_dir else file
        key = f"{run.batch_id}:{workflow_root}:week_ending={week}"
        runs.append(_next(run, workflow_root, params, ref, key, through=through, lane="backfill"))
    return runs


def _accepted(registry: PipelineRegistry, pipeline: str, values: Mapping[str, Any]) -> dict[str, Param]:
    """The values a pipeline takes (its declared parameters), leaving out what it does not know."""
    names = {spec.name for spec in registry.get(pipeline).param_specs()} - {"force", "calc_version"}
    return {k: v for k, v in values.items() if k in names and v is not None}


def _next(
    run: RunRecord,
    pipeline: str,
    params: dict[str, Param],
    file: str | None,
    key: str,
    *,
    through: str | None = None,
    lane: Lane | None = None,
) -> NextRun:
    chosen = next((known for known in _LANES if known == (lane or run.lane)), None)
    if chosen is None:
        raise SpineError(f"run {run.execution_id} is on an unknown lane {run.lane!r}")
    return NextRun(
        pipeline=pipeline,
        params=params,
        idempotency_key=key,
        batch_id=run.batch_id,
        lane=chosen,
        through=through or run.through,
        stage_params=dict(run.stage_params),
        file=file,
    )
