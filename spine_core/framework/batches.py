"""How far a batch of chained runs has come (a ``--through`` run, a backfill), and where it stopped.

A run's execution may carry a ``chain_error``: the process manager could not plan what follows
it (see :class:`spine_core.framework.chaining.ChainPlanningError`), so the stages after it were
never issued. Those stages are reported as failed, with the error, rather than waited for.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from spine_core.framework.registry import PipelineRegistry
from spine_core.framework.workflow import Workflow

__all__ = ["batch_progress", "NOT_ISSUED"]

_TERMINAL = {"completed", "skipped", "failed"}
_ENDED_WELL = {"completed", "skipped"}

#: The stage name a week gets when its ingest could not be issued by a failed backfill plan.
NOT_ISSUED = "(not issued)"


def _blocked(workflow: Workflow, pipeline: str, failed: set[str]) -> bool:
    """True when an ancestor of ``pipeline`` failed, so it will never be issued."""
    parent = workflow.parent(pipeline)
    while parent is not None:
        if parent in failed:
            return True
        parent = workflow.parent(parent)
    return False


def _from(workflow: Workflow, pipeline: str) -> set[str]:
    """``pipeline`` and every stage the workflow runs after it: what a chain started there can reach."""
    reached = [pipeline]
    for stage in reached:
        reached.extend(child for child in workflow.edges.get(stage, ()) if child not in reached)
    return set(reached)


def _not_issued(error: str) -> str:
    return f"not issued: {error}"


def _errors(group: Sequence[Mapping[str, Any]], workflow: Workflow | None, through: str | None) -> dict[str, str]:
    """Per stage, why it failed: the run's own error, or why it was never issued."""
    errors: dict[str, str] = {}
    for e in group:
        if e["status"] == "failed":
            error = e.get("error") or {}
            errors[e["pipeline"]] = str(error.get("message") or "failed") if isinstance(error, Mapping) else str(error)
    started = {e["pipeline"] for e in group}
    for e in group:
        if e.get("chain_error") and e["status"] in _ENDED_WELL and workflow and through:
            for child in workflow.next_after(e["pipeline"], through):
                if child not in started:
                    errors[child] = _not_issued(e["chain_error"])
    return errors


def batch_progress(executions: Sequence[Mapping[str, Any]], registry: PipelineRegistry) -> dict[str, Any]:
    """Group a batch's executions by week and say, per week and overall, what is still to come.

    A week is done when every stage in its ``through`` scope has ended, except stages below one
    that failed (they will not run), or that could not be issued (reported failed, with
    ``errors[stage]`` = ``"not issued: <why>"``). A backfill is done when its plan ran and every
    planned week is done; weeks its plan could not issue are failed as ``(not issued)``.
    ``position`` is the highest event-store position of the runs that ended: once ``done``, a read
    that waits for it sees every stage's results.
    """
    weeks: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    planners: list[Mapping[str, Any]] = []
    for execution in executions:
        week = (execution.get("params") or {}).get("week_ending")
        if week is None:
            planners.append(execution)
        else:
            weeks[str(week)].append(execution)

    expected_weeks: set[str] = set(weeks)
    planning_done = True
    unplanned: dict[str, str] = {}
    for planner in planners:
        if planner["status"] not in _TERMINAL:
            planning_done = False
        for item in (planner.get("details") or {}).get("plan") or []:
            expected_weeks.add(str(item["week_ending"]))
            if planner.get("chain_error") and planner["status"] in _ENDED_WELL:
                unplanned[str(item["week_ending"])] = _not_issued(planner["chain_error"])

    report: list[dict[str, Any]] = []
    for week in sorted(expected_weeks):
        group = weeks.get(week, [])
        by_pipeline = {e["pipeline"]: e for e in group}
        roots = [e for e in group if e.get("through")]
        workflow = registry.workflow_of(roots[0]["pipeline"]) if roots else None
        through = roots[0]["through"] if roots else None
        # A chain started mid-workflow (``compute_rolling --through all``) never runs the stages above it.
        expected = (
            set(workflow.scope(through)) & _from(workflow, roots[0]["pipeline"])
            if workflow and through
            else set(by_pipeline)
        )
        errors = _errors(group, workflow, through)
        if not group:
            expected = {"(not started)"}
            if week in unplanned:
                expected, errors = set(), {NOT_ISSUED: unplanned[week]}
        failed = {p for p, e in by_pipeline.items() if e["status"] == "failed"} | set(errors)
        pending = sorted(
            p for p in expected
            if (p not in by_pipeline or by_pipeline[p]["status"] not in _TERMINAL)
            and p not in errors
            and not (workflow and _blocked(workflow, p, failed))
        )  # fmt: skip
        report.append(
            {
                "week_ending": week,
                "done": not pending,
                "pending": pending,
                "failed": sorted(failed),
                "stages": {p: e["status"] for p, e in sorted(by_pipeline.items())}
                | {p: "failed" for p in errors if p not in by_pipeline and p != NOT_ISSUED},
                "errors": dict(sorted(errors.items())),
            }
        )
    done = planning_done and all(w["done"] for w in report)
    ended = [e["position"] for e in executions if e["status"] in _TERMINAL and e.get("position") is not None]
    return {
        "done": done,
        "weeks": report,
        "failed": sorted({f"{w['week_ending']}: {p}" for w in report for p in w["failed"]}),
        "executions": len(executions),
        "position": max(ended, default=None),
    }
