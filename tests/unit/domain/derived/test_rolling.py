"""compute_rolling: the window is honoured; short history gives partial rows and a warning."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from spine_core.errors import InvalidParameter, MissingData
from spine_domains.finra_otc.derived.rolling import ROLLING_COLUMNS, ComputeRolling, trend
from tests.unit.domain.derived.support import FakeReader, load_week, run

WEEK = date(2025, 12, 19)


def _week(offset: int) -> str:
    """The week ``offset`` weeks before WEEK."""
    return (WEEK - timedelta(weeks=offset)).isoformat()


def _history(reader: FakeReader, volumes_oldest_first: dict[str, list[int | None]]) -> None:
    """Load weeks oldest first; None leaves a symbol out of that week, and a week with no symbol
    is not loaded at all."""
    weeks = max(len(v) for v in volumes_oldest_first.values())
    for index in range(weeks):
        volumes = {s: v[index] for s, v in volumes_oldest_first.items() if v[index] is not None}
        if volumes:
            load_week(reader, _week(weeks - 1 - index), "NMS_TIER_1", volumes)  # type: ignore[arg-type]


def test_declaration() -> None:
    pipeline = ComputeRolling()
    assert pipeline.name == "finra.otc_transparency.compute_rolling"
    assert (pipeline.stage, pipeline.calc) == ("rolling", "rolling")
    assert pipeline.partition_by == ("week_ending", "tier", "window")
    assert (
        pipeline.row_columns
        == ROLLING_COLUMNS
        == (
            "symbol",
            "window",
            "weeks_present",
            "avg_shares",
            "min_shares",
            "max_shares",
            "first_shares",
            "last_shares",
            "change_pct",
            "trend",
            "complete",
        )
    )
    params = pipeline.parse_params({"week_ending": "2025-12-19", "tier": "T1"})
    assert params["window"] == 6
    assert pipeline.parse_params({"week_ending": "2025-12-19", "tier": "T1", "window": "4"})["window"] == 4


@pytest.mark.parametrize("window", ["0", "53", "-1"])
def test_window_out_of_range_is_an_invalid_parameter(window: str) -> None:
    with pytest.raises(InvalidParameter) as raised:
        ComputeRolling().parse_params({"week_ending": "2025-12-19", "tier": "T1", "window": window})
    assert raised.value.details["parameter"] == "window"


def test_six_weeks_give_complete_six_week_stats() -> None:
    reader = FakeReader()
    _history(reader, {"A": [100, 110, 90, 120, 100, 130], "B": [10, 10, 10, 10, 10, 10]})
    result = run(ComputeRolling(), reader, week_ending=str(WEEK), tier="T1")
    assert result.rows == [
        ("A", 6, 6, "108.3333", 90, 130, 100, 130, "30.0000", "UP", "true"),
        ("B", 6, 6, "10.0000", 10, 10, 10, 10, "0.0000", "FLAT", "true"),
    ]
    check = result.check("insufficient_history")
    assert check.status == "PASS" and check.details["missing_weeks"] == []
    assert result.summary["window"] == 6
    assert set(result.summary["inputs"]) == {f"week-{k}" for k in range(6)}
    assert result.capture is not None and result.capture.partition["window"] == "6"


def test_window_four_uses_only_the_last_four_weeks() -> None:
    reader = FakeReader()
    _history(reader, {"A": [1_000, 1_000, 100, 110, 90, 95]})
    result = run(ComputeRolling(), reader, week_ending=str(WEEK), tier="T1", window=4)
    assert result.rows == [("A", 4, 4, "98.7500", 90, 110, 100, 95, "-5.0000", "DOWN", "true")]
    assert result.check("insufficient_history").status == "PASS"


def test_three_of_six_weeks_give_partial_rows_and_name_the_missing_weeks() -> None:
    reader = FakeReader()
    _history(reader, {"A": [100, None, None, None, 50, 80], "B": [None, None, None, None, None, 7]})
    result = run(ComputeRolling(), reader, week_ending=str(WEEK), tier="T1")
    assert result.rows == [
        ("A", 6, 3, "76.6667", 50, 100, 100, 80, "-20.0000", "DOWN", "false"),
        ("B", 6, 1, "7.0000", 7, 7, 7, 7, "0.0000", "FLAT", "false"),
    ]
    check = result.check("insufficient_history")
    assert (check.status, check.severity) == ("WARN", "WARN")
    missing = [_week(4), _week(3), _week(2)]
    assert check.details["missing_weeks"] == missing
    assert all(day in check.message for day in missing)
    assert result.summary["missing_weeks"] == missing


def test_trend_thresholds_are_exact_at_five_percent() -> None:
    assert trend(100, 105) == "UP"
    assert trend(100, 95) == "DOWN"
    assert trend(100, 104) == "FLAT" and trend(100, 96) == "FLAT"
    assert trend(1_000_000, 1_049_999) == "FLAT" and trend(1_000_000, 1_050_000) == "UP"
    assert trend(0, 10) == "FLAT"
    reader = FakeReader()
    _history(reader, {"UP5": [200, 210], "DOWN5": [200, 190], "NEAR": [200, 209], "FROM0": [0, 5]})
    rows = {r[0]: r for r in run(ComputeRolling(), reader, week_ending=str(WEEK), tier="T1", window=2).rows}
    assert (rows["UP5"][8], rows["UP5"][9]) == ("5.0000", "UP")
    assert (rows["DOWN5"][8], rows["DOWN5"][9]) == ("-5.0000", "DOWN")
    assert (rows["NEAR"][8], rows["NEAR"][9]) == ("4.5000", "FLAT")
    assert (rows["FROM0"][8], rows["FROM0"][9]) == (None, "FLAT")


def test_missing_week_zero_fails_loud() -> None:
    reader = FakeReader()
    load_week(reader, _week(1), "NMS_TIER_1", {"A": 1})
    with pytest.raises(MissingData) as raised:
        run(ComputeRolling(), reader, week_ending=str(WEEK), tier="T1")
    assert raised.value.hint == (
        "spine run finra.otc_transparency.aggregate_week --week-ending 2025-12-19 --tier NMS_TIER_1"
    )
