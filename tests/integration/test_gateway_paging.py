"""Keyset paging on the listings that grow without bound: following ``links.next`` from the first
page walks every item once, in order, and the last page (full or not) links nowhere. The read
models are written directly (no projector runs here); a cursor the gateway did not give is 400."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from projections.finra_otc.tables import INGEST_PIPELINE
from services.settings import Settings

pytestmark = [pytest.mark.integration]

WEEK, TIER = "2025-11-14", "OTC"
T0 = datetime(2025, 11, 21, 14, 0, tzinfo=UTC)


@pytest.fixture
async def db(client: httpx.AsyncClient, settings: Settings) -> AsyncIterator[asyncpg.Connection]:
    """A connection to the gateway's (migrated) database."""
    conn = await asyncpg.connect(settings.database_url)
    try:
        yield conn
    finally:
        await conn.close()


async def walk(client: httpx.AsyncClient, url: str) -> list[dict[str, Any]]:
    """Every page from ``url`` on, following ``links.next``."""
    pages: list[dict[str, Any]] = []
    next_url: str | None = url
    while next_url is not None:
        response = await client.get(next_url)
        assert response.status_code == 200, response.text
        pages.append(response.json())
        next_url = pages[-1]["links"]["next"]
        assert len(pages) < 50, "links.next never ends"
    return pages


def items(pages: list[dict[str, Any]], key: str) -> list[Any]:
    return [item[key] for page in pages for item in page["data"]]


async def add_executions(db: asyncpg.Connection, pipeline: str, times: list[datetime]) -> list[uuid.UUID]:
    ids = [uuid.uuid4() for _ in times]
    await db.executemany(
        """INSERT INTO manifest.executions (execution_id, pipeline, params, partition_key, trigger_source, lane,
               batch_id, idempotency_key, status, requested_at, last_position)
           VALUES ($1, $2, '{}'::jsonb, 'k', 'api', 'normal', $1, $3, 'requested', $4, 1)""",
        [(i, pipeline, str(i), t) for i, t in zip(ids, times, strict=True)],
    )
    return ids


