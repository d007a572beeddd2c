"""compute_week_over_week: with a prior week, and without one (partial result, not a crash)."""

from __future__ import annotations

import pytest

from spine_core.errors import MissingData
from spine_domains.finra_otc.derived.week_over_week import WOW_COLUMNS, ComputeWeekOverWeek
from tests.unit.domain.derived.support import FakeReader, load_week, run

WEEK = "2025-11-14"
PRIOR = "2025-11-07"


def test_declaration() -> None:
    pipeline = ComputeWeekOverWeek()
    assert pipeline.name == "finra.otc_transparency.compute_week_over_week"
    assert (pipeline.stage, pipeline.calc) == ("wow", "week_over_week")
    assert (
        pipeline.row_columns
        == WOW_COLUMNS
        == (
            "symbol",
            "total_shares",
            "prior_total_shares",
            "change_shares",
            "change_pct",
            "status",
        )
    )


def test_with_a_prior_week() -> None:
    reader = FakeReader()
    load_week(reader, PRIOR, "OTC", {"UP": 1_000, "SAME": 500, "DOWN": 300, "GONE": 70, "ZERO": 0})
    load_week(reader, WEEK, "OTC", {"UP": 1_500, "SAME": 500, "DOWN": 200, "NEW": 10, "ZERO": 5})
    result = run(ComputeWeekOverWeek(), reader, week_ending=WEEK, tier="OTC")
    assert result.rows == [
        ("UP", 1_500, 1_000, 500, "50.0000", "CHANGED"),
        ("SAME", 500, 500, 0, "0.0000", "UNCHANGED"),
        ("DOWN", 200, 300, -100, "-33.3333", "CHANGED"),
        ("NEW", 10, None, None, None, "NEW"),
        ("ZERO", 5, 0, 5, None, "CHANGED"),
        ("GONE", 0, 70, -70, "-100.0000", "DROPPED"),
    ]
    assert result.check("prior_week").status == "PASS"
    summary = result.summary
    assert set(summary["inputs"]) == {"current", "prior"}
    assert summary["rows_by_status"] == {"CHANGED": 3, "DROPPED": 1, "NEW": 1, "UNCHANGED": 1}


def test_without_a_prior_week_rows_are_no_prior_and_a_warning_names_the_week() -> None:
    reader = FakeReader()
    load_week(reader, WEEK, "OTC", {"A": 2, "B": 1})
    result = run(ComputeWeekOverWeek(), reader, week_ending=WEEK, tier="OTC")
    assert result.rows == [("A", 2, None, None, None, "NO_PRIOR"), ("B", 1, None, None, None, "NO_PRIOR")]
    check = result.check("prior_week")
    assert (check.status, check.severity) == ("WARN", "WARN")
    assert "2025-11-07" in check.message
    assert check.details["command"] == (
        "spine run finra.otc_transparency.aggregate_week --week-ending 2025-11-07 --tier OTC"
    )
    assert set(result.summary["inputs"]) == {"current"}


def test_missing_current_week_fails_loud() -> None:
    reader = FakeReader()
    load_week(reader, PRIOR, "OTC", {"A": 2})
    with pytest.raises(MissingData) as raised:
        run(ComputeWeekOverWeek(), reader, week_ending=WEEK, tier="OTC")
    assert "finra.otc_transparency.aggregate_week" in raised.value.message
    assert "calc_version=v1" in raised.value.message
    assert raised.value.hint == "spine run finra.otc_transparency.aggregate_week --week-ending 2025-11-14 --tier OTC"
