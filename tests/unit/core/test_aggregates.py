"""The write-side aggregates' own rules, independent of the coordinator."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from spine_core.write import Capture, Execution, Partition, partition_id


def _partition() -> Partition:
    return Partition(pipeline="test.lines", partition_key=f"week={uuid.uuid4().hex}")


def test_partition_id_is_stable_and_distinguishes_pipeline_and_key() -> None:
    assert partition_id("a", "k=1") == partition_id("a", "k=1")
    assert partition_id("a", "k=1") != partition_id("b", "k=1")
    partition = Partition(pipeline="p", partition_key="week=1")
    assert partition.id == partition_id("p", "week=1")


def test_claim_by_another_execution_is_refused() -> None:
    partition = _partition()
    holder = uuid.uuid4()
    partition.claim(holder, uuid.uuid4(), forced=False)

    with pytest.raises(RuntimeError, match="claimed by another execution"):
        partition.claim(uuid.uuid4(), uuid.uuid4(), forced=False)

    assert partition.active_execution == holder


def test_only_the_claiming_execution_commits_its_capture() -> None:
    partition = _partition()
    execution_id, capture_id = uuid.uuid4(), uuid.uuid4()
    partition.claim(execution_id, capture_id, forced=False)

    with pytest.raises(RuntimeError):
        partition.commit(uuid.uuid4(), capture_id, None, {})
    with pytest.raises(RuntimeError):
        partition.commit(execution_id, uuid.uuid4(), None, {})
    partition.commit(execution_id, capture_id, "sha256:x", {})

    assert partition.current_capture == capture_id
    assert partition.captures == [capture_id]
    assert partition.active_execution is None and partition.active_capture is None


def test_release_by_a_non_holder_records_nothing() -> None:
    partition = _partition()
    holder = uuid.uuid4()
    partition.claim(holder, uuid.uuid4(), forced=False)
    version = partition.version

    partition.release(uuid.uuid4(), "not mine")
    assert partition.version == version and partition.active_execution == holder

    partition.release(holder, "crashed")
    assert partition.version == version + 1 and partition.active_execution is None


def test_capture_counts_rows_rejects_and_chunks() -> None:
    capture = Capture(
        capture_id=uuid.uuid4(),
        execution_id=uuid.uuid4(),
        pipeline="test.lines",
        partition_key="week=1",
        partition={"week": "1"},
        source=None,
        row_columns=["line_no", "text"],
        params={"week": "1"},
        inputs=[],
        calc=None,
        fingerprint="sha256:x",
    )
    capture.record_rows(0, 1, 2, 2, b"1\ta\n2\tb\n")
    capture.record_rejects(1, 3, 3, 1, {"INVALID_NUMBER": 1}, b"3\tINVALID_NUMBER\tx\t!\n")
    capture.complete_stage("ingest", {"lines": 3})

    assert (capture.rows_accepted, capture.rows_rejected, capture.chunks_recorded) == (2, 1, 2)
    assert capture.completed_stages == ["ingest"]
    completed: Any = capture.collect_events()[-1]
    assert (completed.rows_accepted, completed.rows_rejected) == (2, 1)


def test_execution_status_follows_its_events() -> None:
    execution_id = uuid.uuid4()
    execution = Execution(
        execution_id=execution_id,
        pipeline="test.lines",
        params={},
        partition_key="week=1",
        trigger_source="api",
        lane="normal",
        batch_id=execution_id,
        idempotency_key="k",
        source=None,
    )
    assert execution.id == execution_id
    assert (execution.status, execution.is_terminal) == ("requested", False)
    capture_id = uuid.uuid4()
    execution.start(capture_id, resumed=False)
    assert (execution.status, execution.capture_id, execution.is_terminal) == ("running", capture_id, False)
    execution.fail("boom", "it broke")
    assert (execution.status, execution.is_terminal) == ("failed", True)
    failed: Any = execution.collect_events()[-1]
    assert failed.capture_id == capture_id
