"""The projectors' shared state in ``spine_meta``: dead letters and the control row.

Two apps speak through these tables: a projector records the events it could not apply and
applies again those an operator asked to retry; the gateway lists them and asks for retries.
The projector also reports its state and heartbeat in ``projector_control`` and reads there
whether to pause or reload. Apps never import each other, so this SQL lives here, once.

A dead letter's ``status`` goes ``pending`` -> ``retry_requested`` (an operator) -> ``resolved``
(the projector applied it) or back to ``pending`` (the retry failed again).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from projections.querying import Page, page_of, row_of, select_list
from spine_core.errors import NotFound

__all__ = [
    "ControlRow",
    "DeadLetterKey",
    "dead_letter_key",
    "DeadLetterRow",
    "fail_retry",
    "list_dead_letters",
    "read_control",
    "record_dead_letter",
    "register_projector",
    "report_state",
    "request_retry",
    "resolve_stream",
    "retry_requested_count",
    "streams_to_retry",
    "unresolved_positions",
    "unresolved_errors",
    "unresolved_streams",
]

ControlRow = tuple[bool, bool]
"""``(paused, reload)`` as an operator (or a replay) set them."""


# ---------------------------------------------------------------------------- dead letters
async def record_dead_letter(
    conn: asyncpg.Connection,
    projection: str,
    *,
    position: int,
    stream_id: UUID,
    event_type: str,
    stream_seq: int,
    error: str,
    attempts: int,
    parked_behind: int | None = None,
) -> None:
    """Record (or record again) an event the projection could not apply, or one parked behind it."""
    await conn.execute(
        """INSERT INTO spine_meta.dead_letters (projection, position, stream_id, event_type, stream_seq, error,
               attempts, parked_behind, status)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending')
           ON CONFLICT (projection, position) DO UPDATE SET
               error = EXCLUDED.error, attempts = spine_meta.dead_letters.attempts + EXCLUDED.attempts,
               status = 'pending', last_failed_at = now()""",
        projection,
        position,
        stream_id,
        event_type,
        stream_seq,
        error[:4000],
        attempts,
        parked_behind,
    )


@dataclass(frozen=True, slots=True)
class DeadLetterRow:
    """An event a projection could not apply, or one parked behind it (``spine_meta.dead_letters``)."""

    projection: str
    position: int
    stream_id: UUID
    event_type: str
    stream_seq: int | None
    error: str
    attempts: int
    parked_behind: int | None
    status: str
    first_failed_at: datetime
    last_failed_at: datetime
    resolved_at: datetime | None


@dataclass(frozen=True, slots=True)
class DeadLetterKey:
    """Where a dead letter stands in the listing (by projection, then position): the keyset a
    page starts after."""

    projection: str
    position: int


async def list_dead_letters(
    conn: asyncpg.Connection,
    projection: str | None,
    include_resolved: bool,
    limit: int,
    after: DeadLetterKey | None = None,
) -> Page[DeadLetterRow]:
    """Dead letters (of one projection, or all), unresolved only unless asked, by projection and
    position, after the keyset ``after`` (the last of the previous page) through the primary key."""
    rows = await conn.fetch(
        f"""SELECT {select_list(DeadLetterRow)}
            FROM spine_meta.dead_letters
            WHERE ($1::text IS NULL OR projection = $1) AND ($2 OR status <> 'resolved')
              AND (projection, position) > ($4, $5)
            ORDER BY projection, position LIMIT $3""",
        projection,
        include_resolved,
        limit + 1,
        "" if after is None else after.projection,
        -1 if after is None else after.position,
    )
    return page_of([row_of(DeadLetterRow, r) for r in rows], limit)


def dead_letter_key(row: DeadLetterRow) -> DeadLetterKey:
    """The keyset position of a dead letter in the listing."""
    return DeadLetterKey(row.projection, row.position)


async def unresolved_streams(conn: asyncpg.Connection, projection: str) -> dict[UUID, int]:
    """Streams with an unresolved dead letter, and the position of their first one."""
    rows = await conn.fetch(
        """SELECT stream_id, min(position) AS position FROM spine_meta.dead_letters
           WHERE projection = $1 AND status <> 'resolved' GROUP BY stream_id""",
        projection,
    )
    return {r["stream_id"]: r["position"] for r in rows}


async def unresolved_errors(conn: asyncpg.Connection, projection: str, stream_ids: list[UUID]) -> dict[UUID, str]:
    """The error of each given stream's unresolved dead letter (the one that failed, not those
    parked behind it), for the streams that have one."""
    rows = await conn.fetch(
        """SELECT DISTINCT ON (stream_id) stream_id, error FROM spine_meta.dead_letters
           WHERE projection = $1 AND stream_id = ANY($2::uuid[]) AND status <> 'resolved' AND parked_behind IS NULL
           ORDER BY stream_id, position""",
        projection,
        stream_ids,
    )
    return {r["stream_id"]: r["error"] for r in rows}


async def retry_requested_count(conn: asyncpg.Connection, projection: str) -> int:
    """How many dead letters of the projection an operator asked to retry."""
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM spine_meta.dead_letters WHERE projection = $1 AND status = 'retry_requested'",
            projection,
        )
    )


async def streams_to_retry(conn: asyncpg.Connection, projection: str) -> list[UUID]:
    """The streams whose dead letters an operator asked to retry."""
    rows = await conn.fetch(
        """SELECT DISTINCT stream_id FROM spine_meta.dead_letters
           WHERE projection = $1 AND status = 'retry_requested'""",
        projection,
    )
    return [r["stream_id"] for r in rows]


async def unresolved_positions(conn: asyncpg.Connection, projection: str, stream_id: UUID) -> list[int]:
    """Positions of a stream's unresolved dead letters, in order (the failed one, then those parked)."""
    rows = await conn.fetch(
        """SELECT position FROM spine_meta.dead_letters
           WHERE projection = $1 AND stream_id = $2 AND status <> 'resolved' ORDER BY position""",
        projection,
        stream_id,
    )
    return [r["position"] for r in rows]


