"""Queries on the manifest read model (schema ``manifest``): executions, the stages each partition
reached, and lineage."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

if TYPE_CHECKING:
    import asyncpg

__all__ = [
    "get_execution", "recent_executions", "batch_executions", "manifest_entries", "running_executions", "lineage",
    "RunCount", "RunDurations", "run_counts", "run_durations",
]  # fmt: skip


def _execution(r: asyncpg.Record) -> dict[str, Any]:
    out: dict[str, Any] = {
        "execution_id": str(r["execution_id"]),
        "pipeline": r["pipeline"],
        "status": r["status"],
        "params": json.loads(r["params"]),
        "partition_key": r["partition_key"],
        "trigger_source": r["trigger_source"],
        "lane": r["lane"],
        "batch_id": str(r["batch_id"]),
        "capture_id": str(r["capture_id"]) if r["capture_id"] else None,
        "resumed": r["resumed"],
        "rows_accepted": r["rows_accepted"],
        "rows_rejected": r["rows_rejected"],
        "source": json.loads(r["source"]) if r["source"] else None,
        "details": json.loads(r["details"]) if r["details"] else None,
        "requested_at": r["requested_at"].isoformat(),
        "started_at": r["started_at"].isoformat() if r["started_at"] else None,
        "finished_at": r["finished_at"].isoformat() if r["finished_at"] else None,
        "position": r["last_position"],
        "through": r["through"],
    }
    if r["skip_reason"]:
        out["skip_reason"] = r["skip_reason"]
    if r["error_code"]:
        out["error"] = {"code": r["error_code"], "message": r["error_message"], "hint": r["error_hint"]}
    return out


_JSON_COLUMNS = ("details", "inputs", "partition", "params", "calc", "source")


def _row(record: asyncpg.Record) -> dict[str, Any]:
    """A record as JSON-ready values: times as ISO strings, UUIDs as text, JSON columns parsed."""
    out: dict[str, Any] = {}
    for key, value in dict(record).items():
        if isinstance(value, date | datetime):
            out[key] = value.isoformat()
        elif isinstance(value, UUID):
            out[key] = str(value)
        elif key in _JSON_COLUMNS and isinstance(value, str):
            out[key] = json.loads(value)
        else:
            out[key] = value
    return out


async def get_execution(conn: asyncpg.Connection, execution_id: UUID) -> dict[str, Any] | None:
    row = await conn.fetchrow("SELECT * FROM manifest.executions WHERE execution_id = $1", execution_id)
    return None if row is None else _execution(row)


async def recent_executions(conn: asyncpg.Connection, limit: int, pipeline: str | None) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        """SELECT * FROM manifest.executions WHERE ($2::text IS NULL OR pipeline = $2)
           ORDER BY requested_at DESC LIMIT $1""",
        limit,
        pipeline,
    )
    return [_execution(r) for r in rows]


async def batch_executions(conn: asyncpg.Connection, batch_id: UUID) -> list[dict[str, Any]]:
    """A batch's executions, oldest first."""
    rows = await conn.fetch("SELECT * FROM manifest.executions WHERE batch_id = $1 ORDER BY requested_at", batch_id)
    return [_execution(r) for r in rows]


async def manifest_entries(conn: asyncpg.Connection, partition_prefix: str) -> list[dict[str, Any]]:
    """The latest capture of every stage's partition under the prefix, with how many it has."""
    rows = await conn.fetch(
        """SELECT DISTINCT ON (m.pipeline, m.partition_key)
                  m.pipeline, m.partition_key, m.stage, m.capture_id, m.execution_id, m.completed_at,
                  m.rows_accepted, m.rows_rejected, c.calc, c.inputs,
                  count(*) OVER (PARTITION BY m.pipeline, m.partition_key) AS captures
           FROM manifest.manifest m JOIN manifest.captures c USING (capture_id)
           WHERE m.partition_key LIKE $1 || '%'
           ORDER BY m.pipeline, m.partition_key, m.position DESC""",
        partition_prefix,
    )
    return [_row(r) for r in rows]


async def running_executions(conn: asyncpg.Connection, partition_prefix: str) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        """SELECT execution_id, pipeline, partition_key, status, requested_at FROM manifest.executions
           WHERE partition_key LIKE $1 || '%' AND status IN ('requested', 'running')""",
        partition_prefix,
    )
    return [_row(r) for r in rows]


async def lineage(conn: asyncpg.Connection, capture_id: UUID) -> list[dict[str, Any]]:
    """The capture and its inputs, recursively (20 levels at most), nearest first."""
    rows = await conn.fetch(
        """WITH RECURSIVE tree AS (
               SELECT capture_id, 0 AS depth FROM manifest.captures WHERE capture_id = $1
               UNION
               SELECT (i->>'capture_id')::uuid, t.depth + 1
               FROM tree t JOIN manifest.captures c ON c.capture_id = t.capture_id,
                    jsonb_array_elements(coalesce(c.inputs, '[]'::jsonb)) i
               WHERE t.depth < 20)
           SELECT t.depth, c.capture_id, c.pipeline, c.partition_key, c.status, c.captured_at, c.execution_id,
                  c.source, c.calc, c.inputs
           FROM tree t JOIN manifest.captures c USING (capture_id)
           ORDER BY t.depth, c.pipeline""",
        capture_id,
    )
    return [_row(r) for r in rows]


@dataclass(frozen=True, slots=True)
class RunCount:
    """How many executions of a pipeline ended (or stand) in a status."""

    pipeline: str
    status: str
    count: int


@dataclass(frozen=True, slots=True)
class RunDurations:
    """The completed runs of a pipeline: how many, and their total duration."""

    pipeline: str
    count: int
    seconds: float


async def run_counts(conn: asyncpg.Connection) -> list[RunCount]:
    """Executions by pipeline and status."""
    rows = await conn.fetch(
        "SELECT pipeline, status, count(*) AS n FROM manifest.executions GROUP BY 1, 2 ORDER BY 1, 2"
    )
    return [RunCount(r["pipeline"], r["status"], int(r["n"])) for r in rows]


async def run_durations(conn: asyncpg.Connection) -> list[RunDurations]:
    """The completed runs of each pipeline: how many, and their total duration in seconds."""
    rows = await conn.fetch(
        """SELECT pipeline, count(*) AS n, coalesce(sum(extract(epoch FROM finished_at - started_at)), 0) AS s
           FROM manifest.executions WHERE status = 'completed' AND started_at IS NOT NULL GROUP BY 1 ORDER BY 1"""
    )
    return [RunDurations(r["pipeline"], int(r["n"]), round(float(r["s"]), 3)) for r in rows]
