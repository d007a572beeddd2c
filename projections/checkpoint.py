"""Projection checkpoints, stored in the projection's own schema (so a rebuilt schema swaps in
with its own checkpoint, atomically)."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

__all__ = ["Checkpoint", "CHECKPOINT_DDL", "read_checkpoint", "write_checkpoint"]

CHECKPOINT_DDL = """
CREATE TABLE IF NOT EXISTS {schema}.projection_checkpoint (
    projection     text PRIMARY KEY,
    position       bigint NOT NULL,
    stream_seq     bigint NOT NULL,
    events_applied bigint NOT NULL DEFAULT 0,
    updated_at     timestamptz NOT NULL DEFAULT now()
)
"""


@dataclass(frozen=True, slots=True)
class Checkpoint:
    position: int
    stream_seq: int
    events_applied: int


async def read_checkpoint(conn: asyncpg.Connection, schema: str, projection: str) -> Checkpoint:
    row = await conn.fetchrow(
        f'SELECT position, stream_seq, events_applied FROM "{schema}".projection_checkpoint WHERE projection = $1',
        projection,
    )
    if row is None:
        return Checkpoint(0, 0, 0)
    return Checkpoint(row["position"], row["stream_seq"], row["events_applied"])


async def write_checkpoint(
    conn: asyncpg.Connection, schema: str, projection: str, position: int, stream_seq: int, applied: int
) -> None:
    await conn.execute(
        f"""
        INSERT INTO "{schema}".projection_checkpoint (projection, position, stream_seq, events_applied, updated_at)
        VALUES ($1, $2, $3, $4, now())
        ON CONFLICT (projection) DO UPDATE SET
            position = EXCLUDED.position,
            stream_seq = EXCLUDED.stream_seq,
            events_applied = "{schema}".projection_checkpoint.events_applied + $4,
            updated_at = now()
        """,
        projection,
        position,
        stream_seq,
        applied,
    )
