"""Queries on the FINRA OTC data plane (schema ``finra_otc``): captures and their rows, as typed rows.

The gateway's data and calc routes call these; :mod:`projections.finra_otc.exports` streams the
same statements whole. Each row class's fields are the columns its statement selects.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from projections.finra_otc.rows import CalcCell, CalcRows, ServedCapture, SymbolRow, VenueRow, WeekRow
from projections.finra_otc.tables import INGEST_PIPELINE
from projections.finra_otc.views import VENUE_ROW_COLUMNS
from projections.querying import JsonPage, Page, json_document, json_page_sql, page_of, row_of, select_list
from spine_core.errors import NotFound
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.tiers import Tier

if TYPE_CHECKING:
    import asyncpg

__all__ = [
    "ServedCapture", "WeekRow", "SymbolRow", "VenueRow", "CalcCell", "CalcRows",
    "resolve_capture", "ingest_capture", "weeks", "symbols", "venue_rows", "calc_rows",
    "INGEST", "venue_rows_json", "VENUE_ROWS_JSON_SQL", "SYMBOL_VENUE_ROWS_JSON_SQL", "SYMBOLS_SQL", "VENUE_ROWS_SQL", "SYMBOL_VENUE_ROWS_SQL", "SYMBOL_VENUE_COUNT_SQL", "WEEKS_SQL",
    "table_sql",
]  # fmt: skip

_S = "finra_otc"
INGEST = INGEST_PIPELINE


#: Top symbols of an ingest capture ($1), $2 of them: the symbol totals the projector wrote
#: when the capture completed, read top first through ``symbol_totals_top``.
SYMBOLS_SQL = f"""SELECT {select_list(SymbolRow)}
    FROM {_S}.symbol_totals WHERE capture_id = $1
    ORDER BY total_shares DESC, symbol LIMIT $2"""
_VENUE_COLUMNS = ", ".join(VENUE_ROW_COLUMNS)
#: A capture's venue rows in file order after line $2 (keyset; -1 for the first page), through
#: ``venue_volume_by_line``.
VENUE_ROWS_SQL = f"""SELECT {_VENUE_COLUMNS}
    FROM {_S}.venue_volume WHERE capture_id = $1 AND line_no > $2
    ORDER BY line_no LIMIT $3 OFFSET $4"""
#: One symbol's venue rows ($2) in file order after line $3, through ``venue_volume_by_symbol``.
SYMBOL_VENUE_ROWS_SQL = f"""SELECT {_VENUE_COLUMNS}
    FROM {_S}.venue_volume WHERE capture_id = $1 AND symbol = $2 AND line_no > $3
    ORDER BY line_no LIMIT $4 OFFSET $5"""
SYMBOL_VENUE_COUNT_SQL = f"SELECT count(*) FROM {_S}.venue_volume WHERE capture_id = $1 AND symbol = $2"
#: Weeks with data, of one tier ($1) or all (NULL), the latest complete ingest ($2) capture of each.
WEEKS_SQL = f"""SELECT DISTINCT ON (week_ending, tier)
           week_ending, tier, capture_id, captured_at, source_updated, rows_accepted AS rows, rows_rejected,
           count(*) OVER (PARTITION BY week_ending, tier) AS captures
    FROM {_S}.captures
    WHERE pipeline = $2 AND status = 'complete' AND ($1::text IS NULL OR tier = $1)
    ORDER BY week_ending DESC, tier, completed_position DESC"""
_ROWS_ACCEPTED_SQL = f"SELECT rows_accepted FROM {_S}.captures WHERE capture_id = $1"


async def resolve_capture(
    conn: asyncpg.Connection,
    pipeline: str,
    partition_key: str,
    *,
    what: str,
    capture_id: UUID | None = None,
    as_of: datetime | None = None,
    hint: str | None = None,
) -> ServedCapture:
    """The latest complete capture of the partition, the one asked for, or the latest captured
    at or before ``as_of`` (capture time)."""
    rows = await conn.fetch(
        f"""SELECT capture_id, pipeline, week_ending, tier, captured_at, completed_at, source_updated, rows_accepted,
                   calc_name, calc_version, inputs
            FROM {_S}.captures
            WHERE pipeline = $1 AND partition_key = $2 AND status = 'complete'
            ORDER BY completed_position DESC""",
        pipeline,
        partition_key,
    )
    if not rows:
        raise NotFound(f"no {what}", hint=hint or "list available weeks with `spine query weeks` (GET /v1/data/weeks)")
    chosen = rows[0]
    if capture_id is not None:
        chosen = next((r for r in rows if r["capture_id"] == capture_id), None)
        if chosen is None:
            raise NotFound(
                f"capture {capture_id} is not a complete capture of {what}",
                hint=f"its captures: {', '.join(str(r['capture_id']) for r in rows)}",
            )
    elif as_of is not None:
        chosen = next((r for r in rows if r["completed_at"] <= as_of), None)
        if chosen is None:
            first = min(r["completed_at"] for r in rows)
            raise NotFound(
                f"no {what} as of {as_of.isoformat()}", hint=f"the first capture completed at {first.isoformat()}"
            )
    return ServedCapture(
        capture_id=chosen["capture_id"],
        pipeline=chosen["pipeline"],
        week_ending=chosen["week_ending"],
        tier=chosen["tier"],
        captured_at=chosen["captured_at"],
        source_updated=chosen["source_updated"],
        rows_accepted=chosen["rows_accepted"],
        calc_name=chosen["calc_name"],
        calc_version=chosen["calc_version"],
        inputs=json_document(chosen["inputs"]) or [],
        latest=chosen["capture_id"] == rows[0]["capture_id"],
    )


async def ingest_capture(
    conn: asyncpg.Connection, week_ending: date, tier: str, capture_id: UUID | None, as_of: datetime | None
) -> ServedCapture:
    """The ingest capture of a week and tier (the latest, or the one asked for)."""
    week, canonical = WeekEnding(week_ending), Tier.parse(tier).value
    return await resolve_capture(
        conn,
        INGEST,
        f"week_ending={week}/tier={canonical}",
        what=f"data for week ending {week} and tier {canonical}",
        capture_id=capture_id,
        as_of=as_of,
        hint="list available weeks with `spine query weeks` (GET /v1/data/weeks), or ingest the week",
    )


async def weeks(conn: asyncpg.Connection, tier: str | None) -> list[WeekRow]:
    return [row_of(WeekRow, r) for r in await conn.fetch(WEEKS_SQL, tier, INGEST)]


async def symbols(conn: asyncpg.Connection, capture_id: UUID, limit: int) -> list[SymbolRow]:
    """Symbols of an ingest capture by volume, from venue-level rows only (summary types never mixed).

    Reads the capture's symbol totals, which the projector writes when the capture completes,
    top first through the ``(capture_id, total_shares DESC, symbol)`` index.
    """
    return [row_of(SymbolRow, r) for r in await conn.fetch(SYMBOLS_SQL, capture_id, limit)]


async def venue_rows(
    conn: asyncpg.Connection,
    capture_id: UUID,
    symbol: str | None,
    limit: int,
    offset: int,
    after_line: int | None = None,
) -> Page[VenueRow]:
    """The capture's venue rows (one symbol's, or all) in file order, with their total count.

    ``after_line`` pages by keyset (rows after that ``line_no``: the last one of the previous
    page, :attr:`Page.last`), which costs the same on every page; ``offset`` still works but
    reads the rows it skips. One statement per shape, so that each keeps an index plan when prepared: a
    ``$2 IS NULL OR symbol = $2`` condition would not.
    """
    after = -1 if after_line is None else after_line
    if symbol is None:
        # Every accepted row of a complete capture is one venue row: no need to count 1M rows.
        total = await conn.fetchval(_ROWS_ACCEPTED_SQL, capture_id)
        rows = await conn.fetch(VENUE_ROWS_SQL, capture_id, after, limit + 1, offset)
    else:
        total = await conn.fetchval(SYMBOL_VENUE_COUNT_SQL, capture_id, symbol)
        rows = await conn.fetch(SYMBOL_VENUE_ROWS_SQL, capture_id, symbol, after, limit + 1, offset)
    return page_of([row_of(VenueRow, r) for r in rows], limit, int(total or 0))


#: :data:`VENUE_ROWS_SQL` and :data:`SYMBOL_VENUE_ROWS_SQL` as a :class:`JsonPage` (the page
#: size is the last parameter); the symbol's also counts its rows over every page.
VENUE_ROWS_JSON_SQL = json_page_sql(VENUE_ROWS_SQL, "line_no", 5)
SYMBOL_VENUE_ROWS_JSON_SQL = json_page_sql(
    SYMBOL_VENUE_ROWS_SQL,
    "line_no",
    6,
    f",\n           ({SYMBOL_VENUE_COUNT_SQL}) AS total",
)


async def venue_rows_json(
    conn: asyncpg.Connection,
    capture: ServedCapture,
    symbol: str | None,
    limit: int,
    offset: int,
    after_line: int | None = None,
) -> JsonPage:
    """:func:`venue_rows` as JSON written by PostgreSQL, in one round trip: what the gateway's
    JSON answer passes on (a test holds the two equal). The total of a whole capture is the rows
    it accepted (every accepted row is one venue row)."""
    after = -1 if after_line is None else after_line
    if symbol is None:
        record = await conn.fetchrow(VENUE_ROWS_JSON_SQL, capture.capture_id, after, limit + 1, offset, limit)
        return JsonPage.of(record, limit, capture.rows_accepted)
    record = await conn.fetchrow(
        SYMBOL_VENUE_ROWS_JSON_SQL, capture.capture_id, symbol, after, limit + 1, offset, limit
    )
    return JsonPage.of(record, limit, int(record["total"]))


async def calc_rows(
    conn: asyncpg.Connection,
    table: str,
    capture_id: UUID,
    columns: tuple[str, ...],
    order_by: str,
    *,
    symbol: str | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> CalcRows:
    """Rows of one calc table for a capture (optionally one symbol), in the calc's order: the
    order of an index of the table (``*_served``, or the primary key), so a page reads only its rows."""
    where = "capture_id = $1" + (" AND symbol = $2" if symbol is not None else "")
    args: list[Any] = [capture_id] + ([symbol] if symbol is not None else [])
    if symbol is None:
        # A calc capture's rows are the rows it accepted: no count of up to a million rows.
        total = await conn.fetchval(_ROWS_ACCEPTED_SQL, capture_id)
    else:
        total = await conn.fetchval(f"SELECT count(*) FROM {_S}.{table} WHERE {where}", *args)
    sql = table_sql(table, columns, order_by, by_symbol=symbol is not None)
    rows = await conn.fetch(sql, *args, limit, offset)
    return CalcRows(columns, [tuple(r.values()) for r in rows], int(total or 0))


def table_sql(table: str, columns: tuple[str, ...], order_by: str, *, by_symbol: bool) -> str:
    """A calc table's rows of a capture ($1; one symbol's, $2) in the calc's order, paged by the
    last two parameters (``LIMIT NULL``: every row)."""
    where = "capture_id = $1" + (" AND symbol = $2" if by_symbol else "")
    n = 2 if by_symbol else 1
    cols = ", ".join(f'"{c}"' for c in columns)
    return f"SELECT {cols} FROM {_S}.{table} WHERE {where} ORDER BY {order_by} LIMIT ${n + 1} OFFSET ${n + 2}"
