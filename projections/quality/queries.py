"""Queries on the quality read model (schema ``quality``): checks, anomalies and rejected lines."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

if TYPE_CHECKING:
    import asyncpg

__all__ = ["quality_checks", "reject_reasons", "rejected_lines"]

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
