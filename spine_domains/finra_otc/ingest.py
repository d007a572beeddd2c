"""Ingest one week of one tier from the lines of a source: batches, quality checks, a summary.

The reading order is fixed: comment (``#``) and blank lines, then the header (or the opening
of a JSON source) that picks the format, then the data. Data lines are cut into batches of
``batch_lines`` consecutive physical lines (records of a JSON array: ``batch_lines`` records),
so the same input always gives the same batches (the run coordinator relies on that to resume a
capture). Every record is counted exactly once: ``records_read == rows_accepted + rows_rejected``,
and for line formats ``lines_read == header_lines + comment_lines + records_read``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from itertools import islice
from typing import Any, Protocol

from spine_core.framework.pipeline import PipelineOutput, RowBatch, StageSummary
from spine_core.rejects import Reject, split_outcomes
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.api_records import RecordValidator
from spine_domains.finra_otc.api_sources import ApiCsv, ApiJson, CsvChecker, JsonLinesChecker, parse_json_array
from spine_domains.finra_otc.formats import Layout
from spine_domains.finra_otc.ingest_quality import IngestTally, ingest_checks
from spine_domains.finra_otc.row import Row
from spine_domains.finra_otc.source_format import SourceFormat, detect_format, read_first_line
from spine_domains.finra_otc.summary_types import SummaryType
from spine_domains.finra_otc.tiers import Tier
from spine_domains.finra_otc.validation import LineValidator

__all__ = ["ingest_week"]


class _BatchChecker(Protocol):
    def check_batch(self, lines: list[str], first_line_no: int) -> tuple[list[Row], list[Reject]]: ...


def ingest_week(
    lines: Iterable[str],
    *,
    week_ending: WeekEnding,
    tier: Tier,
    batch_lines: int = 5_000,
    summary_type: SummaryType | None = None,
    resolution: Mapping[str, Any] | None = None,
) -> Iterator[PipelineOutput]:
    """Validate a source's lines for one (week, tier) partition.

    Yields :class:`RowBatch` objects (rows in ``ROW_COLUMNS`` order, and rejects) covering
    consecutive line (or record) ranges, then the quality results, then one
    :class:`StageSummary`. ``summary_type`` is the code of API records that lack
    ``summaryTypeCode``; ``resolution`` (``week_source``, ``tier_source``, ``week_inference``)
    is repeated in the summary. Raises only :class:`SourceUnreadable`, and only before the
    first batch.
    """
    source = iter(lines)
    first, first_line_no, comment_lines = read_first_line(source)
    source_format = detect_format(first, first_line_no)
    reading = _Reading(source_format, first, first_line_no, source)
    validator = reading.validator(week_ending, tier, summary_type)
    tally = IngestTally()
    for batch in reading.batches(max(1, batch_lines)):
        tally.add(batch.rows, batch.rejects)
        yield batch
    dates = sorted(validator.update_dates)
    first_update = dates[0] if dates else None
    checks = ingest_checks(tally, week_ending, tier, first_update)
    yield from checks
    resolved = dict(resolution or {})
    details: dict[str, Any] = {
        "format": source_format.name,
        "numbering": reading.numbering,
        "lines_read": reading.lines_read,
        "header_lines": reading.header_lines,
        "comment_lines": comment_lines,
        "records_read": tally.records,
        "rows_accepted": tally.accepted,
        "rows_rejected": tally.rejected,
        "reject_reasons": dict(sorted(tally.reasons.items())),
        "week_ending": str(week_ending),
        "week_start_date": week_ending.week_start.isoformat(),
        "week_source": resolved.get("week_source", "command"),
        "tier": tier.value,
        "tier_source": resolved.get("tier_source", "command"),
        "summary_type": summary_type.value if summary_type is not None else None,
        "source_last_update_min": first_update,
        "source_last_update_max": dates[-1] if dates else None,
        "symbols": validator.keys.symbol_count(),
        "total_shares": tally.total_shares,
        "summary_types": validator.by_summary_type(tally.accepted, tally.total_shares),
        "quality": {check.check: check.status.value for check in checks},
        "warnings": [check.message for check in checks if check.is_anomaly],
    }
    if "week_inference" in resolved:
        details["week_inference"] = dict(resolved["week_inference"])
    yield StageSummary(details)


class _Reading:
    """How a format's data is cut into batches, and the line counts that go with it."""

    def __init__(self, source_format: SourceFormat, first: str, first_line_no: int, rest: Iterator[str]) -> None:
        self.source_format = source_format
        self._first = first
        self._rest = rest
        self._first_line_no = first_line_no
        #: A JSON array is read whole; its records are numbered by index, not line.
        self.by_record = isinstance(source_format, ApiJson) and not source_format.lines
        self.numbering = "record_index" if self.by_record else "line"
        # The header of a pipe layout or CSV is a line of its own; JSON has none.
        self.header_lines = 0 if isinstance(source_format, ApiJson) else 1
        self.lines_read = first_line_no
        self._validator: LineValidator | RecordValidator | None = None

    def validator(
        self, week_ending: WeekEnding, tier: Tier, summary_type: SummaryType | None
    ) -> LineValidator | RecordValidator:
        """The validator of the format's lines or records for the run's week, tier and summary type."""
        if isinstance(self.source_format, Layout):
            self._validator = LineValidator(self.source_format, week_ending, tier)
        else:
            unit = "record" if self.by_record else "line"
            self._validator = RecordValidator(week_ending, tier, summary_type, unit=unit)
        return self._validator

    def batches(self, size: int) -> Iterator[RowBatch]:
        if self.by_record:
            yield from self._record_batches(size)
            return
        lines = self._rest
        validator = self._validator
        assert validator is not None, "call validator() first"
        checker: _BatchChecker
        if isinstance(validator, LineValidator):
            checker = validator
        elif isinstance(self.source_format, ApiCsv):
            checker = CsvChecker(self.source_format, validator)
        else:  # JSON Lines: the first line is already a record
            checker = JsonLinesChecker(validator)
            lines = _prepend(self._first, lines)
            self.lines_read -= 1
        while chunk := list(islice(lines, size)):
            rows, rejects = checker.check_batch(chunk, self.lines_read + 1)
            batch = RowBatch(self.lines_read + 1, self.lines_read + len(chunk), rows, rejects)
            self.lines_read = batch.last_line
            yield batch

    def _record_batches(self, size: int) -> Iterator[RowBatch]:
        validator = self._validator
        assert isinstance(validator, RecordValidator), "call validator() first"
        records, spanned = parse_json_array(_prepend(self._first, self._rest))
        self.lines_read = self._first_line_no - 1 + spanned
        for start in range(0, len(records), size):
            yield _record_batch(validator, records[start : start + size], start + 1)


def _prepend(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def _record_batch(validator: RecordValidator, records: list[object], first_index: int) -> RowBatch:
    rows, rejects = split_outcomes(
        validator.validate(index, record) for index, record in enumerate(records, first_index)
    )
    return RowBatch(first_index, first_index + len(records) - 1, rows, rejects)
