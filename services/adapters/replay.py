"""Rebuild read models from the event store beside the live ones, and compare or swap them.

How one projection is rebuilt is :mod:`.rebuild`; this module swaps rebuilt schemas in while
the live projectors keep running, and compares read models.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from functools import partial

import asyncpg

from projections.base import ProjectionSpec
from services.adapters.eventstore.app import SpineEventStore
from services.adapters.rebuild import Rebuild, RebuildResult, rebuild_projection, topics_of

__all__ = [
    "RebuildResult",
    "Rebuild",
    "rebuild_projection",
    "replay",
    "replay_many",
    "table_checksums",
    "AUDIT_COLUMNS",
    "topics_of",
]

log = logging.getLogger("spine.replay")

#: Columns that record when a row was written, not what it says: excluded from comparisons.
AUDIT_COLUMNS = frozenset({"projected_at", "updated_at"})


async def replay(
    conn: asyncpg.Connection,
    app: SpineEventStore,
    spec: ProjectionSpec,
    *,
    on_progress: Callable[[int, int, int], None] | None = None,
    pause_timeout_s: float = 60.0,
) -> RebuildResult:
    """Rebuild one projection beside the live one and swap it in, without downtime (see
    :func:`replay_many`). ``on_progress(position, head, events)`` is called per page."""
    progress = None if on_progress is None else (lambda _name, p, h, e: on_progress(p, h, e))
    (result,) = await replay_many(conn, app, [spec], on_progress=progress, pause_timeout_s=pause_timeout_s)
    return result


async def replay_many(
    conn: asyncpg.Connection,
    app: SpineEventStore,
    specs: Sequence[ProjectionSpec],
    *,
    on_progress: Callable[[str, int, int, int], None] | None = None,
    pause_timeout_s: float = 60.0,
) -> list[RebuildResult]:
    """Rebuild projections beside the live ones and swap them in, without downtime.

    The live projectors keep serving (and applying) while each rebuild reads the whole event
    store into ``<schema>__next``. Then the live projectors are paused — all at once, so that
    their pauses overlap — each rebuild catches up to the head, and one transaction per
    projection renames the live schema away and the rebuilt one into its place; the projectors
    reload their checkpoints from the new schemas and go on. Queries never see a missing or
    half-built table. ``on_progress(projection, position, head, events)`` is called per page.
    """
    rebuilds: list[Rebuild] = []
    built: dict[str, float] = {}  # seconds each rebuild took, before waiting for the others
    for spec in specs:
        progress = None if on_progress is None else partial(on_progress, spec.name)
        rebuild = Rebuild(conn, app, spec, f"{spec.schema}__next")
        await rebuild.create()
        await rebuild.advance(await asyncio.to_thread(app.head_position), progress)
        # Catch up while the live projector still runs, so the pause is short; the indexes are
        # built before the pause too, and what was recorded meanwhile goes to indexed tables.
        await _catch_up(app, rebuild, progress)
        await rebuild.finish_load()
        rebuilds.append(rebuild)
        built[spec.name] = rebuild.result().seconds
    for rebuild in rebuilds:  # the first ones fell behind while the others were built
        await _catch_up(app, rebuild, None if on_progress is None else partial(on_progress, rebuild.spec.name))
    paused = await _pause(conn, [spec.name for spec in specs], pause_timeout_s)
    results = []
    try:
        head = await asyncio.to_thread(app.head_position)
        for rebuild in rebuilds:
            started = time.monotonic()
            await rebuild.advance(head, None if on_progress is None else partial(on_progress, rebuild.spec.name))
            await _swap(conn, rebuild.spec, rebuild.schema)
            r = rebuild.result()
            seconds = built[r.projection] + time.monotonic() - started
            log.info("replayed %s: %d events, %d rows in %.1fs", r.projection, r.events, r.rows_loaded, seconds)
            results.append(
                RebuildResult(r.projection, rebuild.spec.schema, r.events, r.rows_loaded, r.position, seconds)
            )
    finally:
        for name, was_paused in paused.items():
            await conn.execute(
                """UPDATE spine_meta.projector_control SET paused = false, reload = $2, updated_at = now()
                   WHERE projection = $1""",
                name,
                was_paused,
            )
    return results


async def _swap(conn: asyncpg.Connection, spec: ProjectionSpec, rebuilt: str) -> None:
    """One transaction: readers see the old tables or the new ones, never neither; the old ones
    are dropped before the projector resumes, so nothing can still write to them."""
    live = spec.schema
    old = f"{live}__old_{int(time.time())}"
    async with conn.transaction():
        await conn.execute(f'ALTER SCHEMA "{live}" RENAME TO "{old}"')
        await conn.execute(f'ALTER SCHEMA "{rebuilt}" RENAME TO "{live}"')
        await conn.execute(f'DROP SCHEMA "{old}" CASCADE')
        await conn.execute("DELETE FROM spine_meta.schema_migrations WHERE schema_name = $1", live)
        await conn.execute(
            "UPDATE spine_meta.schema_migrations SET schema_name = $2 WHERE schema_name = $1", rebuilt, live
        )


async def _catch_up(
    app: SpineEventStore, rebuild: Rebuild, on_progress: Callable[[int, int, int], None] | None
) -> None:
    for _ in range(5):
        head = await asyncio.to_thread(app.head_position)
        if head - rebuild.position < 1000:
            break
        await rebuild.advance(head, on_progress)


async def _pause(conn: asyncpg.Connection, projections: list[str], timeout_s: float) -> dict[str, bool]:
    """Ask the live projectors to pause, all at once; per projector, True once it has (False: it
    is not running). If one does not pause in time, none stays paused and nothing is swapped."""
    alive = {
        r["projection"]: bool(r["alive"])
        for r in await conn.fetch(
            """SELECT projection, heartbeat_at > now() - interval '15 seconds' AS alive
               FROM spine_meta.projector_control WHERE projection = ANY($1::text[])""",
            projections,
        )
    }
    asked = [name for name in projections if alive.get(name)]
    await conn.execute(
        "UPDATE spine_meta.projector_control SET paused = true, updated_at = now() WHERE projection = ANY($1::text[])",
        asked,
    )
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        states = await conn.fetch(
            "SELECT projection FROM spine_meta.projector_control WHERE projection = ANY($1::text[]) AND state = 'paused'",
            asked,
        )
        if len(states) == len(asked):
            return {name: name in asked for name in projections}
        await asyncio.sleep(0.05)
    await conn.execute(
        "UPDATE spine_meta.projector_control SET paused = false WHERE projection = ANY($1::text[])", asked
    )
    late = sorted(set(asked) - {r["projection"] for r in states})
    raise TimeoutError(f"projectors {', '.join(late)} did not pause within {timeout_s:.0f}s; nothing was swapped")


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
