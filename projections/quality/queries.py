"""Queries on the quality read model (schema ``quality``): checks, anomalies and rejected lines, as
typed rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from projections.querying import JsonObject, Page, page_of, row_of, select_list

if TYPE_CHECKING:
    import asyncpg

__all__ = ["QualityCheckRow", "RejectRow", "quality_checks", "reject_reasons", "rejected_lines"]


@dataclass(frozen=True, slots=True)
class QualityCheckRow:
    """A quality check a stage recorded (``core_quality``); an anomaly when ``status`` is not PASS."""

    pipeline: str
    partition_key: str
    capture_id: UUID
    check: str
    status: str
    severity: str
    message: str
    value: float | None
    threshold: float | None
    details: JsonObject
    checked_at: datetime


@dataclass(frozen=True, slots=True)
class RejectRow:
    """A rejected input line (``core_rejects``). Its fields are the rejects' block columns,
    :data:`contracts.events.REJECT_COLUMNS` (a test keeps them equal)."""

    line_no: int
    reason: str
    detail: str
    raw: str


async def quality_checks(
    conn: asyncpg.Connection, partition_prefix: str, pipeline: str | None, anomalies_only: bool
) -> list[QualityCheckRow]:
    """The checks of every partition under the prefix (of one pipeline, or all), newest first."""
    rows = await conn.fetch(
        f"""SELECT {select_list(QualityCheckRow)}
            FROM quality.core_quality
            WHERE partition_key LIKE $1 || '%' AND ($2::text IS NULL OR pipeline = $2)
              AND (NOT $3 OR status <> 'PASS')
            ORDER BY checked_at DESC, position""",
        partition_prefix,
        pipeline,
        anomalies_only,
    )
    return [row_of(QualityCheckRow, r, ("details",)) for r in rows]


async def reject_reasons(conn: asyncpg.Connection, capture_id: UUID) -> dict[str, int]:
    """Rejected lines of a capture by reason code, most frequent first."""
    rows = await conn.fetch(
        "SELECT reason, count(*) AS lines FROM quality.core_rejects WHERE capture_id = $1 GROUP BY reason ORDER BY 2 DESC",
        capture_id,
    )
    return {r["reason"]: r["lines"] for r in rows}


async def rejected_lines(
    conn: asyncpg.Connection,
    capture_id: UUID,
    reason: str | None,
    limit: int,
    offset: int = 0,
    after_line: int | None = None,
) -> Page[RejectRow]:
    """A capture's rejected lines (of one reason, or all) in line order. ``after_line`` pages by
    keyset (the lines after it: :attr:`Page.last` of the previous page) through the primary key
    ``(capture_id, line_no)``, so every page costs the same; ``offset`` reads the lines it skips."""
    rows = await conn.fetch(
        f"""SELECT {select_list(RejectRow)} FROM quality.core_rejects
            WHERE capture_id = $1 AND line_no > $2 AND ($3::text IS NULL OR reason = $3)
            ORDER BY line_no LIMIT $4 OFFSET $5""",
        capture_id,
        -1 if after_line is None else after_line,
        reason,
        limit + 1,
        offset,
    )
    return page_of([row_of(RejectRow, r) for r in rows], limit)
