"""StoreAdapter: the runner's EventStore port over the eventsourcing application."""

from __future__ import annotations

import uuid

import pytest

from services.adapters.eventstore.app import SpineEventStore, StoreAdapter
from spine_core.errors import ConcurrencyConflict
from spine_core.write import Capture, Partition


@pytest.fixture
def store() -> StoreAdapter:
    return StoreAdapter(SpineEventStore.in_memory())


def _partition() -> Partition:
    return Partition(pipeline="test.lines", partition_key=f"week={uuid.uuid4().hex}")


def test_unknown_id_is_none(store: StoreAdapter) -> None:
    assert store.get(Partition, uuid.uuid4()) is None


def test_save_returns_the_highest_position_and_get_reloads(store: StoreAdapter) -> None:
    first, second = _partition(), _partition()
    second.claim(uuid.uuid4(), uuid.uuid4(), forced=False)

    position = store.save(first, second)

    assert position == 3
    loaded = store.get(Partition, second.id)
    assert loaded is not None and loaded.active_execution == second.active_execution and loaded.version == 2


def test_save_with_nothing_pending_returns_none(store: StoreAdapter) -> None:
    partition = _partition()
    store.save(partition)
    assert store.save(partition) is None


def test_wrong_aggregate_type_is_refused(store: StoreAdapter) -> None:
    partition = _partition()
    store.save(partition)
    with pytest.raises(TypeError, match="is a Partition, not a Capture"):
        store.get(Capture, partition.id)


def test_a_stale_writer_gets_a_concurrency_conflict_and_writes_nothing(store: StoreAdapter) -> None:
    partition = _partition()
    store.save(partition)
    mine, theirs = store.get(Partition, partition.id), store.get(Partition, partition.id)
    assert mine is not None and theirs is not None
    theirs.claim(uuid.uuid4(), uuid.uuid4(), forced=False)
    store.save(theirs)
    other = _partition()
    mine.claim(uuid.uuid4(), uuid.uuid4(), forced=True)

    with pytest.raises(ConcurrencyConflict, match="another writer recorded events first"):
        store.save(other, mine)

    assert store.get(Partition, other.id) is None  # one transaction: all or nothing
    reloaded = store.get(Partition, partition.id)
    assert reloaded is not None and reloaded.active_execution == theirs.active_execution


def test_in_memory_store_uses_the_framed_transcoder() -> None:
    app = SpineEventStore.in_memory()
    assert type(app.mapper.transcoder).__name__ == "FramedJSONTranscoder"
    assert app.head_position() == 0
