"""Building a projection from the event store — the source of truth — into a schema of its own.

The event store, not JetStream, is read: a rebuild sees every event ever recorded, whatever
the stream still retains. Events go through the same translation and the same appliers as
live projection, in batches, one transaction each. The rows are bulk-loaded into tables whose
indexes are built after the load (:mod:`.deferred_indexes`); rollups and statistics follow.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
from eventsourcing.utils import get_topic

from contracts.events import EVENT_TYPES
from projections.base import ProjectionSpec
from projections.checkpoint import write_checkpoint
from services.adapters.db.migrate import migrate_projection
from services.adapters.deferred_indexes import DeferredIndexes, drop_indexes
from services.adapters.eventstore.app import SpineEventStore
from services.adapters.replay_pages import EventPages, Page
from spine_core.write import Capture, Execution, Partition

__all__ = ["RebuildResult", "Rebuild", "rebuild_projection", "topics_of"]

_BATCH_BYTES = 32 * 1024 * 1024
_INDEX_BUILD_MEMORY = "256MB"


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
    for aggregate in (Execution, Partition, Capture):
        for name in event_types:
            cls = getattr(aggregate, name, None)
            if cls is not None and name in EVENT_TYPES:
                topics.append(get_topic(cls))
    return sorted(topics)


class Rebuild:
    """A projection being built into ``schema`` from the event store, advanced in steps."""

    def __init__(self, conn: asyncpg.Connection, app: SpineEventStore, spec: ProjectionSpec, schema: str) -> None:
        self.conn = conn
        self.app = app
        self.spec = spec
        self.schema = schema
        self.applier = spec.make_applier(schema)
        self.topics = topics_of(spec.event_types)
        self.pages = EventPages(app, self.topics, self.applier)
        self.position = 0
        self.events = 0
        self.rows = 0
        self.started = time.monotonic()
        self.deferred: DeferredIndexes | None = None

    async def create(self) -> None:
        """A new, empty schema, ready for a bulk load: the indexes of the tables the applier
        bulk-loads are dropped and its derived work held back until :meth:`finish_load`."""
        await self.conn.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
        await self.conn.execute("DELETE FROM spine_meta.schema_migrations WHERE schema_name = $1", self.schema)
        await migrate_projection(self.conn, self.spec, self.schema)
        tables = getattr(self.applier, "bulk_tables", None)
        if tables:
            self.deferred = await drop_indexes(self.conn, self.schema, tables)
        if hasattr(self.applier, "hold_back_derived"):
            self.applier.hold_back_derived()

    async def finish_load(self) -> None:
        """Build the dropped indexes and run the held-back derived work (one transaction); later
        events are applied as live projection applies them."""
        async with self.conn.transaction():
            await _not_waiting_for_flush(self.conn)
            # Each index is one sort of the whole table: in memory rather than in temporary files.
            await self.conn.execute(f"SET LOCAL maintenance_work_mem = '{_INDEX_BUILD_MEMORY}'")
            if self.deferred is not None:
                await self.deferred.restore(self.conn)
                self.deferred = None
            if hasattr(self.applier, "release_derived"):
                await self.applier.release_derived(self.conn)

    async def advance(self, upto: int, on_progress: Callable[[int, int, int], None] | None = None) -> None:
        """Apply every relevant stored event after the current position, up to ``upto``; the next
        page is read while the current one is applied."""
        reading: asyncio.Future[Page | None] | None = None
        if self.position < upto:
            reading = asyncio.ensure_future(asyncio.to_thread(self.pages.read, self.position, upto))
        try:
            while reading is not None:
                page = await reading
                reading = None
                if page is None:
                    break
                if page.last < upto:
                    reading = asyncio.ensure_future(asyncio.to_thread(self.pages.read, page.last, upto))
                batch: list[Any] = []
                size = 0
                for envelope, block in page.events:
                    batch.append((envelope, block))
                    size += len(block or b"")
                    if envelope.type == "RowsCaptured":
                        self.rows += int(envelope.data.get("row_count", 0))
                    if size >= _BATCH_BYTES:
                        await _apply(self.conn, self.applier, self.schema, self.spec.name, batch)
                        batch, size = [], 0
                if batch:
                    await _apply(self.conn, self.applier, self.schema, self.spec.name, batch)
                self.position = page.last
                self.events += page.read
                if on_progress:
                    on_progress(self.position, upto, self.events)
        finally:
            if reading is not None:  # an apply failed: let the read in flight finish before going on
                await asyncio.gather(reading, return_exceptions=True)
        if self.position < upto:
            self.position = upto
        async with self.conn.transaction():
            await write_checkpoint(self.conn, self.schema, self.spec.name, self.position, 0, 0)

    def result(self) -> RebuildResult:
        return RebuildResult(
            self.spec.name, self.schema, self.events, self.rows, self.position, time.monotonic() - self.started
        )


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
    rebuild = Rebuild(conn, app, spec, schema)
    await rebuild.create()
    await rebuild.advance(upto if upto is not None else await asyncio.to_thread(app.head_position), on_progress)
    await rebuild.finish_load()
    return rebuild.result()


async def _not_waiting_for_flush(conn: asyncpg.Connection) -> None:
    """Commit a rebuild's transactions without waiting for their WAL to reach the disk. Nothing
    reads the rebuilt schema before the swap, whose own commit is synchronous: the WAL is flushed
    in order, so once the swap is durable, so is all it swaps in. A crash before the swap loses
    at most the tail of a rebuild that the next replay drops and rebuilds anyway."""
    await conn.execute("SET LOCAL synchronous_commit = off")


async def _apply(conn: asyncpg.Connection, applier: Any, schema: str, name: str, batch: list[Any]) -> None:
    async with conn.transaction():
        await _not_waiting_for_flush(conn)
        await applier.apply(conn, batch)
        await write_checkpoint(conn, schema, name, batch[-1][0].position, 0, len(batch))
