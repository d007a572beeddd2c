"""The ingest pipeline as the framework sees it: registration, parameters, batches, summary."""

from __future__ import annotations

import json

import pytest

import spine_domains
from spine_core.errors import InvalidParameter
from spine_core.framework.pipeline import Pipeline, PipelineInputs, StageSummary
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.generator import generate_lines
from spine_domains.finra_otc.pipelines import IngestWeek
from spine_domains.finra_otc.row import ROW_COLUMNS
from spine_domains.finra_otc.tiers import Tier
from tests.unit.domain.support import DOWNLOAD_HEADER, ListSource, assert_accounted, run_ingest

NAME = "finra.otc_transparency.ingest_week"


def _lines(rows: int, seed: int = 3) -> list[str]:
    return list(generate_lines(rows, week_ending=WeekEnding.parse("2025-11-14"), tier=Tier.OTC, seed=seed))


def test_build_registry_registers_the_pipeline_in_a_fresh_registry() -> None:
    registry = spine_domains.build_registry()
    pipeline = registry.get(NAME)
    assert isinstance(pipeline, IngestWeek)
    assert NAME in registry.names()
    assert spine_domains.build_registry() is not registry  # no global: each build is its own


def test_declaration() -> None:
    pipeline: Pipeline = IngestWeek()
    assert pipeline.domain == "finra.otc_transparency" and pipeline.stage == "ingest"
    assert pipeline.needs_source is True
    assert pipeline.partition_by == ("week_ending", "tier")
    assert (
        pipeline.row_columns
        == ROW_COLUMNS
        == (
            "line_no",
            "symbol",
            "issue_name",
            "mpid",
            "participant_name",
            "total_shares",
            "total_trades",
            "last_update_date",
            "summary_type_code",
            "firm_crd",
            "total_notional",
            "week_start_date",
        )
    )
    assert pipeline.description
    assert [spec.name for spec in pipeline.param_specs()] == ["week_ending", "tier", "summary_type", "force"]
    assert not any(spec.required for spec in pipeline.params), "the week and tier can come from the file"
    assert all(spec.help for spec in pipeline.params)


def test_parameters_and_partition_key() -> None:
    pipeline = IngestWeek()
    params = pipeline.parse_params({"week_ending": "2025-11-14", "tier": "NMS Tier 2", "force": "true"})
    assert params["week_ending"] == WeekEnding.parse("2025-11-14")
    assert params["tier"] is Tier.NMS_TIER_2 and params["force"] is True
    assert pipeline.partition_key(params) == "week_ending=2025-11-14/tier=NMS_TIER_2"


@pytest.mark.parametrize(
    "raw",
    [
        {"tier": "tier 9"},
        {"summary_type": "ATS_W_SYMBOL"},
        {"week_ending": "2025-11-13", "tier": "OTC"},  # a Thursday
        {"week_ending": "2025-11-14", "tier": "OTC", "week": "x"},
    ],
)
def test_bad_parameters(raw: dict[str, str]) -> None:
    with pytest.raises(InvalidParameter):
        IngestWeek().parse_params(raw)


def test_run_accepts_text_parameters_too() -> None:
    # A direct call with unparsed values behaves like one with parsed values.
    outputs = list(
        IngestWeek().run({"week_ending": "2025-11-14", "tier": "otc"}, PipelineInputs(ListSource(_lines(5))))
    )
    summary = outputs[-1]
    assert isinstance(summary, StageSummary)
    assert summary.details["tier"] == "OTC" and summary.details["rows_accepted"] == 5


def test_same_input_gives_identical_batches() -> None:
    lines = _lines(2_000)
    lines.insert(700, "garbage line")
    lines.insert(1500, lines[900])  # a duplicate
    first = run_ingest(lines, "2025-11-14", "OTC", batch_lines=300)
    second = run_ingest(lines, "2025-11-14", "OTC", batch_lines=300)
    assert first.batches == second.batches
    assert first.summary == second.summary
    assert first.reasons() == {"DUPLICATE_KEY": 1, "WRONG_FIELD_COUNT": 1}


@pytest.mark.parametrize("batch_lines", [1, 7, 100, 1_001, 5_000])
def test_batches_follow_batch_lines(batch_lines: int) -> None:
    lines = ["# comment", *_lines(1_000)]
    result = run_ingest(lines, "2025-11-14", "OTC", batch_lines=batch_lines)
    assert_accounted(result, len(lines))
    spans = [b.last_line - b.first_line + 1 for b in result.batches]
    assert all(span == batch_lines for span in spans[:-1])
    assert 0 < spans[-1] <= batch_lines
    assert result.batches[0].first_line == 3  # after the comment and the header


def test_zero_batch_lines_is_treated_as_one() -> None:
    result = run_ingest(_lines(3), "2025-11-14", "OTC", batch_lines=0)
    assert [(b.first_line, b.last_line) for b in result.batches] == [(2, 2), (3, 3), (4, 4)]


def test_header_only_file_has_no_batches_and_a_summary() -> None:
    result = run_ingest([DOWNLOAD_HEADER], "2025-11-14", "OTC")
    assert result.batches == []
    assert result.summary["lines_read"] == 1 and result.summary["rows_accepted"] == 0
    assert result.summary["symbols"] == 0 and result.summary["total_shares"] == 0


def test_summary_is_json_ready_and_complete() -> None:
    lines = _lines(500)
    lines.append("")
    result = run_ingest(lines, "2025-11-14", "OTC")
    s = result.summary
    assert json.loads(json.dumps(s)) == s
    assert set(s) >= {
        "format",
        "lines_read",
        "header_lines",
        "comment_lines",
        "rows_accepted",
        "rows_rejected",
        "reject_reasons",
        "week_ending",
        "week_source",
        "tier",
        "source_last_update_min",
        "source_last_update_max",
        "symbols",
        "total_shares",
        "records_read",
        "numbering",
        "week_start_date",
        "tier_source",
        "summary_type",
        "summary_types",
        "quality",
        "warnings",
    }
    assert (s["week_start_date"], s["numbering"], s["records_read"]) == ("2025-11-10", "line", 501)
    assert s["summary_types"] == {"ATS_W_SMBL_FIRM": {"rows": 500, "total_shares": s["total_shares"]}}
    assert s["reject_reasons"] == {"BLANK_LINE": 1}
    assert s["source_last_update_min"] == s["source_last_update_max"] == "2025-12-15"
    assert s["symbols"] == len({row[1] for row in result.rows})
    assert s["total_shares"] == sum(row[5] for row in result.rows)


def test_the_summary_repeats_how_the_week_and_tier_were_resolved() -> None:
    result = run_ingest(_lines(50), None, None)
    s = result.summary
    assert (s["week_ending"], s["week_source"], s["tier"], s["tier_source"]) == (
        "2025-11-14",
        "inferred",
        "OTC",
        "file",
    )
    assert s["week_inference"] == {
        "publication_date": "2025-12-15",
        "tier": "OTC",
        "delay_days": 35,
        "holiday_checked": False,
    }
    assert result.params["week_inference"] == s["week_inference"]
    assert json.loads(json.dumps(s)) == s
    mixed = run_ingest(_lines(50), "2025-11-14", None)
    assert (mixed.summary["week_source"], mixed.summary["tier_source"]) == ("command", "file")
    assert "week_inference" not in mixed.summary


def test_resolved_params_keep_the_partition_key() -> None:
    pipeline = IngestWeek()
    params = pipeline.resolve_params(pipeline.parse_params({}), _lines(5), None)
    assert pipeline.partition_key(params) == "week_ending=2025-11-14/tier=OTC"
