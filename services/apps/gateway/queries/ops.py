"""Queries for operations: reachability, how far projectors have come, dead letters."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import asyncpg

from services.adapters.monitored import MonitoredProjection

__all__ = ["ping", "event_store_head", "events_behind", "dead_letters"]


async def ping(conn: asyncpg.Connection) -> None:
    await conn.fetchval("SELECT 1")


def _events_table(eventstore_schema: str) -> str:
    return f'"{eventstore_schema}".spine_events'


async def event_store_head(conn: asyncpg.Connection, eventstore_schema: str) -> int:
    return int(await conn.fetchval(f"SELECT coalesce(max(notification_id), 0) FROM {_events_table(eventstore_schema)}"))


async def events_behind(
    conn: asyncpg.Connection, eventstore_schema: str, projections: Iterable[MonitoredProjection], position: int
) -> dict[str, int]:
    """Per projector, the events of its topics up to ``position`` it has not applied (none: absent)."""
    table = _events_table(eventstore_schema)
    behind: dict[str, int] = {}
    for proj in projections:
        checkpoint = await conn.fetchval(
            f'SELECT position FROM "{proj.schema}".projection_checkpoint WHERE projection = $1', proj.name
        )
        count = await conn.fetchval(
            f"""SELECT count(*) FROM {table}
                WHERE notification_id > $1 AND notification_id <= $2 AND topic = ANY($3::text[])""",
            checkpoint or 0,
            position,
            proj.topics,
        )
        if count:
            behind[proj.name] = int(count)
    return behind


async def dead_letters(
    conn: asyncpg.Connection, projection: str | None, include_resolved: bool, limit: int
) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        """SELECT projection, position, stream_id, event_type, stream_seq, error, attempts, parked_behind, status,
                  first_failed_at, last_failed_at, resolved_at
           FROM spine_meta.dead_letters
           WHERE ($1::text IS NULL OR projection = $1) AND ($2 OR status <> 'resolved')
           ORDER BY projection, position LIMIT $3""",
        projection,
        include_resolved,
        limit,
    )
    return [
        {
            k: (v.isoformat() if hasattr(v, "isoformat") else str(v) if k == "stream_id" else v)
            for k, v in dict(r).items()
        }
        for r in rows
    ]
