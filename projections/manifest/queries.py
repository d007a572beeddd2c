"""Queries on the manifest read model (schema ``manifest``): executions, the stages each partition
reached, lineage and run counts, as typed rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from projections.querying import JsonObject, Page, page_of, row_of, select_list

if TYPE_CHECKING:
    import asyncpg

__all__ = [
    "ExecutionRow", "ExecutionKey", "ManifestEntryRow", "RunningExecutionRow", "LineageRow", "RunCount", "RunDurations",
    "get_execution", "recent_executions", "execution_key", "batch_executions", "manifest_entries", "running_executions", "lineage",
    "run_counts", "run_durations",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class ExecutionRow:
    """One command's run, from RunRequested to its end (``manifest.executions``)."""

    execution_id: UUID
    pipeline: str
    status: str
    params: JsonObject
    partition_key: str
    trigger_source: str
    lane: str
    batch_id: UUID
    capture_id: UUID | None
    resumed: bool
    rows_accepted: int | None
    rows_rejected: int | None
    source: JsonObject | None
    details: JsonObject | None
    requested_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    #: event store position of its last event
    last_position: int
    through: str | None
    skip_reason: str | None
    error_code: str | None
    error_message: str | None
    error_hint: str | None


@dataclass(frozen=True, slots=True)
class ExecutionKey:
    """Where an execution stands in the newest-first listing: the keyset a page starts after."""

    requested_at: datetime
    execution_id: UUID


@dataclass(frozen=True, slots=True)
class ManifestEntryRow:
    """The latest capture of a stage's partition, and how many it has."""

    pipeline: str
    partition_key: str
    stage: str
    capture_id: UUID
    execution_id: UUID
    completed_at: datetime
    rows_accepted: int | None
    rows_rejected: int | None
    calc: JsonObject | None
    inputs: list[JsonObject] | None
    captures: int


@dataclass(frozen=True, slots=True)
class RunningExecutionRow:
    """An execution requested or running."""

    execution_id: UUID
    pipeline: str
    partition_key: str
    status: str
    requested_at: datetime


@dataclass(frozen=True, slots=True)
class LineageRow:
    """A capture in a lineage tree: ``depth`` 0 is the capture asked for, 1 its inputs, ..."""

    depth: int
    capture_id: UUID
    pipeline: str
    partition_key: str
    status: str
    captured_at: datetime
    execution_id: UUID
    source: JsonObject | None
    calc: JsonObject | None
    inputs: list[JsonObject] | None


_EXECUTION_JSON = ("params", "source", "details")
_EXECUTIONS = f"SELECT {select_list(ExecutionRow)} FROM manifest.executions"


def _execution(record: asyncpg.Record) -> ExecutionRow:
    return row_of(ExecutionRow, record, _EXECUTION_JSON)


async def get_execution(conn: asyncpg.Connection, execution_id: UUID) -> ExecutionRow | None:
    row = await conn.fetchrow(f"{_EXECUTIONS} WHERE execution_id = $1", execution_id)
    return None if row is None else _execution(row)


async def recent_executions(
    conn: asyncpg.Connection, limit: int, pipeline: str | None, after: ExecutionKey | None = None
) -> Page[ExecutionRow]:
    """Executions (of one pipeline, or all), newest first, after the keyset ``after`` (the last
    of the previous page), through ``executions_recent_keyset``: every page costs the same. The
    id breaks ties between executions requested in the same microsecond."""
    if after is None:
        rows = await conn.fetch(
            f"""{_EXECUTIONS} WHERE ($2::text IS NULL OR pipeline = $2)
                ORDER BY requested_at DESC, execution_id DESC LIMIT $1""",
            limit + 1,
            pipeline,
        )
    else:
        rows = await conn.fetch(
            f"""{_EXECUTIONS} WHERE ($2::text IS NULL OR pipeline = $2) AND (requested_at, execution_id) < ($3, $4)
                ORDER BY requested_at DESC, execution_id DESC LIMIT $1""",
            limit + 1,
            pipeline,
            after.requested_at,
            after.execution_id,
        )
    return page_of([_execution(r) for r in rows], limit)


def execution_key(row: ExecutionRow) -> ExecutionKey:
    """The keyset position of an execution in the newest-first listing."""
    return ExecutionKey(row.requested_at, row.execution_id)


async def batch_executions(conn: asyncpg.Connection, batch_id: UUID) -> list[ExecutionRow]:
    """A batch's executions, oldest first."""
    rows = await conn.fetch(f"{_EXECUTIONS} WHERE batch_id = $1 ORDER BY requested_at", batch_id)
    return [_execution(r) for r in rows]


async def manifest_entries(conn: asyncpg.Connection, partition_prefix: str) -> list[ManifestEntryRow]:
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
    return [row_of(ManifestEntryRow, r, ("calc", "inputs")) for r in rows]


async def running_executions(conn: asyncpg.Connection, partition_prefix: str) -> list[RunningExecutionRow]:
    rows = await conn.fetch(
        f"""SELECT {select_list(RunningExecutionRow)} FROM manifest.executions
            WHERE partition_key LIKE $1 || '%' AND status IN ('requested', 'running')""",
        partition_prefix,
    )
    return [row_of(RunningExecutionRow, r) for r in rows]


async def lineage(conn: asyncpg.Connection, capture_id: UUID) -> list[LineageRow]:
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
    return [row_of(LineageRow, r, ("source", "calc", "inputs")) for r in rows]


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
