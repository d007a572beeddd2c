"""The data-plane statements of the gateway, timed and explained directly on PostgreSQL: the
statements served before the query read models (the baseline, run in the same benchmark) and
the ones served now (imported from the data plane's query module, so they cannot drift)."""

from __future__ import annotations

import statistics
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

import asyncpg

from projections.finra_otc import queries as finra
from projections.finra_otc.queries import (
    SYMBOL_VENUE_COUNT_SQL,
    SYMBOL_VENUE_ROWS_SQL,
    SYMBOLS_SQL,
    VENUE_ROWS_SQL,
)
from projections.finra_otc.views import CALC_VIEWS
from spine_domains.finra_otc.pipelines import IngestWeek

__all__ = ["statements", "time_statements", "explain", "time_query_functions", "indexes_before"]

#: The venue-row indexes the query read models added; the old statements are timed without them.
NEW_VENUE_INDEXES = ("finra_otc.venue_volume_by_symbol", "finra_otc.venue_volume_by_line")

_COLUMNS = ", ".join(c for c in IngestWeek.row_columns if c not in ("total_notional", "week_start_date"))

#: The statements GET /v1/data/symbols and /v1/data/venue-volume ran before (a GROUP BY of the
#: capture's venue rows; a count and a page under ``$2 IS NULL OR symbol = $2``).
OLD_SYMBOLS = r"""SELECT symbol, max(issue_name) AS issue_name, sum(total_shares)::bigint AS total_shares,
       sum(total_trades)::bigint AS total_trades, count(*) AS venues
    FROM finra_otc.venue_volume
    WHERE capture_id = $1 AND symbol IS NOT NULL AND summary_type_code LIKE '%\_W\_SMBL\_FIRM'
    GROUP BY symbol ORDER BY total_shares DESC, symbol LIMIT $2"""
OLD_VENUE_COUNT = (
    "SELECT count(*) FROM finra_otc.venue_volume WHERE capture_id = $1 AND ($2::text IS NULL OR symbol = $2)"
)
OLD_VENUE_ROWS = f"""SELECT {_COLUMNS} FROM finra_otc.venue_volume
    WHERE capture_id = $1 AND ($2::text IS NULL OR symbol = $2) ORDER BY line_no LIMIT $3 OFFSET $4"""


def statements(capture_id: UUID, symbol: str) -> dict[str, list[tuple[str, tuple[Any, ...]]]]:
    """Per request shape: (old statements, new statements), each a list of (sql, args)."""
    return {
        "symbols top 10 [old]": [(OLD_SYMBOLS, (capture_id, 10))],
        "symbols top 10 [new]": [(SYMBOLS_SQL, (capture_id, 10))],
        "venue rows of a symbol [old]": [
            (OLD_VENUE_COUNT, (capture_id, symbol)),
            (OLD_VENUE_ROWS, (capture_id, symbol, 1000, 0)),
        ],
        "venue rows of a symbol [new]": [
            (SYMBOL_VENUE_COUNT_SQL, (capture_id, symbol)),
            (SYMBOL_VENUE_ROWS_SQL, (capture_id, symbol, -1, 1000, 0)),
        ],
        "venue rows, first page [old]": [
            (OLD_VENUE_COUNT, (capture_id, None)),
            (OLD_VENUE_ROWS, (capture_id, None, 100, 0)),
        ],
        "venue rows, first page [new]": [
            ("SELECT rows_accepted FROM finra_otc.captures WHERE capture_id = $1", (capture_id,)),
            (VENUE_ROWS_SQL, (capture_id, -1, 100, 0)),
        ],
        "venue rows, page at 500,000 by offset [new]": [(VENUE_ROWS_SQL, (capture_id, -1, 100, 500_000))],
        "venue rows, page at 500,000 by keyset [new]": [(VENUE_ROWS_SQL, (capture_id, 500_000, 100, 0))],
    }


