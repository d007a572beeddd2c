"""What the read models' queries share: a statement to stream, and streaming it.

Each read model's queries live beside its projection (``projections/<model>/queries.py``); the
gateway only translates HTTP to a query and its rows back. Connections and pools come from the
caller (asyncpg), so nothing here imports a driver.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncpg

__all__ = ["CHUNK_ROWS", "Statement", "stream_rows"]

#: Rows fetched from a cursor at a time (a few hundred kilobytes of CSV).
CHUNK_ROWS = 5000


@dataclass(frozen=True, slots=True)
class Statement:
    """A statement and its arguments, to be streamed by :func:`stream_rows`."""

    sql: str
    args: tuple[Any, ...]


async def stream_rows(
    pool: asyncpg.Pool, statement: Statement, chunk: int = CHUNK_ROWS
) -> AsyncIterator[Sequence[Sequence[Any]]]:
    """The column names (as a one-row chunk), then the rows, ``chunk`` at a time, from a
    server-side cursor inside a read-only transaction: a million-row result never sits in memory.

    The connection is held only while the caller iterates, and given back when it stops (a
    client that goes away closes the generator, which ends the transaction).
    """
    async with pool.acquire() as conn, conn.transaction(readonly=True, isolation="repeatable_read"):
        prepared = await conn.prepare(statement.sql)
        yield [tuple(attribute.name for attribute in prepared.get_attributes())]
        cursor = await prepared.cursor(*statement.args)
        while True:
            rows = await cursor.fetch(chunk)
            if not rows:
                break
            yield rows
            if len(rows) < chunk:
                break
