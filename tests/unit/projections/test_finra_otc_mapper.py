"""FINRA OTC data-plane mapper: only ingest captures, rows loaded with their capture prefix."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from projections.finra_otc.mapper import (
    INGEST_PIPELINE,
    PREFIX_COLUMNS,
    ROW_COLUMNS,
    CaptureInfo,
    capture_info,
    map_event,
)
from projections.ops import CopyRows, Op
from tests.unit.projections.envelopes import AT, capture_started, envelope

PARTITION = {"week_ending": "2025-11-14", "tier": "NMS_TIER_1"}
BLOCK = b"1\tAAPL\tApple Inc.\tMPID\tVenue\t100\t3\t2025-11-20\n"


def _info(capture_id: uuid.UUID) -> dict[uuid.UUID, CaptureInfo]:
    return {capture_id: CaptureInfo(capture_id, date(2025, 11, 14), "NMS_TIER_1")}


def test_capture_info_of_an_ingest_capture() -> None:
    capture_id = uuid.uuid4()
    env = capture_started(capture_id, pipeline=INGEST_PIPELINE, partition=PARTITION, row_columns=list(ROW_COLUMNS))
    assert capture_info(env) == CaptureInfo(capture_id, date(2025, 11, 14), "NMS_TIER_1")


def test_capture_started_of_another_pipeline_is_ignored() -> None:
    capture_id = uuid.uuid4()
    env = capture_started(
        capture_id, pipeline="finra.otc_transparency.normalize", partition=PARTITION, row_columns=["x"]
    )
    assert capture_info(env) is None
    assert map_event(env, None, {}) == []


def test_capture_info_of_other_events_is_none() -> None:
    assert capture_info(envelope("CaptureAbandoned", {"reason": "x"})) is None


def test_wrong_row_columns_raise() -> None:
    env = capture_started(
        uuid.uuid4(), pipeline=INGEST_PIPELINE, partition=PARTITION, row_columns=list(reversed(ROW_COLUMNS))
    )
    with pytest.raises(ValueError, match="row columns"):
        capture_info(env)


def test_capture_started_maps_to_an_op() -> None:
    capture_id, execution_id = uuid.uuid4(), uuid.uuid4()
    env = capture_started(
        capture_id,
        pipeline=INGEST_PIPELINE,
        partition=PARTITION,
        row_columns=list(ROW_COLUMNS),
        source={"sha256": "ff", "name": "f.psv"},
        execution_id=execution_id,
    )
    assert map_event(env, None, _info(capture_id)) == [
        Op(
            "capture_started",
            (
                capture_id,
                execution_id,
                INGEST_PIPELINE,
                date(2025, 11, 14),
                "NMS_TIER_1",
                '{"name": "f.psv", "sha256": "ff"}',
                AT,
                env.position,
            ),
        )
    ]


def test_rows_captured_is_copied_with_the_capture_prefix() -> None:
    capture_id = uuid.uuid4()
    env = envelope(
        "RowsCaptured",
        {"chunk_no": 0, "first_line": 1, "last_line": 1, "row_count": 1},
        stream_id=capture_id,
        block=BLOCK,
    )

    (change,) = map_event(env, BLOCK, _info(capture_id))

    assert change == CopyRows(
        "venue_volume", PREFIX_COLUMNS + ROW_COLUMNS, (capture_id, "2025-11-14", "NMS_TIER_1"), BLOCK
    )
    assert change.columns[:3] == ("capture_id", "week_ending", "tier")


def test_rows_captured_without_a_block_raises() -> None:
    capture_id = uuid.uuid4()
    env = envelope(
        "RowsCaptured", {"chunk_no": 0, "first_line": 1, "last_line": 1, "row_count": 1}, stream_id=capture_id
    )
    with pytest.raises(ValueError, match="carries no rows"):
        map_event(env, None, _info(capture_id))


def test_events_of_unknown_captures_are_ignored() -> None:
    env = envelope("RowsCaptured", {"chunk_no": 0, "first_line": 1, "last_line": 1, "row_count": 1}, block=BLOCK)
    assert map_event(env, BLOCK, _info(uuid.uuid4())) == []


def test_stage_completed() -> None:
    capture_id = uuid.uuid4()
    env = envelope(
        "StageCompleted",
        {"stage": "ingest", "rows_accepted": 1, "rows_rejected": 0, "details": {"z": 1, "a": 0}},
        stream_id=capture_id,
    )
    assert map_event(env, None, _info(capture_id)) == [
        Op("capture_completed", (capture_id, 1, 0, '{"a": 0, "z": 1}', AT, env.position))
    ]


def test_capture_abandoned_sets_status_and_deletes_rows() -> None:
    capture_id = uuid.uuid4()
    env = envelope("CaptureAbandoned", {"reason": "bad layout"}, stream_id=capture_id)
    assert map_event(env, None, _info(capture_id)) == [
        Op("capture_abandoned", (capture_id, AT)),
        Op("delete_rows", (capture_id,)),
    ]
