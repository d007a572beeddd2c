"""Pure mapping of capture events to data-plane changes (no I/O)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from contracts.events import CaptureAbandoned, CaptureStarted, EventEnvelope, RowsCaptured, StageCompleted
from projections.ops import Change, CopyRows, Op
from spine_domains.finra_otc.pipelines import IngestWeek

__all__ = ["INGEST_PIPELINE", "ROW_COLUMNS", "EVENT_TYPES", "CaptureInfo", "capture_info", "map_event"]

INGEST_PIPELINE = IngestWeek.name
#: The block columns this projection loads: the ingest pipeline's row_columns.
ROW_COLUMNS = IngestWeek.row_columns
PREFIX_COLUMNS = ("capture_id", "week_ending", "tier")
EVENT_TYPES = frozenset({"CaptureStarted", "RowsCaptured", "StageCompleted", "CaptureAbandoned"})


@dataclass(frozen=True, slots=True)
class CaptureInfo:
    capture_id: UUID
    week_ending: date
    tier: str


def capture_info(env: EventEnvelope) -> CaptureInfo | None:
    """The capture a CaptureStarted opens, if it is one this projection keeps."""
    data = env.typed()
    if not isinstance(data, CaptureStarted) or data.pipeline != INGEST_PIPELINE:
        return None
    if tuple(data.row_columns) != ROW_COLUMNS:
        raise ValueError(
            f"capture {data.capture_id} has row columns {data.row_columns}; this projection loads {ROW_COLUMNS}"
        )
    return CaptureInfo(data.capture_id, date.fromisoformat(data.partition["week_ending"]), data.partition["tier"])


def map_event(env: EventEnvelope, block: bytes | None, captures: Mapping[UUID, CaptureInfo]) -> list[Change]:
    """Changes for one event. ``captures`` holds every capture of this projection seen so far."""
    data = env.typed()
    info = captures.get(env.stream_id)
    if info is None:
        return []
    match data:
        case CaptureStarted():
            return [
                Op(
                    "capture_started",
                    (
                        info.capture_id,
                        data.execution_id,
                        data.pipeline,
                        info.week_ending,
                        info.tier,
                        None if data.source is None else json.dumps(data.source, sort_keys=True),
                        env.occurred_at,
                        env.position,
                    ),
                )
            ]
        case RowsCaptured():
            if not block:
                raise ValueError(f"RowsCaptured at position {env.position} carries no rows")
            prefix = (info.capture_id, info.week_ending.isoformat(), info.tier)
            return [CopyRows("venue_volume", PREFIX_COLUMNS + ROW_COLUMNS, prefix, block)]
        case StageCompleted():
            return [
                Op(
                    "capture_completed",
                    (
                        info.capture_id,
                        data.rows_accepted,
                        data.rows_rejected,
                        json.dumps(data.details, sort_keys=True),
                        env.occurred_at,
                        env.position,
                    ),
                )
            ]
        case CaptureAbandoned():
            return [Op("capture_abandoned", (info.capture_id, env.occurred_at)), Op("delete_rows", (info.capture_id,))]
    return []
