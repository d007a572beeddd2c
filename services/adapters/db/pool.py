from __future__ import annotations

from collections.abc import Awaitable, Callable

import asyncpg

from spine_core.errors import Unavailable

__all__ = ["create_pool", "ping", "rollback_if_open"]


async def rollback_if_open(conn: asyncpg.Connection) -> None:
    """A connection's reset on release for pools whose users leave no session state (no ``SET``,
    ``LISTEN``, advisory lock or cursor): roll back a transaction left open, nothing else.

    asyncpg's default reset sends ``pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL``
    on every release — a round trip per request of a read API, about a tenth of its cost.
    """
    if conn.is_in_transaction():
        await conn.execute("ROLLBACK")


async def create_pool(
    database_url: str | None,
    *,
    min_size: int = 1,
    max_size: int = 5,
    statement_cache_size: int = 100,
    reset: Callable[[asyncpg.Connection], Awaitable[None]] | None = None,
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
            reset=reset,
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
