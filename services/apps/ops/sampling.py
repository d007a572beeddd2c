"""Reading one sample: what the event store, the read models and JetStream say about lag.

Lag is measured two ways: against the event store (events not yet applied: the relevant events
after the projector's checkpoint, and the age of the oldest of them) and against JetStream
(messages pending on the projector's durable consumer).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime

import asyncpg
from nats.aio.client import Client

from projections.checkpoint import read_checkpoint
from services.adapters.bus.positions import consumer_pending, last_published_position
from services.adapters.eventstore.transcoder import MAGIC
from services.adapters.monitored import MonitoredProjection

__all__ = ["ProjectorLag", "event_time", "read_controls", "read_dead_letters", "read_head", "read_lag",
           "read_relay_position"]  # fmt: skip

log = logging.getLogger("spine.ops")

_COUNT_CAP = 1_000_000  # counting further costs more than it tells


@dataclass(frozen=True, slots=True)
class ProjectorLag:
    """Where one projector stands, as read now."""

    position: int
    events_applied: int
    events_behind: int
    seconds_behind: float
    #: messages pending or unacknowledged on its durable consumer; None when JetStream did not say
    pending: int | None
    #: False when its durable consumer does not exist (the projector is not running)
    consumer: bool


def event_time(state: bytes) -> datetime | None:
    """The recorded timestamp of a stored event, reading only its JSON header."""
    try:
        if state[: len(MAGIC)] == MAGIC:
            size = int.from_bytes(state[len(MAGIC) : len(MAGIC) + 4], "big")
            head = json.loads(state[len(MAGIC) + 4 : len(MAGIC) + 4 + size])
        else:
            head = json.loads(state)
        stamp = head["timestamp"]
        return datetime.fromisoformat(stamp["_data_"] if isinstance(stamp, dict) else stamp)
    except (ValueError, KeyError, TypeError):
        return None


async def read_head(conn: asyncpg.Connection, table: str) -> int:
    """The notification id of the newest stored event (0 when the store is empty)."""
    return int(await conn.fetchval(f"SELECT coalesce(max(notification_id), 0) FROM {table}"))


async def read_dead_letters(conn: asyncpg.Connection) -> dict[str, int]:
    """Unresolved dead letters by projection."""
    rows = await conn.fetch(
        "SELECT projection, count(*) AS n FROM spine_meta.dead_letters WHERE status <> 'resolved' GROUP BY 1"
    )
    return {r["projection"]: int(r["n"]) for r in rows}


async def read_controls(conn: asyncpg.Connection) -> dict[str, str]:
    """Each projector's control state (``running``, ``paused``...)."""
    rows = await conn.fetch("SELECT projection, state FROM spine_meta.projector_control")
    return {r["projection"]: r["state"] for r in rows}


async def read_lag(
    conn: asyncpg.Connection, nc: Client | None, table: str, proj: MonitoredProjection, now: datetime
) -> ProjectorLag:
    """One projector's position and lag; without ``nc`` its JetStream side is unknown."""
    try:
        cp = await read_checkpoint(conn, proj.schema, proj.name)
    except asyncpg.UndefinedTableError:  # its schema is not migrated yet: nothing applied
        cp = None
    position = cp.position if cp else 0
    behind = int(
        await conn.fetchval(
            f"""SELECT count(*) FROM (SELECT 1 FROM {table}
                WHERE notification_id > $1 AND topic = ANY($2::text[]) LIMIT {_COUNT_CAP}) s""",
            position,
            proj.topics,
        )
    )
    seconds_behind = 0.0
    if behind:
        state = await conn.fetchval(
            f"""SELECT state FROM {table} WHERE notification_id > $1 AND topic = ANY($2::text[])
                ORDER BY notification_id LIMIT 1""",
            position,
            proj.topics,
        )
        oldest = event_time(bytes(state)) if state is not None else None
        seconds_behind = max((now - oldest).total_seconds(), 0.0) if oldest else 0.0
    pending, consumer = await _consumer_pending(nc, proj.name) if nc is not None else (None, True)
    return ProjectorLag(
        position=position,
        events_applied=cp.events_applied if cp else 0,
        events_behind=behind,
        seconds_behind=seconds_behind,
        pending=pending,
        consumer=consumer,
    )


async def _consumer_pending(nc: Client, projection: str) -> tuple[int | None, bool]:
    """Messages pending on the projector's durable consumer, and whether that consumer exists."""
    try:
        pending = await consumer_pending(nc, projection)
    except Exception as exc:  # the rest of the sample still stands: report it without the bus's figure
        log.warning("ops monitor could not read the consumer of %s: %r", projection, exc)
        return None, True
    return pending, pending is not None


async def read_relay_position(nc: Client) -> int | None:
    """The last position the relay published, or None (logged) when JetStream cannot say."""
    try:
        return await last_published_position(nc)
    except Exception as exc:  # a sample without the relay's position is still worth having
        log.warning("ops monitor could not read the relay's position: %r", exc)
        return None
