"""Exchange calendar pipelines (registered by :mod:`spine_domains.reference.exchange_calendar.registration`)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from spine_core.errors import SourceUnreadable
from spine_core.framework.params import ParamSpec
from spine_core.framework.pipeline import Pipeline, PipelineInputs, PipelineOutput, RowBatch, StageSummary
from spine_core.quality import CheckStatus, QualityResult, Severity
from spine_domains.reference.exchange_calendar.calendar import CALENDAR_PIPELINE
from spine_domains.reference.exchange_calendar.calendar_file import read_calendar_file

__all__ = ["IngestCalendarYear", "DOMAIN", "MIN_HOLIDAYS", "MAX_HOLIDAYS"]

DOMAIN = "reference.exchange_calendar"
#: A year of a major exchange has 9-10 full-day holidays; outside these bounds, check the file.
MIN_HOLIDAYS = 5
MAX_HOLIDAYS = 15


def _exchange(value: object) -> str:
    text = str(value).strip().upper()
    if not text:
        raise ValueError("expected a non-empty value")
    return text


class IngestCalendarYear(Pipeline):
    """Capture an exchange's market holidays for one year from a calendar JSON file."""

    name = CALENDAR_PIPELINE
    domain = DOMAIN
    stage = "ingest"
    description = (
        "Ingest the full-day market holidays of one exchange and year from a calendar JSON file "
        "(exchange_code, year, holidays: [{date, name}]). Calculations that count trading days, "
        "and the inference of FINRA weeks from publication dates, read these captures."
    )
    needs_source = True
    partition_by = ("exchange", "year")
    row_columns = ("date", "name")
    params = (
        ParamSpec.custom(
            "exchange", "exchange code (MIC, e.g. XNYS)", _exchange, required=True, help="the exchange's MIC, e.g. XNYS"
        ),
        ParamSpec.integer("year", required=True, minimum=1900, help="the calendar year, e.g. 2025"),
    )

    def run(self, params: Mapping[str, Any], inputs: PipelineInputs) -> Iterator[PipelineOutput]:
        if inputs.source is None:
            raise SourceUnreadable(f"pipeline {self.name} needs a source file", hint="pass --file PATH")
        exchange, year = _exchange(params["exchange"]), int(params["year"])
        calendar = read_calendar_file(inputs.source.lines(), exchange, year)
        entries = len(calendar.rows) + len(calendar.rejects)
        if entries:
            yield RowBatch(1, entries, list(calendar.rows), list(calendar.rejects))
        count = len(calendar.rows)
        if MIN_HOLIDAYS <= count <= MAX_HOLIDAYS:
            yield QualityResult(
                "holidays_count", CheckStatus.PASS, f"{count} holidays in {year}", value=count, threshold=MIN_HOLIDAYS
            )
        else:
            yield QualityResult(
                "holidays_count",
                CheckStatus.WARN,
                f"{count} holidays for {exchange} in {year}, outside the usual {MIN_HOLIDAYS}-{MAX_HOLIDAYS}: "
                "check that the file lists every full-day closure of the year, and nothing else",
                Severity.WARN,
                value=count,
                threshold=MIN_HOLIDAYS if count < MIN_HOLIDAYS else MAX_HOLIDAYS,
            )
        reasons: dict[str, int] = {}
        for reject in calendar.rejects:
            reasons[reject.reason.value] = reasons.get(reject.reason.value, 0) + 1
        yield StageSummary(
            {
                "format": "calendar_json",
                "exchange": exchange,
                "year": year,
                "holidays": count,
                "exchange_name": calendar.exchange_name,
                "calendar_source": calendar.source,
                "lines_read": calendar.lines_read,
                "records_read": entries,
                "numbering": "record_index",
                "rows_accepted": count,
                "rows_rejected": len(calendar.rejects),
                "reject_reasons": dict(sorted(reasons.items())),
            }
        )
