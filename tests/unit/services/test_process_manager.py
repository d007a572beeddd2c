"""The process manager's decisions: which runs follow a finished run (pure), and their commands."""

from __future__ import annotations

import uuid

import pytest

import spine_domains
from contracts.commands import RunPipeline, execution_id_for
from services.apps.process_manager.applier import to_command
from spine_core.framework.chaining import ChainPlanningError, NextRun, RunRecord, next_runs
from spine_core.framework.registry import PipelineRegistry

P = "finra.otc_transparency."


@pytest.fixture
def registry() -> PipelineRegistry:
    return spine_domains.build_registry()


def next_commands(run: RunRecord, details: dict[str, object], registry: PipelineRegistry) -> list[RunPipeline]:
    """The decision, translated at the edge as the process manager does."""
    return [to_command(r) for r in next_runs(run, details, registry)]


def _run(pipeline: str, through: str | None, **extra: object) -> RunRecord:
    return RunRecord(
        execution_id=uuid.uuid4(),
        pipeline=P + pipeline,
        params={"week_ending": "2025-11-14", "tier": "OTC", "week_source": "inferred", **extra},
        through=through,
        stage_params={"window": 4},
        batch_id=uuid.uuid4(),
        lane="normal",
    )


def test_without_through_nothing_follows(registry: PipelineRegistry) -> None:
    assert next_commands(_run("ingest_week", None), {}, registry) == []


def test_ingest_through_all_is_followed_by_normalize_only(registry: PipelineRegistry) -> None:
    run = _run("ingest_week", "all")
    (command,) = next_commands(run, {}, registry)
    assert command.pipeline == P + "normalize_week"
    assert command.params == {"week_ending": "2025-11-14", "tier": "OTC"}  # week_source is not a normalize parameter
    assert command.batch_id == run.batch_id and command.through == "all" and command.lane == "normal"
    assert command.stage_params == {"window": 4}


def test_normalize_fans_out_within_the_through_scope(registry: PipelineRegistry) -> None:
    everything = {c.pipeline for c in next_commands(_run("normalize_week", "all"), {}, registry)}
    assert everything == {P + n for n in ("aggregate_week", "compute_venue_share", "compute_symbol_concentration",
                                          "compute_tier_share", "compute_ats_share")}  # fmt: skip
    only = [c.pipeline for c in next_commands(_run("normalize_week", "venue_share"), {}, registry)]
    assert only == [P + "compute_venue_share"]


def test_stage_params_reach_the_stage_that_takes_them_and_calc_versions_do_not_leak(registry: PipelineRegistry) -> None:
    run = _run("aggregate_week", "all", calc_version="v1")
    rolling = next(c for c in next_commands(run, {}, registry) if c.pipeline.endswith("compute_rolling"))
    assert rolling.params["window"] == 4 and "calc_version" not in rolling.params


def test_the_same_event_twice_issues_the_same_commands(registry: PipelineRegistry) -> None:
    run = _run("normalize_week", "all")
    first = {c.execution_id for c in next_commands(run, {}, registry)}
    again = {c.execution_id for c in next_commands(run, {}, registry)}
    assert first == again  # idempotency keys derive from the batch: a redelivery is deduplicated
    assert all(c.consistent() for c in next_commands(run, {}, registry))


def test_a_backfill_plan_becomes_ingest_commands_on_the_backfill_lane(registry: PipelineRegistry) -> None:
    run = RunRecord(
        execution_id=uuid.uuid4(),
        pipeline=P + "backfill_range",
        params={"tier": "OTC", "weeks": "2025-11-14..2025-11-21", "source_dir": "backfill-1", "through": "venue_share"},
        through=None,
        stage_params={},
        batch_id=uuid.uuid4(),
        lane="backfill",
    )
    plan = [{"week_ending": "2025-11-14", "file": "a.csv"}, {"week_ending": "2025-11-21", "file": "b.csv"}]
    commands = next_commands(run, {"plan": plan, "through": "venue_share"}, registry)
    assert [(c.params["week_ending"], c.file, c.lane, c.through) for c in commands] == [
        ("2025-11-14", "backfill-1/a.csv", "backfill", "venue_share"),
        ("2025-11-21", "backfill-1/b.csv", "backfill", "venue_share"),
    ]
    assert commands[0].execution_id == execution_id_for(f"{run.batch_id}:{P}ingest_week:week_ending=2025-11-14")


def test_the_decision_is_framework_values_with_the_batch_derived_key(registry: PipelineRegistry) -> None:
    run = _run("ingest_week", "all")
    (planned,) = next_runs(run, {}, registry)
    assert isinstance(planned, NextRun)
    assert planned.idempotency_key == f"{run.batch_id}:{P}normalize_week:week_ending=2025-11-14/tier=OTC"
    assert to_command(planned).execution_id == execution_id_for(planned.idempotency_key)
    assert to_command(planned).trigger_source == "scheduler"


def test_a_stage_that_cannot_be_planned_raises_with_its_cause(registry: PipelineRegistry) -> None:
    run = RunRecord(
        execution_id=uuid.uuid4(),
        pipeline=P + "backfill_range",
        params={"tier": "OTC"},
        through=None,
        stage_params={},
        batch_id=uuid.uuid4(),
        lane="backfill",
    )
    with pytest.raises(ChainPlanningError, match="KeyError") as caught:
        next_runs(run, {"plan": [{"file": "a.csv"}]}, registry)  # the plan item has no week
    assert str(run.execution_id) in str(caught.value) and isinstance(caught.value.__cause__, KeyError)
