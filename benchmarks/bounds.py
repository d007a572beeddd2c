"""Lower bounds measured in the same run as the figure they bound: what PostgreSQL alone does
with the same rows (a plain COPY of the file, asyncpg's binary COPY of records, the size of the
rows as a plain table)."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg

__all__ = ["copy_baseline", "copy_files", "copy_records_rate", "read_records"]

_SCRATCH_DDL = """CREATE UNLOGGED TABLE bench_copy (tier text, symbol text, issue_name text, participant_name text,
                   mpid text, total_shares bigint, total_trades bigint, last_update_date date)"""


async def copy_baseline(database_url: str, path: Path, *, table_size: bool = False) -> dict[str, float]:
    """The same file loaded by PostgreSQL's COPY into a scratch table: without and with the
    data plane's unique index. With ``table_size``, also ``table_bytes``: the rows as a plain
    table (``pg_total_relation_size``, no index)."""
    conn = await asyncpg.connect(database_url)
    out: dict[str, float] = {}
    try:
        for label, index in (("copy_s", False), ("copy_with_index_s", True)):
            await conn.execute("DROP TABLE IF EXISTS bench_copy")
            await conn.execute(_SCRATCH_DDL)
            await conn.execute("ALTER TABLE bench_copy SET LOGGED")
            if index:
                await conn.execute("CREATE UNIQUE INDEX ON bench_copy (symbol, mpid)")
            started = time.perf_counter()
            await conn.copy_to_table(
                "bench_copy", source=str(path), format="csv", delimiter="|", header=True, quote="\x01"
            )
            out[label] = time.perf_counter() - started
            if table_size and not index:
                out["table_bytes"] = float(await conn.fetchval("SELECT pg_total_relation_size('bench_copy')"))
        await conn.execute("DROP TABLE bench_copy")
    finally:
        await conn.close()
    return out


def read_records(path: Path, limit: int) -> list[tuple[Any, ...]]:
    """Up to ``limit`` data lines of a FINRA download file as typed records (the scratch table's columns)."""
    records: list[tuple[Any, ...]] = []
    with path.open(encoding="ascii") as handle:
        next(handle, None)  # the header
        for line in handle:
            if len(records) >= limit:
                break
            tier, symbol, issue, participant, mpid, shares, trades, updated = line.rstrip("\n").split("|")
            records.append(
                (tier, symbol, issue, participant, mpid, int(shares), int(trades), date.fromisoformat(updated))
            )
    return records


async def copy_records_rate(database_url: str, records: list[tuple[Any, ...]], repeat: int = 2) -> dict[str, float]:
    """asyncpg's ``copy_records_to_table`` of records already in memory into a scratch table
    (the fastest way rows get into PostgreSQL from Python): the best rows/s of ``repeat`` tries."""
    conn = await asyncpg.connect(database_url)
    best = float("inf")
    try:
        for _ in range(max(repeat, 1)):
            await conn.execute("DROP TABLE IF EXISTS bench_copy")
            await conn.execute(_SCRATCH_DDL)
            await conn.execute("ALTER TABLE bench_copy SET LOGGED")
            started = time.perf_counter()
            await conn.copy_records_to_table("bench_copy", records=records)
            best = min(best, time.perf_counter() - started)
        await conn.execute("DROP TABLE bench_copy")
    finally:
        await conn.close()
    return {"rows": len(records), "seconds": best, "rows_per_s": len(records) / best if best else 0.0}


async def copy_files(database_url: str, paths: list[Path]) -> float:
    """Seconds to COPY every file, one after the other, into one scratch table (no index)."""
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("DROP TABLE IF EXISTS bench_copy")
        await conn.execute(_SCRATCH_DDL)
        await conn.execute("ALTER TABLE bench_copy SET LOGGED")
        started = time.perf_counter()
        for path in paths:
            await conn.copy_to_table(
                "bench_copy", source=str(path), format="csv", delimiter="|", header=True, quote="\x01"
            )
        seconds = time.perf_counter() - started
        await conn.execute("DROP TABLE bench_copy")
    finally:
        await conn.close()
    return seconds