async def resolve_stream(conn: asyncpg.Connection, projection: str, stream_id: UUID) -> None:
    """Mark a stream's dead letters applied (call in the transaction that applied them)."""
    await conn.execute(
        """UPDATE spine_meta.dead_letters SET status = 'resolved', resolved_at = now()
           WHERE projection = $1 AND stream_id = $2 AND status <> 'resolved'""",
        projection,
        stream_id,
    )


async def fail_retry(conn: asyncpg.Connection, projection: str, stream_id: UUID, error: str) -> None:
    """A retry failed again: back to ``pending``, with the new error."""
    await conn.execute(
        """UPDATE spine_meta.dead_letters SET status = 'pending', attempts = attempts + 1,
               error = $3, last_failed_at = now()
           WHERE projection = $1 AND stream_id = $2 AND status = 'retry_requested'""",
        projection,
        stream_id,
        error[:4000],
    )


async def request_retry(conn: asyncpg.Connection, projection: str, position: int | None) -> int:
    """Ask the projector to retry the stream of the dead letter at ``position`` (every pending
    stream when None); returns how many dead letters were marked."""
    if position is None:
        result = await conn.execute(
            "UPDATE spine_meta.dead_letters SET status = 'retry_requested' WHERE projection = $1 AND status = 'pending'",
            projection,
        )
        return int(result.split()[-1])
    stream_id = await conn.fetchval(
        "SELECT stream_id FROM spine_meta.dead_letters WHERE projection = $1 AND position = $2",
        projection,
        position,
    )
    if stream_id is None:
        raise NotFound(f"no dead letter at position {position} for {projection}")
    result = await conn.execute(
        """UPDATE spine_meta.dead_letters SET status = 'retry_requested'
           WHERE projection = $1 AND stream_id = $2 AND status = 'pending'""",
        projection,
        stream_id,
    )
    return int(result.split()[-1])


# ---------------------------------------------------------------------------- control row
async def register_projector(conn: asyncpg.Connection, projection: str) -> None:
    """Create the projector's control row if it has none."""
    await conn.execute(
        "INSERT INTO spine_meta.projector_control (projection) VALUES ($1) ON CONFLICT (projection) DO NOTHING",
        projection,
    )


async def read_control(conn: asyncpg.Connection, projection: str) -> ControlRow | None:
    """``(paused, reload)`` for the projector, or None when it has no control row."""
    row = await conn.fetchrow(
        "SELECT paused, reload FROM spine_meta.projector_control WHERE projection = $1", projection
    )
    return None if row is None else (bool(row["paused"]), bool(row["reload"]))


async def report_state(
    conn: asyncpg.Connection, projection: str, state: str, *, position: int | None, reload: bool | None = None
) -> None:
    """The projector's heartbeat: its state, position (kept when None) and, optionally, ``reload``."""
    await conn.execute(
        """UPDATE spine_meta.projector_control SET state = $2, position = coalesce($3, position),
               heartbeat_at = now(), updated_at = now(), reload = coalesce($4, reload)
           WHERE projection = $1""",
        projection,
        state,
        position,
        reload,
    )
