"""Executing changes with asyncpg: the one module (with checkpoint.py) that talks to PostgreSQL."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
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
            data = b"".join(prefixed_block(c.prefix, c.block) for c in items if isinstance(c, CopyRows))
            if data:
                await conn.copy_to_table(
                    name, schema_name=schema, columns=list(columns), source=io.BytesIO(data), format="text"
                )
