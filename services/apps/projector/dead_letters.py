"""Poison events: what counts as one, how it is announced, and how an operator's retry applies it.

The database row (``spine_meta.dead_letters``, see :mod:`services.adapters.db.projector_state`)
is the record, written in the same transaction as the checkpoint moving past the event; the
``SPINE_DEAD_LETTERS`` stream only notifies.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any
from uuid import UUID

import asyncpg
from nats.js import JetStreamContext

from contracts.events import EventEnvelope
from contracts.subjects import HEADER_MSG_ID, dead_letter_subject
from services.adapters.db import projector_state
from services.adapters.db.lease import UNFENCED, Fence, LeaseLost

__all__ = ["EventReader", "is_transient", "describe", "publish_dead_letter", "retry_dead_letters"]

log = logging.getLogger("spine.projector")

EventReader = Callable[[int], tuple[EventEnvelope, bytes | None]]
"""Reads an event back from the event store by position (for retries)."""


def is_transient(exc: BaseException) -> bool:
    """Errors that say the database is out of reach, not that the event is bad."""
    return isinstance(
        exc,
        OSError
        | ConnectionError
        | TimeoutError
        | asyncpg.InterfaceError
        | asyncpg.PostgresConnectionError
        | asyncpg.exceptions.OperatorInterventionError
        | asyncpg.exceptions.InsufficientResourcesError
        | asyncpg.exceptions.TransactionRollbackError,
    )


def describe(exc: BaseException) -> str:
    """The error text a dead letter keeps: the exception's type and message."""
    return f"{type(exc).__name__}: {exc}"


async def publish_dead_letter(js: JetStreamContext, projection: str, env: EventEnvelope, error: str) -> None:
    """Announce a dead letter on its stream; a failure is logged (the database row is the record)."""
    try:
        await js.publish(
            dead_letter_subject(projection),
            env.model_dump_json(by_alias=True).encode(),
            headers={
                "Spine-Error": error[:1000].replace("\n", " "),
                "Spine-Projection": projection,
                HEADER_MSG_ID: f"{projection}:{env.position}",
            },
            timeout=5.0,
        )
    except Exception as exc:
        log.warning("projector %s could not publish dead letter %d: %r", projection, env.position, exc)


async def retry_dead_letters(
    pool: asyncpg.Pool, projection: str, applier: Any, event_reader: EventReader | None, fence: Fence = UNFENCED
) -> list[UUID]:
    """Re-apply, stream by stream and in order, the dead letters an operator asked to retry.

    Each stream is applied and resolved in one transaction; a stream that fails again goes back
    to ``pending`` with its new error. Returns the streams now resolved. With a ``fence``, each
    transaction first confirms the instance's lease (an instance that lost it applies nothing).
    """
    if event_reader is None:
        log.warning("projector %s cannot retry dead letters: no event store reader", projection)
        return []
    async with pool.acquire() as conn:
        streams = await projector_state.streams_to_retry(conn, projection)
    resolved = []
    for stream_id in streams:
        async with pool.acquire() as conn:
            positions = await projector_state.unresolved_positions(conn, projection, stream_id)
        events = [await asyncio.to_thread(event_reader, p) for p in positions]
        try:
            async with pool.acquire() as conn, conn.transaction():
                await fence.confirm(conn)
                await applier.apply(conn, events)
                await projector_state.resolve_stream(conn, projection, stream_id)
        except LeaseLost:
            raise
        except Exception as exc:
            log.error("projector %s: retry of stream %s failed again: %r", projection, stream_id, exc)
            async with pool.acquire() as conn:
                await projector_state.fail_retry(conn, projection, stream_id, describe(exc))
            continue
        resolved.append(stream_id)
        log.info("projector %s applied %d dead-lettered event(s) of stream %s", projection, len(events), stream_id)
    return resolved
