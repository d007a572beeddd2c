"""What the read models' queries share: typed rows, pages, a statement to stream, and streaming it.

Each read model's queries live beside its projection (``projections/<model>/queries.py``) and
return frozen dataclasses of Python values (``date``, ``UUID``, ``Decimal``...): the gateway
only translates HTTP to a query and the rows back to JSON. A row class's fields are the columns
its statement selects (:func:`columns_of`, :func:`select_list`), so the two cannot drift; tests
check them against the read model's DDL. Connections and pools come from the caller (asyncpg),
so nothing here imports a driver.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, fields
from functools import cache
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    import asyncpg
    from _typeshed import DataclassInstance

__all__ = [
    "CHUNK_ROWS", "JsonObject", "JsonPage", "Page", "Statement", "columns_of", "json_document", "json_page_sql",
    "page_of", "row_of", "select_list", "stream_rows",
]  # fmt: skip

#: Rows fetched from a cursor at a time (a few hundred kilobytes of CSV).
CHUNK_ROWS = 5000


#: A jsonb document as stored (parameters, a source's description, a run's details...): open by
#: nature, so typed as an object of JSON values rather than a row.
JsonObject = dict[str, Any]


#: A read model's row type: a dataclass (``dataclasses.fields`` works on it).
R = TypeVar("R", bound="DataclassInstance")


@dataclass(frozen=True, slots=True)
class Page(Generic[R]):
    """A page of rows, whether more follow it, and (where the query counts them) how many rows
    match over every page."""

    rows: list[R]
    more: bool
    total: int | None = None

    @property
    def last(self) -> R | None:
        """The page's last row, whose keyset position the next page starts after; None on the
        last page (no next page) or an empty one."""
        return self.rows[-1] if self.more and self.rows else None


def page_of(rows: list[R], limit: int, total: int | None = None) -> Page[R]:
    """A page of at most ``limit`` rows from a query that fetched ``limit + 1``: the extra row,
    left out, says that more follow (so the last page says so too, even when it is full)."""
    return Page(rows[:limit], len(rows) > limit, total)


@dataclass(frozen=True, slots=True)
class JsonPage:
    """A page of rows already in their JSON form, as PostgreSQL wrote them (``row_to_json``:
    the row class's columns in order; dates as ``YYYY-MM-DD``, numbers as numbers), for answers
    that only pass rows on: no Python object per row or per value.

    ``rows_json`` is the text of a JSON array; ``last_key`` the ordering key of the page's last
    row when more rows follow (the next page's keyset cursor), else None.
    """

    rows_json: str
    count: int
    more: bool
    last_key: int | None
    total: int | None = None

    @classmethod
    def of(cls, record: Mapping[str, Any], limit: int, total: int | None = None) -> JsonPage:
        """From a record of :func:`json_page_sql` that fetched up to ``limit + 1`` rows."""
        fetched = int(record["fetched"])
        text: str = record["rows"] or ""
        more = fetched > limit
        if more:  # leave out the extra row, which only said that more follow
            text = text[: text.rindex("\n")]
        rows_json = "[" + text.replace("\n", ",") + "]"
        return cls(rows_json, min(fetched, limit), more, record["last_key"] if more else None, total)


def json_page_sql(page_sql: str, key: str, limit_param: int, extra: str = "") -> str:
    """``page_sql`` (a statement of up to limit + 1 rows, in ``key`` order) as one row: how many
    it fetched, the rows as JSON objects one per line (JSON text never holds a raw newline, so
    the extra row can be cut off by position), and the key of row number ``$limit_param``.
    ``extra`` adds columns to that row (e.g. a scalar subquery's count)."""
    return f"""SELECT count(*) AS fetched,
           string_agg(row_to_json(page)::text, E'\\n' ORDER BY page.{key}) AS rows,
           (array_agg(page.{key} ORDER BY page.{key}))[${limit_param}] AS last_key{extra}
    FROM ({page_sql}) AS page"""


@cache
def columns_of(row_type: type[DataclassInstance]) -> tuple[str, ...]:
    """The columns a row class holds, in order: its fields' names (computed once per class: a
    page of venue rows asks for them tens of thousands of times)."""
    return tuple(f.name for f in fields(row_type))


def select_list(row_type: type[DataclassInstance], alias: str | None = None) -> str:
    """The columns of ``row_type`` for a SELECT, quoted (``"check"`` is a keyword), optionally
    qualified by a table alias."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(f'{prefix}"{c}"' for c in columns_of(row_type))


def row_of(row_type: type[R], record: Mapping[str, Any], json_columns: Sequence[str] = ()) -> R:
    """A row of ``row_type`` from a record holding (at least) its columns; ``json_columns`` are
    jsonb documents, which asyncpg hands over as text, parsed."""
    values = {c: record[c] for c in columns_of(row_type)}
    for column in json_columns:
        values[column] = json_document(values[column])
    return row_type(**values)


def json_document(text: str | None) -> Any:
    """A stored jsonb document (asyncpg hands jsonb over as text), parsed; None stays None."""
    return None if text is None else json.loads(text)


@dataclass(frozen=True, slots=True)
class Statement:
    """A statement and its arguments, to be streamed by :func:`stream_rows`."""

    sql: str
    args: tuple[Any, ...]


async def stream_rows(
    pool: asyncpg.Pool, statement: Statement, chunk: int = CHUNK_ROWS
) -> AsyncIterator[Sequence[Sequence[Any]]]:
    """The column names (as a one-row chunk), then the rows, ``chunk`` at a time, from a
    server-side cursor inside a read-only transaction: a million-row result never sits in memory.

    The connection is held only while the caller iterates, and given back when it stops (a
    client that goes away closes the generator, which ends the transaction).
    """
    async with pool.acquire() as conn, conn.transaction(readonly=True, isolation="repeatable_read"):
        prepared = await conn.prepare(statement.sql)
        yield [tuple(attribute.name for attribute in prepared.get_attributes())]
        cursor = await prepared.cursor(*statement.args)
        while True:
            rows = await cursor.fetch(chunk)
            if not rows:
                break
            yield rows
            if len(rows) < chunk:
                break
