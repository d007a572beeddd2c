"""The run coordinator: turns one RunPipeline request into recorded events.

It decides idempotency on the write side (the Partition aggregate), runs the pure pipeline,
records its output as chunk events on a Capture, and completes or fails the Execution.
Everything here is synchronous; the worker calls it from a thread.

Crash safety: a run that dies midway leaves its claim on the partition. When the same command
is delivered again (same execution_id), the run resumes: it re-reads the same source (checked by
SHA-256), regenerates the same deterministic chunks and records only those not yet recorded.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence

from spine_core.errors import ConcurrencyConflict, PartitionBusy, SourceUnreadable, SpineError
from spine_core.framework.blocks import MAX_BLOCK_BYTES
from spine_core.framework.failures import fail_run, refuse_request
from spine_core.framework.messages import ProgressCallback, RunOutcome, RunRequest, outcome_of
from spine_core.framework.pipeline import CaptureReader
from spine_core.framework.planning import NoCaptures, OpenedSource, RunPlan, jsonable, plan_run
from spine_core.framework.recording import record_outputs
from spine_core.framework.registry import PipelineRegistry
from spine_core.write import Capture, EventStore, Execution, Partition, RunStatus, partition_id

__all__ = ["RunCoordinator"]

log = logging.getLogger("spine.runner")

_CONFLICT_RETRIES = 5


class RunCoordinator:
    """Handles run requests: plans each one, decides skip or claim, records the capture.

    ``reader`` finds and reads earlier captures (for derived pipelines); ``list_dir`` lists a
    source directory (for pipelines that plan from a listing). ``max_block_bytes`` bounds the
    encoded block in one chunk event.
    """

    def __init__(
        self,
        store: EventStore,
        registry: PipelineRegistry,
        open_source: Callable[[str], OpenedSource],
        *,
        reader: CaptureReader | None = None,
        list_dir: Callable[[str], Sequence[str]] | None = None,
        batch_lines: int = 5_000,
        max_block_bytes: int = MAX_BLOCK_BYTES,
    ) -> None:
        self.store = store
        self.registry = registry
        self.open_source = open_source
        self.reader: CaptureReader = reader or NoCaptures()
        self.list_dir = list_dir
        self.batch_lines = batch_lines
        self.max_block_bytes = max_block_bytes

    # ------------------------------------------------------------------ entry points
    def handle(
        self,
        request: RunRequest,
        *,
        progress: ProgressCallback | None = None,
        final_attempt: bool = False,
    ) -> RunOutcome:
        """Run the request to a recorded outcome.

        Raises :class:`PartitionBusy` when another execution holds the partition (the caller
        retries later), and lets infrastructure errors through (the caller redelivers; the run
        resumes). With ``final_attempt`` every error is recorded as a failed run instead.
        """
        for _ in range(_CONFLICT_RETRIES):
            execution = self.store.get(Execution, request.execution_id)
            if execution is not None and execution.is_terminal:
                return outcome_of(execution, duplicate=True)
            try:
                return self._handle_once(request, execution, progress, final_attempt)
            except ConcurrencyConflict:
                log.info(
                    "concurrent write on the partition; deciding again",
                    extra={"execution_id": str(request.execution_id)},
                )
                continue
        raise ConcurrencyConflict(f"gave up after {_CONFLICT_RETRIES} conflicting attempts")

    def record_refusal(self, request: RunRequest, exc: SpineError) -> RunOutcome:
        """Record that a request was refused before it could be planned (e.g. malformed)."""
        execution = self.store.get(Execution, request.execution_id)
        if execution is not None and execution.is_terminal:
            return outcome_of(execution, duplicate=True)
        return refuse_request(self.store, request, execution, exc)

    # ------------------------------------------------------------------ decisions
    def _plan(self, request: RunRequest) -> RunPlan:
        return plan_run(request, self.registry, self.open_source, self.reader, self.list_dir)

    def _handle_once(
        self,
        request: RunRequest,
        execution: Execution | None,
        progress: ProgressCallback | None,
        final_attempt: bool,
    ) -> RunOutcome:
        if execution is not None and execution.status == RunStatus.RUNNING:
            return self._resume(request, execution, progress, final_attempt)
        try:
            plan = self._plan(request)
        except SpineError as exc:
            return refuse_request(self.store, request, execution, exc)

        pipeline, key = plan.pipeline, plan.key
        if execution is None:
            execution = Execution(
                execution_id=request.execution_id,
                pipeline=pipeline.name,
                params=jsonable(plan.params),
                partition_key=key,
                trigger_source=request.context.trigger_source.value,
                lane=request.context.lane.value,
                batch_id=request.context.batch_id,
                idempotency_key=request.idempotency_key,
                source={"ref": request.source_ref} if request.source_ref else None,
                through=request.through,
                stage_params=jsonable(request.stage_params),
            )
        partition = self.store.get(Partition, partition_id(pipeline.name, key))
        if partition is None:
            partition = Partition(pipeline=pipeline.name, partition_key=key)

        if partition.active_execution is not None and partition.active_execution != request.execution_id:
            busy = PartitionBusy(
                f"partition {key} of {pipeline.name} is being captured by execution {partition.active_execution}",
                hint="the command is retried once that run ends",
            )
            if final_attempt:
                return fail_run(self.store, execution, None, partition, busy)
            raise busy

        force = bool(plan.params.get("force"))
        if partition.current_capture is not None and not force:
            same = partition.current_fingerprint in (None, plan.fingerprint)
            if same:
                what = "the same source" if pipeline.needs_source else "the same inputs"
                execution.skip(
                    reason=f"partition {key} was already captured from {what} (capture {partition.current_capture}); "
                    "pass force=true to capture it again",
                    capture_id=partition.current_capture,
                )
                position = self.store.save(execution)
                return outcome_of(execution, position=position)

        capture_id = uuid.uuid4()
        partition.claim(request.execution_id, capture_id, forced=force)
        source_info = None
        if plan.source is not None:
            source_info = {
                "ref": request.source_ref,
                "name": plan.source.name,
                "bytes": plan.source.size,
                "sha256": plan.source.sha256,
            }
        capture = Capture(
            capture_id=capture_id,
            execution_id=request.execution_id,
            pipeline=pipeline.name,
            partition_key=key,
            partition=pipeline.partition(plan.params),
            source=source_info,
            row_columns=list(pipeline.row_columns),
            params=jsonable(plan.params),
            inputs=plan.inputs(),
            calc=plan.calc,
            fingerprint=plan.fingerprint,
        )
        execution.start(capture_id, resumed=False)
        self.store.save(execution, partition, capture)
        return self._capture(request, plan, execution, partition, capture, progress, final_attempt, resumed=False)

    def _resume(
        self,
        request: RunRequest,
        execution: Execution,
        progress: ProgressCallback | None,
        final_attempt: bool,
    ) -> RunOutcome:
        """The same command again after its run died midway: carry on with the same capture."""
        partition = self.store.get(Partition, partition_id(execution.pipeline, execution.partition_key))
        if partition is None or partition.active_execution != execution.id or partition.active_capture is None:
            # The claim is gone (released by an operator or a failure record): nothing to resume.
            return refuse_request(self.store, request, execution, SpineError("the interrupted run cannot be resumed"))
        capture = self.store.get(Capture, partition.active_capture)
        if capture is None:  # pragma: no cover - claim and capture are saved together
            raise RuntimeError(f"claimed capture {partition.active_capture} has no events")
        try:
            plan = self._plan(request)
        except SpineError as exc:
            return refuse_request(self.store, request, execution, exc)
        if plan.fingerprint != capture.fingerprint and capture.fingerprint is not None:
            changed = SourceUnreadable(
                f"the inputs of {plan.pipeline.name} changed while it was being captured"
                + (f" (source {plan.source.name})" if plan.source else ""),
                hint="run the pipeline again with a new command",
            )
            return fail_run(self.store, execution, capture, partition, changed)
        return self._capture(request, plan, execution, partition, capture, progress, final_attempt, resumed=True)

    # ------------------------------------------------------------------ the capture itself
    def _capture(
        self,
        request: RunRequest,
        plan: RunPlan,
        execution: Execution,
        partition: Partition,
        capture: Capture,
        progress: ProgressCallback | None,
        final_attempt: bool,
        *,
        resumed: bool,
    ) -> RunOutcome:
        log_extra = {"execution_id": str(request.execution_id), "capture_id": str(capture.id)}
        try:
            if resumed:
                execution.start(capture.id, resumed=True)
                log.info("resuming capture after %d recorded chunks", capture.chunks_recorded, extra=log_extra)
            else:
                log.info("capture started", extra=log_extra)
            summary = record_outputs(
                self.store,
                plan,
                capture,
                reader=self.reader,
                batch_lines=self.batch_lines,
                max_block_bytes=self.max_block_bytes,
                progress=progress,
                execution_id=request.execution_id,
            )
        except SpineError as exc:
            return fail_run(self.store, execution, capture, partition, exc)
        except ConcurrencyConflict:
            raise
        except Exception as exc:
            if not final_attempt:
                raise
            log.exception("run failed on its final delivery", extra=log_extra)
            return fail_run(self.store, execution, capture, partition, SpineError(f"internal error: {exc!r}"))

        details = dict(summary.details)
        if plan.calc is not None:
            details.setdefault("calc", plan.calc)
        capture.complete_stage(plan.pipeline.stage, details=details)
        partition.commit(
            request.execution_id,
            capture.id,
            fingerprint=plan.fingerprint,
            summary={
                "pipeline": plan.pipeline.name,
                "partition": plan.pipeline.partition(plan.params),
                "row_columns": list(plan.pipeline.row_columns),
                "rows": capture.rows_accepted,
                "captured_at": capture.created_on.isoformat(),
                "details": jsonable(details),
                "calc": plan.calc,
            },
        )
        execution.complete(capture.id, capture.rows_accepted, capture.rows_rejected, jsonable(details))
        position = self.store.save(capture, partition, execution)
        log.info(
            "capture completed: %d rows accepted, %d rejected",
            capture.rows_accepted,
            capture.rows_rejected,
            extra=log_extra,
        )
        return outcome_of(execution, position=position, capture=capture, details=details)
