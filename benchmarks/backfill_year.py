"""One year of weekly files for the three tiers, backfilled through all stages.

The files: 52 weeks (the Fridays of 2024) x Tier 1, Tier 2 and OTC = 156 generated FINRA
download files, one series per tier (one symbol universe, volumes moving week to week). Rows per
weekly file, chosen after real FINRA ATS weekly files (shared data, ``finra_otc/real*``) and the
generator's venues per symbol: **Tier 1 30,000** (about 2,450 symbols on 12 venues each; FINRA's
complete Tier 1 weeks there hold 2,424 and 2,425 symbols), **Tier 2 30,000** (about 4,200 symbols
on 7 venues: more symbols, fewer venues) and **OTC 5,000** (FINRA's OTCE files hold 4,655 to
5,328 rows, some 3,100 symbols on 10 venues). That is 65,000 rows a week and 3.4 million for the
year; ``--year-rows-scale`` shrinks every file and ``--year-weeks`` the year for quick runs.

Each tier is one ``finra.otc_transparency.backfill_range`` command on the backfill lane (as
``spine backfill`` publishes it); its plan issues every week's ingest, each chained through all
ten stages. Figures: the whole backfill (first command -> every week's stages in the data plane
and every projector caught up; target < 60 s; bound: a plain COPY of every file), and each
week's time from its ingest command to its last stage in the read models, p50 and p99 (the
weeks are queued on one lane, so this time includes the wait behind the weeks before it).

    uv run python -m benchmarks.backfill_year --year-weeks 52 --year-rows-scale 1.0
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from benchmarks.bounds import copy_files
from benchmarks.figures import Figure, Outcome, Target
from benchmarks.http_load import percentile
from benchmarks.session import Session, run_alone
from benchmarks.stack import PIPELINE, generate
from contracts.commands import ParamValue, RunPipeline
from services.adapters.bus.nats import connect_nats
from services.adapters.commands import publish_run
from services.adapters.db.read_positions import not_applied, store_head
from services.adapters.monitored import monitored_projections
from services.cli.commands.backfill import BACKFILL
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.tiers import Tier
from spine_domains.finra_otc.workflow import WEEKLY_REFRESH

__all__ = ["LABELS", "NAME", "TIER_ROWS", "YearBackfill", "main", "measure"]

NAME = "backfill"
LABELS = (
    ("backfill_total_s", "year backfill, 3 tiers, through all: total"),
    ("backfill_week_p50_s", "a backfilled week: command -> read models, p50"),
    ("backfill_week_p99_s", "a backfilled week: command -> read models, p99"),
)
FIRST_WEEK = WeekEnding.parse("2024-01-05")
TIER_ROWS = {Tier.NMS_TIER_1: 30_000, Tier.NMS_TIER_2: 30_000, Tier.OTC: 5_000}
_STAGES = len(WEEKLY_REFRESH.scope("all"))
_POLL_S = 0.5

_PROGRESS_SQL = """
SELECT e.params->>'tier' AS tier, e.params->>'week_ending' AS week,
       min(e.requested_at) FILTER (WHERE e.pipeline = $2) AS requested_at,
       count(DISTINCT c.pipeline) FILTER (WHERE c.status = 'complete') AS complete,
       bool_or(e.status = 'failed') AS failed
