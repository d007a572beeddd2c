"""Backfill planning: weeks parsed strictly, each matched to one file of the listing or flagged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import spine_domains
from spine_core.errors import InvalidParameter
from spine_core.framework.pipeline import PipelineInputs, RowBatch, StageSummary
from spine_core.quality import CheckStatus, QualityResult
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.backfill import BackfillRange
from spine_domains.finra_otc.backfill_plan import expand_weeks, parse_weeks, tiers_named
from spine_domains.finra_otc.tiers import Tier
from tests.shared_data import finra_data

NAME = "finra.otc_transparency.backfill_range"


def listing(folder: str) -> list[str]:
    """A folder's files relative to it, sorted (what the framework gives in ``inputs.listing``)."""
    root: Path = finra_data(folder)
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def plan(tier: str, weeks: str, files: list[str], through: str | None = None) -> dict[str, Any]:
    pipeline = BackfillRange()
    raw = {"tier": tier, "weeks": weeks, "source_dir": "/data/finra"}
    params = pipeline.parse_params({**raw, "through": through} if through else raw)
    outputs = list(pipeline.run(params, PipelineInputs(listing=files)))
    assert [type(o) for o in outputs] == [RowBatch, QualityResult, StageSummary]
    batch, check, summary = outputs
    assert isinstance(batch, RowBatch) and isinstance(check, QualityResult) and isinstance(summary, StageSummary)
    assert (batch.first_line, batch.last_line, batch.rejects) == (1, len(batch.rows), [])
    return {"rows": batch.rows, "check": check, "summary": summary.details, "params": params}


def test_registered_and_declared() -> None:
    pipeline = spine_domains.build_registry().get(NAME)
    assert isinstance(pipeline, BackfillRange)
    assert (pipeline.domain, pipeline.stage) == ("finra.otc_transparency", "backfill")
    assert pipeline.needs_listing is True and pipeline.needs_source is False
    assert pipeline.partition_by == ("tier", "weeks", "source_dir")
    assert pipeline.row_columns == ("week_ending", "file", "status")
    assert [s.name for s in pipeline.params] == ["tier", "weeks", "source_dir", "through"]
    params = pipeline.parse_params(
        {"tier": "otce", "weeks": " 2025-11-28 .. 2025-12-12 , 2026-01-02", "source_dir": "d"}
    )
    assert params["tier"] is Tier.OTC and params["through"] == "all"
    assert params["weeks"] == "2025-11-28..2025-12-12,2026-01-02"
    assert pipeline.partition_key(params) == "tier=OTC/weeks=2025-11-28..2025-12-12,2026-01-02/source_dir=d"


# --------------------------------------------------------------------------- the weeks parameter
def test_weeks_expand_sorted_and_distinct() -> None:
    weeks = expand_weeks("2026-01-02,2025-11-28..2025-12-12,2025-12-05")
    assert [str(w) for w in weeks] == ["2025-11-28", "2025-12-05", "2025-12-12", "2026-01-02"]
    assert len(expand_weeks("2021-01-08..2025-12-26")) == 260


@pytest.mark.parametrize(
    ("weeks", "message", "hint"),
    [
        ("2025-11-27", "2025-11-27 is a Thursday, not a Friday", "the nearest Friday is 2025-11-28"),
        ("2025-11-28..2025-12-13", "2025-12-13 is a Saturday", "the nearest Friday is 2025-12-12"),
        ("2025-12-12..2025-11-28", "ends before it starts", "2025-11-28..2025-12-12"),
        ("2021-01-01..2025-12-26", "261 weeks, more than 260", "split"),
        ("2021-01-01..2025-12-19,2026-01-02", "261 weeks, more than 260", "split"),
        ("yesterday", "not a date", "YYYY-MM-DD"),
        (" , ", "names no week", "weeks="),
    ],
)
def test_bad_weeks(weeks: str, message: str, hint: str) -> None:
    with pytest.raises(InvalidParameter) as raised:
        BackfillRange().parse_params({"tier": "OTC", "weeks": weeks, "source_dir": "d"})
    assert message in raised.value.message, raised.value.message
    assert raised.value.hint is not None and hint in raised.value.hint, raised.value.hint
    with pytest.raises(InvalidParameter):
        parse_weeks(weeks)


def test_required_parameters() -> None:
    for missing in ("tier", "weeks", "source_dir"):
        raw = {"tier": "OTC", "weeks": "2025-11-28", "source_dir": "d"}
        del raw[missing]
        with pytest.raises(InvalidParameter, match=missing):
            BackfillRange().parse_params(raw)


# --------------------------------------------------------------------------- matching the shared folders
def test_fixtures_otc_saturday_files_never_match_a_friday() -> None:
    files = listing("fixtures_otc")
    assert "week_2025-12-13.psv" in files
    out = plan("NMS_TIER_1", "2025-11-28..2026-01-02", files)
    assert out["rows"] == [
        ("2025-11-28", "week_2025-11-28.psv", "planned"),
        ("2025-12-05", "week_2025-12-05.psv", "planned"),
        ("2025-12-12", "week_2025-12-12.psv", "planned"),
        ("2025-12-19", "week_2025-12-19.psv", "planned"),
        ("2025-12-26", "week_2025-12-26.psv", "planned"),
        ("2026-01-02", "week_2026-01-02.psv", "planned"),
    ]
    assert out["check"].status is CheckStatus.PASS
    assert set(out["summary"]["matched_by"].values()) == {"week_ending"}


