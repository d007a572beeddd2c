"""Applies captured-rows changes with asyncpg (COPY for rows, one transaction per batch)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING
from uuid import UUID

from contracts.events import CaptureStarted, EventEnvelope
from projections.base import EventBatch
from projections.captured_rows import STATEMENTS, CaptureInfo, TableSpec, capture_info, map_event
from projections.deferred import HeldBack
from projections.storage import execute_changes

if TYPE_CHECKING:
    import asyncpg

__all__ = ["CapturedRowsApplier"]


class CapturedRowsApplier:
    def __init__(self, schema: str, tables: Mapping[str, TableSpec]) -> None:
        self.schema = schema
        self.tables = dict(tables)
        self.statements = dict(STATEMENTS)
        for spec in tables.values():
            self.statements[f"delete:{spec.table}"] = f"DELETE FROM {{schema}}.{spec.table} WHERE capture_id = $1"
            if spec.analyze:
                self.statements[f"analyze:{spec.table}"] = f"ANALYZE {{schema}}.{spec.table}"
            if spec.rollup is not None:
                table = spec.rollup.table
                self.statements[f"rollup:{table}"] = spec.rollup.sql
                self.statements[f"delete:{table}"] = f"DELETE FROM {{schema}}.{table} WHERE capture_id = $1"
        self._captures: dict[UUID, CaptureInfo] = {}
        self._by_pipeline = {spec.pipeline: spec for spec in tables.values()}
        self._columns: dict[str, frozenset[str]] | None = None
        self._held: HeldBack | None = None

    @property
    def bulk_tables(self) -> frozenset[str]:
        """The tables rows are bulk-loaded into: a rebuild may build their indexes after the load."""
        return frozenset(spec.table for spec in self.tables.values())

    def keeps(self, started: EventEnvelope) -> bool:
        """Whether the capture a ``CaptureStarted`` opens goes to one of these tables: the rows
        of other captures map to nothing here, and a rebuild does not even read them."""
        data = started.typed()
        return isinstance(data, CaptureStarted) and data.pipeline in self._by_pipeline

    def hold_back_derived(self) -> None:
        """From now on, hold rollups and ANALYZEs back until :meth:`release_derived` (a rebuild's
        bulk load, see :mod:`projections.deferred`)."""
        if self._held is None:
            self._held = HeldBack()

    async def release_derived(self, conn: asyncpg.Connection) -> None:
        """Run what was held back, in order, and apply rollups and ANALYZEs inline again."""
        held, self._held = self._held, None
        if held is not None:
            await execute_changes(conn, self.schema, self.statements, held.release())

    async def apply(self, conn: asyncpg.Connection, events: EventBatch) -> None:
        await self._learn_captures(conn, events)
        changes = [c for env, block in events for c in map_event(env, block, self._captures)]
        if self._held is not None:
            changes = self._held.filter(changes)
        await execute_changes(conn, self.schema, self.statements, changes)

    async def _table_specs(self, conn: asyncpg.Connection, refresh: bool = False) -> dict[str, TableSpec]:
        """The pipelines' tables with the columns they have in the database now, so that a
        migration adding a column is all it takes for captures carrying it to load."""
        if refresh or self._columns is None:
            rows = await conn.fetch(
                "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = $1", self.schema
            )
            columns: dict[str, set[str]] = {}
            for row in rows:
                columns.setdefault(row["table_name"], set()).add(row["column_name"])
            self._columns = {table: frozenset(names) for table, names in columns.items()}
        return {
            pipeline: replace(spec, columns=spec.columns | self._columns.get(spec.table, frozenset()))
            for pipeline, spec in self._by_pipeline.items()
        }

    async def _learn_captures(self, conn: asyncpg.Connection, events: EventBatch) -> None:
        unknown: set[UUID] = set()
        for env, _ in events:
            if env.type == "CaptureStarted":
                try:
                    info = capture_info(env, await self._table_specs(conn))
                except ValueError:
                    info = capture_info(env, await self._table_specs(conn, refresh=True))
                if info is not None:
                    self._captures[info.capture_id] = info
            elif env.stream_id not in self._captures:
                unknown.add(env.stream_id)
        if not unknown:
            return
        rows = await conn.fetch(
            f'SELECT capture_id, pipeline, partition, row_columns FROM "{self.schema}".captures '
            "WHERE capture_id = ANY($1::uuid[])",
            list(unknown),
        )
        for row in rows:
            spec = self._by_pipeline.get(row["pipeline"])
            if spec is None:
                continue
            partition = json.loads(row["partition"])
            self._captures[row["capture_id"]] = CaptureInfo(
                row["capture_id"],
                spec.table,
                spec.prefix,
                tuple(partition.get(p) for p in spec.prefix),
                tuple(row["row_columns"] or ()),
                spec.rollup.table if spec.rollup else None,
                spec.analyze,
            )
