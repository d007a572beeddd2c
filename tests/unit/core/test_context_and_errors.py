"""Execution context parsing and the error tree's edge representation."""

from __future__ import annotations

import pytest

from spine_core.context import ExecutionContext, Lane, TriggerSource
from spine_core.errors import InvalidParameter, InvalidWeekEnding, PartitionBusy, SpineError


def test_lane_and_trigger_parse_case_insensitively() -> None:
    assert Lane.parse(" Backfill ") is Lane.BACKFILL
    assert TriggerSource.parse("CLI") is TriggerSource.CLI


def test_unknown_lane_lists_the_lanes() -> None:
    with pytest.raises(InvalidParameter) as raised:
        Lane.parse("fast")
    assert raised.value.hint == "use one of: normal, backfill, slow"


def test_unknown_trigger_lists_the_triggers() -> None:
    with pytest.raises(InvalidParameter) as raised:
        TriggerSource.parse("cron")
    assert raised.value.hint == "use one of: cli, api, scheduler, replay"


def test_new_context_uses_its_execution_id_as_batch_id() -> None:
    first, second = ExecutionContext.new(), ExecutionContext.new(lane=Lane.SLOW)
    assert first.batch_id == first.execution_id
    assert first.execution_id != second.execution_id
    assert second.lane is Lane.SLOW and second.trigger_source is TriggerSource.API
    assert first.requested_at.tzinfo is not None


def test_error_to_dict_and_str() -> None:
    error = PartitionBusy("busy", hint="retry later", details={"partition": "week=1"})
    assert error.to_dict() == {
        "code": "partition_busy",
        "message": "busy",
        "hint": "retry later",
        "details": {"partition": "week=1"},
    }
    assert str(error) == "busy (retry later)"
    assert SpineError("plain").to_dict() == {"code": "spine_error", "message": "plain"}
    assert str(SpineError("plain")) == "plain"


def test_error_codes_are_distinct_along_the_tree() -> None:
    assert issubclass(InvalidWeekEnding, InvalidParameter)
    assert InvalidWeekEnding.code != InvalidParameter.code