async def time_statements(
    conn: asyncpg.Connection, shapes: dict[str, list[tuple[str, tuple[Any, ...]]]], repeat: int = 5
) -> dict[str, float]:
    """Median milliseconds of each shape's statements run in turn (prepared, as asyncpg does)."""
    out: dict[str, float] = {}
    for name, steps in shapes.items():
        runs = []
        for _ in range(repeat):
            started = time.perf_counter()
            for sql, args in steps:
                await conn.fetch(sql, *args)
            runs.append((time.perf_counter() - started) * 1000)
        out[name] = round(statistics.median(runs), 3)
    return out


@asynccontextmanager
async def indexes_before(conn: asyncpg.Connection) -> AsyncIterator[None]:
    """The venue rows as they were indexed before: the new indexes dropped in a transaction that
    is rolled back (it locks the table meanwhile; nothing else queries it then)."""
    transaction = conn.transaction()
    await transaction.start()
    try:
        await conn.execute(f"DROP INDEX {', '.join(NEW_VENUE_INDEXES)}")
        yield
    finally:
        await transaction.rollback()


async def explain(conn: asyncpg.Connection, sql: str, args: tuple[Any, ...]) -> str:
    """``EXPLAIN (ANALYZE, BUFFERS)`` of one statement with its arguments, as text."""
    rows = await conn.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", *args)
    return "\n".join(r[0] for r in rows)


async def time_query_functions(
    conn: asyncpg.Connection, week: Any, tier: str, symbol: str, with_calcs: bool, repeat: int = 50
) -> dict[str, dict[str, float]]:
    """p50/p99 milliseconds of what each data endpoint runs on PostgreSQL, called in this process
    on one connection (prepared statements, so PostgreSQL's plan cache switches to generic plans
    after five runs, as in the gateway): the capture lookup and the query functions, no HTTP."""
    from benchmarks.http_load import percentile

    async def ingest() -> UUID:
        return (await finra.ingest_capture(conn, week, tier, None, None)).capture_id

    async def symbols() -> Any:
        return await finra.symbols(conn, await ingest(), 10)

    async def of_symbol() -> Any:
        return await finra.venue_rows(conn, await ingest(), symbol, 1000, 0)

    async def first_page() -> Any:
        return await finra.venue_rows(conn, await ingest(), None, 100, 0)

    async def keyset_page() -> Any:
        return await finra.venue_rows(conn, await ingest(), None, 100, 0, 500_000)

    def calc(view: Any) -> Any:
        async def call() -> Any:
            capture = await _calc_capture(conn, view.pipeline, week, tier)
            return await finra.calc_rows(conn, view.table, capture, view.columns, view.order_by, limit=10)

        return call

    calls: dict[str, Any] = {
        "symbols top 10": symbols,
        "venue-volume of a symbol": of_symbol,
        "venue-volume first page (100)": first_page,
        "venue-volume page at 500k, keyset": keyset_page,
    }
    if with_calcs:
        calls |= {f"{view.path} top 10": calc(view) for view in CALC_VIEWS if view.path != "rolling"}
    out: dict[str, dict[str, float]] = {}
    for name, call in calls.items():
        runs = []
        for _ in range(repeat):
            started = time.perf_counter()
            await call()
            runs.append(time.perf_counter() - started)
        out[name] = {"p50_ms": round(percentile(runs, 50) * 1000, 3), "p99_ms": round(percentile(runs, 99) * 1000, 3)}
    return out


async def _calc_capture(conn: asyncpg.Connection, pipeline: str, week: Any, tier: str) -> UUID:
    """The latest capture of a calc for the week (the gateway resolves it the same way, by partition)."""
    row = await conn.fetchrow(
        """SELECT capture_id FROM finra_otc.captures WHERE pipeline = $1 AND week_ending = $2 AND tier = $3
           AND status = 'complete' ORDER BY completed_position DESC LIMIT 1""",
        pipeline,
        week,
        tier,
    )
    assert row is not None, f"no capture of {pipeline}"
    return UUID(str(row["capture_id"]))
