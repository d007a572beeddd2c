"""Executing changes with asyncpg: the one module (with checkpoint.py) that talks to PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from itertools import groupby

import asyncpg

from projections.ops import Change, CopyRows, Op, prefixed_block

__all__ = ["execute_changes"]


def _group_key(change: Change) -> tuple[str, str, tuple[str, ...]]:
    if isinstance(change, Op):
        return ("op", change.name, ())
    return ("copy", change.table, change.columns)


async def execute_changes(
    conn: asyncpg.Connection, schema: str, statements: Mapping[str, str], changes: Sequence[Change]
) -> None:
    """Run changes in order; consecutive ops of one kind go in one round trip.

    ``statements`` maps op names to SQL with ``{schema}`` placeholders.
    """
    for (kind, name, columns), group in groupby(changes, key=_group_key):
        items = list(group)
        if kind == "op":
            sql = statements[name].format(schema=f'"{schema}"')
            args = [item.args for item in items if isinstance(item, Op)]
            if len(args) == 1:
                await conn.execute(sql, *args[0])
            else:
                await conn.executemany(sql, args)
        else:
            blocks = [c for c in items if isinstance(c, CopyRows) and c.block]
            if blocks:
                await conn.copy_to_table(
                    name, schema_name=schema, columns=list(columns), source=_prefixed(blocks), format="text"
                )


async def _prefixed(blocks: Sequence[CopyRows]) -> AsyncIterator[bytes]:
    """The blocks with their prefixes, one at a time: PostgreSQL parses a block while the next
    one is prefixed, and the batch is never joined into one buffer."""
    for change in blocks:
        yield prefixed_block(change.prefix, change.block)
