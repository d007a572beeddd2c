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
    "ServiceInstance",
    "InstancesMeta",
    "InstanceList",
    "INSTANCES_EXAMPLE",
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


class ServiceInstance(ApiModel):
    """One instance of a service that runs one active instance at a time (the others stand by)."""

    service: str = Field(
        description="the service: `relay`, `projector:<projection>` or `process-manager`",
        examples=["projector:finra_otc"],
    )
    instance_id: str = Field(description="chosen by the instance when its process starts", examples=["3f9c2a7b41d0"])
    host: str
    pid: int = Field(description="its process id on that host")
    state: Literal["active", "standby", "stopped", "gone"] = Field(
        description="as PostgreSQL sees it: `active` holds the service's lease, `standby` waits for it, "
        "`stopped` stopped cleanly, `gone` lost its connection (killed, crashed or cut off)"
    )
    since: Timestamp = Field(description="when it took that state (`stopped`, `gone`: when it was last seen)")
    started_at: Timestamp
    active_since: Timestamp | None = Field(description="when it took the lease (active instances only)")
    last_seen: Timestamp = Field(description="its last heartbeat")


class InstancesMeta(CountMeta):
    active: dict[str, str | None] = Field(
        description="each service's active instance (null: none is active right now)",
        examples=[{"relay": "3f9c2a7b41d0", "projector:finra_otc": None}],
    )


class InstanceList(ListEnvelope[ServiceInstance, InstancesMeta]):
    pass


INSTANCES_EXAMPLE = {
    "data": [
        {
            "service": "relay",
            "instance_id": "3f9c2a7b41d0",
            "host": "spine-relay-1",
            "pid": 41,
            "state": "active",
            "since": "2025-12-01T09:03:31.118204+00:00",
            "started_at": "2025-12-01T09:01:02.514377+00:00",
            "active_since": "2025-12-01T09:03:31.118204+00:00",
            "last_seen": "2025-12-01T09:05:12.902113+00:00",
        },
        {
            "service": "relay",
            "instance_id": "b71e05c9d2aa",
            "host": "spine-relay-2",
            "pid": 43,
            "state": "standby",
            "since": "2025-12-01T09:03:33.020871+00:00",
            "started_at": "2025-12-01T09:03:33.020871+00:00",
            "active_since": None,
            "last_seen": "2025-12-01T09:05:12.877140+00:00",
        },
    ],
    "meta": {"count": 2, "active": {"relay": "3f9c2a7b41d0"}},
}
