"""Requests that end in a recorded failure: the coordinator returns an outcome, never raises."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from spine_core.errors import InvalidCommand
from spine_core.write import Capture, Execution, Partition, partition_id
from tests.unit.core.runner_support import PIPELINE, UNREADABLE_LINE, Harness, request, source, unique_week


def _failure(harness: Harness, execution_id: UUID) -> Any:
    failed = harness.events_of(execution_id)[-1]
    assert type(failed).__name__ == "RunFailed"
    return failed


def test_unknown_pipeline_is_recorded_as_failed(harness: Harness) -> None:
    req = request(unique_week(), pipeline="test.linez")

    outcome = harness.coordinator().handle(req)

    assert outcome.status == "failed"
    assert outcome.error is not None
    assert outcome.error["code"] == "unknown_pipeline"
    assert "test.linez" in outcome.error["message"]
    assert PIPELINE in outcome.error["hint"]  # close match suggested
    assert harness.names() == ["RunRequested", "RunFailed"]
    assert _failure(harness, req.execution_id).error_code == "unknown_pipeline"


def test_bad_params_are_recorded_as_failed_naming_the_parameter(harness: Harness) -> None:
    req = request(unique_week(), force="maybe")

    outcome = harness.coordinator().handle(req)

    assert outcome.status == "failed"
    assert outcome.error is not None
    assert outcome.error["code"] == "invalid_parameter"
    assert "'force'" in outcome.error["message"]
    assert harness.names() == ["RunRequested", "RunFailed"]
    requested = harness.events_of(req.execution_id)[0]
    assert requested.params["force"] == "maybe"  # the raw request is kept for the audit trail


def test_unknown_parameter_is_recorded_as_failed(harness: Harness) -> None:
    outcome = harness.coordinator().handle(request(unique_week(), colour="blue"))

    assert outcome.status == "failed"
    assert outcome.error is not None
    assert outcome.error["code"] == "invalid_parameter"
    assert "colour" in outcome.error["message"]
    assert "week" in outcome.error["hint"]


def test_missing_source_reference_is_recorded_as_failed(harness: Harness) -> None:
    outcome = harness.coordinator().handle(request(unique_week(), source_ref=None))

    assert outcome.status == "failed"
    assert outcome.error is not None
    assert outcome.error["code"] == "source_unreadable"
    assert "needs a source file" in outcome.error["message"]


def test_missing_file_fails_without_claiming_the_partition(harness: Harness) -> None:
    week = unique_week()
    req = request(week, source_ref="nowhere.txt")

    outcome = harness.coordinator().handle(req)

    assert outcome.status == "failed"
    assert outcome.error is not None
    assert outcome.error["code"] == "source_unreadable"
    assert "nowhere.txt" in outcome.error["message"]
    assert outcome.capture_id is None
    assert harness.names() == ["RunRequested", "RunFailed"]
    assert harness.store.get(Partition, partition_id(PIPELINE, f"week={week}")) is None


def test_failed_request_redelivered_is_a_duplicate(harness: Harness) -> None:
    req = request(unique_week(), pipeline="no.such.pipeline")
    coordinator = harness.coordinator()
    coordinator.handle(req)
    before = harness.names()

    again = coordinator.handle(req)

    assert again.duplicate is True
    assert again.status == "failed"
    assert harness.names() == before


def test_pipeline_error_abandons_the_capture_and_releases_the_partition(harness: Harness) -> None:
    harness.opener.files["in.txt"] = source(["one", "two", UNREADABLE_LINE, "four"])
    week = unique_week()
    req = request(week)

    outcome = harness.coordinator(batch_lines=1).handle(req)

    assert outcome.status == "failed"
    assert outcome.error is not None
    assert outcome.error["code"] == "source_unreadable"
    assert "unknown layout" in outcome.error["message"]
    assert outcome.capture_id is not None
    capture = harness.store.get(Capture, outcome.capture_id)
    assert capture is not None and capture.abandoned
    assert capture.completed_stages == []
    partition = harness.store.get(Partition, partition_id(PIPELINE, f"week={week}"))
    assert partition is not None
    assert partition.active_execution is None and partition.current_capture is None
    assert harness.names()[-3:] == ["CaptureAbandoned", "RunFailed", "PartitionReleased"]
    assert _failure(harness, req.execution_id).capture_id == outcome.capture_id


def test_released_partition_can_be_captured_by_a_new_run(harness: Harness) -> None:
    harness.opener.files["bad.txt"] = source(["one", UNREADABLE_LINE])
    harness.opener.files["good.txt"] = source(["one", "two"])
    week = unique_week()
    coordinator = harness.coordinator()
    failed = coordinator.handle(request(week, source_ref="bad.txt"))

    retry = coordinator.handle(request(week, source_ref="good.txt"))

    assert failed.status == "failed"
    assert retry.status == "completed"
    assert retry.rows_accepted == 2
    assert retry.capture_id != failed.capture_id
    partition = harness.store.get(Partition, partition_id(PIPELINE, f"week={week}"))
    assert partition is not None and partition.captures == [retry.capture_id]


def test_unexpected_error_propagates_so_the_command_is_redelivered(harness: Harness) -> None:
    harness.opener.files["in.txt"] = source(["one", "two", "three"], fail_after=1)
    req = request(unique_week())

    with pytest.raises(RuntimeError, match="disk went away"):
        harness.coordinator(batch_lines=1).handle(req)

    execution = harness.store.get(Execution, req.execution_id)
    assert execution is not None and execution.status == "running"


def test_unexpected_error_on_the_final_attempt_is_recorded(harness: Harness) -> None:
    harness.opener.files["in.txt"] = source(["one", "two", "three"], fail_after=1)
    week = unique_week()
    req = request(week)

    outcome = harness.coordinator(batch_lines=1).handle(req, final_attempt=True)

    assert outcome.status == "failed"
    assert outcome.error is not None
    assert outcome.error["code"] == "spine_error"
    assert "disk went away" in outcome.error["message"]
    partition = harness.store.get(Partition, partition_id(PIPELINE, f"week={week}"))
    assert partition is not None and partition.active_execution is None


def test_record_refusal_records_a_failed_execution_once(harness: Harness) -> None:
    req = request(unique_week())
    coordinator = harness.coordinator()

    refused = coordinator.record_refusal(req, InvalidCommand("the command does not parse"))
    again = coordinator.record_refusal(req, InvalidCommand("the command does not parse"))

    assert refused.status == "failed"
    assert refused.error == {"code": "invalid_command", "message": "the command does not parse"}
    assert again.duplicate is True
    assert harness.names() == ["RunRequested", "RunFailed"]
