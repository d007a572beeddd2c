"""The write side: aggregates whose events are the source of truth, and the store port."""

from spine_core.write.aggregates import Capture, Execution, Partition, partition_id
from spine_core.write.ports import EventStore

__all__ = ["Capture", "Execution", "Partition", "partition_id", "EventStore"]
