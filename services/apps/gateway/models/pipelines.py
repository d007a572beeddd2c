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
from services.apps.gateway.models.partitions import BatchProgress

__all__ = [
    "ParamInfo",
    "PipelineInfo",
    "PipelineList",
    "PipelineItem",
    "RunAccepted",
    "RunAcceptedItem",
    "RunEnded",
    "RunEndedItem",
    "POSITION_USE",
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


#: What ``position`` is for, said on every model that carries one.
POSITION_USE = "pass it as `min_position` to a data route to read the run's results as soon as they are applied"


class RunAccepted(ApiModel):
    """A run that has not ended yet (or not within ``wait``): follow it at ``poll``."""

    execution_id: Uuid
    status: Literal["queued", "requested", "running", "completed", "skipped", "failed"] = Field(
        description="`queued` until a worker records the run; after a `wait`, where it stands then "
        "(a run with `through` can have ended while its later stages still run)"
    )
    poll: str = Field(description="where to follow the execution (also the Location header)")
    duplicate: bool = Field(description="the same idempotency key was published before: no second run")
    idempotency_key: str
    position: int | None = Field(
        description="always null here: the run has not ended. Once it has, `position` on the poll URL "
        "(with `through`, on `batch` once done) is the event-store position of its last event; " + POSITION_USE
    )
    batch: str | None = Field(
        default=None, description="with `through`: where to follow every stage (GET /v1/batches/{batch_id})"
    )


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
    position: int | None = Field(
        default=None,
        description="the event-store position of its last event so far, final once the run ended "
        "(completed, skipped or failed); " + POSITION_USE,
    )
    through: str | None = None
    skip_reason: str | None = None
    error: ExecutionError | None = None
    chain_error: str | None = Field(default=None, description="why the stages after it were not issued")


class ExecutionItem(Envelope[Execution]):
    pass


class RunEnded(ApiModel):
    """A run that ended within ``wait`` (with ``through``: every stage of it)."""

    execution_id: Uuid
    status: Literal["completed", "skipped", "failed"] = Field(
        description="how the run ended (with `through`: its first stage; `batch.failed` names later stages that failed)"
    )
    poll: str = Field(description="the execution's URL (also the Location header)")
    duplicate: bool = Field(description="the same idempotency key was published before: no second run")
    idempotency_key: str
    position: int = Field(
        description="the event-store position of the run's last event (with `through`: of the last stage's); "
        + POSITION_USE,
        examples=[91],
    )
    execution: Execution = Field(description="the execution, as GET `poll` shows it")
    batch: BatchProgress | None = Field(default=None, description="with `through`: every stage, week by week")


class RunEndedItem(Envelope[RunEnded]):
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
