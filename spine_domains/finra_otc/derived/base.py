"""What every derived FINRA OTC pipeline shares: parameters, inputs, batches, run details, and
the run itself.

:meth:`DerivedPipeline.run` is a template: it resolves the calc version and the input
captures, hands a :class:`DerivedRun` to the pipeline's :meth:`~DerivedPipeline.compute`, cuts
the rows it yields into batches, then yields the quality checks and the run summary that
``compute`` recorded on the run. A calc writes only its computation.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, ClassVar

from spine_core.calcs import ResolvedCalc
from spine_core.errors import SpineError
from spine_core.framework.params import ParamSpec
from spine_core.framework.pipeline import (
    CaptureReader,
    CaptureRef,
    Pipeline,
    PipelineInputs,
    PipelineOutput,
    RowBatch,
    StageSummary,
)
from spine_core.quality import QualityResult
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.calcs import CALCS
from spine_domains.finra_otc.derived.inputs import InputSpec, find_inputs
from spine_domains.finra_otc.pipelines import DOMAIN
from spine_domains.finra_otc.tiers import Tier

__all__ = [
    "WEEK_PARAM",
    "TIER_PARAM",
    "MAX_BATCH_ROWS",
    "DerivedPipeline",
    "DerivedRun",
    "Row",
    "row_batches",
    "source_clock",
]

WEEK_PARAM = ParamSpec.week_ending(required=True, help="the Friday that ends the traded week, e.g. 2025-11-14")
TIER_PARAM = ParamSpec.custom(
    "tier",
    "tier (NMS_TIER_1, NMS_TIER_2 or OTC)",
    Tier.parse,
    required=True,
    help="NMS_TIER_1, NMS_TIER_2 or OTC (also 'NMS Tier 1', 'T1', 'OTCE', ...)",
)
#: Largest row batch a derived pipeline yields (the runner splits blocks further by bytes).
MAX_BATCH_ROWS = 5_000

#: An output row of a derived pipeline.
Row = tuple[Any, ...]


def row_batches(rows: Iterable[tuple[Any, ...]], size: int = MAX_BATCH_ROWS) -> Iterator[RowBatch]:
    """Batches of output rows, taken from ``rows`` as they come; first/last are output row
    ordinals (1-based), since a derived row comes from many input lines."""
    size = max(1, min(size, MAX_BATCH_ROWS))
    source = iter(rows)
    done = 0
    while chunk := list(islice(source, size)):
        yield RowBatch(first_line=done + 1, last_line=done + len(chunk), rows=chunk)
        done += len(chunk)


def source_clock(ref: CaptureRef | None) -> str | None:
    """FINRA's latest ``lastUpdateDate`` behind a capture, as its run recorded it."""
    if ref is None:
        return None
    value = ref.details.get("source_last_update_max")
    return str(value) if value is not None else None


@dataclass(slots=True)
class DerivedRun:
    """One run of a derived pipeline, as :meth:`DerivedPipeline.compute` sees it.

    ``compute`` reads its inputs through ``reader`` and ``captures`` and records, as it goes,
    the quality checks (``checks``) and the summary facts (``details``) the run reports after
    its rows.
    """

    params: Mapping[str, Any]
    week: WeekEnding
    tier: Tier
    reader: CaptureReader
    captures: dict[str, CaptureRef]
    calc: ResolvedCalc | None
    batch_lines: int
    checks: list[QualityResult] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def version(self) -> str:
        """The calc version the run computes."""
        if self.calc is None:
            raise TypeError("this run computes no calc")
        return self.calc.version

    def rows(self, role: str) -> Iterator[tuple[str | None, ...]]:
        """The rows of the input capture of ``role``."""
        return iter(self.reader.rows(self.captures[role]))

    def check(self, result: QualityResult) -> None:
        """Report a quality check after the rows."""
        self.checks.append(result)


