"""The Execution aggregate: one per command, and the status of its run.

An execution (id = execution_id) is requested, then skipped, started (possibly again, when a
redelivered command resumes it), and finally completed or failed.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from spine_core.write.topics import stored_topic

__all__ = ["Execution", "RunStatus"]


class RunStatus(StrEnum):
    """Where a run stands. Held in aggregate state only: no event stores it."""

    REQUESTED = "requested"
    RUNNING = "running"
    SKIPPED = "skipped"
    COMPLETED = "completed"
    FAILED = "failed"

    @property
    def is_terminal(self) -> bool:
        """True once the run has an outcome that a redelivered command only reports."""
        return self in _TERMINAL


_TERMINAL = frozenset({RunStatus.SKIPPED, RunStatus.COMPLETED, RunStatus.FAILED})


class Execution(Aggregate):
    TOPIC = stored_topic("Execution")

    class Created(Aggregate.Created):
        """Never recorded (``RunRequested`` creates an execution); declared for its topic only."""

        TOPIC = stored_topic("Execution.Created")

    class RunRequested(Aggregate.Created):
        TOPIC = stored_topic("Execution.RunRequested")
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
        TOPIC = stored_topic("Execution.RunSkipped")

        reason: str
        capture_id: UUID | None

        def apply(self, aggregate: Execution) -> None:
            aggregate.status = RunStatus.SKIPPED
            aggregate.capture_id = self.capture_id

    class RunStarted(Aggregate.Event):
        TOPIC = stored_topic("Execution.RunStarted")

        capture_id: UUID
        resumed: bool

        def apply(self, aggregate: Execution) -> None:
            aggregate.status = RunStatus.RUNNING
            aggregate.capture_id = self.capture_id

    class RunCompleted(Aggregate.Event):
        TOPIC = stored_topic("Execution.RunCompleted")

        capture_id: UUID
        rows_accepted: int
        rows_rejected: int
        details: dict[str, Any]

        def apply(self, aggregate: Execution) -> None:
            aggregate.status = RunStatus.COMPLETED
            aggregate.capture_id = self.capture_id

    class RunFailed(Aggregate.Event):
        TOPIC = stored_topic("Execution.RunFailed")

        error_code: str
        message: str
        hint: str | None
        capture_id: UUID | None

        def apply(self, aggregate: Execution) -> None:
            aggregate.status = RunStatus.FAILED

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
        self.status: RunStatus = RunStatus.REQUESTED
        self.capture_id: UUID | None = None

    @property
    def is_terminal(self) -> bool:
        return self.status.is_terminal

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
