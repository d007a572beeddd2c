"""Uniqueness constraints hold: the natural keys of every read model are unique, and the
database refuses a duplicate."""

from __future__ import annotations

import asyncpg
import pytest

from tests.fitness.conftest import Populated
from tests.fitness.helpers import db

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

NATURAL_KEYS = {
    "venue_volume": "capture_id, summary_type_code, coalesce(symbol, ''), coalesce(mpid, firm_crd, participant_name, '')",
    "normalized_venue_volume": "capture_id, summary_type_code, symbol, venue_id",
    "symbol_summary": "capture_id, symbol",
    "venue_share": "capture_id, venue_id",
    "symbol_venue_share": "capture_id, symbol, venue_id",
    "tier_share": "capture_id, symbol",
    "week_over_week": "capture_id, symbol",
    "rolling": "capture_id, symbol",
    "volume_per_day": "capture_id, symbol",
}


@pytest.mark.parametrize("table", sorted(NATURAL_KEYS))
def test_natural_keys_are_unique(populated: Populated, table: str) -> None:
    async def work(conn):  # type: ignore[no-untyped-def]
        rows = await conn.fetchval(f"SELECT count(*) FROM finra_otc.{table}")
        duplicates = await conn.fetchval(
            f"SELECT count(*) FROM (SELECT 1 FROM finra_otc.{table} GROUP BY {NATURAL_KEYS[table]} HAVING count(*) > 1) d"
        )
        return rows, duplicates

    rows, duplicates = db(populated, work)
    assert rows > 0, f"{table} is empty: its pipeline did not persist its output"
    assert duplicates == 0


@pytest.mark.parametrize("table", ["venue_volume", "venue_share", "symbol_summary", "rolling"])
def test_the_database_refuses_a_duplicate_row(populated: Populated, table: str) -> None:
    async def work(conn):  # type: ignore[no-untyped-def]
        async with conn.transaction():
            columns = [
                r["column_name"]
                for r in await conn.fetch(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = 'finra_otc' AND table_name = $1",
                    table,
                )
            ]
            cols = ", ".join(f'"{c}"' for c in columns)
            with pytest.raises(asyncpg.UniqueViolationError):
                await conn.execute(
                    f"INSERT INTO finra_otc.{table} ({cols}) SELECT {cols} FROM finra_otc.{table} LIMIT 1"
                )

    db(populated, work)


def test_each_partition_has_one_current_capture_and_captures_are_never_overwritten(populated: Populated) -> None:
    async def work(conn):  # type: ignore[no-untyped-def]
        return await conn.fetchval(
            """SELECT count(*) FROM (SELECT capture_id FROM finra_otc.captures GROUP BY capture_id HAVING count(*) > 1) d"""
        )

    assert db(populated, work) == 0
