"""The exchange calendar pipeline: holidays of one exchange and year, each accepted or rejected."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

import spine_domains
from spine_core.errors import InvalidParameter, SourceUnreadable
from spine_core.framework.pipeline import PipelineInputs, RowBatch, StageSummary
from spine_core.quality import CheckStatus, QualityResult
from spine_domains.reference.exchange_calendar.calendar import calendar_command, calendar_partition, read_holidays
from spine_domains.reference.exchange_calendar.pipelines import IngestCalendarYear
from tests.shared_data import finra_data
from tests.unit.domain.support import ListSource, calendar_reader, read_lines

NAME = "reference.exchange_calendar.ingest_year"


def run_calendar(lines: list[str], exchange: str = "XNYS", year: str = "2025") -> dict[str, Any]:
    pipeline = IngestCalendarYear()
    params = pipeline.parse_params({"exchange": exchange, "year": year})
    outputs = list(pipeline.run(params, PipelineInputs(ListSource(lines))))
    batches = [o for o in outputs if isinstance(o, RowBatch)]
    quality = [o for o in outputs if isinstance(o, QualityResult)]
    summary = outputs[-1]
    assert isinstance(summary, StageSummary) and outputs[:-1] == [*batches, *quality]
    rows = [row for b in batches for row in b.rows]
    rejects = [r for b in batches for r in b.rejects]
    numbers = sorted([i for b in batches for i in range(b.first_line, b.last_line + 1)])
    assert numbers == list(range(1, len(rows) + len(rejects) + 1)), "holiday indexes tile 1..N"
    return {"rows": rows, "rejects": rejects, "quality": quality, "summary": summary.details}


def test_registered_and_declared() -> None:
    pipeline = spine_domains.build_registry().get(NAME)
    assert isinstance(pipeline, IngestCalendarYear)
    assert (pipeline.domain, pipeline.stage, pipeline.needs_source) == ("reference.exchange_calendar", "ingest", True)
    assert pipeline.partition_by == ("exchange", "year") and pipeline.row_columns == ("date", "name")
    params = pipeline.parse_params({"exchange": " xnys ", "year": "2025"})
    assert params["exchange"] == "XNYS" and params["year"] == 2025
    assert pipeline.partition_key(params) == "exchange=XNYS/year=2025"
    assert pipeline.partition(params) == calendar_partition("xnys", 2025)


@pytest.mark.parametrize("raw", [{"exchange": "XNYS"}, {"year": "2025"}, {"exchange": "XNYS", "year": "1899"}])
def test_bad_parameters(raw: dict[str, str]) -> None:
    with pytest.raises(InvalidParameter):
        IngestCalendarYear().parse_params(raw)


@pytest.mark.parametrize(
    ("name", "exchange"),
    [
        ("holidays_xnys_2025.json", "XNYS"),
        ("holidays_xnys_2025.domain_pkg.json", "XNYS"),
        ("holidays_xnas_2025.json", "XNAS"),
    ],
)
def test_both_shapes_of_the_shared_calendar_files(name: str, exchange: str) -> None:
    out = run_calendar(read_lines(finra_data("calendar", name)), exchange.lower(), "2025")
    assert out["rejects"] == []
    assert len(out["rows"]) == 10
    assert out["rows"][0] == ("2025-01-01", "New Year's Day")
    assert ("2025-11-27", "Thanksgiving Day") in out["rows"]
    s = out["summary"]
    assert (s["exchange"], s["year"], s["holidays"], s["rows_rejected"]) == (exchange, 2025, 10, 0)
    assert json.loads(json.dumps(s)) == s
    assert [(q.check, q.status) for q in out["quality"]] == [("holidays_count", CheckStatus.PASS)]


def test_the_2026_file() -> None:
    out = run_calendar(read_lines(finra_data("calendar", "holidays_xnys_2026.json")), year="2026")
    assert ("2026-07-03", "Independence Day (observed)") in out["rows"] and len(out["rows"]) == 10


@pytest.mark.parametrize(
    ("exchange", "year", "message", "hint"),
    [
        ("XNAS", "2025", "is for exchange XNYS, but this run ingests XNAS", "-p exchange=XNYS"),
        ("XNYS", "2026", "is for year 2025, but this run ingests 2026", "-p year=2025"),
    ],
)
def test_the_file_must_be_the_runs_exchange_and_year(exchange: str, year: str, message: str, hint: str) -> None:
    with pytest.raises(SourceUnreadable) as raised:
        run_calendar(read_lines(finra_data("calendar", "holidays_xnys_2025.json")), exchange, year)
    assert message in raised.value.message and raised.value.hint is not None and hint in raised.value.hint


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "empty"),
        (["{not json"], "not valid JSON"),
        (["[]"], "not an object with a 'holidays' list"),
        (['{"holidays": []}'], "does not state its 'exchange_code' and 'year'"),
        (['[{"weekStartDate": "2025-11-10"}]'], "not an object"),
    ],
)
def test_files_that_are_not_calendars(lines: list[str], message: str) -> None:
    with pytest.raises(SourceUnreadable) as raised:
        run_calendar(lines)
    assert message in raised.value.message and raised.value.hint


def _file(holidays: list[Any], **extra: Any) -> list[str]:
    return json.dumps({"exchange_code": "XNYS", "year": 2025, "holidays": holidays, **extra}, indent=2).split("\n")


def test_each_entry_is_accepted_or_rejected_with_a_reason() -> None:
    holidays: list[Any] = [
        {"date": "2025-01-01", "name": "New Year's Day"},
        {"date": "2025-02-30", "name": "Bad"},
        {"date": "2026-01-01", "name": "Next year"},
        {"date": "2025-01-01", "name": "Again"},
        {"date": "2025-03-01", "name": "A Saturday"},
        {"name": "No date"},
        "2025-04-18",
        {"date": "2025-11-28", "name": "Day after Thanksgiving", "type": "early_close"},
        {"date": "2025-12-25"},
    ]
    out = run_calendar(_file(holidays))
    assert out["rows"] == [("2025-01-01", "New Year's Day"), ("2025-12-25", None)]
    assert [(r.line_no, r.reason.value, r.detail) for r in out["rejects"]] == [
        (2, "INVALID_DATE", "date '2025-02-30' is not a date of the form YYYY-MM-DD"),
        (3, "OUT_OF_RANGE", "date 2026-01-01 is not in 2025, the calendar's year"),
        (4, "DUPLICATE_KEY", "date 2025-01-01 already appeared as holiday 1"),
        (5, "OUT_OF_RANGE", "date 2025-03-01 is a Saturday: not a trading day"),
        (6, "MISSING_FIELD", "date is missing or empty"),
        (7, "INVALID_RECORD", "the holiday entry is not an object with 'date' and 'name'"),
        (
            8,
            "INVALID_RECORD",
            "type 'early_close' is not a full-day closure (only market holidays count; an early close is a "
            "trading day)",
        ),
    ]
    assert out["rejects"][0].raw == '{"date":"2025-02-30","name":"Bad"}'
    s = out["summary"]
    assert (s["holidays"], s["rows_accepted"], s["rows_rejected"], s["records_read"]) == (2, 2, 7, 9)
    assert s["reject_reasons"] == {
        "DUPLICATE_KEY": 1,
        "INVALID_DATE": 1,
        "INVALID_RECORD": 2,
        "MISSING_FIELD": 1,
        "OUT_OF_RANGE": 2,
    }
    check = out["quality"][0]
    assert (check.check, check.status, check.value) == ("holidays_count", CheckStatus.WARN, 2)


def test_too_many_holidays_warn() -> None:
    weekdays = [d for d in range(1, 32) if date(2025, 7, d).weekday() < 5][:16]
    out = run_calendar(_file([{"date": f"2025-07-{d:02d}", "name": "x"} for d in weekdays]))
    assert out["quality"][0].status is CheckStatus.WARN and out["quality"][0].threshold == 15


def test_an_empty_holiday_list_has_no_batch() -> None:
    out = run_calendar(_file([]))
    assert out["rows"] == [] and out["summary"]["holidays"] == 0


def test_read_holidays_and_the_command() -> None:
    reader = calendar_reader("XNYS", 2025, ["2025-01-01", "2025-12-25"])
    assert read_holidays(reader, "xnys", 2025) == {date(2025, 1, 1), date(2025, 12, 25)}
    assert read_holidays(reader, "XNYS", 2026) is None
    assert read_holidays(None, "XNYS", 2025) is None
    assert calendar_command("xnys", 2026) == (
        "spine run reference.exchange_calendar.ingest_year -p exchange=XNYS -p year=2026 --file <holidays file>"
    )
