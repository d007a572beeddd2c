"""Queries on the FINRA OTC data plane (schema ``finra_otc``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg

from spine_core.errors import NotFound

__all__ = ["CaptureRef", "resolve_capture", "weeks", "symbols", "venue_rows"]

_S = "finra_otc"


@dataclass(frozen=True, slots=True)
class CaptureRef:
    capture_id: UUID
    week_ending: date
    tier: str
    captured_at: datetime
    rows_accepted: int
    latest: bool


async def resolve_capture(
    conn: asyncpg.Connection, week_ending: date, tier: str, capture_id: UUID | None
) -> CaptureRef:
    """The latest complete capture of the week and tier, or the one asked for."""
    rows = await conn.fetch(
        f"""SELECT capture_id, week_ending, tier, captured_at, rows_accepted
            FROM {_S}.captures
            WHERE week_ending = $1 AND tier = $2 AND status = 'complete'
            ORDER BY completed_position DESC""",
        week_ending,
        tier,
    )
    if not rows:
        raise NotFound(
            f"no data for week ending {week_ending.isoformat()} and tier {tier}",
            hint="list available weeks with `spine query weeks` (GET /v1/data/weeks), or ingest the week",
        )
    chosen = rows[0] if capture_id is None else next((r for r in rows if r["capture_id"] == capture_id), None)
    if chosen is None:
        raise NotFound(
            f"capture {capture_id} is not a complete capture of week {week_ending.isoformat()} tier {tier}",
            hint=f"captures of that week: {', '.join(str(r['capture_id']) for r in rows)}",
        )
    return CaptureRef(
        capture_id=chosen["capture_id"],
        week_ending=chosen["week_ending"],
        tier=chosen["tier"],
        captured_at=chosen["captured_at"],
        rows_accepted=chosen["rows_accepted"],
        latest=chosen["capture_id"] == rows[0]["capture_id"],
    )


async def weeks(conn: asyncpg.Connection, tier: str | None) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        f"""SELECT DISTINCT ON (week_ending, tier)
                   week_ending, tier, capture_id, captured_at, rows_accepted, rows_rejected,
                   count(*) OVER (PARTITION BY week_ending, tier) AS captures
            FROM {_S}.captures
            WHERE status = 'complete' AND ($1::text IS NULL OR tier = $1)
            ORDER BY week_ending DESC, tier, completed_position DESC""",
        tier,
    )
    return [
        {
            "week_ending": r["week_ending"].isoformat(),
            "tier": r["tier"],
            "capture_id": str(r["capture_id"]),
            "captured_at": r["captured_at"].isoformat(),
            "rows": r["rows_accepted"],
            "rows_rejected": r["rows_rejected"],
            "captures": r["captures"],
        }
        for r in rows
    ]


async def symbols(conn: asyncpg.Connection, capture_id: UUID, limit: int) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        f"""SELECT symbol, max(issue_name) AS issue_name, sum(total_shares)::bigint AS total_shares,
                   sum(total_trades)::bigint AS total_trades, count(*) AS venues
            FROM {_S}.venue_volume WHERE capture_id = $1
            GROUP BY symbol
            ORDER BY total_shares DESC, symbol
            LIMIT $2""",
        capture_id,
        limit,
    )
    return [
        {
            "symbol": r["symbol"],
            "issue_name": r["issue_name"],
            "total_shares": r["total_shares"],
            "total_trades": r["total_trades"],
            "venues": r["venues"],
        }
        for r in rows
    ]


async def venue_rows(
    conn: asyncpg.Connection, capture_id: UUID, symbol: str | None, limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    total = await conn.fetchval(
        f"SELECT count(*) FROM {_S}.venue_volume WHERE capture_id = $1 AND ($2::text IS NULL OR symbol = $2)",
        capture_id,
        symbol,
    )
    rows = await conn.fetch(
        f"""SELECT line_no, symbol, issue_name, mpid, participant_name, total_shares, total_trades, last_update_date
            FROM {_S}.venue_volume WHERE capture_id = $1 AND ($2::text IS NULL OR symbol = $2)
            ORDER BY line_no LIMIT $3 OFFSET $4""",
        capture_id,
        symbol,
        limit,
        offset,
    )
    return int(total), [
        {
            "line_no": r["line_no"],
            "symbol": r["symbol"],
            "issue_name": r["issue_name"],
            "mpid": r["mpid"],
            "participant_name": r["participant_name"],
            "total_shares": r["total_shares"],
            "total_trades": r["total_trades"],
            "last_update_date": r["last_update_date"].isoformat() if r["last_update_date"] else None,
        }
        for r in rows
    ]