class DerivedPipeline(Pipeline):
    """A pipeline computed from earlier captures of one week and tier (no source file).

    Subclasses say which captures they read (:meth:`input_specs`) and what they compute from
    them (:meth:`compute`); :meth:`run` does the rest.
    """

    domain = DOMAIN
    partition_by: ClassVar[tuple[str, ...]] = ("week_ending", "tier")
    params: ClassVar[tuple[ParamSpec, ...]] = (WEEK_PARAM, TIER_PARAM)
    calc_registry = CALCS
    #: The input role whose source clock (FINRA's latest ``lastUpdateDate``) the run reports, if any.
    clock_role: ClassVar[str | None] = None

    def run(self, params: Mapping[str, Any], inputs: PipelineInputs) -> Iterator[PipelineOutput]:
        """Rows in batches, then the quality checks, then the run summary."""
        calc = self.served_calc(params) if self.calc is not None else None
        reader, captures = self.open_inputs(params, inputs)
        week, tier = self.week_and_tier(params)
        run = DerivedRun(params, week, tier, reader, captures, calc, inputs.batch_lines)
        rows_out = 0
        for batch in self.batches(run):
            rows_out += len(batch.rows)
            yield batch
        yield from run.checks
        yield StageSummary(
            self.run_details(params, captures, rows_out=rows_out, calc=calc, clock_from=self.clock_role, **run.details)
        )

    def compute(self, run: DerivedRun) -> Iterable[Row]:
        """The output rows, in order; checks and details go on ``run`` (a generator may add
        them after its last row)."""
        raise NotImplementedError(f"pipeline {self.name} computes no rows")

    def batches(self, run: DerivedRun) -> Iterator[RowBatch]:
        """The rows of :meth:`compute`, :data:`MAX_BATCH_ROWS` at a time."""
        return row_batches(self.compute(run))

    @staticmethod
    def week_and_tier(params: Mapping[str, Any]) -> tuple[WeekEnding, Tier]:
        # Parsing again is a no-op for typed values and makes direct calls with text safe.
        return WeekEnding.parse(params["week_ending"]), Tier.parse(params["tier"])

    def input_specs(self, params: Mapping[str, Any]) -> list[InputSpec]:
        """The captures this pipeline reads, by role (required and optional)."""
        return []

    def input_captures(self, params: Mapping[str, Any], reader: CaptureReader) -> dict[str, CaptureRef]:
        return find_inputs(reader, self.input_specs(params))

    def open_inputs(
        self, params: Mapping[str, Any], inputs: PipelineInputs
    ) -> tuple[CaptureReader, dict[str, CaptureRef]]:
        """The reader and the input captures: those the framework resolved, else resolved now."""
        if inputs.reader is None:
            raise SpineError(f"pipeline {self.name} reads earlier captures: it needs a capture reader")
        captures = dict(inputs.captures) or self.input_captures(params, inputs.reader)
        return inputs.reader, captures

    def served_calc(self, params: Mapping[str, Any]) -> ResolvedCalc:
        """The calc version this run computes (the framework resolved it; direct calls get the current one)."""
        if self.calc is None:
            raise TypeError(f"pipeline {self.name} computes no calc")
        registry = self.calc_registry or CALCS
        return registry.resolve(self.calc, params.get("calc_version"))

    def run_details(
        self,
        params: Mapping[str, Any],
        captures: Mapping[str, CaptureRef],
        *,
        rows_out: int,
        calc: ResolvedCalc | None = None,
        clock_from: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """The StageSummary details: partition, calc and version, inputs by role, counts, source clock."""
        week, tier = self.week_and_tier(params)
        details: dict[str, Any] = {"pipeline": self.name, "week_ending": str(week), "tier": str(tier)}
        if calc is not None:
            details["calc"] = {"name": calc.calc, "version": calc.version, "deprecated": calc.deprecated}
            if calc.warning:
                details["calc"]["warning"] = calc.warning
        details["inputs"] = {role: str(ref.capture_id) for role, ref in sorted(captures.items())}
        details["input_rows"] = {role: ref.rows for role, ref in sorted(captures.items())}
        details["rows_out"] = rows_out
        if clock_from is not None:
            details["source_last_update_max"] = source_clock(captures.get(clock_from))
        details.update(extra)
        return details
