"""Batch progress: a chained run is done when every stage in scope ended, or is below a failure."""

from __future__ import annotations

from typing import Any

import pytest

import spine_domains
from spine_core.framework.batches import batch_progress
from spine_core.framework.registry import PipelineRegistry

P = "finra.otc_transparency."


@pytest.fixture
def registry() -> PipelineRegistry:
    return spine_domains.build_registry()


def _e(
    pipeline: str, status: str, week: str | None = "2025-11-14", through: str | None = None, **extra: Any
) -> dict[str, Any]:
    params = {"week_ending": week} if week else {}
    return {"pipeline": P + pipeline, "status": status, "params": params, "through": through, **extra}


def test_a_run_through_venue_share_waits_for_its_three_stages(registry: PipelineRegistry) -> None:
    partial = [
        _e("ingest_week", "completed", through="venue_share"),
        _e("normalize_week", "running", through="venue_share"),
    ]
    progress = batch_progress(partial, registry)
    assert not progress["done"] and progress["weeks"][0]["pending"] == [P + "compute_venue_share", P + "normalize_week"]
    done = [
        *partial[:1],
        _e("normalize_week", "completed", through="venue_share"),
        _e("compute_venue_share", "skipped", through="venue_share"),
    ]
    assert batch_progress(done, registry)["done"]


def test_the_position_of_a_batch_is_the_highest_of_its_ended_runs(registry: PipelineRegistry) -> None:
    running = [_e("ingest_week", "running", through="venue_share", position=5)]
    assert batch_progress(running, registry)["position"] is None
    runs = [
        _e("ingest_week", "completed", through="venue_share", position=40),
        _e("normalize_week", "completed", through="venue_share", position=71),
        _e("compute_venue_share", "running", through="venue_share", position=90),
    ]
    progress = batch_progress(runs, registry)
    assert not progress["done"] and progress["position"] == 71  # a run still going has not given its last
    runs[2] = _e("compute_venue_share", "completed", through="venue_share", position=97)
    progress = batch_progress(runs, registry)
    assert progress["done"] and progress["position"] == 97


@pytest.mark.parametrize(
    ("first", "through", "stages"),
    [
        ("compute_rolling", "all", []),
        ("aggregate_week", "rolling", ["compute_rolling"]),
        ("normalize_week", "venue_share", ["compute_venue_share"]),
    ],
)
def test_a_chain_started_mid_workflow_waits_only_for_the_stages_after_it(
    registry: PipelineRegistry, first: str, through: str, stages: list[str]
) -> None:
    started = [_e(first, "completed", through=through)]
    progress = batch_progress(started, registry)
    assert progress["weeks"][0]["pending"] == [P + s for s in stages] and progress["done"] == (not stages)
    ended = [*started, *(_e(s, "completed", through=through) for s in stages)]
    assert batch_progress(ended, registry)["done"]


def test_stages_below_a_failure_are_not_waited_for(registry: PipelineRegistry) -> None:
    runs = [_e("ingest_week", "completed", through="all"), _e("normalize_week", "failed", through="all")]
    progress = batch_progress(runs, registry)
    assert progress["done"] and progress["failed"] == [f"2025-11-14: {P}normalize_week"]


def test_a_backfill_is_done_when_every_planned_week_is(registry: PipelineRegistry) -> None:
    plan = {"plan": [{"week_ending": "2025-11-14", "file": "a"}, {"week_ending": "2025-11-21", "file": "b"}]}
    planner = _e("backfill_range", "completed", week=None, details=plan)
    one_week = [planner, _e("ingest_week", "completed", through="ingest")]
    progress = batch_progress(one_week, registry)
    assert not progress["done"] and [w["week_ending"] for w in progress["weeks"]] == ["2025-11-14", "2025-11-21"]
    both = [*one_week, _e("ingest_week", "completed", week="2025-11-21", through="ingest")]
    assert batch_progress(both, registry)["done"]


def test_stages_that_could_not_be_issued_are_failed_with_the_error(registry: PipelineRegistry) -> None:
    error = "ChainPlanningError: cannot plan the stages after ingest_week: ValueError: boom"
    runs = [_e("ingest_week", "completed", through="venue_share", chain_error=error)]
    progress = batch_progress(runs, registry)
    (week,) = progress["weeks"]
    assert progress["done"] and week["pending"] == []
    assert week["failed"] == [P + "normalize_week"] and progress["failed"] == [f"2025-11-14: {P}normalize_week"]
    assert week["stages"] == {P + "ingest_week": "completed", P + "normalize_week": "failed"}
    assert week["errors"] == {P + "normalize_week": f"not issued: {error}"}


def test_a_failed_run_carries_its_error_message(registry: PipelineRegistry) -> None:
    failed = _e("normalize_week", "failed", through="all", error={"code": "x", "message": "no rows", "hint": None})
    progress = batch_progress([_e("ingest_week", "completed", through="all"), failed], registry)
    assert progress["weeks"][0]["errors"] == {P + "normalize_week": "no rows"}


def test_weeks_a_backfill_plan_could_not_issue_are_failed(registry: PipelineRegistry) -> None:
    plan = {"plan": [{"week_ending": "2025-11-14", "file": "a"}]}
    planner = _e("backfill_range", "completed", week=None, details=plan, chain_error="ChainPlanningError: boom")
    progress = batch_progress([planner], registry)
    assert progress["done"] and progress["failed"] == ["2025-11-14: (not issued)"]
    assert progress["weeks"][0]["errors"] == {"(not issued)": "not issued: ChainPlanningError: boom"}
