"""Quality checks, rejects, the manifest of a partition, batches and lineage."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from services.apps.gateway.models.envelope import (
    ApiModel,
    CaptureInput,
    CaptureMeta,
    CountMeta,
    Envelope,
    ListEnvelope,
    PagedListEnvelope,
    Timestamp,
    Uuid,
)

__all__ = [
    "QualityCheck",
    "QualityMeta",
    "QualityList",
    "Reject",
    "RejectsMeta",
    "RejectList",
    "ManifestEntry",
    "RunningExecution",
    "ManifestMeta",
    "ManifestList",
    "BatchWeek",
    "BatchProgress",
    "BatchItem",
    "LineageNode",
    "LineageList",
]


class QualityCheck(ApiModel):
    pipeline: str
    partition_key: str
    capture_id: Uuid
    check: str
    status: str = Field(examples=["PASS", "WARN", "FAIL"])
    severity: str
    message: str
    value: float | None
    threshold: float | None
    details: dict[str, Any] | None
    checked_at: Timestamp


class QualityMeta(CountMeta):
    anomalies: int = Field(description="checks that did not pass")
    partition: str


class QualityList(ListEnvelope[QualityCheck, QualityMeta]):
    pass


class Reject(ApiModel):
    line_no: int
    reason: str
    detail: str | None
    raw: str | None


class RejectsMeta(CaptureMeta):
    total: int
    reasons: dict[str, int] = Field(description="rejected lines by reason code")


class RejectList(PagedListEnvelope[Reject, RejectsMeta]):
    pass


class ManifestEntry(ApiModel):
    pipeline: str
    partition_key: str
    stage: str
    capture_id: Uuid
    execution_id: Uuid
    completed_at: Timestamp
    rows_accepted: int | None
    rows_rejected: int | None
    calc: dict[str, Any] | None
    inputs: list[CaptureInput] | None
    captures: int


class RunningExecution(ApiModel):
    execution_id: Uuid
    pipeline: str
    partition_key: str
    status: str
    requested_at: Timestamp


class ManifestMeta(CountMeta):
    partition: str
    stages_missing: list[str] = Field(description="stages of the workflow with no capture yet")
    running: list[RunningExecution]


class ManifestList(ListEnvelope[ManifestEntry, ManifestMeta]):
    pass


class BatchWeek(ApiModel):
    week_ending: str | None
    done: bool
    pending: list[str]
    failed: list[str]
    stages: dict[str, str] = Field(description="status by pipeline")
    errors: dict[str, str] = Field(description="why a stage failed or was not issued, by pipeline")


class BatchProgress(ApiModel):
    batch_id: Uuid
    done: bool
    weeks: list[BatchWeek]
    failed: list[str]
    executions: int
    position: int | None = Field(
        default=None,
        description="the highest event-store position of the batch's ended runs (null before one ended); once "
        "`done`, pass it as `min_position` to a data route to read every stage's results as soon as they are applied",
    )


class BatchItem(Envelope[BatchProgress]):
    meta: CountMeta


class LineageNode(ApiModel):
    depth: int = Field(description="0: the capture asked for; 1: its inputs; ...")
    capture_id: Uuid
    pipeline: str
    partition_key: str
    status: str
    captured_at: Timestamp
    execution_id: Uuid
    source: dict[str, Any] | None
    calc: dict[str, Any] | None
    inputs: list[CaptureInput] | None


class LineageList(ListEnvelope[LineageNode, CountMeta]):
    pass
