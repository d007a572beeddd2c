"""The run coordinator on a happy path: completion, idempotency per partition, force, duplicates."""

from __future__ import annotations

from spine_core.framework.messages import RunProgress
from spine_core.rowblock import decode_rows
from spine_core.write import Capture, Execution, Partition, partition_id
from tests.unit.core.runner_support import PIPELINE, Harness, request, source, unique_week

LINES = ["alpha", "!bad one", "gamma", "delta", "!bad two"]


def test_first_run_completes_with_counts_and_capture(harness: Harness) -> None:
    harness.opener.files["in.txt"] = source(LINES)
    req = request(unique_week())

    outcome = harness.coordinator(batch_lines=2).handle(req)

    assert outcome.status == "completed"
    assert outcome.execution_id == req.execution_id
    assert outcome.pipeline == PIPELINE
    assert outcome.partition_key == f"week={req.params['week']}"
    assert outcome.capture_id is not None
    assert (outcome.rows_accepted, outcome.rows_rejected) == (3, 2)
    assert outcome.details == {"lines": 5, "week": req.params["week"]}
    assert outcome.duplicate is False
    assert outcome.error is None
    assert outcome.position == harness.app.recorder.max_notification_id()


def test_first_run_records_events_in_order(harness: Harness) -> None:
    harness.opener.files["in.txt"] = source(LINES)

    harness.coordinator(batch_lines=2).handle(request(unique_week()))

    # One save holds the request, the claim and the capture's start; chunks follow in line
    # order (rows then rejects of each batch; the last batch has only a reject), and the
    # commit closes capture, partition and run.
    assert harness.names() == [
        "RunRequested",
        "RunStarted",
        "PartitionOpened",
        "PartitionClaimed",
        "CaptureStarted",
        "RowsCaptured",
        "RowsRejected",
        "RowsCaptured",
        "RowsRejected",
        "StageCompleted",
        "CaptureCommitted",
        "RunCompleted",
    ]


def test_chunks_carry_the_rows_and_rejects_of_each_batch(harness: Harness) -> None:
    harness.opener.files["in.txt"] = source(LINES)
    outcome = harness.coordinator(batch_lines=2).handle(request(unique_week()))
    assert outcome.capture_id is not None

    chunks = [e for e in harness.events_of(outcome.capture_id) if hasattr(e, "chunk_no")]

    assert [e.chunk_no for e in chunks] == list(range(len(chunks)))
    rows = [r for e in chunks if type(e).__name__ == "RowsCaptured" for r in decode_rows(e.block)]
    rejects = [r for e in chunks if type(e).__name__ == "RowsRejected" for r in decode_rows(e.block)]
    assert rows == [("1", "alpha"), ("3", "gamma"), ("4", "delta")]
    assert rejects == [
        ("2", "INVALID_NUMBER", "starts with !", "!bad one"),
        ("5", "INVALID_NUMBER", "starts with !", "!bad two"),
    ]
    assert [(e.first_line, e.last_line) for e in chunks] == [(1, 1), (2, 2), (3, 4), (5, 5)]


def test_capture_started_records_source_partition_and_columns(harness: Harness) -> None:
    harness.opener.files["in.txt"] = source(LINES)
    week = unique_week()
    outcome = harness.coordinator().handle(request(week))
    assert outcome.capture_id is not None

    started = harness.events_of(outcome.capture_id)[0]

    assert type(started).__name__ == "CaptureStarted"
    assert started.partition == {"week": week}
    assert started.row_columns == ["line_no", "text"]
    assert started.source == {
        "ref": "in.txt",
        "name": "source.txt",
        "bytes": harness.opener.files["in.txt"].size,
        "sha256": harness.opener.files["in.txt"].sha256,
    }


def test_second_run_of_the_partition_is_skipped_naming_the_capture(harness: Harness) -> None:
    harness.opener.files["in.txt"] = source(LINES)
    week = unique_week()
    coordinator = harness.coordinator()
    first = coordinator.handle(request(week))
    before = len(harness.names())

    second = coordinator.handle(request(week))

    assert second.status == "skipped"
    assert second.capture_id == first.capture_id
    assert harness.names()[before:] == ["RunRequested", "RunSkipped"]
    skipped = harness.events_of(second.execution_id)[-1]
    assert str(first.capture_id) in skipped.reason
    assert "force=true" in skipped.reason


def test_forced_run_makes_a_new_capture_and_keeps_the_old_one(harness: Harness) -> None:
    harness.opener.files["in.txt"] = source(LINES)
    week = unique_week()
    coordinator = harness.coordinator()
    first = coordinator.handle(request(week))

    forced = coordinator.handle(request(week, force="true"))

    assert forced.status == "completed"
    assert forced.capture_id not in (None, first.capture_id)
    partition = harness.store.get(Partition, partition_id(PIPELINE, f"week={week}"))
    assert partition is not None
    assert partition.captures == [first.capture_id, forced.capture_id]
    assert partition.current_capture == forced.capture_id
    assert first.capture_id is not None
    old = harness.store.get(Capture, first.capture_id)
    assert old is not None and old.completed_stages == ["ingest"] and not old.abandoned
    claims = [e for e in harness.events() if type(e).__name__ == "PartitionClaimed"]
    assert [c.forced for c in claims] == [False, True]


def test_same_execution_again_is_a_duplicate_with_no_new_events(harness: Harness) -> None:
    harness.opener.files["in.txt"] = source(LINES)
    req = request(unique_week())
    coordinator = harness.coordinator()
    first = coordinator.handle(req)
    before = harness.names()

    again = coordinator.handle(req)

    assert again.duplicate is True
    assert again.status == "completed"
    assert again.capture_id == first.capture_id
    assert harness.names() == before


def test_execution_records_typed_params_as_json_values(harness: Harness) -> None:
    harness.opener.files["in.txt"] = source(LINES)
    req = request(unique_week(), force="yes")

    harness.coordinator().handle(req)

    execution = harness.store.get(Execution, req.execution_id)
    assert execution is not None and execution.status == "completed"
    requested = harness.events_of(req.execution_id)[0]
    assert requested.params == {"week": req.params["week"], "force": True}
    assert requested.idempotency_key == req.idempotency_key
    assert requested.source == {"ref": "in.txt"}


def test_progress_ends_with_the_captured_totals(harness: Harness) -> None:
    harness.opener.files["in.txt"] = source(LINES)
    reports: list[RunProgress] = []

    harness.coordinator(batch_lines=2).handle(request(unique_week()), progress=reports.append)

    assert reports, "progress was never reported"
    last = reports[-1]
    assert last.phase == "captured"
    assert (last.rows_accepted, last.rows_rejected) == (3, 2)
    assert last.bytes_total == harness.opener.files["in.txt"].size
    assert last.bytes_done == last.bytes_total
