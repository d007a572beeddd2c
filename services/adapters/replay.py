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
from services.adapters.db.migrate import migrate_projection
from services.adapters.deferred_indexes import DeferredIndexes, drop_indexes
from services.adapters.eventstore.app import SpineEventStore
from services.adapters.replay_pages import EventPages, Page
from spine_core.write import Capture, Execution, Partition

__all__ = ["RebuildResult", "Rebuild", "rebuild_projection", "replay", "table_checksums", "AUDIT_COLUMNS", "topics_of"]

log = logging.getLogger("spine.replay")

#: Columns that record when a row was written, not what it says: excluded from comparisons.
AUDIT_COLUMNS = frozenset({"projected_at", "updated_at"})
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


async def replay(
    conn: asyncpg.Connection,
    app: SpineEventStore,
    spec: ProjectionSpec,
    *,
    on_progress: Callable[[int, int, int], None] | None = None,
    pause_timeout_s: float = 60.0,
) -> RebuildResult:
    """Rebuild a projection beside the live one and swap it in, without downtime.

    The live projector keeps serving (and applying) while the rebuild reads the whole event
    store into ``<schema>__next``. Then the live projector is paused, the rebuild catches up to
    the head, and one transaction renames the live schema away and the rebuilt one into its
    place; the projector reloads its checkpoint from the new schema and goes on. Queries never
    see a missing or half-built table.
    """
    live, nxt = spec.schema, f"{spec.schema}__next"
    rebuild = Rebuild(conn, app, spec, nxt)
    await rebuild.create()
    await rebuild.advance(await asyncio.to_thread(app.head_position), on_progress)
    # Catch up while the live projector still runs, so the pause is short; the indexes are built
    # before the pause too, and what was recorded meanwhile is applied to the indexed tables.
    await _catch_up(app, rebuild, on_progress)
    await rebuild.finish_load()
    await _catch_up(app, rebuild, on_progress)
    paused = await _pause(conn, spec.name, pause_timeout_s)
    try:
        await rebuild.advance(await asyncio.to_thread(app.head_position), on_progress)
        old = f"{live}__old_{int(time.time())}"
        # One transaction: readers see the old tables or the new ones, never neither; the old
        # ones are dropped before the projector resumes, so nothing can still write to them.
        async with conn.transaction():
            await conn.execute(f'ALTER SCHEMA "{live}" RENAME TO "{old}"')
            await conn.execute(f'ALTER SCHEMA "{nxt}" RENAME TO "{live}"')
            await conn.execute(f'DROP SCHEMA "{old}" CASCADE')
            await conn.execute("DELETE FROM spine_meta.schema_migrations WHERE schema_name = $1", live)
            await conn.execute(
                "UPDATE spine_meta.schema_migrations SET schema_name = $2 WHERE schema_name = $1", nxt, live
            )
    finally:
        await conn.execute(
            """UPDATE spine_meta.projector_control SET paused = false, reload = $2, updated_at = now()
               WHERE projection = $1""",
            spec.name,
            paused,
        )
    log.info(
        "replayed %s: %d events, %d rows in %.1fs",
        spec.name,
        rebuild.events,
        rebuild.rows,
        time.monotonic() - rebuild.started,
    )
    result = rebuild.result()
    return RebuildResult(spec.name, live, result.events, result.rows_loaded, result.position, result.seconds)


async def _catch_up(
    app: SpineEventStore, rebuild: Rebuild, on_progress: Callable[[int, int, int], None] | None
) -> None:
    for _ in range(5):
        head = await asyncio.to_thread(app.head_position)
        if head - rebuild.position < 1000:
            break
        await rebuild.advance(head, on_progress)


async def _pause(conn: asyncpg.Connection, projection: str, timeout_s: float) -> bool:
    """Ask the live projector to pause; True once it has (False: it is not running)."""
    row = await conn.fetchrow(
        "SELECT heartbeat_at > now() - interval '15 seconds' AS alive FROM spine_meta.projector_control WHERE projection = $1",
        projection,
    )
    if row is None or not row["alive"]:
        return False
    await conn.execute(
        "UPDATE spine_meta.projector_control SET paused = true, updated_at = now() WHERE projection = $1", projection
    )
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        state = await conn.fetchval("SELECT state FROM spine_meta.projector_control WHERE projection = $1", projection)
        if state == "paused":
            return True
        await asyncio.sleep(0.1)
    await conn.execute("UPDATE spine_meta.projector_control SET paused = false WHERE projection = $1", projection)
    raise TimeoutError(f"projector {projection} did not pause within {timeout_s:.0f}s; nothing was swapped")


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
