"""Build wire envelopes for mapper tests, validated against their contracts."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from contracts.events import EVENT_TYPES, EventEnvelope

_positions = itertools.count(1)
AT = datetime(2025, 11, 15, 9, 30, tzinfo=UTC)


def envelope(
    type_name: str, data: dict[str, Any], *, stream_id: UUID | None = None, block: bytes | None = None
) -> EventEnvelope:
    stream, model = EVENT_TYPES[type_name]
    model.model_validate(data)  # a test must never feed a mapper data the contract refuses
    return EventEnvelope(
        type=type_name,
        position=next(_positions),
        stream=stream,
        stream_id=stream_id or uuid.uuid4(),
        stream_version=1,
        occurred_at=AT,
        data=data,
        block_bytes=len(block) if block else 0,
    )


def capture_started(
    capture_id: UUID,
    *,
    pipeline: str,
    partition: dict[str, str],
    row_columns: list[str],
    source: dict[str, Any] | None = None,
    execution_id: UUID | None = None,
) -> EventEnvelope:
    return envelope(
        "CaptureStarted",
        {
            "capture_id": str(capture_id),
            "execution_id": str(execution_id or uuid.uuid4()),
            "pipeline": pipeline,
            "partition_key": "/".join(f"{k}={v}" for k, v in partition.items()),
            "partition": partition,
            "source": source,
            "row_columns": row_columns,
        },
        stream_id=capture_id,
    )
