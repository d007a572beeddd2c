"""Secondary indexes of a rebuilt schema, built after its rows are loaded rather than during.

Loading millions of rows into tables that already carry their indexes maintains every index
row by row (a random B-tree insertion each, and a full-page image in the WAL for most pages it
touches); building an index once the rows are in is one sort. A rebuild therefore drops the
indexes (and the primary-key and unique constraints, which are indexes too) of the tables it
bulk-loads right after migrating its new schema, and restores exactly the same definitions,
under the same names, before the schema is swapped in.

Nothing reads those indexes during the load: COPY needs none, ``ON CONFLICT`` targets are on
other tables (captures, rollups), and the rare per-capture ``DELETE`` on an abandoned capture
scans instead. A duplicate row that a unique index would have refused during the load makes
the restore fail instead: the rebuild stops and nothing is swapped, as it would have stopped
at the COPY.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import asyncpg

__all__ = ["DeferredIndexes", "drop_indexes"]


@dataclass(frozen=True, slots=True)
class DeferredIndexes:
    """What :func:`drop_indexes` took away, as the statements that put it back."""

    schema: str
    statements: tuple[str, ...]

    async def restore(self, conn: asyncpg.Connection) -> None:
        """Build every dropped index again (constraints first, in their original order)."""
        for statement in self.statements:
            await conn.execute(statement)


async def drop_indexes(conn: asyncpg.Connection, schema: str, tables: Iterable[str]) -> DeferredIndexes:
    """Drop the indexes and key constraints of ``tables`` in ``schema``; what restores them."""
    names = sorted(set(tables))
    constraints = await conn.fetch(
        """SELECT t.relname AS table_name, c.conname, pg_get_constraintdef(c.oid) AS definition
           FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
           WHERE n.nspname = $1 AND t.relname = ANY($2::text[]) AND c.contype IN ('p', 'u')
           ORDER BY t.relname, c.oid""",
        schema,
        names,
    )
    indexes = await conn.fetch(
        """SELECT i.relname AS index_name, pg_get_indexdef(i.oid) AS definition
           FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
           JOIN pg_namespace n ON n.oid = t.relnamespace
           WHERE n.nspname = $1 AND t.relname = ANY($2::text[])
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
           ORDER BY t.relname, i.oid""",
        schema,
        names,
    )
    restore: list[str] = []
    async with conn.transaction():
        for row in constraints:
            table = f'"{schema}"."{row["table_name"]}"'
            await conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{row["conname"]}"')
            restore.append(f'ALTER TABLE {table} ADD CONSTRAINT "{row["conname"]}" {row["definition"]}')
        for row in indexes:
            await conn.execute(f'DROP INDEX "{schema}"."{row["index_name"]}"')
            restore.append(row["definition"])
    return DeferredIndexes(schema, tuple(restore))
