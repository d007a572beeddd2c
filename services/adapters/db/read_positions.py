"""How far the event store and each read model have come, by event-store position.

A read that asks for ``min_position`` waits until these say the read models it needs have
applied it. The questions are asked many times a second while a read waits, so each is one
index lookup: the store's head is ``max(notification_id)``; a projector whose checkpoint is at
or past the position has applied it; one behind it has applied it when none of its topics'
events lie between its checkpoint and the position (a projector only sees its own topics, so
its checkpoint stops at its last one).
"""

from __future__ import annotations

from collections.abc import Iterable

import asyncpg

from services.adapters.monitored import MonitoredProjection

__all__ = ["store_head", "not_applied", "events_not_applied"]


def _events(eventstore_schema: str) -> str:
    return f'"{eventstore_schema}".spine_events'


async def store_head(conn: asyncpg.Connection, eventstore_schema: str) -> int:
    """The position of the event store's last event (0 when it has none)."""
    return int(await conn.fetchval(f"SELECT coalesce(max(notification_id), 0) FROM {_events(eventstore_schema)}"))


async def _checkpoint(conn: asyncpg.Connection, projection: MonitoredProjection) -> int:
    position = await conn.fetchval(
        f'SELECT position FROM "{projection.schema}".projection_checkpoint WHERE projection = $1', projection.name
    )
    return int(position or 0)


async def not_applied(
    conn: asyncpg.Connection, eventstore_schema: str, projections: Iterable[MonitoredProjection], position: int
) -> list[str]:
    """The names of the projections that have not applied every event of theirs up to ``position``."""
    behind = []
    for projection in projections:
        checkpoint = await _checkpoint(conn, projection)
        if checkpoint >= position:
            continue
        pending = await conn.fetchval(
            f"""SELECT EXISTS (SELECT 1 FROM {_events(eventstore_schema)}
                WHERE notification_id > $1 AND notification_id <= $2 AND topic = ANY($3::text[]))""",
            checkpoint,
            position,
            projection.topics,
        )
        if pending:
            behind.append(projection.name)
    return behind


async def events_not_applied(
    conn: asyncpg.Connection, eventstore_schema: str, projections: Iterable[MonitoredProjection], position: int
) -> dict[str, int]:
    """Per projection, how many of its events up to ``position`` it has not applied (none: absent).

    A count, so dearer than :func:`not_applied`: for saying how far behind, once."""
    counts: dict[str, int] = {}
    for projection in projections:
        count = await conn.fetchval(
            f"""SELECT count(*) FROM {_events(eventstore_schema)}
                WHERE notification_id > $1 AND notification_id <= $2 AND topic = ANY($3::text[])""",
            await _checkpoint(conn, projection),
            position,
            projection.topics,
        )
        if count:
            counts[projection.name] = int(count)
    return counts
