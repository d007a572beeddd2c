"""The run coordinator: turns one RunPipeline request into recorded events.

It decides idempotency on the write side (the Partition aggregate), runs the pure pipeline,
records its output as chunk events on a Capture, and completes or fails the Execution.
Everything here is synchronous; the worker calls it from a thread.

Crash safety: a run that dies midway leaves its claim on the partition. When the same command
is delivered again (same execution_id), the run resumes: it re-reads the same source (checked by
SHA-256), regenerates the same deterministic chunks and records only those not yet recorded.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from typing import Any, Protocol, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from spine_core.context import ExecutionContext
from spine_core.errors import ConcurrencyConflict, PartitionBusy, SourceUnreadable, SpineError
from spine_core.framework.pipeline import (
    HEAD_LINES,
    CaptureReader,
    CaptureRef,
    Pipeline,
    PipelineInputs,
    RowBatch,
    StageSummary,
)
from spine_core.framework.registry import PipelineRegistry
from spine_core.quality import QualityResult
from spine_core.rejects import Reject
from spine_core.rowblock import encode_rows
from spine_core.temporal import WeekEnding
from spine_core.write import Capture, Execution, Partition, RunStatus, partition_id
from spine_core.write.ports import EventStore

__all__ = ["RunRequest", "RunOutcome", "RunProgress", "OpenedSource", "RunCoordinator", "MAX_BLOCK_BYTES"]

log = logging.getLogger("spine.runner")

T = TypeVar("T")

#: Largest encoded row block in one event. Events travel on NATS (1 MiB payload limit by
#: default) with a small JSON header, so a block stays well below that.
MAX_BLOCK_BYTES = 768 * 1024
#: Pending chunk bytes that trigger a save (one transaction) while a capture is running.
SAVE_EVERY_BYTES = 4 * 1024 * 1024
_CONFLICT_RETRIES = 5


class OpenedSource(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def size(self) -> int: ...

    @property
    def sha256(self) -> str: ...

    @property
    def bytes_read(self) -> int: ...

    def lines(self) -> Iterator[str]: ...

    def verify_unchanged(self) -> None:
        """Raise SourceUnreadable if the bytes the last ``lines()`` read are not the ones hashed."""
        ...


@dataclass(frozen=True, slots=True)
class RunRequest:
    execution_id: UUID
    pipeline: str
    params: Mapping[str, object]
    context: ExecutionContext
    idempotency_key: str
    source_ref: str | None = None
    through: str | None = None
    stage_params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RunProgress:
    execution_id: UUID
    phase: str
    bytes_done: int = 0
    bytes_total: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0


@dataclass(slots=True)
class RunOutcome:
    execution_id: UUID
    status: RunStatus
    pipeline: str
    partition_key: str = ""
    capture_id: UUID | None = None
    rows_accepted: int = 0
    rows_rejected: int = 0
    position: int | None = None
    duplicate: bool = False
    error: dict[str, Any] | None = None
    details: dict[str, Any] = field(default_factory=dict)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, WeekEnding | date):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


@dataclass(frozen=True, slots=True)
class _Plan:
    """What a request resolved to before anything is claimed."""

    pipeline: Pipeline
    params: dict[str, Any]
    key: str
    calc: dict[str, Any] | None
    captures: dict[str, CaptureRef]
    listing: tuple[str, ...]
    source: OpenedSource | None
    fingerprint: str

    def inputs(self) -> list[dict[str, Any]]:
        return [
            {
                "role": role,
                "pipeline": ref.pipeline,
                "partition_key": ref.partition_key,
                "capture_id": str(ref.capture_id),
            }
            for role, ref in sorted(self.captures.items())
        ]


class _NoCaptures:
    """The reader of a coordinator built without one: every lookup finds nothing."""

    def current(self, pipeline: str, partition: Mapping[str, str]) -> CaptureRef | None:
        return None

    def rows(self, capture: CaptureRef) -> Iterator[tuple[str | None, ...]]:
        raise LookupError(f"capture {capture.capture_id} cannot be read: no capture reader configured")


class RunCoordinator:
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
        self.reader: CaptureReader = reader or _NoCaptures()
        self.list_dir = list_dir
        self.batch_lines = batch_lines
        self.max_block_bytes = max_block_bytes

    # ------------------------------------------------------------------ entry point
    def handle(
        self,
        request: RunRequest,
        *,
        progress: Callable[[RunProgress], None] | None = None,
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
                return self._outcome_of(execution, duplicate=True)
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
            return self._outcome_of(execution, duplicate=True)
        return self._reject_request(request, execution, exc)

    # ------------------------------------------------------------------ decisions
    def _handle_once(
        self,
        request: RunRequest,
        execution: Execution | None,
        progress: Callable[[RunProgress], None] | None,
        final_attempt: bool,
    ) -> RunOutcome:
        if execution is not None and execution.status == RunStatus.RUNNING:
            return self._resume(request, execution, progress, final_attempt)
        try:
            plan = self._plan(request)
        except SpineError as exc:
            return self._reject_request(request, execution, exc)

        pipeline, key = plan.pipeline, plan.key
        if execution is None:
            execution = Execution(
                execution_id=request.execution_id,
                pipeline=pipeline.name,
                params=_jsonable(plan.params),
                partition_key=key,
                trigger_source=request.context.trigger_source.value,
                lane=request.context.lane.value,
                batch_id=request.context.batch_id,
                idempotency_key=request.idempotency_key,
                source={"ref": request.source_ref} if request.source_ref else None,
                through=request.through,
                stage_params=_jsonable(request.stage_params),
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
                return self._fail(execution, None, partition, busy)
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
                return self._outcome_of(execution, position=position)

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
            params=_jsonable(plan.params),
            inputs=plan.inputs(),
            calc=plan.calc,
            fingerprint=plan.fingerprint,
        )
        execution.start(capture_id, resumed=False)
        self.store.save(execution, partition, capture)
        return self._capture(request, plan, execution, partition, capture, progress, final_attempt, resumed=False)

    def _plan(self, request: RunRequest) -> _Plan:
        """Resolve the request: pipeline, typed and completed parameters, calc version, partition,
        input captures and the fingerprint that decides whether the run would repeat itself."""
        pipeline = self.registry.get(request.pipeline)
        params = pipeline.parse_params(request.params)
        source: OpenedSource | None = None
        head: list[str] | None = None
        if pipeline.needs_source:
            if not request.source_ref:
                raise SourceUnreadable(
                    f"pipeline {pipeline.name} needs a source file", hint="pass --file PATH (or 'file' in the API)"
                )
            source = self.open_source(request.source_ref)
            head = list(islice(source.lines(), HEAD_LINES))
        params = pipeline.resolve_params(params, head, self.reader)
        calc = None
        if pipeline.calc:
            assert pipeline.calc_registry is not None, f"{pipeline.name} declares a calc without a registry"
            resolved = pipeline.calc_registry.resolve(pipeline.calc, params.get("calc_version"))
            params["calc_version"] = resolved.version
            calc = {"name": resolved.calc, "version": resolved.version, "deprecated": resolved.deprecated}
            if resolved.warning:
                calc["warning"] = resolved.warning
        key = pipeline.partition_key(params)
        captures = pipeline.input_captures(params, self.reader)
        listing: tuple[str, ...] = ()
        if pipeline.needs_listing:
            if self.list_dir is None:
                raise SourceUnreadable(
                    f"pipeline {pipeline.name} needs a directory listing, which this worker cannot give"
                )
            listing = tuple(self.list_dir(str(params["source_dir"])))
        if source is not None:
            fingerprint = f"sha256:{source.sha256}"
        else:
            basis = {
                "calc": calc and calc["version"],
                "inputs": {role: str(ref.capture_id) for role, ref in sorted(captures.items())},
                "listing": list(listing),
                "params": _jsonable({k: v for k, v in params.items() if k != "force"}),
            }
            fingerprint = "inputs:" + hashlib.sha256(json.dumps(basis, sort_keys=True).encode()).hexdigest()
        return _Plan(pipeline, params, key, calc, captures, listing, source, fingerprint)

    def _resume(
        self,
        request: RunRequest,
        execution: Execution,
        progress: Callable[[RunProgress], None] | None,
        final_attempt: bool,
    ) -> RunOutcome:
        """The same command again after its run died midway: carry on with the same capture."""
        partition = self.store.get(Partition, partition_id(execution.pipeline, execution.partition_key))
        if partition is None or partition.active_execution != execution.id or partition.active_capture is None:
            # The claim is gone (released by an operator or a failure record): nothing to resume.
            return self._reject_request(request, execution, SpineError("the interrupted run cannot be resumed"))
        capture = self.store.get(Capture, partition.active_capture)
        if capture is None:  # pragma: no cover - claim and capture are saved together
            raise RuntimeError(f"claimed capture {partition.active_capture} has no events")
        try:
            plan = self._plan(request)
        except SpineError as exc:
            return self._reject_request(request, execution, exc)
        if plan.fingerprint != capture.fingerprint and capture.fingerprint is not None:
            changed = SourceUnreadable(
                f"the inputs of {plan.pipeline.name} changed while it was being captured"
                + (f" (source {plan.source.name})" if plan.source else ""),
                hint="run the pipeline again with a new command",
            )
            return self._fail(execution, capture, partition, changed)
        return self._capture(request, plan, execution, partition, capture, progress, final_attempt, resumed=True)

    # ------------------------------------------------------------------ the capture itself
    def _capture(
        self,
        request: RunRequest,
        plan: _Plan,
        execution: Execution,
        partition: Partition,
        capture: Capture,
        progress: Callable[[RunProgress], None] | None,
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
            summary = self._record_outputs(plan, capture, progress, request.execution_id)
        except SpineError as exc:
            return self._fail(execution, capture, partition, exc)
        except ConcurrencyConflict:
            raise
        except Exception as exc:
            if not final_attempt:
                raise
            log.exception("run failed on its final delivery", extra=log_extra)
            return self._fail(execution, capture, partition, SpineError(f"internal error: {exc!r}"))

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
                "details": _jsonable(details),
                "calc": plan.calc,
            },
        )
        execution.complete(capture.id, capture.rows_accepted, capture.rows_rejected, _jsonable(details))
        position = self.store.save(capture, partition, execution)
        log.info(
            "capture completed: %d rows accepted, %d rejected",
            capture.rows_accepted,
            capture.rows_rejected,
            extra=log_extra,
        )
        return self._outcome_of(execution, position=position, capture=capture, details=details)

    def _record_outputs(
        self,
        plan: _Plan,
        capture: Capture,
        progress: Callable[[RunProgress], None] | None,
        execution_id: UUID,
    ) -> StageSummary:
        pipeline, source = plan.pipeline, plan.source
        skip_below = capture.chunks_recorded
        chunk_no = 0
        pending_bytes = 0
        summary: StageSummary | None = None
        last_report = 0.0
        inputs = PipelineInputs(
            source=source,
            batch_lines=self.batch_lines,
            reader=self.reader,
            captures=plan.captures,
            listing=plan.listing,
        )
        for output in pipeline.run(plan.params, inputs):
            if isinstance(output, StageSummary):
                summary = output
                continue
            if isinstance(output, QualityResult):
                # Quality checks are few and small; they ride with the next save.
                if chunk_no >= skip_below:
                    capture.check_quality(
                        output.check,
                        output.status.value,
                        output.severity.value,
                        output.message,
                        output.value,
                        output.threshold,
                        _jsonable(output.details),
                    )
                chunk_no += 1
                continue
            for first, last, count, block in self._row_blocks(output, pipeline):
                if chunk_no >= skip_below:
                    capture.record_rows(chunk_no, first, last, count, block)
                    pending_bytes += len(block)
                chunk_no += 1
            for first, last, count, reasons, block in self._reject_blocks(output.rejects):
                if chunk_no >= skip_below:
                    capture.record_rejects(chunk_no, first, last, count, reasons, block)
                    pending_bytes += len(block)
                chunk_no += 1
            if pending_bytes >= SAVE_EVERY_BYTES:
                self.store.save(capture)
                pending_bytes = 0
            now = time.monotonic()
            if progress is not None and now - last_report >= 0.2:
                last_report = now
                progress(self._progress(execution_id, "capturing", source, capture))
        if summary is None:
            raise RuntimeError(f"pipeline {pipeline.name} ended without a StageSummary")
        if source is not None:
            source.verify_unchanged()
        if capture.pending_events:
            self.store.save(capture)
        if progress is not None:
            progress(self._progress(execution_id, "captured", source, capture))
        return summary

    def _row_blocks(self, batch: RowBatch, pipeline: Pipeline) -> Iterator[tuple[int, int, int, bytes]]:
        """Encode a batch's rows as one or more blocks, none above the block size limit."""
        if not batch.rows:
            return
        has_line_no = pipeline.row_columns[:1] == ("line_no",)

        def lines_of(rows: list[tuple[Any, ...]]) -> tuple[int, int]:
            if has_line_no:
                return int(rows[0][0]), int(rows[-1][0])
            return batch.first_line, batch.last_line

        for rows, block in self._split(batch.rows, encode_rows):
            yield (*lines_of(rows), len(rows), block)

    def _reject_blocks(self, rejects: list[Reject]) -> Iterator[tuple[int, int, int, dict[str, int], bytes]]:
        """Encode rejects as one or more blocks, none above the block size limit."""
        for part, block in self._split(rejects, lambda rs: encode_rows([r.as_row() for r in rs])):
            reasons: dict[str, int] = {}
            for reject in part:
                reasons[reject.reason.value] = reasons.get(reject.reason.value, 0) + 1
            yield part[0].line_no, part[-1].line_no, len(part), reasons, block

    def _split(self, items: list[T], encode: Callable[[list[T]], bytes]) -> Iterator[tuple[list[T], bytes]]:
        """Halve a list until each part encodes within ``max_block_bytes`` (deterministic)."""
        if not items:
            return
        block = encode(items)
        if len(block) <= self.max_block_bytes:
            yield items, block
            return
        if len(items) == 1:
            raise SourceUnreadable(
                f"one input line encodes to {len(block):,} bytes, above the {self.max_block_bytes:,}-byte limit "
                "of a row block",
                hint="this is not a FINRA weekly file, or a line is corrupted; check the file",
            )
        half = len(items) // 2
        yield from self._split(items[:half], encode)
        yield from self._split(items[half:], encode)

    @staticmethod
    def _progress(execution_id: UUID, phase: str, source: OpenedSource | None, capture: Capture) -> RunProgress:
        return RunProgress(
            execution_id=execution_id,
            phase=phase,
            bytes_done=source.bytes_read if source else 0,
            bytes_total=source.size if source else 0,
            rows_accepted=capture.rows_accepted,
            rows_rejected=capture.rows_rejected,
        )

    # ------------------------------------------------------------------ failures and outcomes
    def _reject_request(self, request: RunRequest, execution: Execution | None, exc: SpineError) -> RunOutcome:
        """A request that cannot even be planned (unknown pipeline, bad parameters)."""
        if execution is not None and execution.partition_key:
            # A redelivered run whose plan no longer resolves (e.g. after a deploy) must not
            # keep its partition claimed forever.
            partition = self.store.get(Partition, partition_id(execution.pipeline, execution.partition_key))
            capture = None
            if partition is not None and partition.active_execution == execution.id and partition.active_capture:
                capture = self.store.get(Capture, partition.active_capture)
            return self._fail(execution, capture, partition, exc)
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
        return self._fail(execution, None, None, exc)

    def _fail(
        self, execution: Execution, capture: Capture | None, partition: Partition | None, exc: SpineError
    ) -> RunOutcome:
        to_save: list[Aggregate] = [execution]
        if capture is not None:
            capture.abandon(exc.message)
            to_save.insert(0, capture)
        if partition is not None and partition.active_execution == execution.id:
            partition.release(execution.id, exc.message)
            to_save.append(partition)
        execution.fail(exc.code, exc.message, exc.hint)
        position = self.store.save(*to_save)
        capture_id = capture.id if capture is not None else execution.capture_id
        log.warning(
            "run failed: %s", exc, extra={"execution_id": str(execution.id), "capture_id": str(capture_id or "")}
        )
        return self._outcome_of(execution, position=position, error=exc.to_dict(), capture=capture)

    @staticmethod
    def _outcome_of(
        execution: Execution,
        *,
        duplicate: bool = False,
        position: int | None = None,
        capture: Capture | None = None,
        error: dict[str, Any] | None = None,
        details: dict[str, Any] | None = None,
    ) -> RunOutcome:
        return RunOutcome(
            execution_id=execution.id,
            status=execution.status,
            pipeline=execution.pipeline,
            partition_key=execution.partition_key,
            capture_id=execution.capture_id,
            rows_accepted=capture.rows_accepted if capture else 0,
            rows_rejected=capture.rows_rejected if capture else 0,
            position=position,
            duplicate=duplicate,
            error=error,
            details=dict(details or {}),
        )
