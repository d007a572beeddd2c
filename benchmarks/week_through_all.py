"""One generated Tier 1 week through all the stages of the weekly workflow, on a fresh stack: the
time from the command to every read model, the peak memory of every process meanwhile, and the
disk the week takes.

* time: one RunPipeline ``--through all`` published on NATS; the clock stops when the data plane
  holds every stage's capture and every projector (and the process manager) has applied every
  event of the run. Lower bound: a plain COPY of the same file (after the run).
* memory: PSS summed over every process of the stack (each Spine service, every PostgreSQL
  process, nats-server), sampled every 200 ms during the run; bound: the same sum at rest just
  before it.
* disk: ``pg_database_size``, the WAL and the NATS store after the run, each reported, and their
  total; bound: the week's rows as a plain PostgreSQL table.

    uv run python -m benchmarks.week_through_all --rows 1000000
"""

from __future__ import annotations

import asyncio

from benchmarks.figures import Figure, Outcome, Target
from benchmarks.runs import run_once
from benchmarks.session import Session, run_alone
from benchmarks.stack import PssSampler, cpu_seconds, disk_sizes
from spine_domains.finra_otc.workflow import WEEKLY_REFRESH

__all__ = ["LABELS", "NAME", "main", "measure"]

NAME = "through_all"
LABELS = (
    ("through_all_s", f"--through all ({len(WEEKLY_REFRESH.scope('all'))} stages): command -> every read model"),
    ("peak_pss_mb", "peak memory during it: PSS of every process"),
    ("disk_database_mb", "disk after it: pg_database_size"),
    ("disk_wal_mb", "disk after it: WAL"),
    ("disk_nats_mb", "disk after it: NATS store"),
    ("disk_total_mb", "disk for the week through all stages, total"),
)
MB = 1e6


def measure(session: Session) -> Outcome:
    bench = session.bench
    ref = session.week_ref()
    sampler = PssSampler(bench.stack)
    idle = max(sampler.sample()[0] for _ in range(3))
    disk_before = asyncio.run(disk_sizes(bench))
    cpu_before = cpu_seconds(bench.stack)
    sampler.start()
    try:
        result = asyncio.run(run_once(bench.stack, ref, session.sizes.rows, "all", every_read_model=True))
    finally:
        sampler.stop()
    cpu_after = cpu_seconds(bench.stack)
    disk = asyncio.run(disk_sizes(bench))
    session.week_loaded = True
    copy = session.copy_baseline()
    total = sum(disk.values())
    print(
        f"through all: {result['end_to_end_s']:.2f}s; per stage: "
        + ", ".join(f"{s['pipeline']} {s['seconds']:.2f}s" for s in result["per_stage"])
    )
    labels = dict(LABELS)
    figures = [
        Figure(
            "through_all_s",
            labels["through_all_s"],
            result["end_to_end_s"],
            "s",
            Target("<=", 8.0),
            copy["copy_s"],
            "plain COPY of the file",
        ),
        Figure(
            "peak_pss_mb",
            labels["peak_pss_mb"],
            sampler.peak_bytes / MB,
            "MB",
            Target("<=", 600.0),
            idle / MB,
            "the stack at rest",
        ),
        Figure("disk_database_mb", labels["disk_database_mb"], disk["database_bytes"] / MB, "MB"),
        Figure("disk_wal_mb", labels["disk_wal_mb"], disk["wal_bytes"] / MB, "MB"),
        Figure("disk_nats_mb", labels["disk_nats_mb"], disk["nats_store_bytes"] / MB, "MB"),
        Figure(
            "disk_total_mb",
            labels["disk_total_mb"],
            total / MB,
            "MB",
            Target("<=", 300.0),
            copy["table_bytes"] / MB,
            "the rows as a plain table",
        ),
    ]
    details = {
        "run": result,
        "cpu_s": {k: round(cpu_after[k] - cpu_before.get(k, 0.0), 2) for k in cpu_after},
        "pss_mb_at_peak": {k: round(v / MB, 1) for k, v in sorted(sampler.peak_by_group.items())},
        "pss_samples": sampler.samples,
        "disk_bytes": disk,
        "disk_bytes_before_the_week": disk_before,
        "copy_baseline": copy,
    }
    return Outcome(figures, details)


def main() -> None:
    run_alone(NAME, LABELS, measure, __doc__)


if __name__ == "__main__":
    main()
