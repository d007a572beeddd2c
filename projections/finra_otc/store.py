"""Applies data-plane changes with asyncpg: COPY for rows, one transaction per batch."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from projections.base import EventBatch
from projections.finra_otc.mapper import CaptureInfo, capture_info, map_event
from projections.storage import execute_changes

__all__ = ["VenueVolumeApplier", "STATEMENTS"]

STATEMENTS = {
    "capture_started": """
        INSERT INTO {schema}.captures (capture_id, execution_id, pipeline, week_ending, tier, source, status,
            captured_at, started_position)
        VALUES ($1, $2, $3, $4, $5, $6::jsonb, 'capturing', $7, $8)
        ON CONFLICT (capture_id) DO NOTHING""",
    "capture_completed": """
        UPDATE {schema}.captures SET status = 'complete', rows_accepted = $2, rows_rejected = $3, details = $4::jsonb,
            completed_at = $5, completed_position = $6
        WHERE capture_id = $1""",
    "capture_abandoned": """
        UPDATE {schema}.captures SET status = 'abandoned', completed_at = $2 WHERE capture_id = $1""",
    "delete_rows": "DELETE FROM {schema}.venue_volume WHERE capture_id = $1",
}


class VenueVolumeApplier:
    def __init__(self, schema: str) -> None:
        self.schema = schema
        self._captures: dict[UUID, CaptureInfo] = {}

    async def apply(self, conn: Any, events: EventBatch) -> None:
        await self._learn_captures(conn, events)
        changes = [c for env, block in events for c in map_event(env, block, self._captures)]
        await execute_changes(conn, self.schema, STATEMENTS, changes)

    async def _learn_captures(self, conn: Any, events: EventBatch) -> None:
        unknown: set[UUID] = set()
        for env, _ in events:
            if env.type == "CaptureStarted":
                info = capture_info(env)
                if info is not None:
                    self._captures[info.capture_id] = info
            elif env.stream_id not in self._captures:
                unknown.add(env.stream_id)
        if unknown:
            rows = await conn.fetch(
                f'SELECT capture_id, week_ending, tier FROM "{self.schema}".captures WHERE capture_id = ANY($1::uuid[])',
                list(unknown),
            )
            for row in rows:
                self._captures[row["capture_id"]] = CaptureInfo(row["capture_id"], row["week_ending"], row["tier"])
