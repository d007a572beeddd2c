"""Week and tier resolution: from the command, from the file, or inferred from lastUpdateDate."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest

from spine_core.errors import InvalidParameter, MissingData, SourceUnreadable
from spine_core.framework.pipeline import PipelineInputs, StageSummary
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.pipelines import IngestWeek
from spine_domains.finra_otc.publication import first_publication, infer_week_ending
from spine_domains.finra_otc.tiers import Tier
from tests.shared_data import finra_data
from tests.unit.domain.support import (
    DOWNLOAD_HEADER,
    SIMPLE_HEADER,
    VENUE_HEADER,
    FakeReader,
    ListSource,
    calendar_reader,
    read_lines,
    run_ingest,
)

# NYSE full-day holidays of 2022 and 2023 (Juneteenth 2022 observed on Monday June 20).
XNYS_2022 = ["2022-01-17", "2022-02-21", "2022-04-15", "2022-05-30", "2022-06-20", "2022-07-04", "2022-09-05",
             "2022-11-24", "2022-12-26"]  # fmt: skip
XNYS_2023 = ["2023-01-02", "2023-01-16", "2023-02-20", "2023-04-07", "2023-05-29", "2023-06-19", "2023-07-04",
             "2023-09-04", "2023-11-23", "2023-12-25"]  # fmt: skip
CALENDAR = "reference.exchange_calendar.ingest_year"


def xnys_reader(*years: int) -> FakeReader:
    holidays = {2022: XNYS_2022, 2023: XNYS_2023}
    return FakeReader(
        {
            (CALENDAR, (("exchange", "XNYS"), ("year", str(year)))): [(d, "holiday") for d in holidays[year]]
            for year in years
        }
    )


def resolve(lines: list[str], reader: Any = None, **given: str) -> dict[str, Any]:
    pipeline = IngestWeek()
    return pipeline.resolve_params(pipeline.parse_params(given), lines, reader)


def download(updated: str, tier_text: str = "NMS Tier 1", rows: int = 3) -> list[str]:
    return [DOWNLOAD_HEADER] + [
        f"{tier_text}|S{i}|Name|UBSA UBS ATS|UBSA|{100 + i}|{1 + i}|{updated}" for i in range(rows)
    ]


# --------------------------------------------------------------------------- the command wins
def test_command_values_are_used_as_given_without_reading_the_head() -> None:
    params = resolve([], week_ending="2025-11-14", tier="OTC")  # an empty head is never read
    assert params["week_ending"] == WeekEnding.parse("2025-11-14") and params["tier"] is Tier.OTC
    assert (params["week_source"], params["tier_source"]) == ("command", "command")
    assert "week_inference" not in params


def test_no_head_and_missing_values() -> None:
    pipeline = IngestWeek()
    with pytest.raises(InvalidParameter) as raised:
        pipeline.resolve_params(pipeline.parse_params({"tier": "OTC"}), None, None)
    assert raised.value.hint is not None and "--week-ending" in raised.value.hint


# --------------------------------------------------------------------------- the download layout: inferred
@pytest.mark.parametrize(
    ("name", "week"),
    [("finra_otc_weekly_otc_20251215.csv", "2025-11-14"), ("finra_otc_weekly_otc_20251222.csv", "2025-11-21")],
)
def test_real_download_files_infer_their_week_from_the_publication_date(name: str, week: str) -> None:
    lines = read_lines(finra_data("real_finra_weekly", name))
    result = run_ingest(lines, None, None)
    s = result.summary
    assert (s["week_ending"], s["week_source"], s["tier"], s["tier_source"]) == (week, "inferred", "OTC", "file")
    published = name[-12:-4]
    assert s["week_inference"] == {
        "publication_date": f"{published[:4]}-{published[4:6]}-{published[6:]}",
        "tier": "OTC",
        "delay_days": 35,
        "holiday_checked": False,
    }
    assert result.rejects == [] and result.anomalies() == {}
    # Not "the Friday before lastUpdateDate" (the original project's defect), but four weeks earlier.
    friday_before = date.fromisoformat(s["week_inference"]["publication_date"]) - timedelta(days=3)
    assert date.fromisoformat(s["week_ending"]) == friday_before - timedelta(weeks=4)


def test_the_command_tier_drives_the_delay() -> None:
    params = resolve(download("2025-12-15", tier_text="OTC"), tier="NMS_TIER_1")
    # Tier 1 is published three weeks after its week starts: 2025-12-15 - 21 days = 2025-11-24.
    assert str(params["week_ending"]) == "2025-11-28" and params["tier_source"] == "command"
    assert params["week_inference"]["delay_days"] == 21


def test_the_earliest_update_date_of_the_head_names_the_week() -> None:
    lines = download("2025-12-08", tier_text="NMS Tier 2")
    lines.insert(1, lines[1].replace("2025-12-08", "2025-12-19").replace("|S0|", "|R0|"))  # a revised row, first
    params = resolve(lines)
    assert str(params["week_ending"]) == "2025-11-07" and params["week_inference"]["publication_date"] == "2025-12-08"


def test_openbb_publication_dates_and_the_tuesday_rule() -> None:
    """Each AAPL week of the real API sample, rebuilt as a download file published on its
    initialPublishedDate, infers its weekStartDate; the five Tuesday publications need the calendar."""
    records = json.loads(read_lines(finra_data("real", "openbb_aapl_T1_ATS_W_SMBL_excerpt.json"))[0])
    reader = xnys_reader(2022, 2023)
    tuesdays = []
    for rec in records:
        params = resolve(download(rec["initialPublishedDate"]), reader)
        assert params["week_ending"].week_start.isoformat() == rec["weekStartDate"]
        assert params["week_source"] == "inferred" and params["tier"] is Tier.NMS_TIER_1
        if params["week_inference"]["holiday_checked"]:
            tuesdays.append((rec["weekStartDate"], params["week_inference"]["holiday"]))
    assert tuesdays == [
        ("2022-05-30", "2022-06-20"),
        ("2022-06-13", "2022-07-04"),
        ("2023-05-08", "2023-05-29"),
        ("2023-05-29", "2023-06-19"),
        ("2023-08-14", "2023-09-04"),
    ]


def test_a_tuesday_publication_without_the_calendar_names_the_command_to_run() -> None:
    for reader in (None, FakeReader({}), xnys_reader(2023)):
        with pytest.raises(MissingData) as raised:
            resolve(download("2022-06-21"), reader)
        error = raised.value
        assert error.code == "missing_data"
        assert error.hint == (
            "spine run reference.exchange_calendar.ingest_year -p exchange=XNYS -p year=2022 --file <holidays file>"
        )
        assert "Monday 2022-06-20" in error.message and "--week-ending" in error.message


def test_the_calendar_year_is_the_mondays() -> None:
    reader = calendar_reader("XNYS", 2025, ["2025-01-01"])
    with pytest.raises(MissingData) as raised:
        resolve(download("2026-01-06"), reader)  # Monday 2026-01-05: the 2026 calendar is needed
    assert raised.value.hint is not None and "-p year=2026" in raised.value.hint
    assert reader.asked == [(CALENDAR, {"exchange": "XNYS", "year": "2026"})]


def test_a_tuesday_after_a_trading_monday_is_a_revision() -> None:
    with pytest.raises(SourceUnreadable) as raised:
        resolve(download("2022-06-28"), xnys_reader(2022))
    assert raised.value.message.startswith("cannot infer the week from lastUpdateDate 2022-06-28")
    assert "Monday 2022-06-27 was not a holiday in the XNYS calendar" in raised.value.message
    assert raised.value.hint is not None and "--week-ending" in raised.value.hint


def test_the_revised_openbb_row_is_not_a_publication_date() -> None:
    # Week 2022-06-27 was re-published on Friday 2022-07-29: no week can be inferred from it.
    with pytest.raises(SourceUnreadable) as raised:
        resolve(download("2022-07-29"), xnys_reader(2022))
    assert "it is a Friday" in raised.value.message and "revision" in raised.value.message


def test_download_head_problems() -> None:
    with pytest.raises(InvalidParameter, match="no data row"):
        resolve([DOWNLOAD_HEADER])
    with pytest.raises(InvalidParameter, match="no valid lastUpdateDate"):
        resolve(download("15/12/2025"))
    with pytest.raises(InvalidParameter, match="'Tier 9' is not a known tier"):
        resolve(download("2025-12-15", tier_text="Tier 9"))


def test_publication_arithmetic() -> None:
    week = WeekEnding.parse("2025-11-14")
    assert first_publication(week, Tier.NMS_TIER_1) == date(2025, 12, 1)
    assert first_publication(week, Tier.NMS_TIER_2) == first_publication(week, Tier.OTC) == date(2025, 12, 15)
    assert [t.publication_delay_days for t in Tier] == [21, 35, 35]
    assert infer_week_ending(date(2025, 12, 1), Tier.NMS_TIER_1, lambda year: None)[0] == week


# --------------------------------------------------------------------------- the other layouts: from the file
def test_simple_layout_gives_week_and_tier() -> None:
    lines = read_lines(finra_data("fixtures_otc", "week_2025-11-28.psv"))
    result = run_ingest(lines, None, None)
    s = result.summary
    assert (s["week_ending"], s["week_source"], s["tier"], s["tier_source"]) == (
        "2025-11-28",
        "file",
        "NMS_TIER_1",
        "file",
    )
    assert "week_inference" not in s and len(result.rows) == 50


def test_a_saturday_label_names_the_nearest_friday() -> None:
    lines = read_lines(finra_data("fixtures_otc", "week_2025-12-13.psv"))
    with pytest.raises(InvalidParameter) as raised:
        run_ingest(lines, None, None)
    assert "WeekEnding 2025-12-13 is a Saturday, not a Friday" in raised.value.message
    assert raised.value.hint is not None and "the nearest Friday is 2025-12-12" in raised.value.hint
    # With the week named, every row mismatches, as before.
    assert run_ingest(lines, "2025-12-12", None).reasons() == {"WEEK_MISMATCH": 100}


def test_fixture_layout_has_no_tier() -> None:
    lines = read_lines(finra_data("fixtures_finra_otc", "otc_week_2025-12-12.psv"))
    with pytest.raises(InvalidParameter) as raised:
        run_ingest(lines, None, None)
    assert raised.value.message == "the tier cannot be read from this file; pass --tier"
    result = run_ingest(lines, None, "OTC")
    assert (result.summary["week_ending"], result.summary["week_source"]) == ("2025-12-12", "file")
    assert result.summary["tier_source"] == "command"


def test_layout_heads_without_a_usable_week() -> None:
    with pytest.raises(InvalidParameter, match="no data row"):
        resolve([SIMPLE_HEADER, "", "garbage"])
    with pytest.raises(InvalidParameter, match="not a date of the form"):
        resolve([SIMPLE_HEADER, "14/11/2025|T1|A|X|1|1"])
    with pytest.raises(InvalidParameter, match="tier cannot be read"):
        resolve([SIMPLE_HEADER, "2025-11-14||A|X|1|1"])
    with pytest.raises(InvalidParameter, match="tier cannot be read"):
        resolve([VENUE_HEADER, "A|X|2025-11-14|1|1|1|1"])


# --------------------------------------------------------------------------- API records: from the first record
def _api(first: dict[str, Any]) -> list[str]:
    rest = {"issueSymbolIdentifier": "AAPL", "totalWeeklyShareQuantity": 1, "totalWeeklyTradeCount": 1}
    return json.dumps([{**rest, **first}] * 60, indent=2).split("\n")  # longer than the 200-line head


def test_api_week_from_weekstartdate_even_beyond_the_head() -> None:
    lines = _api({"weekStartDate": "2025-11-10", "tierIdentifier": "T2"})
    assert len(lines) > 200
    params = resolve(lines[:200])
    assert str(params["week_ending"]) == "2025-11-14" and params["tier"] is Tier.NMS_TIER_2
    assert (params["week_source"], params["tier_source"]) == ("file", "file")


@pytest.mark.parametrize(
    ("first", "message"),
    [
        ({"weekStartDate": "2025-11-11", "tierIdentifier": "T1"}, "is a Tuesday, not a Monday"),
        ({"tierIdentifier": "T1"}, "has no weekStartDate"),
        ({"weekStartDate": "2025-11-10"}, "does not state its tier"),
    ],
)
def test_api_heads_without_a_usable_week_or_tier(first: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidParameter, match=message):
        resolve(_api(first))


def test_api_csv_and_json_lines_heads() -> None:
    csv_lines = ["weekStartDate,tierDescription,totalWeeklyShareQuantity,totalWeeklyTradeCount", "2025-11-10,OTC,1,1"]
    assert str(resolve(csv_lines)["week_ending"]) == "2025-11-14"
    jsonl = [json.dumps({"weekStartDate": "2025-11-17", "tierIdentifier": "OTCE"})]
    params = resolve(jsonl)
    assert str(params["week_ending"]) == "2025-11-21" and params["tier"] is Tier.OTC


def test_a_json_object_head_is_unreadable() -> None:
    lines = read_lines(finra_data("calendar", "holidays_xnys_2025.json"))
    with pytest.raises(SourceUnreadable, match="exchange calendar"):
        resolve(lines)


# --------------------------------------------------------------------------- run() uses the resolved values
def test_run_without_resolve_params_resolves_itself() -> None:
    lines = read_lines(finra_data("real_finra_weekly", "finra_otc_weekly_otc_20251222.csv"))
    outputs = list(IngestWeek().run({}, PipelineInputs(ListSource(lines))))
    summary = outputs[-1]
    assert isinstance(summary, StageSummary)
    assert (summary.details["week_ending"], summary.details["week_source"]) == ("2025-11-21", "inferred")
    assert summary.details["rows_accepted"] == 5192


def test_run_uses_the_reader_of_its_inputs_for_the_calendar() -> None:
    lines = download("2022-06-21")
    outputs = list(IngestWeek().run({}, PipelineInputs(ListSource(lines), reader=xnys_reader(2022))))
    details = outputs[-1].details  # type: ignore[union-attr]
    assert details["week_ending"] == "2022-06-03" and details["week_inference"]["holiday_checked"] is True
    assert details["rows_accepted"] == 3
