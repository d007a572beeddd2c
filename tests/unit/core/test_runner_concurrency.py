"""Two writers on one partition: optimistic concurrency lets exactly one capture win."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from eventsourcing.domain import Aggregate

from services.adapters.eventstore.app import StoreAdapter
from spine_core.errors import ConcurrencyConflict
from spine_core.write import Partition, partition_id
from tests.unit.core.runner_support import PIPELINE, Harness, request, source, unique_week


class InterleavingStore:
    """A store adapter that runs ``before_first_claim`` just before its first save of a Partition.

    That is the moment a rival coordinator would slip in between this one's read and its write.
    """

    def __init__(self, inner: StoreAdapter, before_first_claim: Callable[[], None]) -> None:
        self.inner = inner
        self.before_first_claim: Callable[[], None] | None = before_first_claim
        self.conflicts = 0

    def get(self, cls: Any, aggregate_id: Any) -> Any:
        return self.inner.get(cls, aggregate_id)

    def save(self, *aggregates: Aggregate) -> int | None:
        if self.before_first_claim is not None and any(isinstance(a, Partition) for a in aggregates):
            hook, self.before_first_claim = self.before_first_claim, None
            hook()
        try:
            return self.inner.save(*aggregates)
        except ConcurrencyConflict:
            self.conflicts += 1
            raise


class FlakyStore:
    """Raises ConcurrencyConflict on its first save without writing anything."""

    def __init__(self, inner: StoreAdapter) -> None:
        self.inner = inner
        self.failed = False

    def get(self, cls: Any, aggregate_id: Any) -> Any:
        return self.inner.get(cls, aggregate_id)

    def save(self, *aggregates: Aggregate) -> int | None:
        if not self.failed:
            self.failed = True
            raise ConcurrencyConflict("another writer recorded events first")
        return self.inner.save(*aggregates)


def test_rival_claim_between_read_and_write_leaves_one_capture(harness: Harness) -> None:
    harness.opener.files["in.txt"] = source(["a", "b", "c"])
    week = unique_week()
    rival_request = request(week)
    rival_outcomes = []
    rival = harness.coordinator()  # same application, its own adapter: a second worker

    def rival_runs() -> None:
        rival_outcomes.append(rival.handle(rival_request))

    store = InterleavingStore(StoreAdapter(harness.app), rival_runs)
    ours = harness.coordinator()
    ours.store = store
    our_request = request(week)

    outcome = ours.handle(our_request)

    assert store.conflicts == 1
    assert [o.status for o in rival_outcomes] == ["completed"]
    assert outcome.status == "skipped"  # decided again after the conflict: already captured
    assert outcome.capture_id == rival_outcomes[0].capture_id
    names = harness.names()
    assert names.count("PartitionClaimed") == 1
    assert names.count("CaptureCommitted") == 1
    assert names.count("CaptureStarted") == 1
    assert [e.execution_id for e in harness.events() if type(e).__name__ == "RunRequested"] == [
        rival_request.execution_id,
        our_request.execution_id,
    ]
    partition = harness.store.get(Partition, partition_id(PIPELINE, f"week={week}"))
    assert partition is not None and partition.captures == [rival_outcomes[0].capture_id]


def test_a_conflict_on_the_first_save_is_retried_and_the_run_completes_once(harness: Harness) -> None:
    harness.opener.files["in.txt"] = source(["a", "b", "c"])
    coordinator = harness.coordinator()
    coordinator.store = FlakyStore(harness.store)
    req = request(unique_week())

    outcome = coordinator.handle(req)

    assert outcome.status == "completed"
    assert outcome.rows_accepted == 3
    names = harness.names()
    assert names.count("RunRequested") == 1
    assert names.count("CaptureStarted") == 1
    assert names.count("RunCompleted") == 1


def test_endless_conflicts_give_up_with_a_concurrency_conflict(harness: Harness) -> None:
    harness.opener.files["in.txt"] = source(["a"])

    class AlwaysConflicting(FlakyStore):
        def save(self, *aggregates: Aggregate) -> int | None:
            raise ConcurrencyConflict("another writer recorded events first")

    coordinator = harness.coordinator()
    coordinator.store = AlwaysConflicting(harness.store)

    with pytest.raises(ConcurrencyConflict, match="gave up"):
        coordinator.handle(request(unique_week()))

    assert harness.names() == []
