"""What goes into and comes out of a run: the request, progress reports and the outcome.

The worker translates a ``RunPipeline`` wire command into a :class:`RunRequest`, and the
:class:`RunOutcome` (with the :class:`RunProgress` reports on the way) back into wire messages.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from spine_core.context import ExecutionContext
from spine_core.write import Capture, Execution, RunStatus

__all__ = ["RunRequest", "RunProgress", "ProgressCallback", "RunOutcome", "outcome_of"]


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


#: Called from the run's thread with each progress report.
ProgressCallback = Callable[[RunProgress], None]


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


def outcome_of(
    execution: Execution,
    *,
    duplicate: bool = False,
    position: int | None = None,
    capture: Capture | None = None,
    error: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
) -> RunOutcome:
    """The outcome of a recorded execution (``position``: where its last save ended)."""
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
