"""POST /v1/pipelines/{name}/run?wait=N: follow the run for up to N seconds and, if it ended,
answer 200 with its result and the ``position`` to read it at; else 202, as without ``wait``.

"Ended" is what the CLI's ``spine run`` waits for: the execution is completed, skipped or failed
in the manifest and, when the run chains stages (``through``, or a backfill's plan), every stage
of its batch has ended; the position is then the highest of the batch. The manifest is read, not
the event store: it is what GET /v1/executions/{id} shows, so the answer and the poll URL agree.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg
from fastapi.responses import JSONResponse, Response

from projections.manifest.queries import get_execution
from services.apps.gateway.batches import batch_executions
from services.apps.gateway.models.pipelines import RunAccepted, RunAcceptedItem, RunEnded, RunEndedItem
from services.apps.gateway.models.wire import execution_fields
from spine_core.framework.batches import batch_progress
from spine_core.framework.chaining import BACKFILL_PLAN_KEY
from spine_core.framework.registry import PipelineRegistry

__all__ = ["MAX_WAIT_S", "POLL_S", "RunSoFar", "follow_run", "answer_after"]

#: The longest ``wait`` a request may ask for: past it, polling the execution is the better deal.
MAX_WAIT_S = 60
#: How often the manifest is read while waiting.
POLL_S = 0.1
_ENDED = frozenset({"completed", "skipped", "failed"})


@dataclass(frozen=True, slots=True)
class RunSoFar:
    """Where a run stands: its execution (None while no worker has recorded it), its batch's
    progress when it chains stages, and once it ended, the position to read its results at."""

    execution: dict[str, Any] | None
    batch: dict[str, Any] | None = None
    position: int | None = None

    @property
    def ended(self) -> bool:
        return self.position is not None


def _chains(execution: dict[str, Any]) -> bool:
    """Whether the run's results include stages issued after it (``through``, or a backfill's plan)."""
    return bool(execution.get("through")) or isinstance((execution.get("details") or {}).get(BACKFILL_PLAN_KEY), list)


async def _look(pool: asyncpg.Pool, registry: PipelineRegistry, execution_id: UUID) -> RunSoFar:
    async with pool.acquire() as conn:
        row = await get_execution(conn, execution_id)
        execution = execution_fields(row) if row is not None else None
        if execution is None or execution["status"] not in _ENDED:
            return RunSoFar(execution)
        if not _chains(execution):
            return RunSoFar(execution, position=execution["position"])
        executions = await batch_executions(conn, UUID(execution["batch_id"]))
    batch = {**batch_progress(executions, registry), "batch_id": execution["batch_id"]}
    return RunSoFar(execution, batch, batch["position"] if batch["done"] else None)


async def follow_run(
    pool: asyncpg.Pool, registry: PipelineRegistry, execution_id: UUID, wait_s: float, *, poll_s: float = POLL_S
) -> RunSoFar:
    """Where the run stands once it ended, or when ``wait_s`` passed (at least one look)."""
    deadline = time.monotonic() + wait_s
    while True:
        so_far = await _look(pool, registry, execution_id)
        remaining = deadline - time.monotonic()
        if so_far.ended or remaining <= 0:
            return so_far
        await asyncio.sleep(min(poll_s, remaining))


async def answer_after(
    pool: asyncpg.Pool, registry: PipelineRegistry, accepted: RunAccepted, wait_s: float
) -> RunAcceptedItem | Response:
    """200 with the run's result if it ended within ``wait_s``; else the 202 answer, with the
    status it has reached."""
    so_far = await follow_run(pool, registry, UUID(accepted.execution_id), wait_s)
    if so_far.execution is None:
        return RunAcceptedItem(data=accepted)
    if so_far.position is None:
        return RunAcceptedItem(data=accepted.model_copy(update={"status": so_far.execution["status"]}))
    ended = RunEnded.model_validate(
        {
            "execution_id": accepted.execution_id,
            "status": so_far.execution["status"],
            "poll": accepted.poll,
            "duplicate": accepted.duplicate,
            "idempotency_key": accepted.idempotency_key,
            "position": so_far.position,
            "execution": so_far.execution,
            **({"batch": so_far.batch} if so_far.batch is not None else {}),
        }
    )
    body = RunEndedItem(data=ended).model_dump(mode="json", exclude_unset=True)
    return JSONResponse(body, status_code=200, headers={"Location": accepted.poll})
