"""Test helpers for the FINRA domain: an in-memory source and a runner that collects outputs."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from spine_core.framework.pipeline import HEAD_LINES, CaptureReader, CaptureRef, PipelineInputs, RowBatch, StageSummary
from spine_core.quality import QualityResult
from spine_core.rejects import Reject
from spine_domains.finra_otc.pipelines import IngestWeek

DOWNLOAD_HEADER = (
    "tierDescription|issueSymbolIdentifier|issueName|marketParticipantName|MPID|"
    "totalWeeklyShareQuantity|totalWeeklyTradeCount|lastUpdateDate"
)
SIMPLE_HEADER = "WeekEnding|Tier|Symbol|MPID|TotalShares|TotalTrades"
VENUE_HEADER = "Symbol|Venue|Date|TotalWeeklyShareVolume|TotalWeeklyTrades|AverageDailyShareVolume|AverageTradeSize"


class ListSource:
    """A SourceText over lines held in memory (what the framework's file source yields)."""

    def __init__(self, lines: Iterable[str], name: str = "test.psv") -> None:
        self._lines = list(lines)
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    def lines(self) -> Iterator[str]:
        return iter(self._lines)


@dataclass
class Result:
    batches: list[RowBatch]
    summary: dict[str, Any]
    quality: list[QualityResult]
    params: dict[str, Any]

    def check(self, name: str) -> QualityResult:
        return next(q for q in self.quality if q.check == name)

    def anomalies(self) -> dict[str, str]:
        """Check name -> status of the quality results that are not PASS."""
        return {q.check: q.status.value for q in self.quality if q.is_anomaly}

    @property
    def rows(self) -> list[tuple[Any, ...]]:
        return [row for batch in self.batches for row in batch.rows]

    @property
    def rejects(self) -> list[Reject]:
        return [reject for batch in self.batches for reject in batch.rejects]

    def reasons(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for reject in self.rejects:
            out[reject.reason.value] = out.get(reject.reason.value, 0) + 1
        return out


def run_ingest(
    lines: Iterable[str],
    week: str | None,
    tier: str | None,
    *,
    batch_lines: int = 5_000,
    summary_type: str | None = None,
    reader: CaptureReader | None = None,
) -> Result:
    """Run the registered pipeline the way the runner does: parse, resolve with the head, iterate.

    Outputs must be batches, then quality results, then exactly one summary.
    """
    lines = list(lines)
    pipeline = IngestWeek()
    raw = {"week_ending": week, "tier": tier, "summary_type": summary_type}
    params = pipeline.parse_params({k: v for k, v in raw.items() if v is not None})
    params = pipeline.resolve_params(params, lines[:HEAD_LINES], reader)
    outputs = list(pipeline.run(params, PipelineInputs(ListSource(lines), batch_lines, reader=reader)))
    assert isinstance(outputs[-1], StageSummary), "a run ends with its summary"
    batches = [o for o in outputs if isinstance(o, RowBatch)]
    quality = [o for o in outputs if isinstance(o, QualityResult)]
    assert outputs[:-1] == [*batches, *quality], "batches, then quality results, then one summary"
    return Result(batches, outputs[-1].details, quality, params)


def ats_row(
    line_no: int,
    symbol: str,
    issue_name: str | None,
    mpid: str | None,
    participant: str | None,
    shares: int,
    trades: int,
    updated: str | None,
    *,
    code: str = "ATS_W_SMBL_FIRM",
    crd: str | None = None,
    notional: int | None = None,
    week_start: str = "2025-11-10",
) -> tuple[Any, ...]:
    """A row in ROW_COLUMNS order (schema v2); the defaults fit an ATS row of week 2025-11-14."""
    return (line_no, symbol, issue_name, mpid, participant, shares, trades, updated, code, crd, notional, week_start)


def read_lines(path: Path) -> list[str]:
    """The lines of a shared data file exactly as the framework's file source yields them."""
    parts = path.read_bytes().decode("utf-8", errors="replace").split("\n")
    if parts and parts[-1] == "":
        parts.pop()
    return [p[:-1] if p.endswith("\r") else p for p in parts]


def assert_accounted(result: Result, total_lines: int) -> None:
    """Every line (or JSON record) is counted once: header, comment, accepted row or reject;
    batches tile the data."""
    s = result.summary
    assert s["lines_read"] == total_lines
    assert s["records_read"] == s["rows_accepted"] + s["rows_rejected"]
    assert s["rows_accepted"] == len(result.rows)
    assert s["rows_rejected"] == len(result.rejects)
    assert s["reject_reasons"] == result.reasons()
    if s["numbering"] == "record_index":  # a JSON array: numbers are record indexes 1..N
        expected_next = 1
        for batch in result.batches:
            assert batch.first_line == expected_next
            numbers = sorted([row[0] for row in batch.rows] + [r.line_no for r in batch.rejects])
            assert numbers == list(range(batch.first_line, batch.last_line + 1))
            expected_next = batch.last_line + 1
        assert expected_next == s["records_read"] + 1
        return
    assert s["lines_read"] == s["header_lines"] + s["comment_lines"] + s["records_read"]
    data_start = s["header_lines"] + s["comment_lines"] + 1
    expected_next = data_start
    for batch in result.batches:
        assert batch.first_line == expected_next
        assert batch.last_line >= batch.first_line
        numbers = sorted([row[0] for row in batch.rows] + [r.line_no for r in batch.rejects])
        assert numbers == list(range(batch.first_line, batch.last_line + 1))
        expected_next = batch.last_line + 1
    assert expected_next == total_lines + 1


class FakeReader:
    """A CaptureReader over captures held in memory: {(pipeline, partition): rows}."""

    def __init__(self, captures: dict[tuple[str, tuple[tuple[str, str], ...]], list[tuple[str | None, ...]]]) -> None:
        self._captures = captures
        self.asked: list[tuple[str, dict[str, str]]] = []

    def current(self, pipeline: str, partition: Mapping[str, str]) -> CaptureRef | None:
        self.asked.append((pipeline, dict(partition)))
        key = (pipeline, tuple(sorted(partition.items())))
        rows = self._captures.get(key)
        if rows is None:
            return None
        return CaptureRef(
            pipeline=pipeline,
            partition_key="/".join(f"{k}={v}" for k, v in partition.items()),
            partition=dict(partition),
            capture_id=uuid.uuid4(),
            row_columns=("date", "name"),
            rows=len(rows),
            captured_at=datetime(2026, 1, 5, tzinfo=UTC),
        )

    def rows(self, capture: CaptureRef) -> Iterator[tuple[str | None, ...]]:
        return iter(self._captures[(capture.pipeline, tuple(sorted(capture.partition.items())))])


def calendar_reader(exchange: str, year: int, holidays: Iterable[str]) -> FakeReader:
    """A reader holding one exchange calendar capture with these holiday dates."""
    partition = (("exchange", exchange), ("year", str(year)))
    return FakeReader({("reference.exchange_calendar.ingest_year", partition): [(d, "holiday") for d in holidays]})
