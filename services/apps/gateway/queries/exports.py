"""Whole result sets streamed from PostgreSQL for downloads (CSV): a server-side cursor inside a
read-only transaction, fetched a chunk at a time, so a million-row week never sits in memory.

Each query is one of the data plane's own statements (``finra``) with ``LIMIT NULL`` when every
row is asked for: the same order, the same indexes as the JSON pages.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any
from uuid import UUID

import asyncpg

from services.apps.gateway.queries.finra import (
    INGEST,
    SYMBOL_VENUE_ROWS_SQL,
    SYMBOLS_SQL,
    VENUE_ROWS_SQL,
    WEEKS_SQL,
    table_sql,
)

__all__ = ["Export", "stream_rows", "weeks", "symbols", "venue_rows", "table_rows", "CHUNK_ROWS"]

#: Rows fetched from the cursor at a time (a few hundred kilobytes of CSV).
CHUNK_ROWS = 5000


class Export:
    """A statement and its arguments, to be streamed by :func:`stream_rows`."""

    __slots__ = ("args", "sql")

    def __init__(self, sql: str, *args: Any) -> None:
        self.sql = sql
        self.args = args


def weeks(tier: str | None) -> Export:
    return Export(WEEKS_SQL, tier, INGEST)


def symbols(capture_id: UUID, limit: int | None) -> Export:
    return Export(SYMBOLS_SQL, capture_id, limit)


def venue_rows(capture_id: UUID, symbol: str | None, limit: int | None, offset: int, after_line: int | None) -> Export:
    """The capture's venue rows in file order; ``limit`` None: all of them after the cursor."""
    after = -1 if after_line is None else after_line
    if symbol is None:
        return Export(VENUE_ROWS_SQL, capture_id, after, limit, offset)
    return Export(SYMBOL_VENUE_ROWS_SQL, capture_id, symbol, after, limit, offset)


def table_rows(
    table: str,
    capture_id: UUID,
    columns: tuple[str, ...],
    order_by: str,
    *,
    symbol: str | None,
    limit: int | None,
    offset: int,
) -> Export:
    sql = table_sql(table, columns, order_by, by_symbol=symbol is not None)
    args: list[Any] = [capture_id] + ([symbol] if symbol is not None else [])
    return Export(sql, *args, limit, offset)


async def stream_rows(
    pool: asyncpg.Pool, export: Export, chunk: int = CHUNK_ROWS
) -> AsyncIterator[Sequence[Sequence[Any]]]:
    """The column names (as a one-row chunk), then the rows, ``chunk`` at a time.

    The connection is held only while the caller iterates, and given back when it stops (a
    client that goes away closes the generator, which ends the transaction).
    """
    async with pool.acquire() as conn, conn.transaction(readonly=True, isolation="repeatable_read"):
        statement = await conn.prepare(export.sql)
        yield [tuple(attribute.name for attribute in statement.get_attributes())]
        cursor = await statement.cursor(*export.args)
        while True:
            rows = await cursor.fetch(chunk)
            if not rows:
                break
            yield rows
            if len(rows) < chunk:
                break
