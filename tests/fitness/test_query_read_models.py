"""The data endpoints read read models shaped for them, and answer exactly what a plain GROUP BY
(or scan) of the venue rows answers: top symbols from the per-capture symbol totals, venue rows
through the (capture, symbol) and (capture, line) indexes, keyset pages equal to offset pages."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fitness.conftest import INGEST, Populated
from tests.fitness.helpers import api, db

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

#: What GET /v1/data/symbols answered before the symbol totals existed.
PLAIN_SYMBOLS = r"""
    SELECT symbol, max(issue_name) AS issue_name, sum(total_shares)::bigint AS total_shares,
           sum(total_trades)::bigint AS total_trades, count(*) AS venues
    FROM finra_otc.venue_volume
    WHERE capture_id = $1 AND symbol IS NOT NULL AND summary_type_code LIKE '%\_W\_SMBL\_FIRM'
    GROUP BY symbol
    ORDER BY total_shares DESC, symbol"""


def _ingest_captures(populated: Populated) -> list[dict[str, Any]]:
    async def work(conn):  # type: ignore[no-untyped-def]
        return await conn.fetch(
            """SELECT capture_id, week_ending, tier FROM finra_otc.captures
               WHERE pipeline = $1 AND status = 'complete' ORDER BY week_ending""",
            INGEST,
        )

    return [dict(r) for r in db(populated, work)]


def test_the_indexes_and_the_symbol_totals_exist(populated: Populated) -> None:
    async def work(conn):  # type: ignore[no-untyped-def]
        return {
            r["indexname"]: r["indexdef"]
            for r in await conn.fetch("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'finra_otc'")
        }

    indexes = db(populated, work)
    assert "(capture_id, symbol, line_no)" in indexes["venue_volume_by_symbol"]
    assert "(capture_id, line_no)" in indexes["venue_volume_by_line"]
    assert "(capture_id, total_shares DESC, symbol)" in indexes["symbol_totals_top"]
    assert "symbol_totals_pkey" in indexes


def test_symbol_totals_equal_a_plain_group_by_for_every_capture(populated: Populated) -> None:
    captures = _ingest_captures(populated)
    assert len(captures) >= 8

    async def work(conn):  # type: ignore[no-untyped-def]
        out = {}
        for capture in captures:
            plain = [dict(r) for r in await conn.fetch(PLAIN_SYMBOLS, capture["capture_id"])]
            stored = [
                dict(r)
                for r in await conn.fetch(
                    """SELECT symbol, issue_name, total_shares, total_trades, venues FROM finra_otc.symbol_totals
                       WHERE capture_id = $1 ORDER BY total_shares DESC, symbol""",
                    capture["capture_id"],
                )
            ]
            out[capture["capture_id"]] = (plain, stored)
        return out

    for capture_id, (plain, stored) in db(populated, work).items():
        assert plain, capture_id
        assert stored == plain, capture_id


def test_symbols_endpoint_answers_the_plain_group_by(populated: Populated) -> None:
    for capture in _ingest_captures(populated):
        week, tier = capture["week_ending"].isoformat(), capture["tier"]

        async def work(conn, capture_id=capture["capture_id"]):  # type: ignore[no-untyped-def]
            return [dict(r) for r in await conn.fetch(PLAIN_SYMBOLS, capture_id)]

        plain = db(populated, work)
        for limit in (1, 10, 100_000):
            answer = api(
                populated,
                "/v1/data/symbols",
                week_ending=week,
                tier=tier,
                limit=limit,
                capture_id=capture["capture_id"],
            )
            assert answer["data"] == plain[:limit], (week, tier, limit)


def test_venue_volume_answers_a_plain_scan_by_symbol_and_by_page(populated: Populated) -> None:
    capture = _ingest_captures(populated)[-1]
    week, tier, capture_id = capture["week_ending"].isoformat(), capture["tier"], capture["capture_id"]

    async def work(conn):  # type: ignore[no-untyped-def]
        symbols = [
            r["symbol"]
            for r in await conn.fetch(
                "SELECT DISTINCT symbol FROM finra_otc.venue_volume WHERE capture_id = $1 AND symbol IS NOT NULL "
                "ORDER BY symbol LIMIT 5",
                capture_id,
            )
        ]
        by_symbol = {
            s: [
                r["line_no"]
                for r in await conn.fetch(
                    "SELECT line_no FROM finra_otc.venue_volume WHERE capture_id = $1 AND symbol = $2 ORDER BY line_no",
                    capture_id,
                    s,
                )
            ]
            for s in symbols
        }
        every = [
            r["line_no"]
            for r in await conn.fetch(
                "SELECT line_no FROM finra_otc.venue_volume WHERE capture_id = $1 ORDER BY line_no", capture_id
            )
        ]
        return by_symbol, every

    by_symbol, every = db(populated, work)
    common = {"week_ending": week, "tier": tier, "capture_id": capture_id}
    for symbol, lines in by_symbol.items():
        answer = api(populated, "/v1/data/venue-volume", symbol=symbol, **common)
        assert [r["line_no"] for r in answer["data"]] == lines
        assert answer["meta"]["total"] == len(lines)
        assert all(r["symbol"] == symbol for r in answer["data"])

    # Offset pages and keyset pages (after the last line of the previous page) give the same rows.
    page = max(7, len(every) // 40)
    by_offset: list[int] = []
    by_keyset: list[int] = []
    after: int | None = None
    for offset in range(0, len(every) + page, page):
        answer = api(populated, "/v1/data/venue-volume", limit=page, offset=offset, **common)
        assert answer["meta"]["total"] == len(every)
        by_offset += [r["line_no"] for r in answer["data"]]
        keyed = api(
            populated, "/v1/data/venue-volume", limit=page, **common, **({"after_line": after} if after else {})
        )
        by_keyset += [r["line_no"] for r in keyed["data"]]
        after = by_keyset[-1] if by_keyset else None
    assert by_offset == every
    assert by_keyset == every


def test_every_served_capture_holds_the_rows_it_accepted(populated: Populated) -> None:
    """The totals of unfiltered pages are the captures' accepted rows, not a count of their rows."""
    from projections.finra_otc.tables import TABLES
    from projections.finra_otc.views import CALC_VIEWS

    served = {view.pipeline: view.table for view in CALC_VIEWS} | {INGEST: TABLES[INGEST].table}

    async def work(conn):  # type: ignore[no-untyped-def]
        out = []
        for pipeline, table in served.items():
            out += [
                (pipeline, dict(r))
                for r in await conn.fetch(
                    f"""SELECT c.capture_id, c.rows_accepted,
                               (SELECT count(*) FROM finra_otc.{table} t WHERE t.capture_id = c.capture_id) AS rows
                        FROM finra_otc.captures c WHERE c.pipeline = $1 AND c.status = 'complete'""",
                    pipeline,
                )
            ]
        return out

    captures = db(populated, work)
    assert len({pipeline for pipeline, _ in captures}) == len(served)
    for pipeline, capture in captures:
        assert capture["rows_accepted"] == capture["rows"], (pipeline, capture)


def test_calc_pages_are_the_calc_order_and_totals_the_row_counts(populated: Populated) -> None:
    from projections.finra_otc.views import CALC_VIEWS

    week, paged = "2025-11-21", 0
    for view in CALC_VIEWS:
        if view.path == "rolling":
            continue  # needs a window; its order is its primary key
        full = api(populated, f"/v1/data/{view.path}", week_ending=week, tier="OTC", limit=100_000)
        page = api(populated, f"/v1/data/{view.path}", week_ending=week, tier="OTC", limit=5, offset=3)
        assert full["meta"]["total"] == len(full["data"]), view.path
        assert page["data"] == full["data"][3:8], view.path
        assert page["meta"]["total"] == full["meta"]["total"], view.path
        paged += len(page["data"]) == 5
    assert paged >= 5, "most calcs of the week have more than 8 rows"
