"""Operational views: where each projector stands against the event store."""

from __future__ import annotations

from typing import Any

import asyncpg
from nats.aio.client import Client
from nats.js.errors import NotFoundError

from contracts.subjects import EVENTS_STREAM
from projections.checkpoint import read_checkpoint
from projections.registry import PROJECTIONS
from services.projector.runtime import consumer_name
from services.relay.relay import last_published_position

__all__ = ["projection_status"]


async def projection_status(conn: asyncpg.Connection, nc: Client | None, eventstore_schema: str) -> dict[str, Any]:
    head = await conn.fetchval(f'SELECT coalesce(max(notification_id), 0) FROM "{eventstore_schema}".spine_events')
    published = await last_published_position(nc) if nc is not None else None
    js = nc.jetstream() if nc is not None else None
    projectors = []
    for name, spec in PROJECTIONS.items():
        cp = await read_checkpoint(conn, spec.schema, name)
        pending: int | None = None
        if js is not None:
            try:
                info = await js.consumer_info(EVENTS_STREAM, consumer_name(name))
                pending = int(info.num_pending or 0) + int(info.num_ack_pending or 0)
            except NotFoundError:
                pending = None
        # With nothing pending, a projector has applied every event of the stream it cares about.
        caught_up_to = published if (pending == 0 and published is not None) else cp.position
        projectors.append(
            {
                "name": name,
                "position": cp.position,
                "caught_up_to": max(caught_up_to, cp.position),
                "pending": pending,
                "events_applied": cp.events_applied,
                "events_behind": max(int(head) - max(caught_up_to, cp.position), 0),
            }
        )
    return {"head": int(head), "relay_position": published, "projectors": projectors}
