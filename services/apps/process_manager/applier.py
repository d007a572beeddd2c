"""The process manager as a projector with effects: it records what each run asked for and, when
a run completes or is skipped, publishes the next commands of its workflow — in the same batch
transaction as its checkpoint, so a crash re-issues the same commands (same idempotency keys)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from nats.aio.client import Client

from contracts.events import RunCompleted, RunFailed, RunRequested, RunSkipped
from projections.base import EventBatch, ProjectionSpec
from services.adapters.commands import publish_run
from services.apps.process_manager.decide import RunRecord, next_commands
from spine_core.framework.chaining import CHAIN_EVENT_TYPES
from spine_core.framework.registry import PipelineRegistry

__all__ = ["ProcessManagerApplier", "process_manager_spec", "EVENT_TYPES"]

log = logging.getLogger("spine.process_manager")

EVENT_TYPES = CHAIN_EVENT_TYPES


class ProcessManagerApplier:
    def __init__(self, schema: str, nc: Client, registry: PipelineRegistry) -> None:
        self.schema = schema
        self.nc = nc
        self.registry = registry

    async def apply(self, conn: Any, events: EventBatch) -> None:
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
                try:
                    commands = next_commands(run, details, self.registry)
                except Exception:
                    log.exception("cannot plan what follows execution %s", run.execution_id)
                    commands = []
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
    return ProjectionSpec(
        name="process_manager",
        schema="process_manager",
        description="issues the next commands of a workflow when a run completes or is skipped",
        event_types=EVENT_TYPES,
        migrations=Path(__file__).parent / "schema",
        make_applier=lambda schema: ProcessManagerApplier(schema, nc, registry),
    )
