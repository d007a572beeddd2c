from __future__ import annotations

import asyncpg

from spine_core.errors import Unavailable

__all__ = ["create_pool", "ping"]


async def create_pool(
    database_url: str | None, *, min_size: int = 1, max_size: int = 5, statement_cache_size: int = 100
) -> asyncpg.Pool:
    if not database_url:
        raise Unavailable("no database configured", hint="run `spine dev` or set SPINE_DATABASE_URL")
    try:
        pool = await asyncpg.create_pool(
            database_url,
            min_size=min_size,
            max_size=max_size,
            timeout=10,
            command_timeout=300,
            statement_cache_size=statement_cache_size,
        )
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        raise Unavailable(
            f"cannot reach PostgreSQL: {exc}", hint="is the database running? check SPINE_DATABASE_URL"
        ) from exc
    assert pool is not None
    return pool


async def ping(conn: asyncpg.Connection) -> None:
    """Raises when the database does not answer (a liveness check)."""
    await conn.fetchval("SELECT 1")
