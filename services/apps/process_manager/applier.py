"""The process manager as a projector with effects: it records what each run asked for and, when
a run completes or is skipped, publishes the next commands of its workflow — in the same batch
transaction as its checkpoint, so a crash re-issues the same commands (same idempotency keys).

What follows a run is decided by :func:`spine_core.framework.chaining.next_runs`; this module only
translates each :class:`NextRun` into a ``RunPipeline`` command, at the edge.

When the next runs cannot be planned, :class:`ChainPlanningError` propagates: the transaction
rolls back, the projector runtime retries the event and, after ``projector_max_attempts``,
dead-letters it (``spine_meta.dead_letters``, stream id = the execution id). The batch view reads
that dead letter to show the stages that were never issued as failed, with the error.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import asyncpg
from nats.aio.client import Client

from contracts.commands import RunPipeline
from contracts.events import RunCompleted, RunFailed, RunRequested, RunSkipped
from projections.base import EventBatch, ProjectionSpec
from services.adapters.commands import publish_run
from spine_core.framework.chaining import CHAIN_EVENT_TYPES, CHAIN_PROJECTION, NextRun, RunRecord, next_runs
from spine_core.framework.registry import PipelineRegistry

__all__ = ["ProcessManagerApplier", "process_manager_spec", "to_command", "EVENT_TYPES"]

log = logging.getLogger("spine.process_manager")

EVENT_TYPES = CHAIN_EVENT_TYPES


def to_command(run: NextRun) -> RunPipeline:
    """The wire command for a planned run; its execution id derives from the idempotency key."""
    return RunPipeline.new(
        run.pipeline,
        dict(run.params),
        file=run.file,
        trigger_source="scheduler",
        lane=run.lane,
        idempotency_key=run.idempotency_key,
        batch_id=run.batch_id,
        through=run.through,
        stage_params=dict(run.stage_params),
    )


class ProcessManagerApplier:
    """Applies run events to the ``runs`` table and publishes what follows a finished run."""

    def __init__(self, schema: str, nc: Client, registry: PipelineRegistry) -> None:
        self.schema = schema
        self.nc = nc
        self.registry = registry

    async def apply(self, conn: asyncpg.Connection, events: EventBatch) -> None:
        s = f'"{self.schema}"'
        for env, _ in events:
            data = env.typed()
            if isinstance(data, RunRequested):
                await conn.execute(
                    f"""INSERT INTO {s}.runs (execution_id, pipeline, params, through, stage_params, batch_id, lane, status)
                        VALUES ($1, $2, $3::jsonb, $4, $5::jsonb, $6, $7, 'requested')
                        ON CONFLICT (execution_id) DO NOTHING""",
                    env.stream_id,
                    data.pipeline,
                    json.dumps(data.params),
                    data.through,
                    json.dumps(data.stage_params or {}),
                    data.batch_id,
                    data.lane,
                )
            elif isinstance(data, RunCompleted | RunSkipped):
                row = await conn.fetchrow(f"SELECT * FROM {s}.runs WHERE execution_id = $1", env.stream_id)
                if row is None:
                    continue
                details = data.details if isinstance(data, RunCompleted) else {}
                run = RunRecord(
                    execution_id=row["execution_id"],
                    pipeline=row["pipeline"],
                    params=json.loads(row["params"]),
                    through=row["through"],
                    stage_params=json.loads(row["stage_params"]),
                    batch_id=row["batch_id"],
                    lane=row["lane"],
                )
                # A ChainPlanningError propagates: retried, then dead-lettered by the runtime.
                commands = [to_command(r) for r in next_runs(run, details, self.registry)]
                for command in commands:
                    await publish_run(self.nc, command)
                status = "completed" if isinstance(data, RunCompleted) else "skipped"
                issued = [{"pipeline": c.pipeline, "execution_id": str(c.execution_id)} for c in commands]
                await conn.execute(
                    f"UPDATE {s}.runs SET status = $2, next_issued = $3::jsonb, updated_at = now() WHERE execution_id = $1",
                    env.stream_id,
                    status,
                    json.dumps(issued),
                )
                if commands:
                    log.info(
                        "after %s: issued %s",
                        run.pipeline,
                        ", ".join(c.pipeline.rsplit(".", 1)[-1] for c in commands),
                        extra={"execution_id": str(run.execution_id)},
                    )
            elif isinstance(data, RunFailed):
                await conn.execute(
                    f"UPDATE {s}.runs SET status = 'failed', updated_at = now() WHERE execution_id = $1", env.stream_id
                )


def process_manager_spec(nc: Client, registry: PipelineRegistry) -> ProjectionSpec:
    """The process manager as a projection the projector runtime runs (schema ``process_manager``)."""
    return ProjectionSpec(
        name=CHAIN_PROJECTION,
        schema="process_manager",
        description="issues the next commands of a workflow when a run completes or is skipped",
        event_types=EVENT_TYPES,
        migrations=Path(__file__).parent / "schema",
        make_applier=lambda schema: ProcessManagerApplier(schema, nc, registry),
    )
