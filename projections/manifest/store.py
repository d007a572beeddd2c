"""Applies manifest changes with asyncpg."""

from __future__ import annotations

from typing import TYPE_CHECKING

from projections.base import EventBatch
from projections.manifest.mapper import map_event
from projections.storage import execute_changes

if TYPE_CHECKING:
    import asyncpg

__all__ = ["ManifestApplier", "STATEMENTS"]

STATEMENTS = {
    "execution_requested": """
        INSERT INTO {schema}.executions (execution_id, pipeline, params, partition_key, trigger_source, lane,
            batch_id, idempotency_key, source, status, requested_at, last_position, through, stage_params)
        VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7, $8, $9::jsonb, 'requested', $10, $11, $12, $13::jsonb)
        ON CONFLICT (execution_id) DO NOTHING""",
    "execution_started": """
        UPDATE {schema}.executions SET status = 'running', capture_id = $2, resumed = resumed OR $3,
            started_at = COALESCE(started_at, $4), last_position = $5
        WHERE execution_id = $1""",
    "execution_skipped": """
        UPDATE {schema}.executions SET status = 'skipped', capture_id = $2, skip_reason = $3,
            finished_at = $4, last_position = $5
        WHERE execution_id = $1""",
    "execution_completed": """
        UPDATE {schema}.executions SET status = 'completed', capture_id = $2, rows_accepted = $3,
            rows_rejected = $4, details = $5::jsonb, finished_at = $6, last_position = $7
        WHERE execution_id = $1""",
    "execution_failed": """
        UPDATE {schema}.executions SET status = 'failed', capture_id = COALESCE($2, capture_id), error_code = $3,
            error_message = $4, error_hint = $5, finished_at = $6, last_position = $7
        WHERE execution_id = $1""",
    "capture_started": """
        INSERT INTO {schema}.captures (capture_id, execution_id, pipeline, partition_key, partition, source,
            status, captured_at, position, params, inputs, calc, fingerprint)
        VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, 'capturing', $7, $8, $9::jsonb, $10::jsonb, $11::jsonb, $12)
        ON CONFLICT (capture_id) DO NOTHING""",
    "capture_completed": """
        UPDATE {schema}.captures SET status = 'complete', rows_accepted = $2, rows_rejected = $3,
            completed_at = $4, position = $5
        WHERE capture_id = $1""",
    "capture_abandoned": """
        UPDATE {schema}.captures SET status = 'abandoned', completed_at = $2, position = $3
        WHERE capture_id = $1""",
    "manifest_stage": """
        INSERT INTO {schema}.manifest (pipeline, partition_key, stage, capture_id, execution_id, completed_at,
            rows_accepted, rows_rejected, details, position)
        SELECT c.pipeline, c.partition_key, $2, c.capture_id, c.execution_id, $3, $4, $5, $6::jsonb, $7
        FROM {schema}.captures c WHERE c.capture_id = $1
        ON CONFLICT DO NOTHING""",
}


class ManifestApplier:
    def __init__(self, schema: str) -> None:
        self.schema = schema

    async def apply(self, conn: asyncpg.Connection, events: EventBatch) -> None:
        changes = [op for env, _ in events for op in map_event(env)]
        await execute_changes(conn, self.schema, STATEMENTS, changes)
