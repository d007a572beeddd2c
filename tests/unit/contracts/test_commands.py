"""RunPipeline: the command contract and its idempotency-derived execution id."""

from __future__ import annotations

import uuid

import pytest
from pydantic import ValidationError

from contracts.commands import RunPipeline, execution_id_for


def _key() -> str:
    return f"test-{uuid.uuid4()}"


def test_new_derives_the_execution_id_from_the_idempotency_key() -> None:
    key = _key()

    command = RunPipeline.new("finra.otc_transparency.ingest_week", {"week_ending": "2025-11-14"}, idempotency_key=key)

    assert command.idempotency_key == key
    assert command.execution_id == execution_id_for(key)
    assert command.consistent()


def test_same_key_same_execution_different_key_different_execution() -> None:
    key = _key()
    assert (
        RunPipeline.new("p", idempotency_key=key).execution_id == RunPipeline.new("p", idempotency_key=key).execution_id
    )
    assert execution_id_for(key) != execution_id_for(_key())


def test_new_without_a_key_makes_a_fresh_consistent_one() -> None:
    first, second = RunPipeline.new("p"), RunPipeline.new("p")
    assert first.idempotency_key != second.idempotency_key
    assert first.consistent() and second.consistent()


def test_inconsistent_execution_id_is_detected() -> None:
    command = RunPipeline(execution_id=uuid.uuid4(), idempotency_key=_key(), pipeline="p")
    assert not command.consistent()


def test_defaults() -> None:
    command = RunPipeline.new("p")
    assert command.schema_id == "spine.command.run_pipeline.v1"
    assert (command.trigger_source, command.lane, command.file, command.batch_id) == ("api", "normal", None, None)
    assert command.params == {}
    assert command.requested_at.tzinfo is not None


def test_extra_fields_are_forbidden() -> None:
    data = RunPipeline.new("p").model_dump(mode="json", by_alias=True)
    data["priority"] = "high"
    with pytest.raises(ValidationError) as raised:
        RunPipeline.model_validate(data)
    assert [e["type"] for e in raised.value.errors()] == ["extra_forbidden"]


def test_schema_alias_round_trips_through_json() -> None:
    command = RunPipeline.new(
        "p", {"force": True, "window_weeks": 4, "tier": "OTC"}, file="uploads/x.psv", lane="backfill"
    )

    wire = command.model_dump_json(by_alias=True)
    back = RunPipeline.model_validate_json(wire)

    assert '"schema":"spine.command.run_pipeline.v1"' in wire
    assert "schema_id" not in wire
    assert back == command
    assert back.params == {"force": True, "window_weeks": 4, "tier": "OTC"}


def test_schema_can_be_given_by_name_or_alias() -> None:
    common = {"execution_id": uuid.uuid4(), "idempotency_key": _key(), "pipeline": "p"}
    assert RunPipeline(schema="spine.command.run_pipeline.v1", **common).schema_id == "spine.command.run_pipeline.v1"  # type: ignore[arg-type]
    assert RunPipeline(schema_id="spine.command.run_pipeline.v1", **common).schema_id == "spine.command.run_pipeline.v1"  # type: ignore[arg-type, call-arg]


def test_other_schema_version_is_refused() -> None:
    data = RunPipeline.new("p").model_dump(mode="json", by_alias=True)
    data["schema"] = "spine.command.run_pipeline.v2"
    with pytest.raises(ValidationError):
        RunPipeline.model_validate(data)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("lane", "fast"),
        ("trigger_source", "cron"),
        ("pipeline", ""),
        ("idempotency_key", ""),
        ("idempotency_key", "k" * 201),
    ],
)
def test_field_constraints(field: str, value: str) -> None:
    data = RunPipeline.new("p").model_dump(mode="json", by_alias=True)
    data[field] = value
    with pytest.raises(ValidationError):
        RunPipeline.model_validate(data)


def test_params_must_be_scalar_json_values() -> None:
    data = RunPipeline.new("p").model_dump(mode="json", by_alias=True)
    data["params"] = {"weeks": [1, 2]}
    with pytest.raises(ValidationError):
        RunPipeline.model_validate(data)


def test_command_is_frozen() -> None:
    command = RunPipeline.new("p")
    with pytest.raises(ValidationError):
        command.pipeline = "q"  # type: ignore[misc]
