"""The shared real and fixture files: every line accepted, rejected with its reason, or counted."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from spine_core.errors import InvalidParameter, SourceUnreadable
from spine_core.temporal import WeekEnding
from tests.shared_data import finra_data, shared_dir
from tests.unit.domain.support import Result, assert_accounted, ats_row, read_lines, run_ingest

REAL_OTC = ("real_finra_weekly", "finra_otc_weekly_otc_20251215.csv")
_FIXTURE_NAME = re.compile(r"^(?P<tier>nms_tier_1|nms_tier_2|otc)_week_(?P<week>\d{4}-\d{2}-\d{2})\.psv$")


def _data_files() -> list[str]:
    """Every file under shared/data/finra_otc (relative paths), or none when the data is absent."""
    root = shared_dir() / "data" / "finra_otc"
    if not root.is_dir():
        return []
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


# --------------------------------------------------------------------------- the real download file
def test_real_download_file_is_accepted_entirely() -> None:
    path = finra_data(*REAL_OTC)
    lines = read_lines(path)
    result = run_ingest(lines, "2025-11-14", "OTC")
    assert result.rejects == []
    assert len(result.rows) == 5328
    s = result.summary
    assert s["format"] == "finra_download"
    assert (s["lines_read"], s["header_lines"], s["comment_lines"]) == (5329, 1, 0)
    assert s["week_ending"] == "2025-11-14" and s["week_source"] == "command" and s["tier"] == "OTC"
    assert s["source_last_update_min"] == s["source_last_update_max"] == "2025-12-15"
    assert s["warnings"] == []
    assert_accounted(result, len(lines))


def test_real_download_rows_keep_every_value_verbatim() -> None:
    lines = read_lines(finra_data(*REAL_OTC))
    result = run_ingest(lines, "2025-11-14", "OTC")
    expected = []
    for line_no, line in enumerate(lines[1:], start=2):
        _tier, symbol, name, participant, mpid, shares, trades, updated = line.split("|")
        expected.append(ats_row(line_no, symbol, name, mpid, participant, int(shares), int(trades), updated))
    assert result.rows == expected
    assert result.rows[0] == (
        2,
        "AABB",
        "Asia Broadband Inc Common Stock",
        "OTCN",
        "OTCN OTC LINK NQB IDQS",
        6753871,
        171,
        "2025-12-15",
        "ATS_W_SMBL_FIRM",
        None,
        None,
        "2025-11-10",
    )
    # Issue names with commas and double spaces survive untouched.
    assert any("  " in row[2] for row in result.rows)
    assert any("," in row[2] for row in result.rows)
    s = result.summary
    assert s["symbols"] == len({row[1] for row in expected}) == 3111
    assert s["total_shares"] == sum(row[5] for row in expected)


def test_second_real_file_and_a_wrong_week_is_flagged() -> None:
    lines = read_lines(finra_data("real_finra_weekly", "finra_otc_weekly_otc_20251222.csv"))
    right = run_ingest(lines, "2025-11-21", "OTC")
    assert right.rejects == [] and len(right.rows) == 5192 and right.summary["warnings"] == []
    # A week after the publication date cannot be right: the rows still load (the command
    # is the authority) but the summary says so.
    wrong = run_ingest(lines, "2025-12-19", "OTC")
    assert len(wrong.rows) == 5192
    assert any("check the week_ending" in w for w in wrong.summary["warnings"])


def test_real_file_under_another_tier_is_rejected_line_by_line() -> None:
    lines = read_lines(finra_data(*REAL_OTC))
    result = run_ingest(lines, "2025-11-14", "NMS_TIER_1")
    assert result.rows == []
    assert result.reasons() == {"TIER_MISMATCH": 5328}
    assert result.rejects[0].detail == "tierDescription 'OTC' is OTC, but this run ingests NMS_TIER_1"
    assert result.anomalies() == {"rows_accepted": "FAIL", "reject_rate": "WARN"}
    assert result.check("rows_accepted").severity.value == "ERROR"


# --------------------------------------------------------------------------- the simple layout
def test_simple_layout_fixture() -> None:
    lines = read_lines(finra_data("fixtures_otc", "week_2025-11-28.psv"))
    result = run_ingest(lines, "2025-11-28", "NMS_TIER_1")
    assert result.summary["format"] == "simple"
    assert result.rejects == [] and len(result.rows) == 50
    assert result.rows[0] == ats_row(2, "A", None, "ALPX", None, 982, 23, None, week_start="2025-11-24")
    assert result.summary["source_last_update_min"] is None
    assert_accounted(result, len(lines))


def test_simple_layout_with_a_saturday_label_mismatches_the_friday_week() -> None:
    # The original project labelled some weeks with a Saturday; the command names the Friday.
    lines = read_lines(finra_data("fixtures_otc", "week_2025-12-13.psv"))
    result = run_ingest(lines, "2025-12-12", "NMS_TIER_1")
    assert result.rows == []
    assert result.reasons() == {"WEEK_MISMATCH": 100}
    assert result.rejects[0].detail == "WeekEnding '2025-12-13' is not the run's week ending 2025-12-12"


# --------------------------------------------------------------------------- the data-quality fixtures
FIXTURE_EXPECTATIONS: dict[str, tuple[int, dict[int, str]]] = {
    # file: (accepted rows, {line_no: reason})
    "nms_tier_1_week_2025-12-12.psv": (14, {14: "NEGATIVE_VALUE"}),
    "nms_tier_1_week_2025-12-19.psv": (12, {6: "WRONG_FIELD_COUNT", 10: "WRONG_FIELD_COUNT", 15: "WRONG_FIELD_COUNT"}),
    "nms_tier_1_week_2025-12-26.psv": (15, {8: "DUPLICATE_KEY", 14: "DUPLICATE_KEY", 22: "DUPLICATE_KEY"}),
    "nms_tier_1_week_2026-01-02.psv": (16, {}),
    "nms_tier_2_week_2025-12-12.psv": (7, {5: "INVALID_DATE", 8: "INVALID_DATE", 12: "INVALID_DATE"}),
    "nms_tier_2_week_2025-12-19.psv": (8, {}),
    "nms_tier_2_week_2025-12-26.psv": (
        6,
        {6: "MISSING_FIELD", 8: "MISSING_FIELD", 9: "MISSING_FIELD", 12: "MISSING_FIELD"},
    ),
    "nms_tier_2_week_2026-01-02.psv": (10, {}),
    "otc_week_2025-12-12.psv": (10, {}),
    "otc_week_2025-12-19.psv": (5, {10: "WRONG_FIELD_COUNT"}),
    "otc_week_2025-12-26.psv": (10, {}),
    "otc_week_2026-01-02.psv": (10, {}),
}


def _run_fixture(name: str) -> tuple[list[str], Result]:
    match = _FIXTURE_NAME.match(name)
    assert match, name
    lines = read_lines(finra_data("fixtures_finra_otc", name))
    return lines, run_ingest(lines, match["week"], match["tier"])


@pytest.mark.parametrize("name", sorted(FIXTURE_EXPECTATIONS))
def test_quality_fixture_ends_in_rows_and_reasoned_rejects(name: str) -> None:
    lines, result = _run_fixture(name)
    accepted, reasons = FIXTURE_EXPECTATIONS[name]
    assert result.summary["format"] == "fixture_venue"
    assert result.summary["comment_lines"] == 3
    assert len(result.rows) == accepted
    assert {r.line_no: r.reason.value for r in result.rejects} == reasons
    for reject in result.rejects:
        assert reject.raw == lines[reject.line_no - 1], "the raw line is kept exactly"
        assert reject.detail
    assert_accounted(result, len(lines))


def test_fixture_details_name_the_field_and_value() -> None:
    _, negative = _run_fixture("nms_tier_1_week_2025-12-12.psv")
    assert negative.rejects[0].detail == "TotalWeeklyShareVolume '-50000000' is negative"
    # Extremes that fit 64 bits are data, not errors (quality checks judge them later).
    assert ats_row(5, "AAPL", None, "NASDAQ", None, 999_999_999_999, 99_999_999, None, week_start="2025-12-08") in (
        negative.rows
    )
    _, duplicates = _run_fixture("nms_tier_1_week_2025-12-26.psv")
    assert [r.detail for r in duplicates.rejects] == [
        "Symbol 'AAPL' with Venue 'NASDAQ' already appeared on line 5",
        "Symbol 'GOOGL' with Venue 'NYSE' already appeared on line 13",
        "Symbol 'NVDA' with Venue 'NYSE' already appeared on line 21",
    ]
    _, commas = _run_fixture("nms_tier_1_week_2025-12-19.psv")
    assert all("','" in r.detail for r in commas.rejects)
    _, truncated = _run_fixture("otc_week_2025-12-19.psv")
    assert "truncated" in truncated.rejects[0].detail
    _, dates = _run_fixture("nms_tier_2_week_2025-12-12.psv")
    assert dates.rejects[0].detail == "Date '12/12/2025' is not a date of the form YYYY-MM-DD"
    _, missing = _run_fixture("nms_tier_2_week_2025-12-26.psv")
    assert [r.detail for r in missing.rejects] == [
        "TotalWeeklyShareVolume is empty",
        "TotalWeeklyTrades is empty",
        "TotalWeeklyShareVolume is empty",
        "Venue is empty",
    ]


def test_zero_volumes_are_accepted() -> None:
    _, result = _run_fixture("otc_week_2025-12-26.psv")
    zeros = [row for row in result.rows if row[5] == 0 or row[6] == 0]
    assert len(zeros) == 3
    assert ats_row(5, "ABCD", None, "OTC_PINK", None, 0, 0, None, week_start="2025-12-22") in zeros


def test_a_fixture_under_the_wrong_week_is_all_week_mismatch() -> None:
    lines = read_lines(finra_data("fixtures_finra_otc", "otc_week_2026-01-02.psv"))
    result = run_ingest(lines, "2025-12-26", "OTC")
    assert result.reasons() == {"WEEK_MISMATCH": 10}


# --------------------------------------------------------------------------- every shared file
#: Files that are not weekly data: calendars, the README and the dherz18 tables derived from API records.
_NOT_WEEKLY = re.compile(r"^(calendar/.*|real/README\.md|real/dherz18_.*\.csv)$")


@pytest.mark.parametrize("relative", _data_files() or ["(shared data absent)"])
def test_every_shared_file_is_accounted_for_or_clearly_unreadable(relative: str) -> None:
    path: Path = finra_data(*relative.split("/"))
    lines = read_lines(path)
    summary_type = "ATS_W_SMBL" if "ATS_W_SMBL" in relative else None  # the API sample lacks its code
    try:
        try:
            # The week and tier from the file (or inferred); when it cannot say, from its name.
            result = run_ingest(lines, None, None, summary_type=summary_type)
        except InvalidParameter:
            week, tier = _week_and_tier(relative)
            result = run_ingest(lines, week, tier, summary_type=summary_type)
    except SourceUnreadable as error:
        assert error.message and error.hint
        assert _NOT_WEEKLY.match(relative), f"{relative} should be readable: {error}"
        return
    assert not _NOT_WEEKLY.match(relative), f"{relative} should be unreadable"
    assert_accounted(result, len(lines))
    # Every weekly file has rows for its own week and tier, except the Saturday-labelled fixtures.
    assert result.rows or set(result.reasons()) == {"WEEK_MISMATCH"}
    for reject in result.rejects:
        assert reject.detail and reject.raw


def test_the_api_sample_is_accounted_for_by_record() -> None:
    lines = read_lines(finra_data("real", "openbb_aapl_T1_ATS_W_SMBL_excerpt.json"))
    result = run_ingest(lines, None, None, summary_type="ATS_W_SMBL")
    assert result.summary["records_read"] == 30 and result.summary["lines_read"] == 1
    assert (len(result.rows), result.reasons()) == (1, {"WEEK_MISMATCH": 29})
    assert_accounted(result, 1)


def _week_and_tier(relative: str) -> tuple[str, str]:
    name = relative.rsplit("/", 1)[-1]
    if match := _FIXTURE_NAME.match(name):
        return match["week"], match["tier"]
    if match := re.search(r"\d{4}-\d{2}-\d{2}", name):
        # Some simple fixtures are labelled with a Saturday: the run names the nearest Friday.
        return WeekEnding.nearest_friday(date.fromisoformat(match[0])).isoformat(), "NMS_TIER_1"
    return "2025-11-14", "OTC"
