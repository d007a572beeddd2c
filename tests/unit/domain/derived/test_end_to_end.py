"""Generated FINRA files -> ingest -> normalize -> every calc, for two weeks (pure, in memory)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from spine_core.framework.pipeline import PipelineInputs, RowBatch, StageSummary
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.derived.pipelines import (
    AggregateWeek,
    ComputeAtsShare,
    ComputeRolling,
    ComputeSymbolConcentration,
    ComputeTierShare,
    ComputeVenueShare,
    ComputeVolumePerDay,
    ComputeWeekOverWeek,
    NormalizeWeek,
)
from spine_domains.finra_otc.generator import generate_lines
from spine_domains.finra_otc.pipelines import IngestWeek
from spine_domains.finra_otc.tiers import Tier
from tests.unit.domain.derived.support import FakeReader, Run, run

WEEKS = ("2025-12-19", "2025-12-26")
TIER = "NMS_TIER_1"
ROWS = 3_000


class Lines:
    def __init__(self, lines: list[str]) -> None:
        self._lines = lines

    @property
    def name(self) -> str:
        return "generated.psv"

    def lines(self) -> Iterator[str]:
        return iter(self._lines)


def ingest(reader: FakeReader, week: str, seed: int) -> dict[str, object]:
    lines = list(generate_lines(ROWS, week_ending=WeekEnding.parse(week), tier=Tier.NMS_TIER_1, seed=seed))
    pipeline = IngestWeek()
    params = pipeline.parse_params({"week_ending": week, "tier": TIER})
    outputs = list(pipeline.run(params, PipelineInputs(source=Lines(lines))))
    rows = [row for o in outputs if isinstance(o, RowBatch) for row in o.rows]
    summary = outputs[-1]
    assert isinstance(summary, StageSummary)
    reader.add(pipeline.name, pipeline.partition(params), pipeline.row_columns, rows, summary.details)
    return summary.details


def refresh(reader: FakeReader, week: str) -> dict[str, Run]:
    """Every derived stage of the weekly refresh workflow, in its order."""
    out = {}
    for cls in (
        NormalizeWeek,
        AggregateWeek,
        ComputeVenueShare,
        ComputeSymbolConcentration,
        ComputeTierShare,
        ComputeAtsShare,
        ComputeWeekOverWeek,
        ComputeRolling,
        ComputeVolumePerDay,
    ):
        extra = {"window": 2} if cls is ComputeRolling else {}
        out[cls.stage] = run(cls(), reader, week_ending=week, tier=TIER, **extra)  # type: ignore[arg-type]
    return out


def test_two_generated_weeks_through_every_stage() -> None:
    reader = FakeReader()
    reader.add_calendar(2025, [("2025-12-25", "Christmas Day")])
    ingested = {week: ingest(reader, week, seed) for seed, week in enumerate(WEEKS)}
    first = refresh(reader, WEEKS[0])
    second = refresh(reader, WEEKS[1])

    for week, runs in ((WEEKS[0], first), (WEEKS[1], second)):
        details = ingested[week]
        normalized = runs["normalize"]
        assert normalized.summary["rows_out"] == details["rows_accepted"] == ROWS
        assert normalized.summary["source_last_update_max"] == details["source_last_update_max"]
        summary = runs["aggregate"]
        assert sum(r[2] for r in summary.rows) == details["total_shares"]
        assert len(summary.rows) == details["symbols"]
        # the source clock travels from ingest through normalize to every calc
        assert summary.summary["source_last_update_max"] == details["source_last_update_max"]
        assert runs["rolling"].summary["source_last_update_max"] == details["source_last_update_max"]
        venues = runs["venue_share"]
        assert abs(sum((Decimal(r[6]) for r in venues.rows), Decimal(0)) - 1) <= Decimal("1e-4")
        assert venues.summary["tier_total_shares"] == details["total_shares"]
        assert len(runs["concentration"].rows) == ROWS
        assert runs["tier_share"].rows[0][2] == details["total_shares"]
        # a download file holds ATS venues only: no ATS share, and the check says why
        assert runs["ats_share"].rows == []
        assert "lacks non-ATS data" in runs["ats_share"].check("ats_share_coverage").message
        for stage, result in runs.items():
            assert all(q.status != "FAIL" for q in result.quality), stage
            assert result.summary["rows_out"] == len(result.rows), stage
            inputs = result.summary["inputs"]
            assert all(str(ref) for ref in inputs.values())

    assert {r[5] for r in first["wow"].rows} == {"NO_PRIOR"}
    assert first["wow"].check("prior_week").status == "WARN"
    assert second["wow"].check("prior_week").status == "PASS"
    assert {r[5] for r in second["wow"].rows} <= {"NEW", "DROPPED", "CHANGED", "UNCHANGED"}

    assert first["rolling"].check("insufficient_history").details["missing_weeks"] == ["2025-12-12"]
    rolling = second["rolling"]
    assert rolling.check("insufficient_history").status == "PASS"
    assert {r[1] for r in rolling.rows} == {2}
    both_weeks = {r[0] for r in first["aggregate"].rows} & {r[0] for r in second["aggregate"].rows}
    assert {r[0] for r in rolling.rows if r[10] == "true"} == both_weeks

    assert {r[2] for r in first["per_day"].rows} == {5}
    assert {r[2] for r in second["per_day"].rows} == {4}  # Christmas Day


def test_the_chain_is_deterministic() -> None:
    def rows_of(seed: int) -> dict[str, list[tuple[object, ...]]]:
        reader = FakeReader()
        reader.add_calendar(2025, [("2025-12-25", "Christmas Day")])
        for week in WEEKS:
            ingest(reader, week, seed)
        refresh(reader, WEEKS[0])
        return {stage: result.rows for stage, result in refresh(reader, WEEKS[1]).items()}

    assert rows_of(7) == rows_of(7)
