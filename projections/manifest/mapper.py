"""Pure mapping of events to manifest changes (no I/O)."""

from __future__ import annotations

import json

from contracts.events import (
    CaptureAbandoned,
    CaptureStarted,
    EventEnvelope,
    RunCompleted,
    RunFailed,
    RunRequested,
    RunSkipped,
    RunStarted,
    StageCompleted,
)
from projections.ops import Op

__all__ = ["EVENT_TYPES", "map_event"]

EVENT_TYPES = frozenset(
    {
        "RunRequested",
        "RunStarted",
        "RunSkipped",
        "RunCompleted",
        "RunFailed",
        "CaptureStarted",
        "StageCompleted",
        "CaptureAbandoned",
    }
)


def _json(value: object) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True)


def map_event(env: EventEnvelope) -> list[Op]:
    data = env.typed()
    at, pos, sid = env.occurred_at, env.position, env.stream_id
    match data:
        case RunRequested():
            return [
                Op(
                    "execution_requested",
                    (
                        sid,
                        data.pipeline,
                        _json(data.params),
                        data.partition_key,
                        data.trigger_source,
                        data.lane,
                        data.batch_id,
                        data.idempotency_key,
                        _json(data.source),
                        at,
                        pos,
                        data.through,
                        _json(data.stage_params or {}),
                    ),
                )
            ]
        case RunStarted():
            return [Op("execution_started", (sid, data.capture_id, data.resumed, at, pos))]
        case RunSkipped():
            return [Op("execution_skipped", (sid, data.capture_id, data.reason, at, pos))]
        case RunCompleted():
            return [
                Op(
                    "execution_completed",
                    (sid, data.capture_id, data.rows_accepted, data.rows_rejected, _json(data.details), at, pos),
                )
            ]
        case RunFailed():
            return [Op("execution_failed", (sid, data.capture_id, data.error_code, data.message, data.hint, at, pos))]
        case CaptureStarted():
            return [
                Op(
                    "capture_started",
                    (
                        sid,
                        data.execution_id,
                        data.pipeline,
                        data.partition_key,
                        _json(data.partition),
                        _json(data.source),
                        at,
                        pos,
                        _json(data.params),
                        _json(data.inputs),
                        _json(data.calc),
                        data.fingerprint,
                    ),
                )
            ]
        case StageCompleted():
            return [
                Op("capture_completed", (sid, data.rows_accepted, data.rows_rejected, at, pos)),
                Op(
                    "manifest_stage",
                    (sid, data.stage, at, data.rows_accepted, data.rows_rejected, _json(data.details), pos),
                ),
            ]
        case CaptureAbandoned():
            return [Op("capture_abandoned", (sid, at, pos))]
    return []
