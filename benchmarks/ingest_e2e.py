"""End-to-end ingest benchmark: command published -> data-plane projection caught up.

With ``--through STAGE`` (e.g. ``venue_share``, or ``all``) the command chains the following
stages of the weekly workflow and the clock stops when the last of them is in the data plane;
each stage's own duration is printed.

Generates a realistic FINRA download file of N rows (seeded), runs the whole stack (embedded
PostgreSQL and NATS, each service its own process), publishes one RunPipeline and waits until
the data plane holds every row. In the same run it times a plain PostgreSQL COPY of the same
file into a scratch table (the lower bound), and prints the ratio, a stage breakdown taken from
the events' own timestamps, and the peak memory of the services. Figures go to a JSON file.

    uv run python -m benchmarks.ingest_e2e --rows 1000000 --out bench-results/ingest_e2e.json
    uv run python -m benchmarks.ingest_e2e --rows 1000000 --through venue_share --out bench-results/chain.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
from datetime import UTC, datetime
from pathlib import Path

import psutil

from benchmarks.bounds import copy_baseline
from benchmarks.runs import run_once
from benchmarks.stack import WEEK, BenchStack, MemorySampler, cpu_seconds, generate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=2, help="end-to-end runs (forced new captures); best is reported")
    parser.add_argument("--through", default=None, help="chain the workflow's stages up to this one (or 'all')")
    parser.add_argument("--out", type=Path, default=Path("bench-results/ingest_e2e.json"))
    args = parser.parse_args()

    bench = BenchStack()
    source = bench.root / "bench.psv"
    gen_s = generate(source, args.rows, args.seed)
    size = source.stat().st_size
    print(f"generated {args.rows:,} rows ({size / 1e6:.1f} MB) in {gen_s:.2f}s")
    with bench:
        stack = bench.stack
        ref = bench.into_inbox(source)
        if args.through:  # volume per trading day needs the year's exchange calendar
            bench.ingest_calendars([WEEK])
        pids = {c.name: c.process.pid for c in stack.children.values() if c.process}
        sampler = MemorySampler(pids)
        sampler.start()
        runs = []
        for i in range(args.repeat):
            before = cpu_seconds(stack)
            result = asyncio.run(run_once(stack, ref, args.rows, args.through))
            after = cpu_seconds(stack)
            result["cpu_s"] = {k: round(after[k] - before.get(k, 0.0), 2) for k in after}
            runs.append(result)
            print(
                f"run {i + 1}: {result['end_to_end_s']:.2f}s end to end "
                f"({args.rows / result['end_to_end_s']:,.0f} rows/s); stages: "
                + ", ".join(f"{k} {v:.2f}s" for k, v in result["stages_s"].items())
            )
            print(
                "  cpu seconds: "
                + ", ".join(f"{k} {v:.2f}" for k, v in sorted(result["cpu_s"].items(), key=lambda kv: -kv[1]))
            )
            if args.through:
                print(
                    "  per stage (capture started -> completed): "
                    + ", ".join(
                        f"{s['pipeline']} {s['seconds']:.2f}s ({s['rows']:,} rows)" for s in result["per_stage"]
                    )
                )
        sampler.running = False
        sampler.join()
        baseline = asyncio.run(copy_baseline(bench.database_url, source))

    best = min(runs, key=lambda r: r["end_to_end_s"])
    figures = {
        "benchmark": "ingest_e2e",
        "when": datetime.now(UTC).isoformat(),
        "machine": {"cpus": psutil.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "rows": args.rows,
        "file_bytes": size,
        "generate_s": gen_s,
        "runs": runs,
        "best_end_to_end_s": best["end_to_end_s"],
        "rows_per_s": args.rows / best["end_to_end_s"],
        "copy_baseline": baseline,
        "ratio_to_copy": best["end_to_end_s"] / baseline["copy_s"],
        "ratio_to_copy_with_index": best["end_to_end_s"] / baseline["copy_with_index_s"],
        "peak_rss_mb": {k: round(v / 1e6, 1) for k, v in sampler.peak.items()},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2))
    print(
        f"\nbest: {best['end_to_end_s']:.2f}s = {figures['rows_per_s']:,.0f} rows/s\n"
        f"plain COPY of the same file: {baseline['copy_s']:.2f}s (with the unique index: {baseline['copy_with_index_s']:.2f}s)\n"
        f"ratio end-to-end / COPY: {figures['ratio_to_copy']:.1f}x (vs COPY with index: {figures['ratio_to_copy_with_index']:.1f}x)\n"
        f"peak RSS (MB): {figures['peak_rss_mb']}\n"
        f"figures written to {args.out}"
    )


if __name__ == "__main__":
    main()
