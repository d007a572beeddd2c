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
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import psutil

from contracts.commands import RunPipeline
from services.adapters.bus.nats import connect_nats
from services.adapters.commands import publish_run
from services.adapters.inbox import copy_into_inbox
from services.dev.embedded import free_port
from services.dev.stack import Stack
from services.settings import Settings
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.generator import generate_lines
from spine_domains.finra_otc.tiers import Tier
from spine_domains.finra_otc.workflow import WEEKLY_REFRESH

PIPELINE = "finra.otc_transparency.ingest_week"
WEEK = WeekEnding.parse("2025-11-14")


class MemorySampler(threading.Thread):
    """Peak RSS per service process, sampled every 50 ms."""

    def __init__(self, pids: dict[str, int]) -> None:
        super().__init__(daemon=True)
        self.procs = {name: psutil.Process(pid) for name, pid in pids.items()}
        self.peak: dict[str, int] = dict.fromkeys(pids, 0)
        self.running = True

    def run(self) -> None:
        while self.running:
            for name, proc in self.procs.items():
                try:
                    self.peak[name] = max(self.peak[name], proc.memory_info().rss)
                except psutil.Error:
                    pass
            time.sleep(0.05)


def _tree_cpu(proc: psutil.Process) -> float:
    total = 0.0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            times = p.cpu_times()
            total += times.user + times.system
        except psutil.Error:
            pass
    return total


def cpu_seconds(stack: Stack) -> dict[str, float]:
    """CPU time used so far by each service, PostgreSQL (all its backends) and NATS."""
    procs = {name: psutil.Process(c.process.pid) for name, c in stack.children.items() if c.process}
    if stack.postgres is not None and stack.postgres.pid():
        procs["postgres"] = psutil.Process(stack.postgres.pid())
    if stack.nats is not None and stack.nats.pid():
        procs["nats-server"] = psutil.Process(stack.nats.pid())
    return {name: _tree_cpu(proc) for name, proc in procs.items()}


def generate(path: Path, rows: int, seed: int) -> float:
    started = time.perf_counter()
    with path.open("w", encoding="ascii", newline="\n") as handle:
        for line in generate_lines(rows, week_ending=WEEK, tier=Tier.NMS_TIER_1, seed=seed):
            handle.write(line + "\n")
    return time.perf_counter() - started


async def copy_baseline(database_url: str, path: Path) -> dict[str, float]:
    """The same file loaded by PostgreSQL's COPY into a scratch table: without and with the
    data plane's unique index."""
    conn = await asyncpg.connect(database_url)
    out: dict[str, float] = {}
    try:
        for label, index in (("copy_s", False), ("copy_with_index_s", True)):
            await conn.execute("DROP TABLE IF EXISTS bench_copy")
            await conn.execute(
                """CREATE UNLOGGED TABLE bench_copy (tier text, symbol text, issue_name text, participant_name text,
                   mpid text, total_shares bigint, total_trades bigint, last_update_date date)"""
            )
            await conn.execute("ALTER TABLE bench_copy SET LOGGED")
            if index:
                await conn.execute("CREATE UNIQUE INDEX ON bench_copy (symbol, mpid)")
            started = time.perf_counter()
            await conn.copy_to_table(
                "bench_copy", source=str(path), format="csv", delimiter="|", header=True, quote="\x01"
            )
            out[label] = time.perf_counter() - started
        await conn.execute("DROP TABLE bench_copy")
    finally:
        await conn.close()
    return out


