"""What the measurements of one benchmark run share: the sizes asked for, one stack started on
first use, the generated Tier 1 week and its COPY baseline; and how a measurement runs alone
(``python -m benchmarks.<name>``) with the same flags as the suite."""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from benchmarks.bounds import copy_baseline
from benchmarks.figures import Figure, Outcome, failed, format_table
from benchmarks.stack import WEEK, BenchStack, generate

__all__ = ["QUICK", "Session", "Sizes", "add_size_args", "run_alone", "sizes_from", "write_json"]


@dataclass(frozen=True, slots=True)
class Sizes:
    """How big each measurement is; the defaults are the targets' sizes, :data:`QUICK` a smoke run."""

    rows: int = 1_000_000  # the generated Tier 1 week
    seed: int = 1
    repeat: int = 2  # ingest alone: forced runs, the best is reported
    year_weeks: int = 52  # weeks of the backfilled year (three tiers each)
    year_rows_scale: float = 1.0  # x the realistic rows per tier of the year's files
    lane_runs: int = 2  # normal-lane weekly runs, idle and under the backfill
    commands: int = 3000  # RunPipeline commands per route
    command_seconds: float = 10.0  # time bound per route
    timeout_s: float = 1800.0  # time bound of any one wait


QUICK = Sizes(rows=20_000, repeat=1, year_weeks=4, year_rows_scale=0.1, lane_runs=1, commands=1000, command_seconds=5.0)


_HELP = {
    "rows": "rows of the generated Tier 1 week",
    "seed": "generator seed",
    "repeat": "forced ingest-alone runs (the best is reported)",
    "year_weeks": "weeks of the backfilled year, for each of the three tiers",
    "year_rows_scale": "times the realistic rows per tier of the year's files",
    "lane_runs": "normal-lane runs, idle and under the backfill (the medians are compared)",
    "commands": "RunPipeline commands per route",
    "command_seconds": "time bound per command route",
    "timeout_s": "time bound of any one wait",
}


def add_size_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true", help=f"small sizes, a smoke run of a few minutes: {QUICK}")
    for f in fields(Sizes):
        flag = "--" + f.name.replace("_", "-")
        kind = type(getattr(Sizes(), f.name))
        parser.add_argument(flag, type=kind, default=None, help=f"{_HELP[f.name]} (default {f.default:,})")


def sizes_from(args: argparse.Namespace) -> Sizes:
    base = QUICK if args.quick else Sizes()
    given = {f.name: getattr(args, f.name) for f in fields(Sizes) if getattr(args, f.name) is not None}
    return Sizes(**{**asdict(base), **given})


class Session:
    """One stack (started on first use) and the week file, shared by the measurements of a run."""

    def __init__(self, sizes: Sizes) -> None:
        self.sizes = sizes
        self._bench: BenchStack | None = None
        self._week: Path | None = None
        self._week_ref: str | None = None
        self._copy: dict[str, float] | None = None
        self.week_loaded = False  # a week has gone through all stages (replay has something to read)
        self.notes: dict[str, Any] = {}

    @property
    def bench(self) -> BenchStack:
        if self._bench is None:
            bench = BenchStack()
            bench.start()
            self._bench = bench
            self.notes["stack_start_s"] = round(bench.started_s, 2)
            self.notes["dev_processes"] = bench.settings.dev_processes  # SPINE_DEV_PROCESSES
            print(
                f"stack started in {bench.started_s:.1f}s ({bench.settings.dev_processes} processes; "
                f"data in {bench.root})",
                flush=True,
            )
        return self._bench

    def week_file(self) -> Path:
        """The generated Tier 1 week of ``sizes.rows`` rows (written once)."""
        if self._week is None:
            path = self.bench.root / "week.psv"
            seconds = generate(path, self.sizes.rows, self.sizes.seed)
            self.notes["week"] = {
                "rows": self.sizes.rows,
                "bytes": path.stat().st_size,
                "generate_s": round(seconds, 2),
            }
            print(f"generated {self.sizes.rows:,} rows ({path.stat().st_size / 1e6:.1f} MB) in {seconds:.2f}s")
            self._week = path
        return self._week

    def week_ref(self) -> str:
        """The week in the inbox, with the calendar its last stage needs already ingested."""
        if self._week_ref is None:
            self._week_ref = self.bench.into_inbox(self.week_file())
            self.bench.ingest_calendars([WEEK])
        return self._week_ref

    def copy_baseline(self) -> dict[str, float]:
        """A plain COPY of the week file into a scratch table (measured once per session)."""
        if self._copy is None:
            self._copy = asyncio.run(copy_baseline(self.bench.database_url, self.week_file(), table_size=True))
        return self._copy

    def close(self) -> None:
        if self._bench is not None:
            self._bench.close()
            self._bench = None


def write_json(path: Path, sizes: Sizes, figures: Sequence[Figure], details: dict[str, Any], **extra: Any) -> None:
    document = {
        "when": datetime.now(UTC).isoformat(),
        "machine": {"cpus": psutil.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "sizes": asdict(sizes),
        **extra,
        "figures": [f.as_dict() for f in figures],
        "details": details,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")


def run_alone(
    name: str, labels: Sequence[tuple[str, str]], measure: Callable[[Session], Outcome], doc: str | None
) -> None:
    """``main()`` of a measurement: the suite's flags, one session, the table and a JSON file."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_size_args(parser)
    parser.add_argument("--out", type=Path, default=Path(f"bench-results/{name}.json"))
    args = parser.parse_args()
    sizes = sizes_from(args)
    session = Session(sizes)
    started = time.perf_counter()
    try:
        outcome = measure(session)
    except Exception as exc:
        traceback.print_exc()
        outcome = failed(labels, exc)
    finally:
        session.close()
    print("\n" + format_table(outcome.figures))
    write_json(args.out, sizes, outcome.figures, {name: outcome.details, "session": session.notes})
    print(f"figures written to {args.out} ({time.perf_counter() - started:.0f}s)")
    if any(f.error for f in outcome.figures):
        raise SystemExit(1)
