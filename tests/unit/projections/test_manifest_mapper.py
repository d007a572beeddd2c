"""Manifest mapper: each execution and capture event becomes the expected named ops."""

from __future__ import annotations

import json
import uuid

import pytest

from projections.manifest.mapper import EVENT_TYPES, map_event
from projections.ops import Op
from tests.unit.projections.envelopes import AT, capture_started, envelope


def test_run_requested() -> None:
    batch_id = uuid.uuid4()
    env = envelope(
        "RunRequested",
        {
            "execution_id": str(uuid.uuid4()),
            "pipeline": "p",
            "params": {"week": "w1", "force": False},
            "partition_key": "week=w1",
            "trigger_source": "cli",
            "lane": "backfill",
            "batch_id": str(batch_id),
            "idempotency_key": "key-1",
            "source": {"ref": "in.txt"},
        },
    )

    assert map_event(env) == [
        Op(
            "execution_requested",
            (
                env.stream_id,
                "p",
                '{"force": false, "week": "w1"}',
                "week=w1",
                "cli",
                "backfill",
                batch_id,
                "key-1",
                '{"ref": "in.txt"}',
                AT,
                env.position,
                None,
                "{}",
            ),
        )
    ]


def test_run_requested_without_source_stores_null() -> None:
    env = envelope(
        "RunRequested",
        {
            "execution_id": str(uuid.uuid4()),
            "pipeline": "p",
            "params": {},
            "partition_key": "",
            "trigger_source": "api",
            "lane": "normal",
            "batch_id": str(uuid.uuid4()),
            "idempotency_key": "k",
            "source": None,
        },
    )
    (op,) = map_event(env)
    assert op.args[2] == "{}" and op.args[8] is None


def test_run_started_skipped_completed_failed() -> None:
    capture_id = uuid.uuid4()
    started = envelope("RunStarted", {"capture_id": str(capture_id), "resumed": True})
    skipped = envelope("RunSkipped", {"reason": "already captured", "capture_id": str(capture_id)})
    completed = envelope(
        "RunCompleted",
        {"capture_id": str(capture_id), "rows_accepted": 5, "rows_rejected": 1, "details": {"b": 1, "a": 2}},
    )
    failed = envelope(
        "RunFailed", {"error_code": "source_unreadable", "message": "gone", "hint": None, "capture_id": None}
    )

    assert map_event(started) == [Op("execution_started", (started.stream_id, capture_id, True, AT, started.position))]
    assert map_event(skipped) == [
        Op("execution_skipped", (skipped.stream_id, capture_id, "already captured", AT, skipped.position))
    ]
    assert map_event(completed) == [
        Op("execution_completed", (completed.stream_id, capture_id, 5, 1, '{"a": 2, "b": 1}', AT, completed.position))
    ]
    assert map_event(failed) == [
        Op("execution_failed", (failed.stream_id, None, "source_unreadable", "gone", None, AT, failed.position))
    ]


def test_capture_started() -> None:
    capture_id, execution_id = uuid.uuid4(), uuid.uuid4()
    env = capture_started(
        capture_id,
        pipeline="p",
        partition={"week": "w1"},
        row_columns=["line_no"],
        source={"sha256": "ab"},
        execution_id=execution_id,
    )
    assert map_event(env) == [
        Op(
            "capture_started",
            (
                capture_id,
                execution_id,
                "p",
                "week=w1",
                '{"week": "w1"}',
                '{"sha256": "ab"}',
                AT,
                env.position,
                "{}",
                "[]",
                None,
                None,
            ),
        )
    ]


def test_stage_completed_marks_the_capture_and_the_manifest() -> None:
    env = envelope(
        "StageCompleted", {"stage": "ingest", "rows_accepted": 9, "rows_rejected": 2, "details": {"lines": 11}}
    )
    assert map_event(env) == [
        Op("capture_completed", (env.stream_id, 9, 2, AT, env.position)),
        Op("manifest_stage", (env.stream_id, "ingest", AT, 9, 2, json.dumps({"lines": 11}), env.position)),
    ]


def test_capture_abandoned() -> None:
    env = envelope("CaptureAbandoned", {"reason": "bad layout"})
    assert map_event(env) == [Op("capture_abandoned", (env.stream_id, AT, env.position))]


@pytest.mark.parametrize("type_name", ["RowsCaptured", "PartitionClaimed"])
def test_other_events_map_to_nothing(type_name: str) -> None:
    data = (
        {"chunk_no": 0, "first_line": 1, "last_line": 1, "row_count": 1}
        if type_name == "RowsCaptured"
        else {"execution_id": str(uuid.uuid4()), "capture_id": str(uuid.uuid4()), "forced": False}
    )
    assert type_name not in EVENT_TYPES
    assert map_event(envelope(type_name, data)) == []


def test_declared_event_types_are_the_mapped_ones() -> None:
    assert {
        "RunRequested",
        "RunStarted",
        "RunSkipped",
        "RunCompleted",
        "RunFailed",
        "CaptureStarted",
        "StageCompleted",
        "CaptureAbandoned",
    } == EVENT_TYPES