async def run_once(stack: Stack, ref: str, rows: int, through: str | None) -> dict[str, Any]:
    settings = stack.settings
    conn = await asyncpg.connect(settings.database_url)
    nc = await connect_nats(settings, "bench", reconnect=False)
    expected = WEEKLY_REFRESH.scope(through) if through else frozenset({PIPELINE})
    try:
        command = RunPipeline.new(
            PIPELINE, {"week_ending": str(WEEK), "tier": "NMS_TIER_1", "force": True}, file=ref, through=through
        )
        published_at = datetime.now(UTC)
        started = time.perf_counter()
        await publish_run(nc, command)
        deadline = started + 3600
        while time.perf_counter() < deadline:
            failed = await conn.fetchval(
                "SELECT error_message FROM manifest.executions WHERE batch_id = $1 AND status = 'failed' LIMIT 1",
                command.execution_id,
            )
            if failed:
                raise RuntimeError(f"run failed: {failed}")
            done = await conn.fetch(
                """SELECT c.pipeline FROM finra_otc.captures c JOIN manifest.executions e USING (execution_id)
                   WHERE e.batch_id = $1 AND c.status = 'complete'""",
                command.execution_id,
            )
            if {r["pipeline"] for r in done} >= expected:
                break
            await asyncio.sleep(0.01)
        else:
            raise TimeoutError("the data plane did not catch up within an hour")
        elapsed = time.perf_counter() - started
        caught_up_at = datetime.now(UTC)
        capture_id = await conn.fetchval(
            """SELECT c.capture_id FROM finra_otc.captures c JOIN manifest.executions e USING (execution_id)
               WHERE e.batch_id = $1 AND c.pipeline = $2""",
            command.execution_id,
            PIPELINE,
        )
        loaded = await conn.fetchval("SELECT count(*) FROM finra_otc.venue_volume WHERE capture_id = $1", capture_id)
        assert loaded == rows, f"data plane holds {loaded} rows, expected {rows}"
        stages = await stage_times(conn, settings, capture_id, published_at, caught_up_at)
        per_stage = await conn.fetch(
            """SELECT c.pipeline, c.rows_accepted, extract(epoch FROM c.completed_at - c.captured_at) AS seconds
               FROM finra_otc.captures c JOIN manifest.executions e USING (execution_id)
               WHERE e.batch_id = $1 ORDER BY c.captured_at""",
            command.execution_id,
        )
        return {
            "end_to_end_s": elapsed,
            "rows_loaded": loaded,
            "capture_id": str(capture_id),
            "stages_s": stages,
            "per_stage": [
                {
                    "pipeline": r["pipeline"].rsplit(".", 1)[-1],
                    "rows": r["rows_accepted"],
                    "seconds": float(r["seconds"]),
                }
                for r in per_stage
            ],
        }
    finally:
        await nc.close()
        await conn.close()


async def stage_times(
    conn: asyncpg.Connection, settings: Settings, capture_id: Any, published_at: datetime, caught_up_at: datetime
) -> dict[str, float]:
    """Where the time went, from the recorded events' own timestamps.

    queue_claim_and_hash: command published -> CaptureStarted recorded (worker picked it up,
    claimed the partition, hashed the source); parse_validate_record: CaptureStarted ->
    StageCompleted (the worker parsing, validating and recording chunk events, while relay and
    projector already work on the first chunks); projection_tail: StageCompleted -> the data
    plane has applied it (what the relay and projector still had to do after the worker).
    """
    cap = await conn.fetchrow(
        "SELECT captured_at, completed_at FROM finra_otc.captures WHERE capture_id = $1", capture_id
    )
    return {
        "queue_claim_and_hash": (cap["captured_at"] - published_at).total_seconds(),
        "parse_validate_record": (cap["completed_at"] - cap["captured_at"]).total_seconds(),
        "projection_tail": (caught_up_at - cap["completed_at"]).total_seconds(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=2, help="end-to-end runs (forced new captures); best is reported")
    parser.add_argument("--through", default=None, help="chain the workflow's stages up to this one (or 'all')")
    parser.add_argument("--out", type=Path, default=Path("bench-results/ingest_e2e.json"))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="spine-bench-") as tmp:
        root = Path(tmp)
        # The file is copied into the inbox, not uploaded: the figures are the ingest's alone.
        settings = Settings(
            data_dir=root / "spine",
            file_store="inbox",
            inbox_dir=root / "inbox",
            gateway_port=free_port(),
            log_level="WARNING",
        )
        source = root / "bench.psv"
        gen_s = generate(source, args.rows, args.seed)
        size = source.stat().st_size
        print(f"generated {args.rows:,} rows ({size / 1e6:.1f} MB) in {gen_s:.2f}s")
        stack = Stack(settings, write_dev_state=False)
        stack.start()
        try:
            ref, _, _ = copy_into_inbox(stack.settings.inbox, source)
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
            baseline = asyncio.run(copy_baseline(str(stack.settings.database_url), source))
        finally:
            stack.stop()

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
