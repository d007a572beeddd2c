"""Quality mapper: rejects are loaded into core_rejects with their capture, pipeline and partition."""

from __future__ import annotations

import uuid

import pytest

from contracts.events import REJECT_COLUMNS
from projections.ops import CopyRows, Op
from projections.quality.mapper import map_event
from tests.unit.projections.envelopes import AT, capture_started, envelope

REJECTS = b"2\tINVALID_NUMBER\tshares is not a number\tAAPL|x\n7\tBLANK_LINE\t\\N\t\n"
DATA = {
    "chunk_no": 1,
    "first_line": 2,
    "last_line": 7,
    "reject_count": 2,
    "reasons": {"INVALID_NUMBER": 1, "BLANK_LINE": 1},
}


def test_rows_rejected_is_copied_into_core_rejects() -> None:
    capture_id = uuid.uuid4()
    env = envelope("RowsRejected", DATA, stream_id=capture_id, block=REJECTS)

    changes = map_event(env, REJECTS, {capture_id: ("p", "week=w1")})

    assert changes == [
        CopyRows(
            "core_rejects",
            ("capture_id", "pipeline", "partition_key", *REJECT_COLUMNS),
            (capture_id, "p", "week=w1"),
            REJECTS,
        )
    ]


def test_rows_rejected_without_a_block_raises() -> None:
    capture_id = uuid.uuid4()
    env = envelope("RowsRejected", DATA, stream_id=capture_id)
    with pytest.raises(ValueError, match="carries no rows"):
        map_event(env, None, {capture_id: ("p", "week=w1")})


def test_rows_rejected_of_an_unseen_capture_fails_loudly() -> None:
    env = envelope("RowsRejected", DATA, block=REJECTS)
    with pytest.raises(KeyError):
        map_event(env, REJECTS, {})


def test_capture_started_of_any_pipeline_is_recorded() -> None:
    capture_id, execution_id = uuid.uuid4(), uuid.uuid4()
    env = capture_started(
        capture_id, pipeline="any.pipeline", partition={"week": "w1"}, row_columns=["a"], execution_id=execution_id
    )
    assert map_event(env, None, {}) == [
        Op("capture_started", (capture_id, execution_id, "any.pipeline", "week=w1", '{"week": "w1"}', AT))
    ]


def test_capture_status_on_completion_and_abandon() -> None:
    capture_id = uuid.uuid4()
    done = envelope("StageCompleted", {"stage": "ingest", "rows_accepted": 1, "rows_rejected": 2}, stream_id=capture_id)
    dropped = envelope("CaptureAbandoned", {"reason": "x"}, stream_id=capture_id)
    assert map_event(done, None, {}) == [Op("capture_status", (capture_id, "complete"))]
    assert map_event(dropped, None, {}) == [Op("capture_status", (capture_id, "abandoned"))]


def test_rows_captured_is_not_quality_data() -> None:
    env = envelope("RowsCaptured", {"chunk_no": 0, "first_line": 1, "last_line": 1, "row_count": 1}, block=b"1\tx\n")
    assert map_event(env, b"1\tx\n", {}) == []
