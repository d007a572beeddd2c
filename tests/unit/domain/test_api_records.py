"""FINRA API weeklySummary records as JSON arrays, JSON Lines and CSV: rows, rejects, errors."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from spine_core.errors import SourceUnreadable
from tests.shared_data import finra_data
from tests.unit.domain.support import Result, assert_accounted, read_lines, run_ingest

OPENBB = ("real", "openbb_aapl_T1_ATS_W_SMBL_excerpt.json")
WEEK_START, WEEK = "2025-11-10", "2025-11-14"


def record(**fields: Any) -> dict[str, Any]:
    """An ATS_W_SMBL_FIRM record of week 2025-11-10 (T1); keyword arguments override fields (None drops one)."""
    base: dict[str, Any] = {
        "issueSymbolIdentifier": "AAPL",
        "issueName": "Apple Inc. Common Stock",
        "marketParticipantName": "UBS ATS",
        "MPID": "UBSA",
        "totalWeeklyShareQuantity": 1000,
        "totalWeeklyTradeCount": 12,
        "lastUpdateDate": "2025-12-01",
        "weekStartDate": WEEK_START,
        "tierIdentifier": "T1",
        "tierDescription": "NMS Tier 1",
        "summaryTypeCode": "ATS_W_SMBL_FIRM",
        "firmCRDNumber": 123456,
        "totalNotionalSum": 250000.4,
        "productTypeCode": "CS",
    }
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


def as_json(records: list[Any], indent: int | None = None) -> list[str]:
    return json.dumps(records, indent=indent).split("\n")


def ingest(lines: list[str], week: str | None = WEEK, tier: str | None = "T1", **kwargs: Any) -> Result:
    result = run_ingest(lines, week, tier, **kwargs)
    assert_accounted(result, len(lines))
    return result


# --------------------------------------------------------------------------- the OpenBB sample
def test_openbb_sample_gives_one_row_per_week_and_week_mismatches() -> None:
    lines = read_lines(finra_data(*OPENBB))
    assert len(lines) == 1  # one-line JSON array
    result = ingest(lines, "2022-06-03", "NMS_TIER_1", summary_type="ATS_W_SMBL")
    assert result.summary["format"] == "finra_api_json" and result.summary["numbering"] == "record_index"
    assert len(result.rows) == 1 and result.reasons() == {"WEEK_MISMATCH": 29}
    assert result.rows[0] == (
        1,
        "AAPL",
        "Apple Inc. Common Stock",
        None,
        None,
        17317752,
        144918,
        "2022-06-21",
        "ATS_W_SMBL",
        None,
        2569336126,
        "2022-05-30",
    )
    assert result.summary["summary_types"] == {"ATS_W_SMBL": {"rows": 1, "total_shares": 17317752}}
    reject = result.rejects[0]
    assert reject.line_no == 2
    assert reject.detail == "weekStartDate '2022-06-06' is not the run's week start 2022-05-30 (week ending 2022-06-03)"
    assert json.loads(reject.raw)["weekStartDate"] == "2022-06-06" and "\n" not in reject.raw
    assert reject.raw == json.dumps(json.loads(lines[0])[1], separators=(",", ":"))


def test_openbb_sample_week_and_tier_come_from_the_first_record() -> None:
    lines = read_lines(finra_data(*OPENBB))
    result = ingest(lines, None, None, summary_type="ATS_W_SMBL")
    s = result.summary
    assert (s["week_ending"], s["week_source"], s["tier"], s["tier_source"]) == (
        "2022-06-03",
        "file",
        "NMS_TIER_1",
        "file",
    )
    assert len(result.rows) == 1


def test_openbb_sample_without_summary_type_rejects_every_record_saying_what_to_pass() -> None:
    result = ingest(read_lines(finra_data(*OPENBB)), "2022-06-03", "T1")
    assert result.reasons() == {"MISSING_FIELD": 30}
    assert "pass -p summary_type=" in result.rejects[0].detail
    assert result.anomalies()["rows_accepted"] == "FAIL"


def test_openbb_sample_every_week_in_turn() -> None:
    records = json.loads(read_lines(finra_data(*OPENBB))[0])
    pretty = as_json(records, indent=2)  # the same records, pretty-printed over many lines
    for number, rec in enumerate(records, start=1):
        week = str(_friday(rec["weekStartDate"]))
        result = ingest(pretty, week, "T1", summary_type="ATS_W_SMBL")
        assert [row[0] for row in result.rows] == [number]
        assert result.rows[0][5] == rec["totalWeeklyShareQuantity"] and result.rows[0][11] == rec["weekStartDate"]


def _friday(monday: str) -> str:
    from datetime import date, timedelta

    return (date.fromisoformat(monday) + timedelta(days=4)).isoformat()


# --------------------------------------------------------------------------- shapes of JSON
@pytest.mark.parametrize("indent", [None, 2])
def test_json_array_one_line_or_pretty(indent: int | None) -> None:
    lines = as_json([record(), record(issueSymbolIdentifier="MSFT")], indent)
    result = ingest(lines)
    assert [row[1] for row in result.rows] == ["AAPL", "MSFT"]
    assert result.summary["records_read"] == 2 and result.summary["lines_read"] == len(lines)
    assert result.rows[0] == (
        1,
        "AAPL",
        "Apple Inc. Common Stock",
        "UBSA",
        "UBS ATS",
        1000,
        12,
        "2025-12-01",
        "ATS_W_SMBL_FIRM",
        "123456",
        250000,
        WEEK_START,
    )


def test_json_lines_are_numbered_by_physical_line() -> None:
    lines = [
        json.dumps(record()),
        "",
        json.dumps(record(issueSymbolIdentifier="MSFT")),
        "{not json",
        "[1, 2]",
        json.dumps(record()),
    ]
    result = ingest(lines)
    assert result.summary["format"] == "finra_api_jsonl" and result.summary["numbering"] == "line"
    assert [row[0] for row in result.rows] == [1, 3]
    assert [(r.line_no, r.reason.value) for r in result.rejects] == [
        (2, "BLANK_LINE"),
        (4, "INVALID_RECORD"),
        (5, "INVALID_RECORD"),
        (6, "DUPLICATE_KEY"),
    ]
    assert result.rejects[2].detail == "the record is a JSON array, not an object of weeklySummary fields"
    assert result.rejects[3].detail.endswith("already appeared on line 1")
    assert all(r.raw == lines[r.line_no - 1] for r in result.rejects)


def test_non_object_elements_of_an_array_are_rejected_as_invalid_records() -> None:
    result = ingest(as_json([record(), 42, None, "x", [record()]]))
    assert [(r.line_no, r.reason.value, r.raw) for r in result.rejects] == [
        (2, "INVALID_RECORD", "42"),
        (3, "INVALID_RECORD", "null"),
        (4, "INVALID_RECORD", '"x"'),
        (5, "INVALID_RECORD", json.dumps([record()], separators=(",", ":"))),
    ]
    assert [row[0] for row in result.rows] == [1]
    assert result.rejects[0].detail == "the record is a JSON number, not an object of weeklySummary fields"


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (['[{"weekStartDate": "2025-11-10",'], "not valid JSON"),
        (["[", '  {"a": 1}', "]", "trailing"], "not valid JSON"),
        (["{", '  "records": []', "}"], "is an object, not a list of weeklySummary records"),
        (["{", '  "exchange_code": "XNYS",', '  "holidays": []', "}"], "looks like an exchange calendar"),
    ],
)
def test_bad_json_is_unreadable_with_a_clear_message(lines: list[str], message: str) -> None:
    with pytest.raises(SourceUnreadable) as raised:
        run_ingest(lines, WEEK, "T1")
    assert message in raised.value.message and raised.value.hint


def test_an_empty_array_has_no_rows_and_fails_the_rows_check() -> None:
    result = ingest(["[]"])
    assert result.batches == [] and result.summary["records_read"] == 0
    assert result.anomalies() == {"rows_accepted": "FAIL"}


def test_json_batches_follow_batch_lines_in_records() -> None:
    records = [record(issueSymbolIdentifier=f"S{i:03d}") for i in range(10)]
    result = ingest(as_json(records, indent=1), batch_lines=4)
    assert [(b.first_line, b.last_line) for b in result.batches] == [(1, 4), (5, 8), (9, 10)]


# --------------------------------------------------------------------------- CSV
def _csv(records: list[dict[str, Any]], columns: list[str] | None = None, crlf: bool = True) -> list[str]:
    out = io.StringIO()
    names = columns or list(records[0])
    writer = csv.DictWriter(out, names, lineterminator="\r\n" if crlf else "\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(records)
    return out.getvalue().split("\n")[:-1]  # as the framework hands lines: LF split, CR kept at most


def test_csv_with_quoted_commas_and_crlf() -> None:
    lines = _csv([record(issueName='Tesla, Inc. "Common" Stock'), record(issueSymbolIdentifier="BRK.B")])
    assert lines[1].endswith("\r") and '"Tesla, Inc. ""Common"" Stock"' in lines[1]
    result = ingest(lines)
    assert result.summary["format"] == "finra_api_csv" and result.summary["header_lines"] == 1
    assert result.rows[0][:5] == (2, "AAPL", 'Tesla, Inc. "Common" Stock', "UBSA", "UBS ATS")
    assert result.rows[0][9:] == ("123456", 250000, WEEK_START)
    assert result.rows[1][1] == "BRK.B"


def test_csv_header_names_match_in_any_case_and_unknown_columns_are_ignored() -> None:
    lines = _csv([record()])
    lines[0] = lines[0].lower().replace("productTypeCode".lower(), "someExtraColumn")
    result = ingest(lines)
    assert len(result.rows) == 1 and result.rows[0][3] == "UBSA"


def test_csv_line_problems() -> None:
    lines = _csv([record(), record(issueSymbolIdentifier="MSFT")])
    good = lines[1]
    lines += [
        good.replace("AAPL", "GOOG").rsplit(",", 2)[0],  # cut short
        '"unterminated,quote',
        "",
        good.replace("AAPL", "X\ufffd"),
        good.replace("1000", "-5").replace("AAPL", "NEG"),
        good.replace("1000", "12.5").replace("AAPL", "DEC"),
    ]
    result = ingest(lines)
    assert [(r.line_no, r.reason.value) for r in result.rejects] == [
        (4, "WRONG_FIELD_COUNT"),
        (5, "INVALID_RECORD"),
        (6, "BLANK_LINE"),
        (7, "INVALID_ENCODING"),
        (8, "NEGATIVE_VALUE"),
        (9, "INVALID_NUMBER"),
    ]
    assert result.rejects[0].detail == "expected 14 ','-separated fields, found 12: the line looks truncated"
    assert "not valid CSV" in result.rejects[1].detail
    assert result.rejects[4].detail == "totalWeeklyShareQuantity '-5' is negative"


def test_dherz18_pivoted_csvs_are_not_weekly_summary_records() -> None:
    for name in ("dherz18_weekly_2025-07-14.csv", "dherz18_weekly_2025-06-02.csv", "dherz18_latest_vs_prior_wow.csv"):
        with pytest.raises(SourceUnreadable) as raised:
            run_ingest(read_lines(finra_data("real", name)), "2025-07-18", "T1")
        error = raised.value
        assert "lacks totalWeeklyShareQuantity, totalWeeklyTradeCount" in error.message
        assert "not a file of weeklySummary records" in error.message
        assert error.hint is not None and "weeklySummary records themselves" in error.hint


# --------------------------------------------------------------------------- fields and summary types
CASES: list[tuple[dict[str, Any], str, str]] = [
    (record(summaryTypeCode="ATS_W_SYMBOL"), "UNKNOWN_SUMMARY_TYPE", "summaryTypeCode 'ATS_W_SYMBOL' is not one of"),
    (record(weekStartDate="2025-11-17"), "WEEK_MISMATCH", "weekStartDate '2025-11-17' is not the run's week start"),
    (record(weekStartDate="11/10/2025"), "INVALID_DATE", "weekStartDate '11/10/2025' is not a date"),
    (record(weekStartDate=None), "MISSING_FIELD", "weekStartDate is missing or empty"),
    (record(tierIdentifier="T2"), "TIER_MISMATCH", "tierIdentifier 'T2' is NMS_TIER_2, but this run ingests"),
    (record(tierIdentifier=None, tierDescription="OTC"), "TIER_MISMATCH", "tierDescription 'OTC' is OTC"),
    (record(tierIdentifier="T9"), "UNKNOWN_TIER", "tierIdentifier 'T9' is not a known tier"),
    (record(issueSymbolIdentifier=" "), "MISSING_FIELD", "issueSymbolIdentifier is missing or empty"),
    (
        record(MPID="", marketParticipantName=None, firmCRDNumber=None),
        "MISSING_FIELD",
        "MPID, marketParticipantName and firmCRDNumber are all missing",
    ),
    (record(totalWeeklyShareQuantity=None), "MISSING_FIELD", "totalWeeklyShareQuantity is missing or empty"),
    (record(totalWeeklyShareQuantity=-1), "NEGATIVE_VALUE", "totalWeeklyShareQuantity -1 is negative"),
    (record(totalWeeklyShareQuantity=12.5), "INVALID_NUMBER", "totalWeeklyShareQuantity '12.5' is not a whole"),
    (record(totalWeeklyShareQuantity=True), "INVALID_NUMBER", "totalWeeklyShareQuantity True is not a whole"),
    (record(totalWeeklyTradeCount="many"), "INVALID_NUMBER", "totalWeeklyTradeCount 'many' is not a whole"),
    (record(totalWeeklyShareQuantity=2**63), "OUT_OF_RANGE", f"totalWeeklyShareQuantity '{2**63}' exceeds the 64-bit"),
    (record(totalNotionalSum="1e9"), "INVALID_NUMBER", "totalNotionalSum '1e9' is not a number"),
    (record(totalNotionalSum=-3), "NEGATIVE_VALUE", "totalNotionalSum -3 is negative"),
    (record(lastUpdateDate="2025-02-30"), "INVALID_DATE", "lastUpdateDate '2025-02-30' is not a date"),
    (record(issueName={"x": 1}), "INVALID_RECORD", "issueName is a JSON object, expected text"),
    (record(MPID="UB\x00SA"), "INVALID_ENCODING", "MPID holds a NUL character"),
    (record(issueName="Caf\ufffd"), "INVALID_ENCODING", "issueName holds bytes that are not UTF-8"),
]


@pytest.mark.parametrize(("rec", "reason", "detail"), CASES)
def test_record_rejects(rec: dict[str, Any], reason: str, detail: str) -> None:
    result = ingest(as_json([rec]))
    assert len(result.rejects) == 1
    assert (result.rejects[0].reason.value, result.rejects[0].line_no) == (reason, 1)
    assert result.rejects[0].detail.startswith(detail), result.rejects[0].detail


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("ATS_W_SMBL_FIRM", ("AAPL", "Apple Inc. Common Stock", "UBSA", "UBS ATS", "123456")),
        ("OTC_W_SMBL_FIRM", ("AAPL", "Apple Inc. Common Stock", "UBSA", "UBS ATS", "123456")),
        ("ATS_W_SMBL", ("AAPL", "Apple Inc. Common Stock", None, None, None)),
        ("OTC_W_SMBL", ("AAPL", "Apple Inc. Common Stock", None, None, None)),
        ("ATS_W_FIRM", (None, None, "UBSA", "UBS ATS", "123456")),
        ("OTC_W_FIRM", (None, None, "UBSA", "UBS ATS", "123456")),
    ],
)
def test_granularity_decides_which_columns_a_row_keeps(code: str, expected: tuple[Any, ...]) -> None:
    result = ingest(as_json([record(summaryTypeCode=code.lower() if code.startswith("OTC") else code)]))
    row = result.rows[0]
    assert (row[1], row[2], row[3], row[4], row[9]) == expected
    assert row[8] == code


def test_required_fields_by_granularity() -> None:
    records = [
        record(summaryTypeCode="ATS_W_FIRM", issueSymbolIdentifier=None),  # no symbol needed
        record(summaryTypeCode="OTC_W_SMBL", MPID=None, marketParticipantName=None, firmCRDNumber=None),
        record(summaryTypeCode="OTC_W_SMBL_FIRM", MPID=None, marketParticipantName=None),  # the CRD suffices
        record(summaryTypeCode="OTC_W_SMBL_FIRM", MPID=None, firmCRDNumber=None, issueSymbolIdentifier="B"),
        record(summaryTypeCode="ATS_W_SMBL", issueSymbolIdentifier=None),
        record(summaryTypeCode="OTC_W_FIRM", MPID=None, marketParticipantName=None, firmCRDNumber=None),
    ]
    result = ingest(as_json(records))
    assert [row[0] for row in result.rows] == [1, 2, 3, 4]
    assert [(r.line_no, r.reason.value) for r in result.rejects] == [(5, "MISSING_FIELD"), (6, "MISSING_FIELD")]


def test_natural_key_includes_the_summary_type_and_falls_back_from_mpid_to_crd_to_name() -> None:
    records = [
        record(),
        record(summaryTypeCode="ATS_W_SMBL"),  # another type: not a duplicate
        record(summaryTypeCode="ATS_W_SMBL", MPID="JPMX"),  # venue ignored at symbol level: duplicate
        record(summaryTypeCode="OTC_W_SMBL_FIRM", MPID=None, firmCRDNumber=7),
        record(summaryTypeCode="OTC_W_SMBL_FIRM", MPID=None, firmCRDNumber="7", marketParticipantName="Other"),
        record(summaryTypeCode="OTC_W_SMBL_FIRM", MPID=None, firmCRDNumber=None, marketParticipantName="Firm A"),
        record(summaryTypeCode="OTC_W_SMBL_FIRM", MPID=None, firmCRDNumber=None, marketParticipantName="Firm B"),
        record(summaryTypeCode="ATS_W_FIRM", issueSymbolIdentifier="IGNORED"),
        record(summaryTypeCode="ATS_W_FIRM", issueSymbolIdentifier="OTHER"),
    ]
    result = ingest(as_json(records))
    assert [row[0] for row in result.rows] == [1, 2, 4, 6, 7, 8]
    assert [(r.line_no, r.reason.value) for r in result.rejects] == [
        (3, "DUPLICATE_KEY"),
        (5, "DUPLICATE_KEY"),
        (9, "DUPLICATE_KEY"),
    ]
    assert result.rejects[1].detail == (
        "the OTC_W_SMBL_FIRM record with issueSymbolIdentifier 'AAPL' and venue '7' already appeared on record 4"
    )
    assert result.summary["symbols"] == 1
    assert set(result.summary["summary_types"]) == {"ATS_W_SMBL_FIRM", "ATS_W_SMBL", "OTC_W_SMBL_FIRM", "ATS_W_FIRM"}


def test_the_record_type_wins_over_the_summary_type_parameter() -> None:
    records = [record(), record(summaryTypeCode=None, issueSymbolIdentifier="MSFT")]
    result = ingest(as_json(records), summary_type="OTC_W_SMBL_FIRM")
    assert [row[8] for row in result.rows] == ["ATS_W_SMBL_FIRM", "OTC_W_SMBL_FIRM"]
    assert result.summary["summary_type"] == "OTC_W_SMBL_FIRM"


def test_numbers_as_text_and_integral_floats() -> None:
    records = [
        record(totalWeeklyShareQuantity="007", totalWeeklyTradeCount=3.0, totalNotionalSum="2.5"),
        record(issueSymbolIdentifier="B", totalNotionalSum="3.5", firmCRDNumber=42.0),
        record(issueSymbolIdentifier="C", totalNotionalSum=None, lastUpdateDate=None),
    ]
    rows = ingest(as_json(records)).rows
    assert [(r[5], r[6], r[10]) for r in rows] == [(7, 3, 2), (1000, 12, 4), (1000, 12, None)]
    assert rows[1][9] == "42" and rows[2][7] is None
