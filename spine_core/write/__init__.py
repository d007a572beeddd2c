"""The write side: aggregates whose events are the source of truth, and the store port.

* :class:`Execution` — one per command, and its :class:`RunStatus`.
* :class:`Partition` — decides idempotency: one claim at a time, one current capture.
* :class:`Capture` — the data one run captured, in chunks.

Event class names are the names on the wire (``RunRequested``, ``CaptureStarted``, ...).
"""

from spine_core.write.capture import Capture, ChunkRecorded
from spine_core.write.execution import Execution, RunStatus
from spine_core.write.partition import Partition, partition_id
from spine_core.write.ports import EventStore

__all__ = ["Capture", "ChunkRecorded", "Execution", "RunStatus", "Partition", "partition_id", "EventStore"]
