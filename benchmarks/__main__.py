"""The benchmark suite: every measurement in turn on one stack, one table, one JSON file.

    uv run python -m benchmarks                     # the targets' sizes (a 1,000,000-row week, a year of 156 files)
    uv run python -m benchmarks --quick             # small sizes: a smoke run of a few minutes
    uv run python -m benchmarks --only through_all,replay --rows 200000

Measurements, in the order they run (each also runs alone: ``python -m benchmarks.<module>``):

* ``through_all`` (week_through_all): the week through all stages on the fresh stack, with the
  peak memory of every process and the disk the week takes;
* ``venue_share`` (week_through_venue_share): the week through venue_share;
* ``ingest`` (ingest_vs_copy): the week ingested alone, against a plain COPY;
* ``replay`` (replay_all): every read model rebuilt from the event store;
* ``lanes`` (lanes): a normal-lane weekly run during the year's backfill, against idle;
* ``backfill`` (backfill_year): a year of three tiers' weekly files through all stages (with
  ``lanes``, the same backfill serves both);
* ``commands`` (command_rate): RunPipeline commands accepted per second, gateway and NATS.

A measurement that fails shows its error in the table and the others still run; the exit code
is 1 when one failed to run (not when a target is missed).
"""

from __future__ import annotations

import argparse
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from benchmarks import (
    backfill_year,
    command_rate,
    ingest_vs_copy,
    lanes,
    replay_all,
    week_through_all,
    week_through_venue_share,
)
from benchmarks.figures import Figure, Outcome, failed, format_table
from benchmarks.session import Session, add_size_args, sizes_from, write_json

MODULES: tuple[ModuleType, ...] = (
    week_through_all,
    week_through_venue_share,
    ingest_vs_copy,
    replay_all,
    lanes,
    backfill_year,
    command_rate,
)
NAMES = tuple(m.NAME for m in MODULES)


def _names(text: str | None) -> list[str]:
    names = [n.strip() for n in (text or "").split(",") if n.strip()]
    unknown = [n for n in names if n not in NAMES]
    if unknown:
        raise SystemExit(f"unknown measurement(s) {', '.join(unknown)}; choose from {', '.join(NAMES)}")
    return names


def plan(
    only: Sequence[str], skip: Sequence[str]
) -> list[tuple[str, Sequence[tuple[str, str]], Callable[[Session], Outcome]]]:
    """What runs, in order: (name, labels, measure). ``lanes`` with ``backfill`` become one step."""
    chosen = [n for n in NAMES if (not only or n in only) and n not in skip]
    steps: list[tuple[str, Sequence[tuple[str, str]], Callable[[Session], Outcome]]] = []
    for module in MODULES:
        if module.NAME not in chosen:
            continue
        if module is lanes and backfill_year.NAME in chosen:
            steps.append(("lanes+backfill", lanes.BOTH_LABELS, lambda s: lanes.measure(s, finish_backfill=True)))
        elif module is backfill_year and lanes.NAME in chosen:
            continue
        else:
            steps.append((module.NAME, module.LABELS, module.measure))
    return steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_size_args(parser)
    parser.add_argument("--only", help=f"comma-separated measurements to run ({', '.join(NAMES)})")
    parser.add_argument("--skip", help="comma-separated measurements not to run")
    parser.add_argument("--out", type=Path, default=Path("bench-results/suite.json"))
    args = parser.parse_args()
    sizes = sizes_from(args)
    steps = plan(_names(args.only), _names(args.skip))
    session = Session(sizes)
    figures: list[Figure] = []
    details: dict[str, Any] = {}
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    try:
        for name, labels, measure in steps:
            print(f"\n== {name}", flush=True)
            begun = time.perf_counter()
            try:
                outcome = measure(session)
            except Exception as exc:
                traceback.print_exc()
                outcome = failed(labels, exc)
            seconds[name] = round(time.perf_counter() - begun, 1)
            figures += outcome.figures
            details[name] = outcome.details
    finally:
        session.close()
    details["session"] = session.notes
    print("\n" + format_table(figures))
    write_json(args.out, sizes, figures, details, measurements=list(seconds), seconds=seconds)
    print(f"figures written to {args.out}; {time.perf_counter() - started:.0f}s in all ({seconds})")
    if any(f.error for f in figures):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
