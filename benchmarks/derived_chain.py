"""Derived-stage benchmark: normalize and the per-week aggregations on one generated week.

Generates N ingest rows (seeded FINRA download layout), passes them through the event store's
row-block encoding (so the stages read decoded text rows, as in production), then runs
normalize_week and each aggregation as pipelines over an in-memory capture reader. In the same
run it times a loop that only iterates the rows (the lower bound) and prints each stage's rate
and its ratio to that bound. Figures go to a JSON file.

    uv run python -m benchmarks.derived_chain --rows 1000000 --out bench-results/derived_chain.json
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import time
import uuid
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from spine_core.framework.pipeline import CaptureRef, Pipeline, PipelineInputs, RowBatch
from spine_core.rowblock import decode_rows, encode_rows
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.derived.pipelines import (
    AggregateWeek,
    ComputeAtsShare,
    ComputeSymbolConcentration,
    ComputeTierShare,
    ComputeVenueShare,
    NormalizeWeek,
)
from spine_domains.finra_otc.generator import generate_lines
from spine_domains.finra_otc.ingest import ingest_week
from spine_domains.finra_otc.pipelines import IngestWeek
from spine_domains.finra_otc.tiers import Tier

WEEK = WeekEnding.parse("2025-11-14")
TextRow = tuple[str | None, ...]


class MemoryReader:
    """A CaptureReader over decoded rows held in memory."""

    def __init__(self) -> None:
        self._refs: dict[tuple[str, tuple[tuple[str, str], ...]], CaptureRef] = {}
        self._rows: dict[uuid.UUID, list[TextRow]] = {}

    def put(self, pipeline: Pipeline, params: Mapping[str, Any], rows: list[TextRow]) -> None:
        partition = pipeline.partition(params)
        ref = CaptureRef(
            pipeline.name,
            pipeline.partition_key(params),
            partition,
            uuid.uuid4(),
            pipeline.row_columns,
            len(rows),
            datetime.now(UTC),
        )
        self._refs[(pipeline.name, tuple(sorted(partition.items())))] = ref
        self._rows[ref.capture_id] = rows

    def current(self, pipeline: str, partition: Mapping[str, str]) -> CaptureRef | None:
        return self._refs.get((pipeline, tuple(sorted(partition.items()))))

    def rows(self, capture: CaptureRef) -> Iterator[TextRow]:
        return iter(self._rows[capture.capture_id])


def decoded(rows: list[tuple[Any, ...]]) -> list[TextRow]:
    out: list[TextRow] = []
    for start in range(0, len(rows), 5_000):
        out.extend(decode_rows(encode_rows(rows[start : start + 5_000])))
    return out


def params_of(pipeline: Pipeline) -> dict[str, Any]:
    params = pipeline.parse_params({"week_ending": str(WEEK), "tier": "NMS_TIER_1"})
    if pipeline.calc is not None and pipeline.calc_registry is not None:
        params["calc_version"] = pipeline.calc_registry.resolve(pipeline.calc).version
    return params


def timed_run(pipeline: Pipeline, reader: MemoryReader, repeat: int) -> tuple[float, list[tuple[Any, ...]]]:
    """Best wall time of ``repeat`` runs (batches consumed as the runner would), and the rows."""
    params = params_of(pipeline)
    best, rows = float("inf"), []
    for _ in range(repeat):
        captures = pipeline.input_captures(params, reader)
        batches: list[RowBatch] = []
        start = time.perf_counter()
        for output in pipeline.run(params, PipelineInputs(reader=reader, captures=captures)):
            if isinstance(output, RowBatch):
                batches.append(output)
        best = min(best, time.perf_counter() - start)
        rows = [row for batch in batches for row in batch.rows]
    return best, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("bench-results/derived_chain.json"))
    args = parser.parse_args()

    lines = generate_lines(args.rows, week_ending=WEEK, tier=Tier.NMS_TIER_1, seed=1)
    accepted = [
        row
        for output in ingest_week(lines, week_ending=WEEK, tier=Tier.NMS_TIER_1)
        if isinstance(output, RowBatch)
        for row in output.rows
    ]
    reader = MemoryReader()
    ingest = IngestWeek()
    reader.put(ingest, ingest.parse_params({"week_ending": str(WEEK), "tier": "NMS_TIER_1"}), decoded(accepted))

    text = decoded(accepted)
    # A worker streams capture rows from the event store block by block; this benchmark holds
    # them all in memory instead. Freezing them keeps the garbage collector from rescanning
    # millions of input tuples that a real run would never hold at once.
    gc.freeze()
    start = time.perf_counter()
    for row in text:
        del row
    bound = len(text) / (time.perf_counter() - start)
    figures: dict[str, Any] = {"rows": len(text), "lower_bound_rows_per_s": round(bound)}
    print(f"{len(text):,} rows; lower bound (iterate rows): {bound / 1e6:.1f} M rows/s")

    normalize = NormalizeWeek()
    seconds, normalized = timed_run(normalize, reader, args.repeat)
    reader.put(normalize, params_of(normalize), decoded(normalized))
    stages: list[tuple[Pipeline, float, int]] = [(normalize, seconds, len(normalized))]
    del normalized
    gc.freeze()
    calcs: tuple[type[Pipeline], ...] = (
        AggregateWeek,
        ComputeVenueShare,
        ComputeSymbolConcentration,
        ComputeTierShare,
        ComputeAtsShare,
    )
    for cls in calcs:
        calc = cls()
        seconds, out = timed_run(calc, reader, args.repeat)
        stages.append((calc, seconds, len(out)))
    for pipeline, seconds, rows_out in stages:
        rate = len(text) / seconds
        figures[pipeline.stage] = {"rows_per_s": round(rate), "seconds": round(seconds, 3), "rows_out": rows_out}
        print(
            f"{pipeline.name:52s} {rate / 1e6:5.2f} M rows/s  {seconds:6.2f} s  ({bound / rate:5.0f}x the bound)  "
            f"{rows_out:>9,} rows out"
        )
    figures["python"] = platform.python_version()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"figures written to {args.out}")


if __name__ == "__main__":
    main()
