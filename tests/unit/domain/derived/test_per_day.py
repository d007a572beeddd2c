"""compute_volume_per_day: trading days from the exchange calendar; fail loud without it."""

from __future__ import annotations

import pytest

from spine_core.errors import MissingData
from spine_domains.finra_otc.derived.per_day import PER_DAY_COLUMNS, ComputeVolumePerDay
from tests.unit.domain.derived.support import FakeReader, load_week, run

THANKSGIVING_WEEK = "2025-11-28"
NEW_YEAR_WEEK = "2026-01-02"  # Monday 2025-12-29 .. Friday 2026-01-02: two calendar years


def test_declaration() -> None:
    pipeline = ComputeVolumePerDay()
    assert pipeline.name == "finra.otc_transparency.compute_volume_per_day"
    assert (pipeline.stage, pipeline.calc) == ("per_day", "volume_per_trading_day")
    assert pipeline.partition_by == ("week_ending", "tier", "exchange")
    assert pipeline.row_columns == PER_DAY_COLUMNS == ("symbol", "total_shares", "trading_days", "shares_per_day")
    assert pipeline.parse_params({"week_ending": THANKSGIVING_WEEK, "tier": "OTC"})["exchange"] == "XNYS"


def test_holiday_week() -> None:
    reader = FakeReader()
    load_week(reader, THANKSGIVING_WEEK, "OTC", {"A": 1_000, "B": 7})
    reader.add_calendar(2025, [("2025-11-27", "Thanksgiving Day"), ("2025-12-25", "Christmas Day")])
    result = run(ComputeVolumePerDay(), reader, week_ending=THANKSGIVING_WEEK, tier="OTC")
    assert result.rows == [("A", 1_000, 4, "250.0000"), ("B", 7, 4, "1.7500")]
    check = result.check("trading_days")
    assert check.status == "PASS" and check.details["holidays"] == ["2025-11-27"]
    assert result.summary["trading_days"] == 4 and result.summary["exchange"] == "XNYS"
    assert set(result.summary["inputs"]) == {"summary", "calendar-2025"}


def test_week_spanning_new_year_reads_both_calendar_years() -> None:
    reader = FakeReader()
    load_week(reader, NEW_YEAR_WEEK, "OTC", {"A": 300})
    reader.add_calendar(2025, [("2025-12-25", "Christmas Day")])
    with pytest.raises(MissingData) as raised:
        run(ComputeVolumePerDay(), reader, week_ending=NEW_YEAR_WEEK, tier="OTC")
    assert "reference.exchange_calendar.ingest_year" in raised.value.message and "year=2026" in raised.value.message
    assert raised.value.hint == (
        "spine run reference.exchange_calendar.ingest_year -p exchange=XNYS -p year=2026 --file <holidays file>"
    )
    reader.add_calendar(2026, [("2026-01-01", "New Year's Day")])
    result = run(ComputeVolumePerDay(), reader, week_ending=NEW_YEAR_WEEK, tier="OTC")
    assert result.rows == [("A", 300, 4, "75.0000")]
    assert set(result.summary["inputs"]) == {"summary", "calendar-2025", "calendar-2026"}


def test_missing_calendar_year_names_the_command_for_the_exchange() -> None:
    reader = FakeReader()
    load_week(reader, THANKSGIVING_WEEK, "OTC", {"A": 1})
    with pytest.raises(MissingData) as raised:
        run(ComputeVolumePerDay(), reader, week_ending=THANKSGIVING_WEEK, tier="OTC", exchange="xnas")
    assert raised.value.hint == (
        "spine run reference.exchange_calendar.ingest_year -p exchange=XNAS -p year=2025 --file <holidays file>"
    )


def test_missing_summary_and_calendar_are_named_together() -> None:
    with pytest.raises(MissingData) as raised:
        run(ComputeVolumePerDay(), FakeReader(), week_ending=THANKSGIVING_WEEK, tier="OTC")
    assert [m["role"] for m in raised.value.details["missing"]] == ["summary", "calendar-2025"]
    assert raised.value.hint == (
        "spine run finra.otc_transparency.aggregate_week --week-ending 2025-11-28 --tier OTC && "
        "spine run reference.exchange_calendar.ingest_year -p exchange=XNYS -p year=2025 --file <holidays file>"
    )


def test_a_week_without_trading_days_warns_and_yields_no_rows() -> None:
    reader = FakeReader()
    load_week(reader, THANKSGIVING_WEEK, "OTC", {"A": 1})
    reader.add_calendar(2025, [(f"2025-11-{day}", "closed") for day in range(24, 29)])
    result = run(ComputeVolumePerDay(), reader, week_ending=THANKSGIVING_WEEK, tier="OTC")
    assert result.rows == []
    check = result.check("trading_days")
    assert (check.status, check.severity) == ("WARN", "WARN") and check.value == 0.0
