"""Pure mapping of capture events to quality changes (no I/O)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from uuid import UUID

from contracts.events import (
    REJECT_COLUMNS,
    CaptureAbandoned,
    CaptureStarted,
    EventEnvelope,
    QualityChecked,
    RowsRejected,
    StageCompleted,
)
from projections.ops import Change, CopyRows, Op

__all__ = ["EVENT_TYPES", "map_event"]

EVENT_TYPES = frozenset({"CaptureStarted", "RowsRejected", "QualityChecked", "StageCompleted", "CaptureAbandoned"})


def map_event(env: EventEnvelope, block: bytes | None, captures: Mapping[UUID, tuple[str, str]]) -> list[Change]:
    """``captures`` maps capture ids to (pipeline, partition_key)."""
    data = env.typed()
    match data:
        case CaptureStarted():
            return [
                Op(
                    "capture_started",
                    (
                        env.stream_id,
                        data.execution_id,
                        data.pipeline,
                        data.partition_key,
                        json.dumps(data.partition, sort_keys=True),
                        env.occurred_at,
                    ),
                )
            ]
        case RowsRejected():
            pipeline, partition_key = captures[env.stream_id]
            if not block:
                raise ValueError(f"RowsRejected at position {env.position} carries no rows")
            return [
                CopyRows(
                    "core_rejects",
                    ("capture_id", "pipeline", "partition_key", *REJECT_COLUMNS),
                    (env.stream_id, pipeline, partition_key),
                    block,
                )
            ]
        case QualityChecked():
            pipeline, partition_key = captures[env.stream_id]
            return [
                Op(
                    "quality_checked",
                    (
                        env.stream_id,
                        env.position,
                        pipeline,
                        partition_key,
                        data.check,
                        data.status,
                        data.severity,
                        data.message,
                        data.value,
                        data.threshold,
                        json.dumps(data.details, sort_keys=True),
                        env.occurred_at,
                    ),
                )
            ]
        case StageCompleted():
            return [Op("capture_status", (env.stream_id, "complete"))]
        case CaptureAbandoned():
            return [Op("capture_status", (env.stream_id, "abandoned"))]
    return []
