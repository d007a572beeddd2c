"""Bus addresses: command subjects per lane, event subjects per stream and type."""

from __future__ import annotations

import uuid

import pytest

from contracts.subjects import LANES, command_subject, event_subject, lane_subjects, progress_subject


@pytest.mark.parametrize("lane", LANES)
def test_command_subject_per_lane(lane: str) -> None:
    execution_id = uuid.uuid4()
    subject = command_subject(lane, execution_id)
    assert subject == f"spine.commands.{lane}.{execution_id}"
    assert subject.rsplit(".", 1)[0] + ".*" == lane_subjects(lane)


def test_unknown_lane_raises() -> None:
    with pytest.raises(ValueError, match="unknown lane 'fast'; lanes are normal, backfill, slow"):
        command_subject("fast", uuid.uuid4())


def test_event_and_progress_subjects() -> None:
    execution_id = uuid.uuid4()
    assert event_subject("capture", "RowsCaptured") == "spine.events.capture.RowsCaptured"
    assert progress_subject(execution_id) == f"spine.progress.{execution_id}"
    assert progress_subject(str(execution_id)) == progress_subject(execution_id)
