"""Pipelines, runs, uploads and executions."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from contracts.commands import ParamValue
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
    "ParamInfo",
    "PipelineInfo",
    "PipelineList",
    "PipelineItem",
    "RunAccepted",
    "RunAcceptedItem",
    "Upload",
    "UploadItem",
    "ExecutionError",
    "Execution",
    "ExecutionItem",
    "ExecutionsMeta",
    "ExecutionList",
    "ExecutionEventsMeta",
    "ExecutionEventList",
]


class ParamInfo(ApiModel):
    name: str
    type: str = Field(description="the type, as a user reads it", examples=["week_ending (a Friday, YYYY-MM-DD)"])
    required: bool
    default: ParamValue
    help: str


class PipelineInfo(ApiModel):
    name: str = Field(examples=["finra.otc_transparency.ingest_week"])
    domain: str
    stage: str
    description: str
    needs_file: bool = Field(description="whether a run needs a source file")
    partition_by: list[str]
    calc: str | None = Field(description="the calc it computes (derived stages)")
    params: list[ParamInfo]


class PipelineList(ListEnvelope[PipelineInfo, CountMeta]):
    pass


class PipelineItem(Envelope[PipelineInfo]):
    pass


class RunAccepted(ApiModel):
    execution_id: Uuid
    status: Literal["queued"]
    poll: str = Field(description="where to follow the execution (also the Location header)")
    duplicate: bool = Field(description="the same idempotency key was published before: no second run")
    idempotency_key: str


class RunAcceptedItem(Envelope[RunAccepted]):
    pass


class Upload(ApiModel):
    file: str = Field(description="the inbox reference to pass as `file` to a run")
    sha256: str
    bytes: int


class UploadItem(Envelope[Upload]):
    pass


class ExecutionError(ApiModel):
    code: str
    message: str | None
    hint: str | None


class Execution(ApiModel):
    """A run: what it was asked, where it stands, what it captured. A command not yet picked up
    by a worker shows only its id, ``queued`` and its lane."""

    execution_id: Uuid
    status: str = Field(examples=["requested", "running", "completed", "skipped", "failed", "queued"])
    lane: str
    pipeline: str | None = None
    params: dict[str, Any] | None = Field(default=None, description="the parameters it ran with, resolved")
    partition_key: str | None = None
    trigger_source: str | None = None
    batch_id: Uuid | None = None
    capture_id: Uuid | None = None
    resumed: bool | None = None
    rows_accepted: int | None = None
    rows_rejected: int | None = None
    source: dict[str, object] | None = Field(default=None, description="the source file: ref, name, bytes, sha256")
    details: dict[str, object] | None = Field(default=None, description="the run's result, by pipeline")
    requested_at: Timestamp | None = None
    started_at: Timestamp | None = None
    finished_at: Timestamp | None = None
    position: int | None = Field(default=None, description="event store position of its last event")
    through: str | None = None
    skip_reason: str | None = None
    error: ExecutionError | None = None
    chain_error: str | None = Field(default=None, description="why the stages after it were not issued")


class ExecutionItem(Envelope[Execution]):
    pass


class ExecutionsMeta(CountMeta):
    limit: int


class ExecutionList(PagedListEnvelope[Execution, ExecutionsMeta]):
    pass


class ExecutionEventsMeta(CountMeta):
    execution_id: Uuid
    capture_id: Uuid | None = Field(description="the capture the run started, whose events are included")
    after: int
    next_after: int | None = Field(description="pass as `after` for the next page; null on the last page")
    limit: int


class ExecutionEventList(PagedListEnvelope[EventEnvelope, ExecutionEventsMeta]):
    pass
