"""Operations: projection lag, dead letters, replays and the raw event stream."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from contracts.events import EventEnvelope
from services.apps.gateway.models.envelope import (
    ApiModel,
    CountMeta,
    Envelope,
    ListEnvelope,
    PagedListEnvelope,
    Timestamp,
    Uuid,
)

__all__ = [
    "Health",
    "ProjectorReadiness",
    "Readiness",
    "ProjectorLag",
    "ProjectionSample",
    "LagPoint",
    "HistorySample",
    "ProjectionsItem",
    "CaughtUp",
    "CaughtUpItem",
    "DeadLetter",
    "DeadLetterList",
    "RetryRequested",
    "RetryItem",
    "Replay",
    "ReplayItem",
    "ReplayList",
    "EventsMeta",
    "EventList",
]


class Health(ApiModel):
    status: Literal["ok", "degraded"]
    database: str = Field(examples=["ok", "unavailable: connection refused"])
    nats: str = Field(examples=["ok", "reconnecting"])


class ProjectorLag(ApiModel):
    name: str
    position: int
    events_behind: int
    pending: int | None
    seconds_behind: float | None
    rate: float | None = Field(description="events applied per second")
    eta_s: float | None
    status: str = Field(examples=["OK", "LAGGING", "STALLED", "FAILED"])
    status_reason: str
    dead_letters: int
    events_applied: int | None = None
    consumer: bool | None = None
    state: str | None = None
    updated_at: Timestamp | None = None


class ProjectionSample(ApiModel):
    sampled_at: Timestamp
    head: int = Field(description="the event store's last position")
    relay_position: int | None
    projectors: list[ProjectorLag]


class LagPoint(ApiModel):
    events_behind: int
    seconds_behind: float | None
    status: str
    position: int


class HistorySample(ApiModel):
    t: float = Field(description="sample time, seconds since the epoch")
    projectors: dict[str, LagPoint]


class ProjectionsItem(Envelope[ProjectionSample]):
    history: list[HistorySample] | None = Field(default=None, description="with `history=N`: the last N seconds")


class CaughtUp(ApiModel):
    position: int
    caught_up: bool
    behind: dict[str, int] = Field(description="events not yet applied, by projector")


class CaughtUpItem(Envelope[CaughtUp]):
    pass


class DeadLetter(ApiModel):
    projection: str
    position: int
    stream_id: Uuid
    event_type: str
    stream_seq: int | None
    error: str
    attempts: int
    parked_behind: int | None = Field(description="the dead letter of the same stream this event waits behind")
    status: Literal["pending", "retry_requested", "resolved"]
    first_failed_at: Timestamp
    last_failed_at: Timestamp
    resolved_at: Timestamp | None


class DeadLetterList(PagedListEnvelope[DeadLetter, CountMeta]):
    pass


class RetryRequested(ApiModel):
    projection: str
    retry_requested: int = Field(description="dead letters marked for retry")


class RetryItem(Envelope[RetryRequested]):
    pass


class Replay(ApiModel):
    id: Uuid
    projections: list[str]
    status: Literal["running", "completed", "failed"]
    progress: dict[str, Any] = Field(description="projection, position, head, events, events_per_s")
    results: list[dict[str, Any]] = Field(description="per projection: events, rows, seconds, rates")
    error: str | None


class ReplayItem(Envelope[Replay]):
    pass


class ReplayList(ListEnvelope[Replay, CountMeta]):
    pass


class EventsMeta(CountMeta):
    after: int
    next_after: int | None = Field(description="pass as `after` for the next page; null at the head")
    head: int


class EventList(PagedListEnvelope[EventEnvelope, EventsMeta]):
    pass


class ProjectorReadiness(ApiModel):
    name: str
    status: str = Field(examples=["OK", "LAGGING", "STALLED", "FAILED"])
    status_reason: str
    ready: bool = Field(description="OK and LAGGING projectors are ready; STALLED and FAILED are not")


class Readiness(ApiModel):
    status: Literal["ready", "not_ready"]
    database: str = Field(examples=["ok", "unavailable: connection refused"])
    nats: str = Field(examples=["ok", "reconnecting"])
    projectors: list[ProjectorReadiness]
    not_ready: list[str] = Field(description="what is not ready, one line each (empty when ready)")
