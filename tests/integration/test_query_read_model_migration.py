"""The query read models' migration on a database that already holds captures: the symbol totals
of every complete capture are filled by the migration itself, equal to a plain GROUP BY, and the
projector's completion statement writes the same rows."""

from __future__ import annotations

import shutil
import uuid
from dataclasses import replace
from pathlib import Path

import asyncpg
import pytest

from projections.finra_otc.spec import SPEC
from projections.finra_otc.tables import SYMBOL_TOTALS
from services.adapters.db.migrate import migrate_projection
from tests.conftest import Servers

pytestmark = [pytest.mark.integration]

PLAIN = r"""SELECT symbol, max(issue_name) AS issue_name, sum(total_shares)::bigint AS total_shares,
       sum(total_trades)::bigint AS total_trades, count(*) AS venues
    FROM finra_otc.venue_volume
    WHERE capture_id = $1 AND symbol IS NOT NULL AND summary_type_code LIKE '%\_W\_SMBL\_FIRM'
    GROUP BY symbol ORDER BY symbol"""
STORED = """SELECT symbol, issue_name, total_shares, total_trades, venues FROM finra_otc.symbol_totals
    WHERE capture_id = $1 ORDER BY symbol"""

# (line, symbol, issue, mpid, summary type, shares, trades): venue rows of two symbols, a per-symbol
# summary row and a non-ATS row without symbol that the totals must leave out.
ROWS = [
    (1, "AAA", "Alpha A", "M1", "ATS_W_SMBL_FIRM", 100, 3),
    (2, "AAA", "Alpha B", "M2", "ATS_W_SMBL_FIRM", 250, 5),
    (3, "BBB", None, "M1", "OTC_W_SMBL_FIRM", 40, 1),
    (4, "AAA", "Alpha A", None, "ATS_W_SMBL", 350, 8),
    (5, None, None, "M3", "ATS_W_FIRM", 999, 9),
]


async def _load(conn: asyncpg.Connection, capture_id: uuid.UUID, status: str) -> None:
    await conn.execute(
        """INSERT INTO finra_otc.captures (capture_id, execution_id, pipeline, week_ending, tier, status, captured_at,
               started_position, rows_accepted)
           VALUES ($1, $2, 'finra.otc_transparency.ingest_week', '2025-11-14', 'OTC', $3, now(), 1, $4)""",
        capture_id,
        uuid.uuid4(),
        status,
        len(ROWS),
    )
    await conn.executemany(
        """INSERT INTO finra_otc.venue_volume (capture_id, week_ending, tier, line_no, symbol, issue_name, mpid,
               participant_name, summary_type_code, total_shares, total_trades)
           VALUES ($1, '2025-11-14', 'OTC', $2, $3, $4, $5, $5, $6, $7, $8)""",
        [(capture_id, *row) for row in ROWS],
    )


async def test_migration_fills_the_totals_of_existing_captures(servers: Servers, tmp_path: Path) -> None:
    before = tmp_path / "before"
    before.mkdir()
    for path in sorted(SPEC.migrations.glob("*.sql"))[:3]:
        shutil.copy(path, before / path.name)
    conn = await asyncpg.connect(servers.new_database())
    try:
        assert await migrate_projection(conn, replace(SPEC, migrations=before)) == [
            "001_venue_volume.sql", "002_derived.sql", "003_clock_views.sql",
        ]  # fmt: skip
        complete, capturing = uuid.uuid4(), uuid.uuid4()
        await _load(conn, complete, "complete")
        await _load(conn, capturing, "capturing")

        applied = await migrate_projection(conn, SPEC)
        assert "004_query_read_models.sql" in applied

        plain = [dict(r) for r in await conn.fetch(PLAIN, complete)]
        assert [r["symbol"] for r in plain] == ["AAA", "BBB"]
        assert plain[0] == {
            "symbol": "AAA",
            "issue_name": "Alpha B",
            "total_shares": 350,
            "total_trades": 8,
            "venues": 2,
        }
        assert [dict(r) for r in await conn.fetch(STORED, complete)] == plain
        assert await conn.fetch(STORED, capturing) == [], "a capture still loading gets its totals when it completes"

        # The projector's completion (the capture's totals deleted, then the rollup) writes the same
        # rows, and running it again changes nothing.
        for _ in range(2):
            await conn.execute('DELETE FROM "finra_otc".symbol_totals WHERE capture_id = $1', capturing)
            await conn.execute(SYMBOL_TOTALS.sql.format(schema='"finra_otc"'), capturing)
            assert [dict(r) for r in await conn.fetch(STORED, capturing)] == plain
    finally:
        await conn.close()