def test_real_download_files_match_by_their_publication_monday() -> None:
    out = plan("OTC", "2025-11-07..2025-11-28", listing("real_finra_weekly"))
    assert out["rows"] == [
        ("2025-11-07", None, "missing_file"),
        ("2025-11-14", "finra_otc_weekly_otc_20251215.csv", "planned"),
        ("2025-11-21", "finra_otc_weekly_otc_20251222.csv", "planned"),
        ("2025-11-28", None, "missing_file"),
    ]
    s = out["summary"]
    assert s["plan"] == [
        {"week_ending": "2025-11-14", "file": "finra_otc_weekly_otc_20251215.csv"},
        {"week_ending": "2025-11-21", "file": "finra_otc_weekly_otc_20251222.csv"},
    ]
    assert s["matched_by"] == {"2025-11-14": "publication_date", "2025-11-21": "publication_date"}
    assert s["missing"] == ["2025-11-07", "2025-11-28"] and s["ambiguous"] == []
    assert (s["tier"], s["through"], s["weeks"], s["files_listed"]) == ("OTC", "all", 4, 2)
    check = out["check"]
    assert (check.check, check.status, check.value) == ("backfill_files", CheckStatus.WARN, 2)
    assert "2 weeks have no file (2025-11-07, 2025-11-28)" in check.message


def test_the_publication_date_depends_on_the_tier() -> None:
    files = ["finra_weekly_20251201.csv"]  # T1 of week 2025-11-14 publishes on Monday 2025-12-01
    assert plan("T1", "2025-11-14", files)["rows"] == [("2025-11-14", files[0], "planned")]
    assert plan("T2", "2025-11-14", files)["rows"] == [("2025-11-14", None, "missing_file")]
    # The dashed form of a Monday is a week start, never a publication date.
    assert plan("T1", "2025-11-14", ["weekly_2025-12-01.csv"])["rows"][0][2] == "missing_file"


def test_a_file_named_after_a_requested_week_is_not_another_weeks_publication() -> None:
    # 20251201 is both the week start of week 2025-12-05 and T1's publication date of week 2025-11-14.
    out = plan("T1", "2025-11-14,2025-12-05", ["weekly_20251201.csv"])
    assert out["rows"] == [("2025-11-14", None, "missing_file"), ("2025-12-05", "weekly_20251201.csv", "planned")]
    assert out["summary"]["matched_by"] == {"2025-12-05": "week_start"}


def test_preference_order_and_ambiguity() -> None:
    files = ["a/week_20251114.csv", "b/weekStart_2025-11-10.csv", "weekly_otc_20251215.csv"]
    assert plan("OTC", "2025-11-14", files)["rows"] == [("2025-11-14", "a/week_20251114.csv", "planned")]
    files = ["x_2025-11-14.psv", "y_20251114.csv", "z_2025-11-141.csv"]
    out = plan("OTC", "2025-11-14", files, through="normalize")
    assert out["rows"] == [("2025-11-14", "x_2025-11-14.psv;y_20251114.csv", "ambiguous")]
    assert out["summary"]["ambiguous"] == [
        {"week_ending": "2025-11-14", "files": ["x_2025-11-14.psv", "y_20251114.csv"]}
    ]
    assert out["summary"]["plan"] == [] and out["summary"]["through"] == "normalize"
    assert "1 weeks have several (2025-11-14)" in out["check"].message


def test_files_of_another_tier_are_not_candidates() -> None:
    files = listing("fixtures_finra_otc")
    out = plan("NMS_TIER_2", "2025-12-12..2026-01-02", files)
    assert [row[1] for row in out["rows"]] == [
        "nms_tier_2_week_2025-12-12.psv",
        "nms_tier_2_week_2025-12-19.psv",
        "nms_tier_2_week_2025-12-26.psv",
        "nms_tier_2_week_2026-01-02.psv",
    ]
    assert [row[1] for row in plan("OTC", "2025-12-12", files)["rows"]] == ["otc_week_2025-12-12.psv"]


@pytest.mark.parametrize(
    ("name", "tiers"),
    [
        ("finra_otc_weekly_otc_20251215.csv", {Tier.OTC}),
        ("finra_otc_weekly_20251215.csv", set()),
        ("nms_tier_1_week_2025-12-12.psv", {Tier.NMS_TIER_1}),
        ("tier2/NMS-Tier-2_2025.csv", {Tier.NMS_TIER_2}),
        ("T1_2025-11-14.json", {Tier.NMS_TIER_1}),
        ("otce_week.csv", {Tier.OTC}),
        ("week_2025-12-12.psv", set()),
        ("hotcakes_t12.csv", set()),
    ],
)
def test_tiers_named(name: str, tiers: set[Tier]) -> None:
    assert tiers_named(name) == tiers


def test_an_empty_listing_says_to_check_the_directory() -> None:
    out = plan("OTC", "2025-11-14", [])
    assert out["check"].status is CheckStatus.WARN and "listing of /data/finra is empty" in out["check"].message


def test_weeks_are_ascending_whatever_the_order_given() -> None:
    out = plan("OTC", "2026-01-02,2025-11-28", [])
    assert [row[0] for row in out["rows"]] == ["2025-11-28", "2026-01-02"]
    assert WeekEnding.parse(out["summary"]["first_week"]) < WeekEnding.parse(out["summary"]["last_week"])
