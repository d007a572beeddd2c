"""Applies quality changes with asyncpg."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from contracts.events import CaptureStarted
from projections.base import EventBatch
from projections.quality.mapper import map_event
from projections.storage import execute_changes

if TYPE_CHECKING:
    import asyncpg

__all__ = ["QualityApplier", "STATEMENTS"]

STATEMENTS = {
    "capture_started": """
        INSERT INTO {schema}.captures (capture_id, execution_id, pipeline, partition_key, partition, status, captured_at)
        VALUES ($1, $2, $3, $4, $5::jsonb, 'capturing', $6)
        ON CONFLICT (capture_id) DO NOTHING""",
    "capture_status": "UPDATE {schema}.captures SET status = $2 WHERE capture_id = $1",
    "quality_checked": """
        INSERT INTO {schema}.core_quality (capture_id, position, pipeline, partition_key, "check", status, severity,
            message, value, threshold, details, checked_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12)
        ON CONFLICT DO NOTHING""",
}


class QualityApplier:
    def __init__(self, schema: str) -> None:
        self.schema = schema
        self._captures: dict[UUID, tuple[str, str]] = {}

    async def apply(self, conn: asyncpg.Connection, events: EventBatch) -> None:
        unknown: set[UUID] = set()
        for env, _ in events:
            if env.type == "CaptureStarted":
                data = env.typed()
                assert isinstance(data, CaptureStarted)
                self._captures[env.stream_id] = (data.pipeline, data.partition_key)
            elif env.type in ("RowsRejected", "QualityChecked") and env.stream_id not in self._captures:
                unknown.add(env.stream_id)
        if unknown:
            rows = await conn.fetch(
                f'SELECT capture_id, pipeline, partition_key FROM "{self.schema}".captures WHERE capture_id = ANY($1::uuid[])',
                list(unknown),
            )
            for row in rows:
                self._captures[row["capture_id"]] = (row["pipeline"], row["partition_key"])
        changes = [c for env, block in events for c in map_event(env, block, self._captures)]
        await execute_changes(conn, self.schema, STATEMENTS, changes)
