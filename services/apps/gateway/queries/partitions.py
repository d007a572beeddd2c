"""Queries on the quality and manifest read models: checks, rejects, stages and lineage."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg

__all__ = ["quality_checks", "reject_reasons", "rejected_lines", "manifest_entries", "running_executions", "lineage"]

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


async def quality_checks(
    conn: asyncpg.Connection, partition_prefix: str, pipeline: str | None, anomalies_only: bool
) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        """SELECT q.pipeline, q.partition_key, q.capture_id, q."check", q.status, q.severity, q.message, q.value,
                  q.threshold, q.details, q.checked_at
           FROM quality.core_quality q
           WHERE q.partition_key LIKE $1 || '%' AND ($2::text IS NULL OR q.pipeline = $2)
             AND (NOT $3 OR q.status <> 'PASS')
           ORDER BY q.checked_at DESC, q.position""",
        partition_prefix,
        pipeline,
        anomalies_only,
    )
    return [_row(r) for r in rows]


async def reject_reasons(conn: asyncpg.Connection, capture_id: UUID) -> dict[str, int]:
    """Rejected lines of a capture by reason code, most frequent first."""
    rows = await conn.fetch(
        "SELECT reason, count(*) AS lines FROM quality.core_rejects WHERE capture_id = $1 GROUP BY reason ORDER BY 2 DESC",
        capture_id,
    )
    return {r["reason"]: r["lines"] for r in rows}


async def rejected_lines(
    conn: asyncpg.Connection, capture_id: UUID, reason: str | None, limit: int, offset: int
) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        """SELECT line_no, reason, detail, raw FROM quality.core_rejects
           WHERE capture_id = $1 AND ($2::text IS NULL OR reason = $2)
           ORDER BY line_no LIMIT $3 OFFSET $4""",
        capture_id,
        reason,
        limit,
        offset,
    )
    return [_row(r) for r in rows]


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
