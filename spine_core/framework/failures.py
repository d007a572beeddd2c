"""Recording a failed run: the execution fails, its capture is abandoned, its claim released.

A failure is recorded in one save, so a partition is never left claimed by a failed execution
and a capture is never left half-open. A request refused before it could be planned still gets
an execution, so every command has a recorded outcome.
"""

from __future__ import annotations

import logging

from eventsourcing.domain import Aggregate

from spine_core.errors import SpineError
from spine_core.framework.messages import RunOutcome, RunRequest, outcome_of
from spine_core.write import Capture, EventStore, Execution, Partition, partition_id

__all__ = ["fail_run", "refuse_request"]

log = logging.getLogger("spine.runner")


def refuse_request(store: EventStore, request: RunRequest, execution: Execution | None, exc: SpineError) -> RunOutcome:
    """A request that cannot even be planned (unknown pipeline, bad parameters)."""
    if execution is not None and execution.partition_key:
        # A redelivered run whose plan no longer resolves (e.g. after a deploy) must not
        # keep its partition claimed forever.
        partition = store.get(Partition, partition_id(execution.pipeline, execution.partition_key))
        capture = None
        if partition is not None and partition.active_execution == execution.id and partition.active_capture:
            capture = store.get(Capture, partition.active_capture)
        return fail_run(store, execution, capture, partition, exc)
    if execution is None:
        execution = Execution(
            execution_id=request.execution_id,
            pipeline=request.pipeline,
            params={
                k: (v if isinstance(v, bool | int | float | str) or v is None else str(v))
                for k, v in request.params.items()
            },
            partition_key="",
            trigger_source=request.context.trigger_source.value,
            lane=request.context.lane.value,
            batch_id=request.context.batch_id,
            idempotency_key=request.idempotency_key,
            source={"ref": request.source_ref} if request.source_ref else None,
        )
    return fail_run(store, execution, None, None, exc)


def fail_run(
    store: EventStore, execution: Execution, capture: Capture | None, partition: Partition | None, exc: SpineError
) -> RunOutcome:
    """Abandon the capture, release the claim and fail the execution, in one save."""
    to_save: list[Aggregate] = [execution]
    if capture is not None:
        capture.abandon(exc.message)
        to_save.insert(0, capture)
    if partition is not None and partition.active_execution == execution.id:
        partition.release(execution.id, exc.message)
        to_save.append(partition)
    execution.fail(exc.code, exc.message, exc.hint)
    position = store.save(*to_save)
    capture_id = capture.id if capture is not None else execution.capture_id
    log.warning("run failed: %s", exc, extra={"execution_id": str(execution.id), "capture_id": str(capture_id or "")})
    return outcome_of(execution, position=position, error=exc.to_dict(), capture=capture)
