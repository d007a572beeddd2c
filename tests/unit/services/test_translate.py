"""to_envelope: stored events from the in-memory event store become wire envelopes."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from contracts.events import EVENT_TYPES, EventEnvelope, decode_event, encode_event
from services.adapters.eventstore.app import SpineEventStore, StoreAdapter
from services.adapters.eventstore.translate import UntranslatableEvent, to_envelope
from spine_core.context import ExecutionContext
from spine_core.framework.coordinator import RunCoordinator
from spine_core.framework.messages import RunRequest
from spine_core.framework.registry import PipelineRegistry
from tests.unit.core.runner_support import LinePipeline, SourceOpener, source

LINES = ["alpha\twith tab", "!rejected", "gamma \\N", "ünïcödé", "?doubtful"]


def _run(app: SpineEventStore, week: str, *, ref: str = "in.txt") -> None:
    registry = PipelineRegistry()
    registry.register(LinePipeline())
    opener = SourceOpener({"in.txt": source(LINES), "bad.txt": source(["x", "UNREADABLE"])})
    request = RunRequest(
        execution_id=uuid.uuid4(),
        pipeline="test.lines",
        params={"week": week},
        context=ExecutionContext.new(),
        idempotency_key=f"test-{uuid.uuid4()}",
        source_ref=ref,
    )
    RunCoordinator(StoreAdapter(app), registry, opener, batch_lines=2).handle(request)


@pytest.fixture
def translated() -> list[tuple[Any, EventEnvelope, bytes | None]]:
    """Every notification of a completed run, a skipped run and a failed run, translated."""
    app = SpineEventStore.in_memory()
    week = f"w-{uuid.uuid4().hex[:8]}"
    _run(app, week)
    _run(app, week)
    _run(app, f"{week}-b", ref="bad.txt")
    return [(n, *to_envelope(app.mapper, n)) for n in app.recorder.select_notifications(1, 1000)]


def test_every_event_type_of_a_run_is_translated(translated: list[tuple[Any, EventEnvelope, bytes | None]]) -> None:
    types = {env.type for _, env, _ in translated}
    assert types == set(EVENT_TYPES)


def test_envelope_points_at_its_notification(translated: list[tuple[Any, EventEnvelope, bytes | None]]) -> None:
    for notification, env, _ in translated:
        assert env.position == notification.id
        assert env.stream_id == notification.originator_id
        assert env.stream_version == notification.originator_version
        assert notification.topic.endswith("." + env.type)
        assert env.stream == EVENT_TYPES[env.type][0]
        assert env.occurred_at.tzinfo is not None


def test_data_validates_against_the_contract(translated: list[tuple[Any, EventEnvelope, bytes | None]]) -> None:
    for _, env, _ in translated:
        typed = env.typed()
        assert type(typed).__name__ == env.type


def test_ids_and_datetimes_become_strings(translated: list[tuple[Any, EventEnvelope, bytes | None]]) -> None:
    def strings_only(value: Any) -> bool:
        if isinstance(value, dict):
            return all(isinstance(k, str) and strings_only(v) for k, v in value.items())
        if isinstance(value, list):
            return all(strings_only(v) for v in value)
        return value is None or isinstance(value, str | int | float | bool)

    for _, env, _ in translated:
        assert strings_only(env.data), env
        assert not {"originator_id", "originator_version", "timestamp", "originator_topic", "block"} & set(env.data)
    started = next(env for _, env, _ in translated if env.type == "RunStarted")
    uuid.UUID(started.data["capture_id"])


def test_blocks_pass_through_byte_identical(translated: list[tuple[Any, EventEnvelope, bytes | None]]) -> None:
    row_events = [(n, env, block) for n, env, block in translated if env.type in ("RowsCaptured", "RowsRejected")]
    assert row_events
    for notification, env, block in row_events:
        assert block is not None
        assert env.block_bytes == len(block)
        assert notification.state.endswith(block)  # the very bytes the store holds
        again, again_block = decode_event(encode_event(env, block))
        assert again == env and again_block == block
    for _, env, block in translated:
        if env.type not in ("RowsCaptured", "RowsRejected"):
            assert block is None and env.block_bytes == 0


def test_rows_block_holds_the_escaped_rows(translated: list[tuple[Any, EventEnvelope, bytes | None]]) -> None:
    blocks = [block for _, env, block in translated if env.type == "RowsCaptured"]
    assert blocks == [
        b"1\talpha\\twith tab\n",
        "3\tgamma \\\\N\n4\tünïcödé\n".encode(),
        b"5\t?doubtful\n",
    ]


def test_event_without_a_contract_is_refused() -> None:
    from eventsourcing.domain import Aggregate

    class Stray(Aggregate):
        class Noted(Aggregate.Event):
            pass

        def note(self) -> None:
            self.trigger_event(self.Noted)

    app = SpineEventStore.in_memory()
    stray = Stray()
    stray.note()
    app.save(stray)
    notification = app.recorder.select_notifications(1, 10)[-1]

    with pytest.raises(UntranslatableEvent, match="has no wire contract"):
        to_envelope(app.mapper, notification)
