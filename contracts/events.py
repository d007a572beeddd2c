"""Events: the facts Spine records, as they travel on the ``SPINE_EVENTS`` stream. Version 1.

Each message body is an :class:`EventEnvelope` as one line of compact JSON. Events that carry
rows (``RowsCaptured``, ``RowsRejected``) append the row block after that line: the body is
``<json>\\n<block>``, the envelope's ``block_bytes`` gives the block's length. A block is in
PostgreSQL COPY text format (tab-separated, ``\\N`` is NULL, backslash escapes); the columns
of ``RowsCaptured`` are the ``row_columns`` of the capture's ``CaptureStarted``, those of
``RowsRejected`` are ``line_no, reason, detail, raw``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from contracts.subjects import event_subject

__all__ = [
    "EventEnvelope",
    "EventData",
    "EVENT_TYPES",
    "REJECT_COLUMNS",
    "encode_event",
    "decode_event",
    "RunRequested",
    "RunStarted",
    "RunSkipped",
    "RunCompleted",
    "RunFailed",
    "PartitionOpened",
    "PartitionClaimed",
    "CaptureCommitted",
    "PartitionReleased",
    "CaptureStarted",
    "RowsCaptured",
    "RowsRejected",
    "StageCompleted",
    "QualityChecked",
    "CaptureAbandoned",
]

REJECT_COLUMNS = ("line_no", "reason", "detail", "raw")


class EventData(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- execution stream ---------------------------------------------------------------------
class RunRequested(EventData):
    execution_id: UUID
    pipeline: str
    params: dict[str, Any]
    partition_key: str
    trigger_source: str
    lane: str
    batch_id: UUID
    idempotency_key: str
    source: dict[str, Any] | None = None
    through: str | None = None
    stage_params: dict[str, Any] | None = None


class RunStarted(EventData):
    capture_id: UUID
    resumed: bool


class RunSkipped(EventData):
    reason: str
    capture_id: UUID | None = None


class RunCompleted(EventData):
    capture_id: UUID
    rows_accepted: int
    rows_rejected: int
    details: dict[str, Any] = Field(default_factory=dict)


class RunFailed(EventData):
    error_code: str
    message: str
    hint: str | None = None
    capture_id: UUID | None = None


# --- partition stream ---------------------------------------------------------------------
class PartitionOpened(EventData):
    pipeline: str
    partition_key: str


class PartitionClaimed(EventData):
    execution_id: UUID
    capture_id: UUID
    forced: bool


class CaptureCommitted(EventData):
    execution_id: UUID
    capture_id: UUID
    fingerprint: str | None = None
    summary: dict[str, Any] = Field(default_factory=dict)


class PartitionReleased(EventData):
    execution_id: UUID
    reason: str


# --- capture stream -----------------------------------------------------------------------
class CaptureStarted(EventData):
    capture_id: UUID
    execution_id: UUID
    pipeline: str
    partition_key: str
    partition: dict[str, str]
    source: dict[str, Any] | None = None
    row_columns: list[str]
    params: dict[str, Any] = Field(default_factory=dict)
    inputs: list[dict[str, Any]] = Field(default_factory=list)
    calc: dict[str, Any] | None = None
    fingerprint: str | None = None


class RowsCaptured(EventData):
    chunk_no: int
    first_line: int
    last_line: int
    row_count: int


class RowsRejected(EventData):
    chunk_no: int
    first_line: int
    last_line: int
    reject_count: int
    reasons: dict[str, int]


class StageCompleted(EventData):
    stage: str
    rows_accepted: int
    rows_rejected: int
    details: dict[str, Any] = Field(default_factory=dict)


class QualityChecked(EventData):
    check: str
    status: str
    severity: str
    message: str
    value: float | None = None
    threshold: float | None = None
    details: dict[str, Any] = Field(default_factory=dict)


class CaptureAbandoned(EventData):
    reason: str


EVENT_TYPES: dict[str, tuple[str, type[EventData]]] = {
    cls.__name__: (stream, cls)
    for stream, classes in {
        "execution": (RunRequested, RunStarted, RunSkipped, RunCompleted, RunFailed),
        "partition": (PartitionOpened, PartitionClaimed, CaptureCommitted, PartitionReleased),
        "capture": (CaptureStarted, RowsCaptured, RowsRejected, QualityChecked, StageCompleted, CaptureAbandoned),
    }.items()
    for cls in classes
}
"""Event type name -> (stream name, data model)."""


class EventEnvelope(BaseModel):
    """One recorded event: where it sits in the store, what happened, and its data."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    schema_id: Literal["spine.event.v1"] = Field(default="spine.event.v1", alias="schema")
    type: str
    position: int = Field(ge=1, description="notification id in the event store: gapless, increasing")
    stream: str
    stream_id: UUID
    stream_version: int = Field(ge=1)
    occurred_at: datetime
    data: dict[str, Any]
    block_bytes: int = Field(default=0, ge=0)

    @property
    def subject(self) -> str:
        return event_subject(self.stream, self.type)

    def typed(self) -> EventData:
        """The data validated against its event type's model."""
        try:
            _, model = EVENT_TYPES[self.type]
        except KeyError:
            raise ValueError(f"unknown event type {self.type!r}") from None
        return model.model_validate(self.data)


def encode_event(envelope: EventEnvelope, block: bytes | None = None) -> bytes:
    head = envelope.model_dump_json(by_alias=True).encode("utf-8")
    if block:
        return head + b"\n" + block
    return head


def decode_event(body: bytes) -> tuple[EventEnvelope, bytes | None]:
    """Split a message body into its envelope and (for row events) its row block."""
    cut = body.find(b"\n")
    head = body if cut < 0 else body[:cut]
    envelope = EventEnvelope.model_validate_json(head)
    block = None if cut < 0 else body[cut + 1 :]
    carried = 0 if block is None else len(block)
    if carried != envelope.block_bytes:
        raise ValueError(
            f"event at position {envelope.position} declares {envelope.block_bytes} block bytes, carries {carried}"
        )
    return envelope, block
