"""One weekly run, timed from the command to its results: publish a RunPipeline on NATS and poll
PostgreSQL until the data plane (and, when asked, every read model) has applied it."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any, Literal

import asyncpg

from benchmarks.stack import PIPELINE, WEEK
from contracts.commands import RunPipeline
from services.adapters.bus.nats import connect_nats
from services.adapters.commands import publish_run
from services.adapters.db.read_positions import not_applied
from services.adapters.monitored import monitored_projections
from services.dev.stack import Stack
from services.settings import Settings
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.workflow import WEEKLY_REFRESH

__all__ = ["run_once", "stage_times", "wait_every_read_model"]

_TERMINAL = ("completed", "skipped", "failed")


async def run_once(
    stack: Stack,
    ref: str,
    rows: int,
    through: str | None,
    *,
    week: WeekEnding = WEEK,
    tier: str = "NMS_TIER_1",
    lane: Literal["normal", "backfill", "slow"] = "normal",
    every_read_model: bool = False,
    timeout: float = 3600.0,
) -> dict[str, Any]:
    """Publish one forced run of ``ref`` (chained ``through`` a stage, or not) and wait until the
    data plane holds every stage's capture; with ``every_read_model``, also until every projector
    (and the process manager) has applied every event the run recorded. The clock stops there."""
    settings = stack.settings
    conn = await asyncpg.connect(settings.database_url)
    nc = await connect_nats(settings, "bench", reconnect=False)
    expected = WEEKLY_REFRESH.scope(through) if through else frozenset({PIPELINE})
    try:
        command = RunPipeline.new(
            PIPELINE, {"week_ending": str(week), "tier": tier, "force": True}, file=ref, through=through, lane=lane
        )
        published_at = datetime.now(UTC)
        started = time.perf_counter()
        await publish_run(nc, command)
        deadline = started + timeout
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
            raise TimeoutError(f"the data plane did not catch up within {timeout:.0f}s")
        data_plane_s = time.perf_counter() - started
        if every_read_model:
            await wait_every_read_model(conn, settings, command.execution_id, len(expected), deadline)
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
            """SELECT c.pipeline, c.rows_accepted, extract(epoch FROM c.completed_at - c.captured_at) AS seconds,
                      extract(epoch FROM c.captured_at - $2) AS started, extract(epoch FROM c.completed_at - $2) AS ended
               FROM finra_otc.captures c JOIN manifest.executions e USING (execution_id)
               WHERE e.batch_id = $1 ORDER BY c.captured_at""",
            command.execution_id,
            published_at,
        )
        return {
            "end_to_end_s": elapsed,
            "data_plane_s": data_plane_s,
            "rows_loaded": loaded,
            "capture_id": str(capture_id),
            "stages_s": stages,
            "per_stage": [
                {
                    "pipeline": r["pipeline"].rsplit(".", 1)[-1],
                    "rows": r["rows_accepted"],
                    "seconds": float(r["seconds"]),
                    "started_s": round(float(r["started"]), 3),  # after the command was published
                    "ended_s": round(float(r["ended"]), 3),
                }
                for r in per_stage
            ],
        }
    finally:
        await nc.close()
        await conn.close()


async def wait_every_read_model(
    conn: asyncpg.Connection, settings: Settings, batch_id: Any, runs: int, deadline: float
) -> int:
    """Wait until the ``runs`` runs of a batch have ended in the manifest and every projector has
    applied every event up to the last of them; that position. Other work in flight (a backfill)
    after that position does not hold the wait up."""
    position = 0
    while time.perf_counter() < deadline:
        row = await conn.fetchrow(
            """SELECT count(*) AS ended, max(last_position) AS position FROM manifest.executions
               WHERE batch_id = $1 AND status = ANY($2::text[])""",
            batch_id,
            list(_TERMINAL),
        )
        if row["ended"] >= runs:
            position = int(row["position"])
            break
        await asyncio.sleep(0.01)
    while time.perf_counter() < deadline:
        if not await not_applied(conn, settings.eventstore_schema, monitored_projections(), position):
            return position
        await asyncio.sleep(0.01)
    raise TimeoutError(f"the read models did not apply position {position} in time")


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
