"""Crash safety: a claim held by a crashed run, and resuming it from the recorded chunks."""

from __future__ import annotations

import pytest

from spine_core.errors import PartitionBusy
from spine_core.framework.messages import RunRequest
from spine_core.framework.registry import PipelineRegistry
from spine_core.write import Capture, Execution, Partition, partition_id
from tests.unit.core.runner_support import PIPELINE, Harness, new_harness, request, source, unique_week

LINES = [f"line {n}" if n % 4 else f"!reject {n}" for n in range(1, 11)]  # 10 lines, 2 rejects


@pytest.fixture
def save_every_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("spine_core.framework.recording.SAVE_EVERY_BYTES", 1)


def _crash(harness: Harness, week: str, *, after: int) -> RunRequest:
    """Run ``week`` with a source that dies ``after`` lines in; return the crashed request."""
    harness.opener.files["in.txt"] = source(LINES, fail_after=after)
    req = request(week)
    with pytest.raises(RuntimeError):
        harness.coordinator(batch_lines=2).handle(req)
    return req


def test_another_execution_holding_the_claim_makes_the_partition_busy(harness: Harness) -> None:
    week = unique_week()
    crashed = _crash(harness, week, after=3)
    harness.opener.files["in.txt"] = source(LINES)
    before = harness.names()

    with pytest.raises(PartitionBusy) as raised:
        harness.coordinator().handle(request(week))

    assert str(crashed.execution_id) in raised.value.message
    assert harness.names() == before  # nothing recorded: the command is retried later


def test_busy_partition_on_the_final_attempt_is_recorded_as_failed(harness: Harness) -> None:
    week = unique_week()
    crashed = _crash(harness, week, after=3)
    harness.opener.files["in.txt"] = source(LINES)
    late = request(week)

    outcome = harness.coordinator().handle(late, final_attempt=True)

    assert outcome.status == "failed"
    assert outcome.error is not None and outcome.error["code"] == "partition_busy"
    assert harness.events_of(late.execution_id)[-1].error_code == "partition_busy"
    partition = harness.store.get(Partition, partition_id(PIPELINE, f"week={week}"))
    assert partition is not None
    assert partition.active_execution == crashed.execution_id  # the holder keeps its claim


def test_resume_completes_with_every_row_once(harness: Harness, save_every_chunk: None) -> None:
    week = unique_week()
    req = _crash(harness, week, after=5)
    execution = harness.store.get(Execution, req.execution_id)
    assert execution is not None and execution.capture_id is not None
    capture_id = execution.capture_id
    recorded_before = [e.chunk_no for e in harness.events_of(capture_id) if hasattr(e, "chunk_no")]
    assert recorded_before == [0, 1, 2], "the two first batches should have been saved before the crash"
    harness.opener.files["in.txt"] = source(LINES)

    outcome = harness.coordinator(batch_lines=2).handle(req)

    assert outcome.status == "completed"
    assert outcome.capture_id == capture_id
    assert (outcome.rows_accepted, outcome.rows_rejected) == (8, 2)
    chunks = [e for e in harness.events_of(capture_id) if hasattr(e, "chunk_no")]
    assert [e.chunk_no for e in chunks] == list(range(len(chunks)))
    covered_lines = sorted(n for e in chunks for n in range(e.first_line, e.last_line + 1))
    assert sum(e.row_count for e in chunks if type(e).__name__ == "RowsCaptured") == 8
    assert sum(e.reject_count for e in chunks if type(e).__name__ == "RowsRejected") == 2
    assert covered_lines == list(range(1, 11)), "every line once, in rows or rejects"
    started = [e.resumed for e in harness.events_of(req.execution_id) if type(e).__name__ == "RunStarted"]
    assert started == [False, True]


def test_resume_after_a_crash_before_any_chunk_was_saved(harness: Harness) -> None:
    week = unique_week()
    req = _crash(harness, week, after=3)  # default SAVE_EVERY_BYTES: nothing saved yet
    harness.opener.files["in.txt"] = source(LINES)

    outcome = harness.coordinator(batch_lines=2).handle(req)

    assert outcome.status == "completed"
    assert (outcome.rows_accepted, outcome.rows_rejected) == (8, 2)
    assert harness.names().count("CaptureStarted") == 1
    assert harness.names().count("PartitionClaimed") == 1


def test_resume_with_a_changed_source_fails_clearly(harness: Harness, save_every_chunk: None) -> None:
    week = unique_week()
    req = _crash(harness, week, after=5)
    harness.opener.files["in.txt"] = source([*LINES, "an extra line"])

    outcome = harness.coordinator(batch_lines=2).handle(req)

    assert outcome.status == "failed"
    assert outcome.error is not None
    assert outcome.error["code"] == "source_unreadable"
    assert "changed while it was being captured" in outcome.error["message"]
    assert outcome.capture_id is not None
    capture = harness.store.get(Capture, outcome.capture_id)
    assert capture is not None and capture.abandoned
    partition = harness.store.get(Partition, partition_id(PIPELINE, f"week={week}"))
    assert partition is not None and partition.active_execution is None


def test_crashed_claim_released_by_its_own_resume_lets_others_in(harness: Harness, save_every_chunk: None) -> None:
    week = unique_week()
    req = _crash(harness, week, after=5)
    harness.opener.files["in.txt"] = source(LINES)
    waiting = request(week)
    coordinator = harness.coordinator(batch_lines=2)
    with pytest.raises(PartitionBusy):
        coordinator.handle(waiting)

    coordinator.handle(req)
    retried = coordinator.handle(waiting)

    assert retried.status == "skipped"
    holder = harness.store.get(Execution, req.execution_id)
    assert holder is not None and holder.status == "completed"
    assert retried.capture_id == holder.capture_id


def test_resumed_run_refused_at_planning_releases_its_claim(harness: Harness) -> None:
    week = unique_week()
    req = _crash(harness, week, after=3)
    harness.registry = PipelineRegistry()  # redelivered after a deploy that no longer has the pipeline
    refused = harness.coordinator().handle(req)
    assert refused.status == "failed"
    assert refused.error is not None and refused.error["code"] == "unknown_pipeline"

    harness.registry = new_harness().registry
    harness.opener.files["in.txt"] = source(LINES)
    retry = harness.coordinator().handle(request(week))

    assert retry.status == "completed"