FROM manifest.executions e LEFT JOIN finra_otc.captures c ON c.execution_id = e.execution_id
WHERE e.batch_id = ANY($1::uuid[]) AND e.pipeline <> $3
GROUP BY 1, 2
"""


class YearBackfill:
    """The year's files in the inbox, the three backfill commands, and their progress."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.weeks = [FIRST_WEEK.shift(i) for i in range(max(session.sizes.year_weeks, 1))]
        self.files: list[Path] = []
        self.commands: list[RunPipeline] = []
        self.done_at: dict[tuple[str, str], datetime] = {}
        self.requested_at: dict[tuple[str, str], datetime] = {}
        self.failed: set[tuple[str, str]] = set()
        self.published_at = 0.0

    def rows_of(self, tier: Tier) -> int:
        return max(int(TIER_ROWS[tier] * self.session.sizes.year_rows_scale), 1)

    @property
    def rows(self) -> int:
        return sum(self.rows_of(t) for t in TIER_ROWS) * len(self.weeks)

    def prepare(self) -> float:
        """Write every file into the inbox (a folder per tier) and ingest the calendars; seconds."""
        bench = self.session.bench
        started = time.perf_counter()
        for universe, tier in enumerate(TIER_ROWS, start=100):
            for i, week in enumerate(self.weeks):
                path = bench.inbox / self.folder(tier) / f"{tier.value.lower()}_{week}.psv"
                generate(path, self.rows_of(tier), self.session.sizes.seed + i, week=week, tier=tier,
                         universe_seed=universe)  # fmt: skip
                self.files.append(path)
        bench.ingest_calendars(self.weeks)
        return time.perf_counter() - started

    @staticmethod
    def folder(tier: Tier) -> str:
        return f"year-{tier.value.lower()}"

    async def start(self) -> None:
        weeks = f"{self.weeks[0]}..{self.weeks[-1]}"
        nc = await connect_nats(self.session.bench.settings, "bench-backfill", reconnect=False)
        try:
            self.published_at = time.perf_counter()
            for tier in TIER_ROWS:
                params: dict[str, ParamValue] = {
                    "tier": tier.value,
                    "weeks": weeks,
                    "source_dir": self.folder(tier),
                    "through": "all",
                }
                command = RunPipeline.new(BACKFILL, params, lane="backfill", trigger_source="cli")
                await publish_run(nc, command)
                self.commands.append(command)
        finally:
            await nc.close()

    @property
    def expected(self) -> int:
        return len(self.weeks) * len(TIER_ROWS)

    def ended(self) -> bool:
        return len(self.done_at) + len(self.failed) >= self.expected

    async def poll(self, conn: asyncpg.Connection) -> None:
        """Note the weeks whose every stage is now in the data plane (or that failed)."""
        ids = [c.execution_id for c in self.commands]
        planner = await conn.fetch(
            "SELECT status, error_message FROM manifest.executions WHERE execution_id = ANY($1::uuid[])", ids
        )
        for row in planner:
            if row["status"] == "failed":
                raise RuntimeError(f"a backfill plan failed: {row['error_message']}")
        now = datetime.now(UTC)
        for row in await conn.fetch(_PROGRESS_SQL, ids, PIPELINE, BACKFILL):
            key = (row["tier"], row["week"])
            if row["requested_at"] is not None:
                self.requested_at[key] = row["requested_at"]
            if row["failed"]:
                self.failed.add(key)
            elif row["complete"] >= _STAGES and key not in self.done_at:
                self.done_at[key] = now

    async def wait(self, timeout: float) -> dict[str, Any]:
        """Wait until every week has ended and every projector has caught up; the figures' inputs."""
        deadline = time.perf_counter() + timeout
        conn = await asyncpg.connect(self.session.bench.database_url)
        try:
            while not self.ended():
                if time.perf_counter() > deadline:
                    raise TimeoutError(f"{len(self.done_at)} of {self.expected} weeks done within {timeout:.0f}s")
                await self.poll(conn)
                await asyncio.sleep(_POLL_S)
            settings = self.session.bench.settings
            head = await store_head(conn, settings.eventstore_schema)
            while await not_applied(conn, settings.eventstore_schema, monitored_projections(), head):
                if time.perf_counter() > deadline:
                    raise TimeoutError("the read models did not catch up with the backfill in time")
                await asyncio.sleep(0.05)
        finally:
            await conn.close()
        total = time.perf_counter() - self.published_at
        latencies = [(at - self.requested_at[k]).total_seconds() for k, at in self.done_at.items()]
        return {"total_s": total, "weeks_done": len(self.done_at), "weeks_failed": sorted(self.failed),
                "week_latencies_s": sorted(latencies)}  # fmt: skip


def figures(backfill: YearBackfill, result: dict[str, Any], copy_s: float) -> list[Figure]:
    labels = dict(LABELS)
    files, weeks = len(backfill.files), len(backfill.weeks)
    total = f"{labels['backfill_total_s']} ({files} files: {weeks} weeks, {backfill.rows:,} rows)"
    lat = result["week_latencies_s"]
    return [
        Figure(
            "backfill_total_s", total, result["total_s"], "s", Target("<", 60.0), copy_s, "plain COPY of every file"
        ),
        Figure("backfill_week_p50_s", labels["backfill_week_p50_s"], percentile(lat, 50) if lat else None, "s"),
        Figure("backfill_week_p99_s", labels["backfill_week_p99_s"], percentile(lat, 99) if lat else None, "s"),
    ]


def finish(backfill: YearBackfill, result: dict[str, Any]) -> Outcome:
    """The figures of a finished backfill, with the COPY bound measured now."""
    copy_s = asyncio.run(copy_files(backfill.session.bench.database_url, backfill.files))
    if result["weeks_failed"]:
        raise RuntimeError(f"{len(result['weeks_failed'])} backfilled weeks failed: {result['weeks_failed'][:5]}")
    print(
        f"backfill: {result['weeks_done']} weeks x tiers in {result['total_s']:.1f}s; "
        f"plain COPY of every file {copy_s:.2f}s"
    )
    return Outcome(figures(backfill, result, copy_s), {"files": len(backfill.files), "rows": backfill.rows,
                                                      "copy_all_s": copy_s, **result})  # fmt: skip


def measure(session: Session) -> Outcome:
    backfill = YearBackfill(session)
    backfill.prepare()

    async def run() -> dict[str, Any]:
        await backfill.start()
        return await backfill.wait(session.sizes.timeout_s)

    return finish(backfill, asyncio.run(run()))


def main() -> None:
    run_alone(NAME, LABELS, measure, __doc__)


if __name__ == "__main__":
    main()
