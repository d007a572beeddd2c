"""What the gateway holds for its lifetime: settings, a read pool, a NATS connection, the lag
monitor and the Prometheus collector."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from nats.aio.client import Client

from services.adapters.bus.nats import connect_nats
from services.adapters.db.pool import create_pool, rollback_if_open
from services.adapters.filestore import FileStore, open_file_store
from services.apps.gateway.monitoring import LagMonitor, MonitorFactory
from services.apps.gateway.prometheus import GatewayMetrics
from services.settings import Settings
from spine_core.errors import Unavailable

__all__ = ["GatewayState"]

log = logging.getLogger("spine.gateway")


@dataclass
class GatewayState:
    """Connections open lazily, on first use, and close with :meth:`close`."""

    settings: Settings
    monitor_factory: MonitorFactory
    _pool: asyncpg.Pool | None = None
    _nats: Client | None = None
    _files: FileStore | None = None
    _inbox_root: str | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    monitor: LagMonitor | None = None
    metrics: GatewayMetrics = field(default_factory=GatewayMetrics)
    event_store: Any = None
    replays: dict[str, dict[str, Any]] = field(default_factory=dict)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def track(self, task: asyncio.Task[None]) -> None:
        """Keep a background task (cancelled on shutdown)."""
        self._tasks.append(task)

    def start_monitor(self) -> LagMonitor:
        """Sample projection lag in the background for the ops endpoints, metrics and dashboard."""
        if self.monitor is None:
            self.monitor = self.monitor_factory(self.settings, self.pool, self.nats)
            self._tasks.append(asyncio.create_task(self.monitor.run(self._stop)))
        return self.monitor

    async def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            async with self._lock:
                if self._pool is None:
                    # Statements stay prepared (one round trip per query, not two; no parse or
                    # plan). A replay's swap drops the old schema in the transaction that renames
                    # the rebuilt one in: PostgreSQL invalidates the plans on the dropped tables
                    # and re-analyses their text, which now names the rebuilt tables
                    # (tests/ops/test_replay_under_load.py reads through the swap).
                    self._pool = await create_pool(
                        self.settings.database_url, min_size=1, max_size=8, reset=rollback_if_open
                    )
        return self._pool

    async def nats(self) -> Client:
        if self._nats is None or self._nats.is_closed:
            async with self._lock:
                if self._nats is None or self._nats.is_closed:
                    self._nats = await connect_nats(self.settings, "spine-gateway")
        if not self._nats.is_connected:
            raise Unavailable("the gateway is reconnecting to NATS", hint="retry in a few seconds")
        return self._nats

    def inbox_root(self) -> str:
        """The inbox's real path (SPINE_FILE_STORE=inbox), resolved on first use only: see
        :func:`services.adapters.inbox.resolve_under` for why a stale one is safe."""
        if self._inbox_root is None:
            self._inbox_root = os.path.realpath(self.settings.inbox)
        return self._inbox_root

    async def file_store(self) -> FileStore:
        """The file store (SPINE_FILE_STORE=objects), on the current NATS connection."""
        nc = await self.nats()
        if self._files is None or self._files.nc is not nc:
            self._files = await open_file_store(self.settings, nc)
        return self._files

    async def close(self) -> None:
        self._stop.set()
        for task in self._tasks:
            task.cancel()
            try:
                with contextlib.suppress(asyncio.CancelledError):  # what cancel() asked for
                    await task
            except Exception:
                log.exception("a background task of the gateway failed")
        if self._nats is not None and not self._nats.is_closed:
            await self._nats.close()
        if self._pool is not None:
            await self._pool.close()
        if self.event_store is not None:
            self.event_store.close()
