"""FramedJSONTranscoder: a bytes ``block`` is stored raw after the JSON; everything else is plain JSON."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder, UUIDAsHex

from services.adapters.eventstore.transcoder import MAGIC, DateAsISO, FramedJSONTranscoder


def _register(transcoder: JSONTranscoder) -> JSONTranscoder:
    for transcoding in (UUIDAsHex(), DatetimeAsISO(), DateAsISO()):
        transcoder.register(transcoding)
    return transcoder


@pytest.fixture
def framed() -> FramedJSONTranscoder:
    transcoder = FramedJSONTranscoder()
    _register(transcoder)
    return transcoder


def _state(**extra: Any) -> dict[str, Any]:
    return {
        "originator_id": uuid.uuid4(),
        "timestamp": datetime(2025, 11, 14, 21, 0, tzinfo=UTC),
        "week": date(2025, 11, 14),
        "chunk_no": 3,
        "reasons": {"INVALID_NUMBER": 2},
        **extra,
    }


def test_round_trip_with_a_block(framed: FramedJSONTranscoder) -> None:
    block = b"1\tAAPL\t\\N\n2\t\xc3\xbc\tx\n" + bytes(range(256))  # raw bytes, not even UTF-8
    state = _state(block=block)

    data = framed.encode(state)
    back = framed.decode(data)

    assert data.startswith(MAGIC)
    assert data.endswith(block)  # stored untouched, after the JSON head
    assert back == state
    assert back["block"] == block and isinstance(back["block"], bytes)


def test_empty_block_round_trips(framed: FramedJSONTranscoder) -> None:
    state = _state(block=b"")
    back = framed.decode(framed.encode(state))
    assert back == state and back["block"] == b""


def test_round_trip_without_a_block_is_plain_json(framed: FramedJSONTranscoder) -> None:
    state = _state()
    data = framed.encode(state)
    plain = _register(JSONTranscoder())

    assert not data.startswith(MAGIC)
    assert data == plain.encode(state)
    assert framed.decode(data) == state


def test_json_only_states_decode_like_the_library(framed: FramedJSONTranscoder) -> None:
    plain = _register(JSONTranscoder())
    for state in (_state(), {"block": "a text block is not raw"}, [1, "two", None], "text", 42):
        data = plain.encode(state)
        assert framed.decode(data) == plain.decode(data) == state


def test_date_and_datetime_keep_their_types(framed: FramedJSONTranscoder) -> None:
    back = framed.decode(framed.encode(_state(block=b"x")))
    assert type(back["week"]) is date
    assert type(back["timestamp"]) is datetime


def test_json_cannot_produce_a_state_starting_with_the_magic(framed: FramedJSONTranscoder) -> None:
    sneaky = MAGIC.decode("latin-1")
    for state in (sneaky, {"x": sneaky}, [sneaky], {sneaky: 1}):
        data = framed.encode(state)
        assert not data.startswith(MAGIC)
        assert framed.decode(data) == state


def test_a_block_that_looks_like_a_frame_is_kept_verbatim(framed: FramedJSONTranscoder) -> None:
    inner = framed.encode(_state(block=b"inner"))
    state = _state(block=inner)
    assert framed.decode(framed.encode(state))["block"] == inner
