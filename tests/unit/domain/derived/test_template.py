"""The derived pipelines' run template: rows in batches, then checks, then one summary."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from spine_core.framework.pipeline import PipelineInputs, RowBatch, StageSummary
from spine_core.quality import CheckStatus, QualityResult
from spine_domains.finra_otc.derived.base import DerivedPipeline, DerivedRun, Row
from spine_domains.finra_otc.derived.inputs import INGEST_PIPELINE, InputSpec, week_partition
from tests.unit.domain.derived.support import FakeReader

WEEK = "2025-11-14"


class _Lines(DerivedPipeline):
    """A calc-less stage that passes its input's line numbers on and counts them after."""

    name = "test.lines"
    stage = "lines"
    description = "line numbers of the ingest capture"
    row_columns = ("line_no",)
    clock_role = "ingest"

    def input_specs(self, params: Mapping[str, Any]) -> list[InputSpec]:
        week, tier = self.week_and_tier(params)
        return [InputSpec("ingest", INGEST_PIPELINE, week_partition(week, tier), "spine run ingest")]

    def compute(self, run: DerivedRun) -> Iterator[Row]:
        seen = 0
        for row in run.rows("ingest"):
            seen += 1
            yield (row[0],)
        # After the last row: the template reads checks and details only once the rows are out.
        run.check(QualityResult(check="seen", status=CheckStatus.PASS, message=f"{seen} rows", value=float(seen)))
        run.details["seen"] = seen


def test_rows_then_checks_recorded_after_the_last_row_then_the_summary() -> None:
    reader = FakeReader()
    reader.add_ingest(WEEK, "OTC", [(n, "A", None, "M", None, 1, 1, "2025-11-13") for n in range(1, 12_001)])
    pipeline = _Lines()
    params = pipeline.parse_params({"week_ending": WEEK, "tier": "OTC"})
    outputs = list(pipeline.run(params, PipelineInputs(reader=reader)))
    batches = [o for o in outputs if isinstance(o, RowBatch)]
    assert [(b.first_line, b.last_line) for b in batches] == [(1, 5000), (5001, 10000), (10001, 12000)]
    *_, check, summary = outputs
    assert isinstance(check, QualityResult) and check.message == "12000 rows"
    assert isinstance(summary, StageSummary)
    assert summary.details["rows_out"] == summary.details["seen"] == 12_000
    assert summary.details["source_last_update_max"] == "2025-11-13"
    assert "calc" not in summary.details
