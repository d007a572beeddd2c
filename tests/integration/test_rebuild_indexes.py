"""A rebuild loads its rows into tables without their indexes and builds them afterwards: once
the load is finished, the rebuilt schema has exactly the indexes and key constraints (same
names, same definitions) that migrating the projection gives."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from projections.finra_otc.spec import SPEC
from services.adapters.db.migrate import migrate_projection
from services.adapters.replay import Rebuild
from tests.conftest import Servers

pytestmark = [pytest.mark.integration]

INDEXES = """SELECT t.relname AS table_name, i.relname AS index_name,
        replace(pg_get_indexdef(i.oid), $1 || '.', '') AS definition,
        (SELECT string_agg(c.conname || ' ' || pg_get_constraintdef(c.oid), ', ')
         FROM pg_constraint c WHERE c.conindid = i.oid) AS constraints
    FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = $1 ORDER BY 1, 2"""


async def _indexes(conn: asyncpg.Connection, schema: str) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(INDEXES, schema)]


async def test_indexes_are_built_after_the_load_as_migrated(servers: Servers) -> None:
    conn = await asyncpg.connect(servers.new_database())
    try:
        await migrate_projection(conn, SPEC, "migrated")
        rebuild = Rebuild(conn, None, SPEC, "rebuilt")  # type: ignore[arg-type]  # no events read
        await rebuild.create()
        loading = {r["table_name"] for r in await _indexes(conn, "rebuilt")}
        assert "venue_volume" not in loading and "symbol_venue_share" not in loading
        assert "captures" in loading  # ON CONFLICT (capture_id) needs its key during the load
        await rebuild.finish_load()
        assert await _indexes(conn, "rebuilt") == await _indexes(conn, "migrated")
    finally:
        await conn.close()
