"""Helpers of the fitness suite."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import asyncpg

from services.cli.client import GatewayClient
from tests.fitness.conftest import Populated

T = TypeVar("T")


def db(populated: Populated, work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
    async def main() -> T:
        conn = await asyncpg.connect(populated.settings.database_url)
        try:
            return await work(conn)
        finally:
            await conn.close()

    return asyncio.run(main())


def api(populated: Populated, path: str, **params: Any) -> dict[str, Any]:
    async def main() -> dict[str, Any]:
        async with GatewayClient(populated.stack.gateway_url, token=populated.stack.operator_token) as gateway:
            return await gateway.get(path, **params)

    return asyncio.run(main())