async def test_executions_page_newest_first_and_ties_keep_their_place(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    same = T0 + timedelta(minutes=5)  # three executions requested in the same microsecond
    times = [T0, T0 + timedelta(minutes=1), same, same, same, T0 + timedelta(minutes=9), T0 + timedelta(minutes=2)]
    ids = await add_executions(db, "a.pipeline", times)
    await add_executions(db, "b.pipeline", [T0 + timedelta(minutes=3)])
    expected = [str(i) for _, i in sorted(zip(times, ids, strict=True), reverse=True)]

    pages = await walk(client, "/v1/executions?limit=3&pipeline=a.pipeline")
    assert [len(p["data"]) for p in pages] == [3, 3, 1]
    assert items(pages, "execution_id") == expected
    assert "pipeline=a.pipeline" in pages[0]["links"]["next"] and pages[-1]["links"]["next"] is None

    full = (await client.get("/v1/executions", params={"limit": 7, "pipeline": "a.pipeline"})).json()
    assert len(full["data"]) == 7 and full["links"]["next"] is None, "a full last page links nowhere"
    every = await walk(client, "/v1/executions?limit=2")
    assert len(items(every, "execution_id")) == 8 == len(set(items(every, "execution_id")))


async def test_a_batch_is_one_page(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    ids = await add_executions(db, "a.pipeline", [T0])
    body = (await client.get("/v1/executions", params={"batch_id": str(ids[0]), "limit": 1})).json()
    assert items([body], "execution_id") == [str(ids[0])] and body["links"] == {"next": None}


async def _ingest_capture(db: asyncpg.Connection, rows: int) -> uuid.UUID:
    capture_id = uuid.uuid4()
    await db.execute(
        """INSERT INTO finra_otc.captures (capture_id, execution_id, pipeline, week_ending, tier, status, captured_at,
               completed_at, rows_accepted, rows_rejected, started_position, completed_position, partition_key)
           VALUES ($1, $1, $2, $3, $4, 'complete', $5, $5, $6, 5, 1, 2, $7)""",
        capture_id, INGEST_PIPELINE, date.fromisoformat(WEEK), TIER, T0, rows, f"week_ending={WEEK}/tier={TIER}",
    )  # fmt: skip
    return capture_id


async def test_rejects_page_by_line_number(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    capture_id = await _ingest_capture(db, 0)
    lines = [(3, "WRONG_FIELD_COUNT"), (7, "INVALID_NUMBER"), (8, "WRONG_FIELD_COUNT"), (12, "WRONG_FIELD_COUNT"),
             (40, "INVALID_NUMBER")]  # fmt: skip
    await db.executemany(
        """INSERT INTO quality.core_rejects (capture_id, pipeline, partition_key, line_no, reason, detail, raw)
           VALUES ($1, 'p', 'k', $2, $3, 'd', 'raw')""",
        [(capture_id, line, reason) for line, reason in lines],
    )
    pages = await walk(client, f"/v1/rejects?week_ending={WEEK}&tier={TIER}&limit=2&offset=1")
    assert items(pages, "line_no") == [7, 8, 12, 40]
    assert "offset" not in pages[0]["links"]["next"] and pages[0]["meta"]["total"] == 5
    by_reason = await walk(client, f"/v1/rejects?week_ending={WEEK}&tier={TIER}&limit=1&reason=INVALID_NUMBER")
    assert items(by_reason, "line_no") == [7, 40] and len(by_reason) == 2


async def test_venue_rows_last_page_links_nowhere_even_when_full(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    capture_id = await _ingest_capture(db, 5)
    await db.executemany(
        """INSERT INTO finra_otc.venue_volume (capture_id, week_ending, tier, line_no, symbol, mpid, total_shares,
               total_trades) VALUES ($1, $2, $3, $4, $5, $6, 10, 1)""",
        [(capture_id, date.fromisoformat(WEEK), TIER, n, "AAA" if n % 2 else "BBB", f"M{n}") for n in range(1, 6)],
    )
    query = f"week_ending={WEEK}&tier={TIER}"
    pages = await walk(client, f"/v1/data/venue-volume?{query}&limit=2")
    assert items(pages, "line_no") == [1, 2, 3, 4, 5]
    assert [p["meta"]["next_after_line"] for p in pages] == [2, 4, None]
    full = (await client.get(f"/v1/data/venue-volume?{query}&limit=5")).json()
    assert full["links"]["next"] is None and full["meta"]["next_after_line"] is None
    one_symbol = await walk(client, f"/v1/data/venue-volume?{query}&symbol=AAA&limit=1")
    assert items(one_symbol, "line_no") == [1, 3, 5] and "symbol=AAA" in one_symbol[0]["links"]["next"]


async def test_dead_letters_page_by_projection_and_position(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    letters = [("finra_otc", 9), ("manifest", 2), ("finra_otc", 4), ("manifest", 30), ("quality", 1)]
    await db.executemany(
        """INSERT INTO spine_meta.dead_letters (projection, position, stream_id, event_type, stream_seq, error,
               attempts, status) VALUES ($1, $2, $3, 'RowsCaptured', 1, 'boom', 5, 'pending')""",
        [(projection, position, uuid.uuid4()) for projection, position in letters],
    )
    pages = await walk(client, "/v1/ops/dead-letters?limit=2")
    assert [(d["projection"], d["position"]) for p in pages for d in p["data"]] == sorted(letters)
    assert [len(p["data"]) for p in pages] == [2, 2, 1]


def _cursor(*values: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("path", "cursor"),
    [
        ("/v1/executions", "not a cursor!"),
        ("/v1/executions", _cursor("2025-11-21T14:00:00+00:00")),
        ("/v1/executions", _cursor("2025-11-21T14:00:00", str(uuid.uuid4()))),  # no UTC offset
        ("/v1/executions", _cursor(1, 2)),
        ("/v1/ops/dead-letters", _cursor("finra_otc", 2**63)),
        ("/v1/ops/dead-letters", _cursor("finra\x00otc", 1)),
        ("/v1/ops/dead-letters", base64.urlsafe_b64encode(b"\xff\xfe").decode()),
    ],
)
async def test_a_cursor_this_gateway_did_not_give_is_refused(client: httpx.AsyncClient, path: str, cursor: str) -> None:
    response = await client.get(path, params={"cursor": cursor})
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "invalid_parameter" and "links.next" in response.json()["hint"]


async def test_venue_rows_written_by_postgresql_equal_the_typed_rows(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    """The JSON answer's rows (``row_to_json`` in PostgreSQL) are the typed query's rows as the
    wire writes them, on awkward values: NULLs, quotes, backslashes, a newline, non-ASCII, the
    largest bigint, a date; on every page shape (first, keyset, offset, one symbol, past the end)."""
    from projections.finra_otc import queries as finra
    from services.apps.gateway.models.wire import wire_rows

    capture_id = await _ingest_capture(db, 4)
    rows = [
        (1, "AAA", 'Say "hi" \\ back', "M1", "Firm\nTwo lines", 9_223_372_036_854_775_807, 0, date(2025, 12, 1), "7"),
        (2, "BBB", "Société Générale – ünïcode", None, None, 0, 12, None, None),
        (3, "AAA", None, "M3", "Tab\there", 10, 1, date(2025, 11, 3), "12345"),
        (4, "C$D", "", "M4", "", 1, 1, date(2025, 11, 4), None),
    ]
    await db.executemany(
        """INSERT INTO finra_otc.venue_volume (capture_id, week_ending, tier, line_no, symbol, issue_name, mpid,
               participant_name, total_shares, total_trades, last_update_date, firm_crd)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)""",
        [(capture_id, date.fromisoformat(WEEK), TIER, *row) for row in rows],
    )
    capture = await finra.ingest_capture(db, date.fromisoformat(WEEK), TIER, None, None)
    shapes = [(None, 2, 0, None), (None, 2, 0, 2), (None, 3, 1, None), ("AAA", 1, 0, None), ("AAA", 5, 0, 1),
              (None, 10, 0, 99), ("ZZZ", 10, 0, None)]  # fmt: skip
    for symbol, limit, offset, after in shapes:
        typed = await finra.venue_rows(db, capture.capture_id, symbol, limit, offset, after)
        as_json = await finra.venue_rows_json(db, capture, symbol, limit, offset, after)
        shape = (symbol, limit, offset, after)
        assert json.loads(as_json.rows_json) == wire_rows(typed.rows), shape
        assert (as_json.count, as_json.more, as_json.total) == (len(typed.rows), typed.more, typed.total), shape
        assert as_json.last_key == (typed.last.line_no if typed.last else None), shape
