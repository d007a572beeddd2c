"""The generated Tier 1 week ingested alone (no following stage): the time from the command to
the data plane holding every row, as a ratio to a plain PostgreSQL COPY of the same file into a
scratch table in the same run. ``--repeat`` forced runs (new captures); the best is reported.

    uv run python -m benchmarks.ingest_vs_copy --rows 1000000
"""

from __future__ import annotations

import asyncio

from benchmarks.figures import Figure, Outcome, Target
from benchmarks.runs import run_once
from benchmarks.session import Session, run_alone
from benchmarks.stack import cpu_seconds

__all__ = ["LABELS", "NAME", "main", "measure"]

NAME = "ingest"
LABELS = (("ingest_s", "ingest alone: command -> data plane"),)


def measure(session: Session) -> Outcome:
    bench = session.bench
    ref = session.week_ref()
    runs = []
    for _ in range(max(session.sizes.repeat, 1)):
        before = cpu_seconds(bench.stack)
        result = asyncio.run(run_once(bench.stack, ref, session.sizes.rows, None))
        after = cpu_seconds(bench.stack)
        result["cpu_s"] = {k: round(after[k] - before.get(k, 0.0), 2) for k in after}
        runs.append(result)
        print(
            f"ingest: {result['end_to_end_s']:.2f}s; "
            + ", ".join(f"{k} {v:.2f}s" for k, v in result["stages_s"].items())
        )
    best = min(runs, key=lambda r: r["end_to_end_s"])
    copy = session.copy_baseline()
    key, label = LABELS[0]
    figure = Figure(
        key, label, best["end_to_end_s"], "s", Target("<=", 3.0, on="ratio"), copy["copy_s"], "plain COPY of the file"
    )
    return Outcome([figure], {"runs": runs, "copy_baseline": copy})


def main() -> None:
    run_alone(NAME, LABELS, measure, __doc__)


if __name__ == "__main__":
    main()
