"""The Capture aggregate: the data one run captured.

A capture (id = capture_id) holds the run's output as numbered chunks (rows, rejects and quality
checks), then its stage completion, or its abandonment when the run fails. A forced re-run makes
a new capture; nothing is overwritten. Aggregate state holds counters and ids only, never rows.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from spine_core.write.topics import stored_topic

__all__ = ["Capture", "ChunkRecorded"]


class ChunkRecorded(Aggregate.Event):
    """One numbered chunk of a capture's output: an encoded block of input lines
    ``first_line..last_line``. Not recorded itself; ``RowsCaptured`` and ``RowsRejected`` are.

    ``block`` is stored raw after the event's JSON, so declaring it here, before a subclass's
    own fields, leaves the stored bytes as they were.
    """

    chunk_no: int
    first_line: int
    last_line: int
    block: bytes

    def apply(self, aggregate: Capture) -> None:
        aggregate.chunks_recorded = self.chunk_no + 1


class Capture(Aggregate):
    TOPIC = stored_topic("Capture")

    class Created(Aggregate.Created):
        """Never recorded (``CaptureStarted`` creates a capture); declared for its topic only."""

        TOPIC = stored_topic("Capture.Created")

    class CaptureStarted(Aggregate.Created):
        TOPIC = stored_topic("Capture.CaptureStarted")
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

    class RowsCaptured(ChunkRecorded):
        TOPIC = stored_topic("Capture.RowsCaptured")

        row_count: int

        def apply(self, aggregate: Capture) -> None:
            super().apply(aggregate)
            aggregate.rows_accepted += self.row_count

    class RowsRejected(ChunkRecorded):
        TOPIC = stored_topic("Capture.RowsRejected")

        reject_count: int
        reasons: dict[str, int]

        def apply(self, aggregate: Capture) -> None:
            super().apply(aggregate)
            aggregate.rows_rejected += self.reject_count

    class StageCompleted(Aggregate.Event):
        TOPIC = stored_topic("Capture.StageCompleted")

        stage: str
        rows_accepted: int
        rows_rejected: int
        details: dict[str, Any]

        def apply(self, aggregate: Capture) -> None:
            aggregate.completed_stages.append(self.stage)

    class QualityChecked(Aggregate.Event):
        TOPIC = stored_topic("Capture.QualityChecked")

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
        TOPIC = stored_topic("Capture.CaptureAbandoned")

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
