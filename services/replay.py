"""Rebuild read models from the event store — the source of truth — into a schema beside the
live one, and compare or swap them.

The event store, not JetStream, is read: a rebuild sees every event ever recorded, whatever
the stream still retains. Events go through the same translation and the same appliers as
live projection, in batches, one transaction each.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
from eventsourcing.utils import get_topic

from contracts.events import EVENT_TYPES
from projections.base import ProjectionSpec
from projections.checkpoint import write_checkpoint
from services.db.migrate import migrate_projection
from services.eventstore.app import SpineEventStore
from services.eventstore.translate import to_envelope
from spine_core.write import aggregates

__all__ = ["RebuildResult", "rebuild_projection", "table_checksums", "AUDIT_COLUMNS", "topics_of"]

log = logging.getLogger("spine.replay")

#: Columns that record when a row was written, not what it says: excluded from comparisons.
AUDIT_COLUMNS = frozenset({"projected_at", "updated_at"})
_BATCH_EVENTS = 256
_BATCH_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class RebuildResult:
    projection: str
    schema: str
    events: int
    rows_loaded: int
    position: int
    seconds: float


def topics_of(event_types: frozenset[str]) -> list[str]:
    """The stored-event topics of the given wire event types."""
    topics = []
    for aggregate in (aggregates.Execution, aggregates.Partition, aggregates.Capture):
        for name in event_types:
            cls = getattr(aggregate, name, None)
            if cls is not None and name in EVENT_TYPES:
                topics.append(get_topic(cls))
    return sorted(topics)


async def rebuild_projection(
    conn: asyncpg.Connection,
    app: SpineEventStore,
    spec: ProjectionSpec,
    schema: str,
    *,
    upto: int | None = None,
    on_progress: Callable[[int, int, int], None] | None = None,
) -> RebuildResult:
    """Build ``spec`` from scratch into ``schema`` (dropped first) from every stored event up to
    ``upto`` (default: the head now). ``on_progress(position, head, events)`` is called per batch."""
    started = time.monotonic()
    head = upto if upto is not None else await asyncio.to_thread(app.head_position)
    await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    await conn.execute("DELETE FROM spine_meta.schema_migrations WHERE schema_name = $1", schema)
    await migrate_projection(conn, spec, schema)
    applier = spec.make_applier(schema)
    topics = topics_of(spec.event_types)
    position, events, rows = 0, 0, 0
    while position < head:
        notes = await asyncio.to_thread(app.recorder.select_notifications, position + 1, _BATCH_EVENTS, head, topics)
        if not notes:
            break
        batch: list[Any] = []
        size = 0
        for note in notes:
            envelope, block = to_envelope(app.mapper, note)
            batch.append((envelope, block))
            size += len(block or b"")
            if envelope.type == "RowsCaptured":
                rows += envelope.data.get("row_count", 0)
            if size >= _BATCH_BYTES:
                await _apply(conn, applier, schema, spec.name, batch)
                batch, size = [], 0
        if batch:
            await _apply(conn, applier, schema, spec.name, batch)
        position = notes[-1].id
        events += len(notes)
        if on_progress:
            on_progress(position, head, events)
    async with conn.transaction():
        await write_checkpoint(conn, schema, spec.name, max(position, head), 0, 0)
    return RebuildResult(spec.name, schema, events, rows, max(position, head), time.monotonic() - started)


async def _apply(conn: asyncpg.Connection, applier: Any, schema: str, name: str, batch: list[Any]) -> None:
    async with conn.transaction():
        await applier.apply(conn, batch)
        await write_checkpoint(conn, schema, name, batch[-1][0].position, 0, len(batch))


async def table_checksums(conn: asyncpg.Connection, schema: str) -> dict[str, tuple[int, str]]:
    """Per table: (row count, checksum of its rows in a canonical order), audit columns aside and
    the checkpoint table left out."""
    tables = await conn.fetch(
        """SELECT table_name FROM information_schema.tables
           WHERE table_schema = $1 AND table_type = 'BASE TABLE' AND table_name <> 'projection_checkpoint'
           ORDER BY table_name""",
        schema,
    )
    out: dict[str, tuple[int, str]] = {}
    for record in tables:
        table = record["table_name"]
        columns = [
            r["column_name"]
            for r in await conn.fetch(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 "
                "ORDER BY ordinal_position",
                schema,
                table,
            )
            if r["column_name"] not in AUDIT_COLUMNS
        ]
        cols = ", ".join(f'"{c}"' for c in columns)
        rows = await conn.fetch(f'SELECT ({cols})::text AS r FROM "{schema}"."{table}" ORDER BY 1')
        digest = hashlib.sha256()
        for row in rows:
            digest.update(row["r"].encode())
            digest.update(b"\n")
        out[table] = (len(rows), digest.hexdigest())
    return out
