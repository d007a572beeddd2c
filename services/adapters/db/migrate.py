"""The migration step: applies each projection's SQL files in order and records what it applied.

Projection SQL uses unqualified names; it runs with ``search_path`` set to the target schema,
so the same files build the live schema or a rebuild beside it.

Written by hand rather than with a migration tool (Alembic, yoyo): what Spine needs is a
runner that applies one projection's files into *any* schema name (the live one or a
``<schema>__next`` rebuild beside it), records them per schema with a checksum, and does it in
one transaction under an advisory lock on the caller's asyncpg connection. The tools key their
history by database, not by a schema chosen at run time, and bring their own drivers and
connection handling with them.
"""

from __future__ import annotations

import hashlib
import logging

import asyncpg

from projections.base import ProjectionSpec
from projections.checkpoint import CHECKPOINT_DDL
from projections.registry import PROJECTIONS

__all__ = ["ensure_meta", "migrate", "migrate_projection", "MigrationError"]

log = logging.getLogger("spine.migrate")

_META_DDL = """
CREATE SCHEMA IF NOT EXISTS spine_meta;
CREATE TABLE IF NOT EXISTS spine_meta.schema_migrations (
    schema_name text NOT NULL,
    filename    text NOT NULL,
    checksum    text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (schema_name, filename)
);
-- How operators steer a running projector (pause for a swap, reload after one) and how it
-- says it is alive.
CREATE TABLE IF NOT EXISTS spine_meta.projector_control (
    projection   text PRIMARY KEY,
    paused       boolean NOT NULL DEFAULT false,
    reload       boolean NOT NULL DEFAULT false,
    state        text NOT NULL DEFAULT 'starting',
    position     bigint,
    heartbeat_at timestamptz,
    updated_at   timestamptz NOT NULL DEFAULT now()
);
-- Events a projector could not apply after its set number of attempts, and the events of the
-- same stream parked behind them (applied in order once the first is retried successfully).
CREATE TABLE IF NOT EXISTS spine_meta.dead_letters (
    projection      text NOT NULL,
    position        bigint NOT NULL,
    stream_id       uuid NOT NULL,
    event_type      text NOT NULL,
    stream_seq      bigint,
    error           text NOT NULL,
    attempts        integer NOT NULL,
    parked_behind   bigint,
    status          text NOT NULL CHECK (status IN ('pending', 'retry_requested', 'resolved')),
    first_failed_at timestamptz NOT NULL DEFAULT now(),
    last_failed_at  timestamptz NOT NULL DEFAULT now(),
    resolved_at     timestamptz,
    PRIMARY KEY (projection, position)
);
-- The instances of the relay, each projector and the process manager (one active per service,
-- the others standing by; see services/adapters/db/lease.py) and each service's lease: the
-- fencing generation every write of the active instance checks.
CREATE TABLE IF NOT EXISTS spine_meta.service_instances (
    service             text NOT NULL,
    instance_id         text NOT NULL,
    host                text NOT NULL,
    pid                 integer NOT NULL,
    lock_key            bigint NOT NULL,
    lease_pid           integer NOT NULL,
    lease_backend_start timestamptz NOT NULL,
    role                text NOT NULL CHECK (role IN ('standby', 'active', 'stopped')),
    role_since          timestamptz NOT NULL DEFAULT now(),
    started_at          timestamptz NOT NULL DEFAULT now(),
    active_since        timestamptz,
    last_seen           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (service, instance_id)
);
CREATE TABLE IF NOT EXISTS spine_meta.service_leases (
    service     text PRIMARY KEY,
    generation  bigint NOT NULL,
    holder      text NOT NULL,
    acquired_at timestamptz NOT NULL
);
"""
# Serialises concurrent migrators (several services starting at once).
_LOCK_ID = 0x5350494E45


class MigrationError(RuntimeError):
    pass


async def ensure_meta(conn: asyncpg.Connection) -> None:
    """Create ``spine_meta``'s tables if they are missing (a service that does not migrate a
    projection of its own, like the relay, may start before anything else has)."""
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _LOCK_ID)
        await conn.execute(_META_DDL)


async def migrate_projection(conn: asyncpg.Connection, spec: ProjectionSpec, schema: str | None = None) -> list[str]:
    """Bring one projection's schema (live by default) up to date; returns the files applied."""
    target = schema or spec.schema
    applied: list[str] = []
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _LOCK_ID)
        await conn.execute(_META_DDL)
        await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{target}"')
        done = {
            r["filename"]: r["checksum"]
            for r in await conn.fetch(
                "SELECT filename, checksum FROM spine_meta.schema_migrations WHERE schema_name = $1", target
            )
        }
        for path in spec.migration_files():
            sql = path.read_text()
            checksum = hashlib.sha256(sql.encode()).hexdigest()
            if path.name in done:
                if done[path.name] != checksum:
                    raise MigrationError(
                        f"{spec.name}: {path.name} changed after it was applied to schema {target}; "
                        "add a new migration file instead of editing an applied one"
                    )
                continue
            await conn.execute(f'SET LOCAL search_path TO "{target}"')
            await conn.execute(sql)
            await conn.execute(
                "INSERT INTO spine_meta.schema_migrations (schema_name, filename, checksum) VALUES ($1, $2, $3)",
                target,
                path.name,
                checksum,
            )
            applied.append(path.name)
        await conn.execute(CHECKPOINT_DDL.format(schema=f'"{target}"'))
        await conn.execute("SET LOCAL search_path TO DEFAULT")
    if applied:
        log.info("schema %s: applied %s", target, ", ".join(applied))
    return applied


async def migrate(database_url: str) -> dict[str, list[str]]:
    conn = await asyncpg.connect(database_url)
    try:
        return {name: await migrate_projection(conn, spec) for name, spec in PROJECTIONS.items()}
    finally:
        await conn.close()
