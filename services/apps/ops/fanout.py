"""Fan-out of samples to live subscribers (the gateway's event stream), one queue each."""

from __future__ import annotations

import asyncio
from typing import Any

__all__ = ["SampleFanout"]


class SampleFanout:
    """Every subscriber gets every sample; a slow one loses its oldest, never blocks the others."""

    def __init__(self, capacity: int = 10) -> None:
        self.capacity = capacity
        self._queues: set[asyncio.Queue[dict[str, Any]]] = set()

    def subscribe(self) -> asyncio.Queue[dict[str, Any]]:
        """A new queue that receives every sample published from now on."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=self.capacity)
        self._queues.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        """Stop feeding ``queue`` (a queue that was never subscribed is ignored)."""
        self._queues.discard(queue)

    def publish(self, sample: dict[str, Any]) -> None:
        """Put ``sample`` on every subscriber's queue, without waiting."""
        for queue in list(self._queues):
            if queue.full():
                # No await between the check and the get: a full queue still has its oldest to drop.
                queue.get_nowait()
            queue.put_nowait(sample)

    def __len__(self) -> int:
        return len(self._queues)
