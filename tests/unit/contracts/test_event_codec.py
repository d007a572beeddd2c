"""Event messages on the wire: one JSON line, then (for row events) the row block."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from contracts.events import EventEnvelope, decode_event, encode_event


def _envelope(**overrides: Any) -> EventEnvelope:
    fields: dict[str, Any] = {
        "type": "RowsCaptured",
        "position": 7,
        "stream": "capture",
        "stream_id": uuid.uuid4(),
        "stream_version": 3,
        "occurred_at": datetime(2025, 11, 14, 21, 30, tzinfo=UTC),
        "data": {"chunk_no": 1, "first_line": 10, "last_line": 11, "row_count": 2},
    }
    fields.update(overrides)
    return EventEnvelope(**fields)


BLOCK = b"10\tAAPL\twith\\ttab\n11\tMSFT\t\\N\n"


def test_round_trip_with_a_block() -> None:
    envelope = _envelope(block_bytes=len(BLOCK))

    body = encode_event(envelope, BLOCK)
    back, block = decode_event(body)

    assert back == envelope
    assert block == BLOCK
    assert body.count(b"\n") == 3  # the head line, then the block's own two lines
    assert body.startswith(b'{"schema":"spine.event.v1",')


def test_round_trip_without_a_block() -> None:
    envelope = _envelope(type="RunFailed", stream="execution", data={"error_code": "x", "message": "line1\nline2"})

    body = encode_event(envelope)
    back, block = decode_event(body)

    assert b"\n" not in body  # newlines inside values are escaped in the JSON head
    assert back == envelope
    assert block is None


def test_block_length_mismatch_raises() -> None:
    body = encode_event(_envelope(block_bytes=len(BLOCK)), BLOCK[:-3])
    with pytest.raises(ValueError, match=f"declares {len(BLOCK)} block bytes, carries {len(BLOCK) - 3}"):
        decode_event(body)


def test_declared_block_that_is_missing_raises() -> None:
    body = encode_event(_envelope(block_bytes=len(BLOCK)))
    with pytest.raises(ValueError):
        decode_event(body)


def test_subject_and_typed_data() -> None:
    envelope = _envelope(block_bytes=len(BLOCK))
    assert envelope.subject == "spine.events.capture.RowsCaptured"
    typed = envelope.typed()
    assert type(typed).__name__ == "RowsCaptured"
    assert typed.row_count == 2  # type: ignore[attr-defined]


def test_typed_refuses_an_unknown_type() -> None:
    with pytest.raises(ValueError, match="unknown event type 'Nope'"):
        _envelope(type="Nope").typed()


@pytest.mark.parametrize(("field", "value"), [("position", 0), ("stream_version", 0), ("block_bytes", -1)])
def test_envelope_bounds(field: str, value: int) -> None:
    with pytest.raises(ValidationError):
        _envelope(**{field: value})


def test_envelope_refuses_extra_fields() -> None:
    data = _envelope().model_dump(mode="json", by_alias=True)
    data["extra"] = 1
    with pytest.raises(ValidationError):
        EventEnvelope.model_validate(data)
