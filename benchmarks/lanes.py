"""Lanes under load: a normal-lane weekly run while the year's backfill runs on the backfill lane,
against the same run on the idle system, both measured in this process.

The weekly run is a generated Tier 1 week of the year's Tier 1 size (30,000 rows x
``--year-rows-scale``; week ending 2025-11-21, outside the backfilled year) through all stages,
timed from the command to every read model (:func:`benchmarks.runs.run_once`). One unmeasured
run first (the first capture of the week, the services warm), then ``--lane-runs`` forced runs
on the idle stack; then the backfill starts (:mod:`benchmarks.backfill_year`), and once its
first week is being ingested, ``--lane-runs`` forced runs again. Figure: the median run under
load; bound: the median idle run; target: at most twice it.

With ``finish_backfill`` (the suite, when it measures the backfill too) the backfill is then
followed to its end and its own figures are returned as well.

    uv run python -m benchmarks.lanes --year-weeks 52
"""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

import asyncpg

from benchmarks.backfill_year import LABELS as BACKFILL_LABELS
from benchmarks.backfill_year import YearBackfill, finish
from benchmarks.figures import Figure, Outcome, Target
from benchmarks.runs import run_once
from benchmarks.session import Session, run_alone
from benchmarks.stack import PIPELINE, BenchStack, generate
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.tiers import Tier

__all__ = ["LABELS", "NAME", "main", "measure"]

NAME = "lanes"
LABELS = (("lanes_loaded_s", "normal-lane weekly run during the backfill, vs idle"),)
LANE_WEEK = WeekEnding.parse("2025-11-21")
BUSY_WAIT_S = 300.0


async def _timed(bench: BenchStack, ref: str, rows: int, timeout: float) -> dict[str, Any]:
    return await run_once(bench.stack, ref, rows, "all", week=LANE_WEEK, every_read_model=True, timeout=timeout)


async def _wait_busy(backfill: YearBackfill, database_url: str) -> float:
    """Wait (bounded) until a backfilled week's ingest has started; seconds waited."""
    started = time.perf_counter()
    conn = await asyncpg.connect(database_url)
    try:
        while time.perf_counter() - started < BUSY_WAIT_S:
            running = await conn.fetchval(
                """SELECT count(*) FROM manifest.executions
                   WHERE batch_id = ANY($1::uuid[]) AND pipeline = $2 AND started_at IS NOT NULL""",
                [c.execution_id for c in backfill.commands],
                PIPELINE,
            )
            if running:
                return time.perf_counter() - started
            await asyncio.sleep(0.1)
    finally:
        await conn.close()
    raise TimeoutError(f"the backfill did not start a week within {BUSY_WAIT_S:.0f}s")


async def _probe(backfill: YearBackfill, ref: str, rows: int, runs: int, finish_backfill: bool) -> dict[str, Any]:
    bench, timeout = backfill.session.bench, backfill.session.sizes.timeout_s
    await _timed(bench, ref, rows, timeout)  # warm: the week's first capture
    idle = [await _timed(bench, ref, rows, timeout) for _ in range(runs)]
    await backfill.start()
    waited = await _wait_busy(backfill, bench.database_url)
    loaded = []
    conn = await asyncpg.connect(bench.database_url)
    try:
        for _ in range(runs):
            loaded.append(await _timed(bench, ref, rows, timeout))
        await backfill.poll(conn)
    finally:
        await conn.close()
    out: dict[str, Any] = {
        "idle_s": [r["end_to_end_s"] for r in idle],
        "loaded_s": [r["end_to_end_s"] for r in loaded],
        "waited_for_backfill_s": waited,
        "backfill_running_throughout": not backfill.ended(),
        "idle_runs": idle,
        "loaded_runs": loaded,
    }
    if finish_backfill:
        out["backfill"] = await backfill.wait(timeout)
    return out


def measure(session: Session, finish_backfill: bool = False) -> Outcome:
    """The lanes figure; with ``finish_backfill``, the backfill's figures after it."""
    bench = session.bench
    backfill = YearBackfill(session)
    backfill.prepare()
    rows = backfill.rows_of(Tier.NMS_TIER_1)
    path = bench.root / "lanes" / f"nms_tier_1_{LANE_WEEK}.psv"
    generate(path, rows, session.sizes.seed, week=LANE_WEEK, universe_seed=100)
    ref = bench.into_inbox(path)
    bench.ingest_calendars([LANE_WEEK])
    out = asyncio.run(_probe(backfill, ref, rows, max(session.sizes.lane_runs, 1), finish_backfill))
    idle, loaded = statistics.median(out["idle_s"]), statistics.median(out["loaded_s"])
    worker_done = statistics.median(max(s["ended_s"] for s in r["per_stage"]) for r in out["loaded_runs"])
    data_plane = statistics.median(r["data_plane_s"] for r in out["loaded_runs"])
    print(
        f"lanes: normal-lane run {loaded:.2f}s under the backfill ({idle:.2f}s idle): its last stage recorded after "
        f"{worker_done:.2f}s, in the data plane after {data_plane:.2f}s, in every read model after {loaded:.2f}s; "
        f"backfill running throughout: {out['backfill_running_throughout']}"
    )
    key, label = LABELS[0]
    figures = [Figure(key, f"{label} ({rows:,} rows)", loaded, "s", Target("<=", 2.0, on="ratio"), idle,
                      "the same run, idle")]  # fmt: skip
    details = {"rows": rows, **{k: v for k, v in out.items() if k != "backfill"}}
    if not out["backfill_running_throughout"]:
        details["warning"] = "the backfill ended before the last normal-lane run did: raise --year-weeks"
    outcome = Outcome(figures, details)
    if finish_backfill:
        year = finish(backfill, out["backfill"])
        outcome.figures += year.figures
        outcome.details["backfill"] = year.details
    return outcome


#: The labels of the lanes figure and, when the backfill is finished too, of the backfill's.
BOTH_LABELS = LABELS + BACKFILL_LABELS


def main() -> None:
    run_alone(NAME, LABELS, measure, __doc__)


if __name__ == "__main__":
    main()
