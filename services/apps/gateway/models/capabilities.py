"""What this gateway can do: the feature flags a client checks before using a feature."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from services.apps.gateway.models.envelope import ApiModel, Envelope

__all__ = ["CalcVersions", "Capabilities", "CapabilitiesItem"]


class CalcVersions(ApiModel):
    current: str
    versions: list[str]
    deprecated: list[str]


class Capabilities(ApiModel):
    tier: Literal["full"] = Field(description="the deployment tier: `full` is the event-sourced stack")
    event_store: bool = Field(description="events are recorded and readable (GET /v1/events)")
    replay: bool = Field(description="projections can be rebuilt from the event store (POST /v1/ops/replays)")
    lanes: list[str] = Field(description="the command lanes a run may ask for")
    auth_enabled: bool = Field(description="calls need a bearer token (false only with SPINE_AUTH_DISABLED)")
    public_reads: bool = Field(description="the data plane answers reads without a token")
    metrics_public: bool = Field(description="GET /metrics answers without a token")
    calc_versions: dict[str, CalcVersions] = Field(description="each calc's versions, by calc name")
    csv_export: bool = Field(description="data endpoints stream CSV (`format=csv` or `Accept: text/csv`)")
    keyset_paging: bool = Field(
        description="the listings that grow without bound (venue rows, rejects, executions, events, dead letters) "
        "page by keyset: follow `links.next`"
    )
    point_in_time: bool = Field(description="data endpoints serve an earlier capture (`capture_id=`, `as_of=`)")
    asyncapi: bool = Field(description="the event contract is published as an AsyncAPI document")
    execution_events: bool = Field(description="GET /v1/executions/{id}/events serves a run's events")


class CapabilitiesItem(Envelope[Capabilities]):
    pass
