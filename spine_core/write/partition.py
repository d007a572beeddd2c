"""The Partition aggregate: where idempotency is decided.

A partition (id derived from pipeline + partition key) is claimed by one run at a time; a second
run of a committed partition is skipped unless forced; two concurrent runs cannot both claim it
(optimistic concurrency on this aggregate's version). It remembers every capture it committed.
"""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from spine_core.write.topics import stored_topic

__all__ = ["Partition", "partition_id"]

_PARTITION_NS = uuid5(NAMESPACE_URL, "spine:partition")


def partition_id(pipeline: str, partition_key: str) -> UUID:
    return uuid5(_PARTITION_NS, f"{pipeline}\x1f{partition_key}")


class Partition(Aggregate):
    TOPIC = stored_topic("Partition")

    class Created(Aggregate.Created):
        """Never recorded (``PartitionOpened`` creates a partition); declared for its topic only."""

        TOPIC = stored_topic("Partition.Created")

    class PartitionOpened(Aggregate.Created):
        TOPIC = stored_topic("Partition.PartitionOpened")

        pipeline: str
        partition_key: str

    class PartitionClaimed(Aggregate.Event):
        TOPIC = stored_topic("Partition.PartitionClaimed")

        execution_id: UUID
        capture_id: UUID
        forced: bool

        def apply(self, aggregate: Partition) -> None:
            aggregate.active_execution = self.execution_id
            aggregate.active_capture = self.capture_id

    class CaptureCommitted(Aggregate.Event):
        """A capture became the partition's current one. ``fingerprint`` identifies what it was
        made from (source bytes, or inputs and calc version); ``summary`` is what a derived
        pipeline needs to read it without replaying its rows."""

        TOPIC = stored_topic("Partition.CaptureCommitted")
        class_version = 2

        execution_id: UUID
        capture_id: UUID
        fingerprint: str | None
        summary: dict[str, Any]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["fingerprint"] = None
            state["summary"] = {}

        def apply(self, aggregate: Partition) -> None:
            aggregate.active_execution = None
            aggregate.active_capture = None
            aggregate.current_capture = self.capture_id
            aggregate.current_fingerprint = self.fingerprint
            aggregate.current_summary = self.summary
            aggregate.captures.append(self.capture_id)

    class PartitionReleased(Aggregate.Event):
        TOPIC = stored_topic("Partition.PartitionReleased")

        execution_id: UUID
        reason: str

        def apply(self, aggregate: Partition) -> None:
            aggregate.active_execution = None
            aggregate.active_capture = None

    @staticmethod
    def create_id(pipeline: str, partition_key: str) -> UUID:
        return partition_id(pipeline, partition_key)

    @event(PartitionOpened)
    def __init__(self, pipeline: str, partition_key: str) -> None:
        self.pipeline = pipeline
        self.partition_key = partition_key
        self.active_execution: UUID | None = None
        self.active_capture: UUID | None = None
        self.current_capture: UUID | None = None
        self.current_fingerprint: str | None = None
        self.current_summary: dict[str, Any] = {}
        self.captures: list[UUID] = []

    def claim(self, execution_id: UUID, capture_id: UUID, *, forced: bool) -> None:
        if self.active_execution is not None and self.active_execution != execution_id:
            raise RuntimeError("partition is claimed by another execution")
        self.trigger_event(self.PartitionClaimed, execution_id=execution_id, capture_id=capture_id, forced=forced)

    def commit(self, execution_id: UUID, capture_id: UUID, fingerprint: str | None, summary: dict[str, Any]) -> None:
        if self.active_execution != execution_id or self.active_capture != capture_id:
            raise RuntimeError("only the claiming execution can commit its capture")
        self.trigger_event(
            self.CaptureCommitted,
            execution_id=execution_id,
            capture_id=capture_id,
            fingerprint=fingerprint,
            summary=summary,
        )

    def release(self, execution_id: UUID, reason: str) -> None:
        if self.active_execution == execution_id:
            self.trigger_event(self.PartitionReleased, execution_id=execution_id, reason=reason)
