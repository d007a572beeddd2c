"""How far a batch of chained runs has come (a ``--through`` run, a backfill)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from spine_core.framework.registry import PipelineRegistry
from spine_core.framework.workflow import Workflow

__all__ = ["batch_progress"]

_TERMINAL = {"completed", "skipped", "failed"}


def _blocked(workflow: Workflow, pipeline: str, failed: set[str]) -> bool:
    """True when an ancestor of ``pipeline`` failed, so it will never be issued."""
    parent = workflow.parent(pipeline)
    while parent is not None:
        if parent in failed:
            return True
        parent = workflow.parent(parent)
    return False


def batch_progress(executions: Sequence[Mapping[str, Any]], registry: PipelineRegistry) -> dict[str, Any]:
    """Group a batch's executions by week and say, per week and overall, what is still to come.

    A week is done when every stage in its ``through`` scope has ended, except stages below one
    that failed (they will not run). A backfill is done when its plan ran and every planned week
    is done.
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
    for planner in planners:
        if planner["status"] not in _TERMINAL:
            planning_done = False
        for item in (planner.get("details") or {}).get("plan") or []:
            expected_weeks.add(str(item["week_ending"]))

    report: list[dict[str, Any]] = []
    for week in sorted(expected_weeks):
        group = weeks.get(week, [])
        by_pipeline = {e["pipeline"]: e for e in group}
        roots = [e for e in group if e.get("through")]
        workflow = registry.workflow_of(roots[0]["pipeline"]) if roots else None
        through = roots[0]["through"] if roots else None
        expected = set(workflow.scope(through)) if workflow and through else set(by_pipeline)
        if not group:
            expected = {"(not started)"}
        failed = {p for p, e in by_pipeline.items() if e["status"] == "failed"}
        pending = sorted(
            p for p in expected
            if (p not in by_pipeline or by_pipeline[p]["status"] not in _TERMINAL)
            and not (workflow and _blocked(workflow, p, failed))
        )  # fmt: skip
        report.append(
            {
                "week_ending": week,
                "done": not pending,
                "pending": pending,
                "failed": sorted(failed),
                "stages": {p: e["status"] for p, e in sorted(by_pipeline.items())},
            }
        )
    done = planning_done and all(w["done"] for w in report)
    return {
        "done": done,
        "weeks": report,
        "failed": sorted({f"{w['week_ending']}: {p}" for w in report for p in w["failed"]}),
        "executions": len(executions),
    }
