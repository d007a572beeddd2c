"""In-memory captures for the derived pipelines: a fake CaptureReader and a runner like the framework's.

Rows go through the event store's row-block encoding (``encode_rows`` / ``decode_rows``), so a
pipeline reads exactly what it would read in production: text values, None for NULL.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from spine_core.framework.pipeline import (
    CaptureRef,
    Pipeline,
    PipelineInputs,
    RowBatch,
    StageSummary,
)
from spine_core.quality import QualityResult
from spine_core.rowblock import decode_rows, encode_rows
from spine_domains.finra_otc.calcs import CALCS
from spine_domains.finra_otc.derived.inputs import INGEST_PIPELINE
from spine_domains.reference.exchange_calendar.calendar import CALENDAR_PIPELINE

#: The ingest capture's columns as the brief defines them (FINRA download + API fields).
INGEST_COLUMNS = (
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
#: The columns of captures made from the download layout before the API fields existed.
LEGACY_INGEST_COLUMNS = INGEST_COLUMNS[:8]
CALENDAR_COLUMNS = ("date", "name")
CAPTURED_AT = datetime(2025, 12, 1, 12, 0, tzinfo=UTC)

TextRow = tuple[str | None, ...]


def as_text(rows: Iterable[Sequence[object]]) -> list[TextRow]:
    """Rows as a capture reader yields them (through the event store's block encoding)."""
    listed = [tuple(row) for row in rows]
    return decode_rows(encode_rows(listed)) if listed else []


@dataclass
class FakeReader:
    """A CaptureReader over captures held in memory; the latest added per partition is current."""

    captures: dict[tuple[str, tuple[tuple[str, str], ...]], CaptureRef] = field(default_factory=dict)
    stored: dict[uuid.UUID, list[TextRow]] = field(default_factory=dict)
    reads: list[str] = field(default_factory=list)

    @staticmethod
    def _key(pipeline: str, partition: Mapping[str, str]) -> tuple[str, tuple[tuple[str, str], ...]]:
        return pipeline, tuple(sorted((k, str(v)) for k, v in partition.items()))

    def add(
        self,
        pipeline: str,
        partition: Mapping[str, str],
        columns: Sequence[str],
        rows: Iterable[Sequence[object]],
        details: Mapping[str, Any] | None = None,
    ) -> CaptureRef:
        text = as_text(rows)
        partition = {k: str(v) for k, v in partition.items()}
        ref = CaptureRef(
            pipeline=pipeline,
            partition_key="/".join(f"{k}={v}" for k, v in partition.items()),
            partition=partition,
            capture_id=uuid.uuid4(),
            row_columns=tuple(columns),
            rows=len(text),
            captured_at=CAPTURED_AT,
            details=dict(details or {}),
        )
        self.captures[self._key(pipeline, partition)] = ref
        self.stored[ref.capture_id] = text
        return ref

    def current(self, pipeline: str, partition: Mapping[str, str]) -> CaptureRef | None:
        return self.captures.get(self._key(pipeline, partition))

    def rows(self, capture: CaptureRef) -> Iterator[TextRow]:
        self.reads.append(capture.pipeline)
        return iter(self.stored[capture.capture_id])

    def add_ingest(
        self, week: str, tier: str, rows: Iterable[Sequence[object]], columns: Sequence[str] = INGEST_COLUMNS
    ) -> CaptureRef:
        rows = list(rows)
        dates = sorted(str(r[7]) for r in rows if len(r) > 7 and r[7])
        details = {"source_last_update_max": dates[-1] if dates else None, "rows_accepted": len(rows)}
        return self.add(INGEST_PIPELINE, {"week_ending": week, "tier": tier}, columns, rows, details)

    def add_calendar(self, year: int, holidays: Iterable[tuple[str, str]], exchange: str = "XNYS") -> CaptureRef:
        return self.add(CALENDAR_PIPELINE, {"exchange": exchange, "year": str(year)}, CALENDAR_COLUMNS, holidays)


@dataclass
class Run:
    """What one pipeline run yielded, and the capture it was stored as (if stored)."""

    pipeline: Pipeline
    params: dict[str, Any]
    batches: list[RowBatch]
    quality: list[QualityResult]
    summary: dict[str, Any]
    capture: CaptureRef | None

    @property
    def rows(self) -> list[tuple[Any, ...]]:
        return [row for batch in self.batches for row in batch.rows]

    def check(self, name: str) -> QualityResult:
        found = [q for q in self.quality if q.check == name]
        assert len(found) == 1, f"expected one {name} check, got {[q.check for q in self.quality]}"
        return found[0]

    def text_rows(self) -> list[TextRow]:
        return as_text(self.rows)


def run(pipeline: Pipeline, reader: FakeReader, *, store: bool = True, batch_lines: int = 5_000, **raw: object) -> Run:
    """Run a derived pipeline as the framework does: parse, resolve the calc version, find the
    inputs, run, then record the output as the partition's new current capture."""
    params = pipeline.parse_params(raw)
    if pipeline.calc is not None:
        params["calc_version"] = CALCS.resolve(pipeline.calc, params.get("calc_version")).version
    captures = pipeline.input_captures(params, reader)
    outputs = list(pipeline.run(params, PipelineInputs(batch_lines=batch_lines, reader=reader, captures=captures)))
    assert outputs and isinstance(outputs[-1], StageSummary), "a run ends with its summary"
    assert not any(isinstance(o, StageSummary) for o in outputs[:-1]), "exactly one summary"
    batches = [o for o in outputs if isinstance(o, RowBatch)]
    quality = [o for o in outputs if isinstance(o, QualityResult)]
    expected_first = 1
    for batch in batches:
        assert batch.rows and len(batch.rows) <= 5_000
        assert (batch.first_line, batch.last_line) == (expected_first, expected_first + len(batch.rows) - 1)
        assert not batch.rejects
        expected_first = batch.last_line + 1
    summary = outputs[-1].details
    capture = None
    if store:
        rows = [row for batch in batches for row in batch.rows]
        capture = reader.add(pipeline.name, pipeline.partition(params), pipeline.row_columns, rows, summary)
    return Run(pipeline, params, batches, quality, summary, capture)


def ingest_row(
    line: int,
    symbol: str | None,
    shares: int,
    trades: int,
    *,
    mpid: str | None = None,
    code: str | None = "ATS_W_SMBL_FIRM",
    issue: str | None = "Test Corp Common Stock",
    name: str | None = None,
    crd: str | None = None,
    updated: str | None = "2025-12-01",
) -> tuple[object, ...]:
    """One row of an ingest capture (the 12 columns of INGEST_COLUMNS)."""
    return (line, symbol, issue, mpid, name, shares, trades, updated, code, crd, None, None)


def ats(line: int, symbol: str, mpid: str, shares: int, trades: int = 10, **kw: Any) -> tuple[object, ...]:
    return ingest_row(line, symbol, shares, trades, mpid=mpid, name=kw.pop("name", f"{mpid} ATS"), **kw)


def non_ats(line: int, symbol: str, shares: int, trades: int = 10, **kw: Any) -> tuple[object, ...]:
    return ingest_row(line, symbol, shares, trades, code="OTC_W_SMBL_FIRM", **kw)


def symbol_total(line: int, symbol: str, shares: int, *, ats_side: bool = True, trades: int = 10) -> tuple[object, ...]:
    code = "ATS_W_SMBL" if ats_side else "OTC_W_SMBL"
    return ingest_row(line, symbol, shares, trades, code=code)


def firm_total(line: int, shares: int, *, mpid: str | None = None, ats_side: bool = True) -> tuple[object, ...]:
    code = "ATS_W_FIRM" if ats_side else "OTC_W_FIRM"
    return ingest_row(line, None, shares, 100, mpid=mpid, code=code, issue=None, name="Some Firm")


def load_week(reader: FakeReader, week: str, tier: str, volumes: Mapping[str, int]) -> Run:
    """Ingest (one ATS venue per symbol), normalize and aggregate a week: its aggregate run."""
    from spine_domains.finra_otc.derived.normalize import NormalizeWeek
    from spine_domains.finra_otc.derived.symbol_summary import AggregateWeek

    reader.add_ingest(week, tier, [ats(line, s, "UBSA", v) for line, (s, v) in enumerate(volumes.items(), start=2)])
    run(NormalizeWeek(), reader, week_ending=week, tier=tier)
    return run(AggregateWeek(), reader, week_ending=week, tier=tier)
