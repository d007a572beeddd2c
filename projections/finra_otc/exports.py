"""The data plane's statements whole, for downloads (CSV): the same statements, the same order and
the same indexes as the JSON pages (:mod:`projections.finra_otc.queries`), with ``LIMIT NULL``
when every row is asked for. Streamed by :func:`projections.querying.stream_rows`."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from projections.finra_otc.queries import (
    INGEST,
    SYMBOL_VENUE_ROWS_SQL,
    SYMBOLS_SQL,
    VENUE_ROWS_SQL,
    WEEKS_SQL,
    table_sql,
)
from projections.querying import Statement

__all__ = ["weeks", "symbols", "venue_rows", "table_rows"]


def weeks(tier: str | None) -> Statement:
    return Statement(WEEKS_SQL, (tier, INGEST))


def symbols(capture_id: UUID, limit: int | None) -> Statement:
    return Statement(SYMBOLS_SQL, (capture_id, limit))


def venue_rows(
    capture_id: UUID, symbol: str | None, limit: int | None, offset: int, after_line: int | None
) -> Statement:
    """The capture's venue rows in file order; ``limit`` None: all of them after the cursor."""
    after = -1 if after_line is None else after_line
    if symbol is None:
        return Statement(VENUE_ROWS_SQL, (capture_id, after, limit, offset))
    return Statement(SYMBOL_VENUE_ROWS_SQL, (capture_id, symbol, after, limit, offset))


def table_rows(
    table: str,
    capture_id: UUID,
    columns: tuple[str, ...],
    order_by: str,
    *,
    symbol: str | None,
    limit: int | None,
    offset: int,
) -> Statement:
    sql = table_sql(table, columns, order_by, by_symbol=symbol is not None)
    args: list[Any] = [capture_id] + ([symbol] if symbol is not None else [])
    return Statement(sql, (*args, limit, offset))
