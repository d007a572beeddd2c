"""What the gateway holds for its lifetime: settings, a read pool, a NATS connection."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

import asyncpg
from nats.aio.client import Client

from services.bus.nats import connect_nats
from services.db.pool import create_pool
from services.settings import Settings
from spine_core.errors import Unavailable

__all__ = ["GatewayState"]

log = logging.getLogger("spine.gateway")


@dataclass
class GatewayState:
    settings: Settings
    _pool: asyncpg.Pool | None = None
    _nats: Client | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            async with self._lock:
                if self._pool is None:
                    self._pool = await create_pool(self.settings.database_url, min_size=1, max_size=8)
        return self._pool

    async def nats(self) -> Client:
        if self._nats is None or self._nats.is_closed:
            async with self._lock:
                if self._nats is None or self._nats.is_closed:
                    self._nats = await connect_nats(self.settings.nats_url, "spine-gateway")
        if not self._nats.is_connected:
            raise Unavailable("the gateway is reconnecting to NATS", hint="retry in a few seconds")
        return self._nats

    async def close(self) -> None:
        if self._nats is not None and not self._nats.is_closed:
            await self._nats.close()
        if self._pool is not None:
            await self._pool.close()
