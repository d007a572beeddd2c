"""Platform aggregates: Execution, Partition, Capture.

* ``Execution`` (id = execution_id) — one per command: requested, then skipped, completed or failed.
* ``Partition`` (id derived from pipeline + partition key) — decides idempotency. A run claims the
  partition; a second run of a completed partition is skipped unless forced; two concurrent runs
  cannot both claim it (optimistic concurrency on this aggregate's version).
* ``Capture`` (id = capture_id) — the data one run captured: rows in chunks, rejects, stage
  completion. A forced re-run makes a new capture; nothing is overwritten.

Event class names are the names on the wire (``RunRequested``, ``CaptureStarted``, ...).
Aggregate state holds counters and ids only, never rows.
"""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

__all__ = ["Execution", "Partition", "Capture", "partition_id"]

_PARTITION_NS = uuid5(NAMESPACE_URL, "spine:partition")


def partition_id(pipeline: str, partition_key: str) -> UUID:
    return uuid5(_PARTITION_NS, f"{pipeline}\x1f{partition_key}")


class Execution(Aggregate):
    class RunRequested(Aggregate.Created):
        class_version = 2

        execution_id: UUID
        pipeline: str
        params: dict[str, Any]
        partition_key: str
        trigger_source: str
        lane: str
        batch_id: UUID
        idempotency_key: str
        source: dict[str, Any] | None
        through: str | None
        stage_params: dict[str, Any]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["through"] = None
            state["stage_params"] = {}

    class RunSkipped(Aggregate.Event):
        reason: str
        capture_id: UUID | None

        def apply(self, aggregate: Execution) -> None:
            aggregate.status = "skipped"
            aggregate.capture_id = self.capture_id

    class RunStarted(Aggregate.Event):
        capture_id: UUID
        resumed: bool

        def apply(self, aggregate: Execution) -> None:
            aggregate.status = "running"
            aggregate.capture_id = self.capture_id

    class RunCompleted(Aggregate.Event):
        capture_id: UUID
        rows_accepted: int
        rows_rejected: int
        details: dict[str, Any]

        def apply(self, aggregate: Execution) -> None:
            aggregate.status = "completed"
            aggregate.capture_id = self.capture_id

    class RunFailed(Aggregate.Event):
        error_code: str
        message: str
        hint: str | None
        capture_id: UUID | None

        def apply(self, aggregate: Execution) -> None:
            aggregate.status = "failed"

    @staticmethod
    def create_id(execution_id: UUID, **_: Any) -> UUID:
        return execution_id

    @event(RunRequested)
    def __init__(
        self,
        execution_id: UUID,
        pipeline: str,
        params: dict[str, Any],
        partition_key: str,
        trigger_source: str,
        lane: str,
        batch_id: UUID,
        idempotency_key: str,
        source: dict[str, Any] | None,
        through: str | None = None,
        stage_params: dict[str, Any] | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.partition_key = partition_key
        self.status = "requested"
        self.capture_id: UUID | None = None

    @property
    def is_terminal(self) -> bool:
        return self.status in ("skipped", "completed", "failed")

    def skip(self, reason: str, capture_id: UUID | None) -> None:
        self.trigger_event(self.RunSkipped, reason=reason, capture_id=capture_id)

    def start(self, capture_id: UUID, *, resumed: bool) -> None:
        self.trigger_event(self.RunStarted, capture_id=capture_id, resumed=resumed)

    def complete(self, capture_id: UUID, rows_accepted: int, rows_rejected: int, details: dict[str, Any]) -> None:
        self.trigger_event(
            self.RunCompleted,
            capture_id=capture_id,
            rows_accepted=rows_accepted,
            rows_rejected=rows_rejected,
            details=details,
        )

    def fail(self, error_code: str, message: str, hint: str | None = None) -> None:
        self.trigger_event(
            self.RunFailed, error_code=error_code, message=message, hint=hint, capture_id=self.capture_id
        )


class Partition(Aggregate):
    class PartitionOpened(Aggregate.Created):
        pipeline: str
        partition_key: str

    class PartitionClaimed(Aggregate.Event):
        execution_id: UUID
        capture_id: UUID
        forced: bool

        def apply(self, aggregate: Partition) -> None:
            aggregate.active_execution = self.execution_id
            aggregate.active_capture = self.capture_id

    class CaptureCommitted(Aggregate.Event):
        """A capture became the partition's current one. ``fingerprint`` identifies what it was
        made from (source bytes, or inputs and calc version); ``summary`` is what a derived
        pipeline needs to read it without replaying its rows."""

        class_version = 2

        execution_id: UUID
        capture_id: UUID
        fingerprint: str | None
        summary: dict[str, Any]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["fingerprint"] = None
            state["summary"] = {}

        def apply(self, aggregate: Partition) -> None:
            aggregate.active_execution = None
            aggregate.active_capture = None
            aggregate.current_capture = self.capture_id
            aggregate.current_fingerprint = self.fingerprint
            aggregate.current_summary = self.summary
            aggregate.captures.append(self.capture_id)

    class PartitionReleased(Aggregate.Event):
        execution_id: UUID
        reason: str

        def apply(self, aggregate: Partition) -> None:
            aggregate.active_execution = None
            aggregate.active_capture = None

    @staticmethod
    def create_id(pipeline: str, partition_key: str) -> UUID:
        return partition_id(pipeline, partition_key)

    @event(PartitionOpened)
    def __init__(self, pipeline: str, partition_key: str) -> None:
        self.pipeline = pipeline
        self.partition_key = partition_key
        self.active_execution: UUID | None = None
        self.active_capture: UUID | None = None
        self.current_capture: UUID | None = None
        self.current_fingerprint: str | None = None
        self.current_summary: dict[str, Any] = {}
        self.captures: list[UUID] = []

    def claim(self, execution_id: UUID, capture_id: UUID, *, forced: bool) -> None:
        if self.active_execution is not None and self.active_execution != execution_id:
            raise RuntimeError("partition is claimed by another execution")
        self.trigger_event(self.PartitionClaimed, execution_id=execution_id, capture_id=capture_id, forced=forced)

    def commit(self, execution_id: UUID, capture_id: UUID, fingerprint: str | None, summary: dict[str, Any]) -> None:
        if self.active_execution != execution_id or self.active_capture != capture_id:
            raise RuntimeError("only the claiming execution can commit its capture")
        self.trigger_event(
            self.CaptureCommitted,
            execution_id=execution_id,
            capture_id=capture_id,
            fingerprint=fingerprint,
            summary=summary,
        )

    def release(self, execution_id: UUID, reason: str) -> None:
        if self.active_execution == execution_id:
            self.trigger_event(self.PartitionReleased, execution_id=execution_id, reason=reason)


class Capture(Aggregate):
    class CaptureStarted(Aggregate.Created):
        class_version = 2

        capture_id: UUID
        execution_id: UUID
        pipeline: str
        partition_key: str
        partition: dict[str, Any]
        source: dict[str, Any] | None
        row_columns: list[str]
        params: dict[str, Any]
        inputs: list[dict[str, Any]]
        calc: dict[str, Any] | None
        fingerprint: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["params"] = {}
            state["inputs"] = []
            state["calc"] = None
            state["fingerprint"] = None

    class RowsCaptured(Aggregate.Event):
        chunk_no: int
        first_line: int
        last_line: int
        row_count: int
        block: bytes

        def apply(self, aggregate: Capture) -> None:
            aggregate.chunks_recorded = self.chunk_no + 1
            aggregate.rows_accepted += self.row_count

    class RowsRejected(Aggregate.Event):
        chunk_no: int
        first_line: int
        last_line: int
        reject_count: int
        reasons: dict[str, int]
        block: bytes

        def apply(self, aggregate: Capture) -> None:
            aggregate.chunks_recorded = self.chunk_no + 1
            aggregate.rows_rejected += self.reject_count

    class StageCompleted(Aggregate.Event):
        stage: str
        rows_accepted: int
        rows_rejected: int
        details: dict[str, Any]

        def apply(self, aggregate: Capture) -> None:
            aggregate.completed_stages.append(self.stage)

    class QualityChecked(Aggregate.Event):
        check: str
        status: str
        severity: str
        message: str
        value: float | None
        threshold: float | None
        details: dict[str, Any]

        def apply(self, aggregate: Capture) -> None:
            # Outputs are numbered in the order the pipeline yields them (rows, rejects, checks):
            # a resumed run skips exactly the outputs already recorded.
            aggregate.chunks_recorded += 1

    class CaptureAbandoned(Aggregate.Event):
        reason: str

        def apply(self, aggregate: Capture) -> None:
            aggregate.abandoned = True

    @staticmethod
    def create_id(capture_id: UUID, **_: Any) -> UUID:
        return capture_id

    @event(CaptureStarted)
    def __init__(
        self,
        capture_id: UUID,
        execution_id: UUID,
        pipeline: str,
        partition_key: str,
        partition: dict[str, Any],
        source: dict[str, Any] | None,
        row_columns: list[str],
        params: dict[str, Any],
        inputs: list[dict[str, Any]],
        calc: dict[str, Any] | None,
        fingerprint: str | None,
    ) -> None:
        self.execution_id = execution_id
        self.pipeline = pipeline
        self.partition = partition
        self.row_columns = row_columns
        self.calc = calc
        self.fingerprint = fingerprint
        self.source = source
        self.chunks_recorded = 0
        self.rows_accepted = 0
        self.rows_rejected = 0
        self.completed_stages: list[str] = []
        self.abandoned = False

    def record_rows(self, chunk_no: int, first_line: int, last_line: int, row_count: int, block: bytes) -> None:
        self.trigger_event(
            self.RowsCaptured,
            chunk_no=chunk_no,
            first_line=first_line,
            last_line=last_line,
            row_count=row_count,
            block=block,
        )

    def record_rejects(
        self, chunk_no: int, first_line: int, last_line: int, reject_count: int, reasons: dict[str, int], block: bytes
    ) -> None:
        self.trigger_event(
            self.RowsRejected,
            chunk_no=chunk_no,
            first_line=first_line,
            last_line=last_line,
            reject_count=reject_count,
            reasons=reasons,
            block=block,
        )

    def complete_stage(self, stage: str, details: dict[str, Any]) -> None:
        self.trigger_event(
            self.StageCompleted,
            stage=stage,
            rows_accepted=self.rows_accepted,
            rows_rejected=self.rows_rejected,
            details=details,
        )

    def check_quality(
        self,
        check: str,
        status: str,
        severity: str,
        message: str,
        value: float | None,
        threshold: float | None,
        details: dict[str, Any],
    ) -> None:
        self.trigger_event(
            self.QualityChecked,
            check=check,
            status=status,
            severity=severity,
            message=message,
            value=value,
            threshold=threshold,
            details=details,
        )

    def abandon(self, reason: str) -> None:
        self.trigger_event(self.CaptureAbandoned, reason=reason)
