"""What the gateway needs of a projection-lag monitor, so that it is given one rather than
importing another app: the bootstrap passes the real monitor's factory to ``create_app``."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import asyncpg
from nats.aio.client import Client

from services.settings import Settings

__all__ = ["LagMonitor", "MonitorFactory"]


class LagMonitor(Protocol):
    """Samples every projector's position, lag and status, and keeps the recent samples.

    A sample is a JSON-ready dict: ``sampled_at``, ``head``, ``relay_position`` and
    ``projectors`` (one dict each: ``name``, ``position``, ``events_behind``, ``pending``,
    ``seconds_behind``, ``rate``, ``status``, ``dead_letters``, ``events_applied``,
    ``consumer``...).
    """

    async def run(self, stop: asyncio.Event) -> None:
        """Sample about once an interval until ``stop`` is set."""
        ...

    def latest(self) -> dict[str, Any] | None:
        """The last sample taken by :meth:`run`, None before the first."""
        ...

    async def sample(self) -> dict[str, Any]:
        """A sample taken now."""
        ...

    def recent(self, seconds: float) -> list[dict[str, Any]]:
        """The samples of the last ``seconds``, summarised."""
        ...

    def subscribe(self) -> asyncio.Queue[dict[str, Any]]:
        """A queue receiving every new sample."""
        ...

    def unsubscribe(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        """Stop feeding a queue from :meth:`subscribe`."""
        ...


class MonitorFactory(Protocol):
    """Builds the monitor from the gateway's settings and its lazily opened connections."""

    def __call__(
        self,
        settings: Settings,
        pool: Callable[[], Awaitable[asyncpg.Pool]],
        nats: Callable[[], Awaitable[Client]],
    ) -> LagMonitor: ...
