"""Test helpers for the FINRA domain: an in-memory source and a runner that collects outputs."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spine_core.framework.pipeline import PipelineInputs, RowBatch, StageSummary
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


def run_ingest(lines: Iterable[str], week: str, tier: str, *, batch_lines: int = 5_000) -> Result:
    """Run the registered pipeline the way the runner does: parse params, then iterate."""
    pipeline = IngestWeek()
    params = pipeline.parse_params({"week_ending": week, "tier": tier})
    outputs = list(pipeline.run(params, PipelineInputs(ListSource(lines), batch_lines)))
    assert isinstance(outputs[-1], StageSummary), "a run ends with its summary"
    assert all(isinstance(o, RowBatch) for o in outputs[:-1]), "exactly one summary, at the end"
    batches = [o for o in outputs[:-1] if isinstance(o, RowBatch)]
    return Result(batches, outputs[-1].details)


def read_lines(path: Path) -> list[str]:
    """The lines of a shared data file exactly as the framework's file source yields them."""
    parts = path.read_bytes().decode("utf-8", errors="replace").split("\n")
    if parts and parts[-1] == "":
        parts.pop()
    return [p[:-1] if p.endswith("\r") else p for p in parts]


def assert_accounted(result: Result, total_lines: int) -> None:
    """Every line is counted once: header, comment, accepted row or reject; batches tile the data."""
    s = result.summary
    assert s["lines_read"] == total_lines
    assert s["lines_read"] == s["header_lines"] + s["comment_lines"] + s["rows_accepted"] + s["rows_rejected"]
    assert s["rows_accepted"] == len(result.rows)
    assert s["rows_rejected"] == len(result.rejects)
    assert s["reject_reasons"] == result.reasons()
    data_start = s["header_lines"] + s["comment_lines"] + 1
    expected_next = data_start
    for batch in result.batches:
        assert batch.first_line == expected_next
        assert batch.last_line >= batch.first_line
        numbers = sorted([row[0] for row in batch.rows] + [r.line_no for r in batch.rejects])
        assert numbers == list(range(batch.first_line, batch.last_line + 1))
        expected_next = batch.last_line + 1
    assert expected_next == total_lines + 1
