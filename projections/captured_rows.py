"""Pure mapping of capture events to row tables (no I/O), shared by the data-plane projections.

A projection declares one :class:`TableSpec` per pipeline it keeps. Every capture of those
pipelines gets a row in the projection's ``captures`` table (its three clocks, calc, lineage)
and its row blocks are loaded with COPY into the pipeline's table, each row prefixed with the
capture id and the partition values the table declares (e.g. week_ending, tier, calc_version).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from contracts.events import CaptureAbandoned, CaptureStarted, EventEnvelope, RowsCaptured, StageCompleted
from projections.ops import Change, CopyRows, Op

__all__ = [
    "TableSpec",
    "Rollup",
    "CaptureInfo",
    "EVENT_TYPES",
    "ANALYZE_MIN_ROWS",
    "capture_info",
    "map_event",
    "STATEMENTS",
]

EVENT_TYPES = frozenset({"CaptureStarted", "RowsCaptured", "StageCompleted", "CaptureAbandoned"})
#: Rows a completed capture must have for its table's planner statistics to be refreshed at once
#: (see :attr:`TableSpec.analyze`); autovacuum keeps them current after smaller captures.
ANALYZE_MIN_ROWS = 100_000


@dataclass(frozen=True, slots=True)
class Rollup:
    """A per-capture table derived from a capture's rows when the capture completes (e.g. each
    symbol's totals), so that queries read a small, indexed table instead of grouping rows.

    ``sql`` fills ``table`` for one capture (``$1``) and runs in the transaction that completes
    it; it must be deterministic, so that a replay rebuilds the same rows. It is a plain INSERT:
    the capture's rows in ``table`` are deleted just before, in the same transaction (an
    ``ON CONFLICT DO UPDATE`` doubled the cost of filling 80,000 symbols' totals).
    """

    table: str
    sql: str


@dataclass(frozen=True, slots=True)
class TableSpec:
    pipeline: str
    table: str
    prefix: tuple[str, ...]
    """Partition values copied onto every row, after ``capture_id``."""
    columns: frozenset[str]
    """Block columns the table has; a capture's ``row_columns`` must be among them."""
    rollup: Rollup | None = None
    analyze: bool = False
    """Refresh the table's planner statistics when a capture of at least :data:`ANALYZE_MIN_ROWS`
    rows completes: such a capture adds up to millions of rows at once, and until autovacuum's
    next round the planner would take it for a few rows (and, say, sort a whole capture to serve
    its first page). A smaller capture is left to autovacuum: an ANALYZE samples the whole table
    whatever the capture's size, and a year's backfill of small weeks spent more PostgreSQL CPU
    on them than on loading its rows."""


@dataclass(frozen=True, slots=True)
class CaptureInfo:
    capture_id: UUID
    table: str
    prefix: tuple[str, ...]
    prefix_values: tuple[Any, ...]
    row_columns: tuple[str, ...]
    rollup: str | None = None
    """The rollup table filled when the capture completes, if its table has one."""
    analyze: bool = False


def _date_or_none(value: Any) -> date | None:
    return date.fromisoformat(str(value)) if value else None


def capture_info(env: EventEnvelope, tables: Mapping[str, TableSpec]) -> CaptureInfo | None:
    """The capture a CaptureStarted opens, if one of the tables keeps its pipeline."""
    data = env.typed()
    if not isinstance(data, CaptureStarted) or data.pipeline not in tables:
        return None
    spec = tables[data.pipeline]
    unknown = [c for c in data.row_columns if c not in spec.columns]
    if unknown:
        raise ValueError(
            f"capture {data.capture_id} of {data.pipeline} has columns {unknown} that table {spec.table} lacks; "
            "add a migration for them"
        )
    values = tuple(data.partition.get(name) for name in spec.prefix)
    return CaptureInfo(
        data.capture_id,
        spec.table,
        spec.prefix,
        values,
        tuple(data.row_columns),
        spec.rollup.table if spec.rollup else None,
        spec.analyze,
    )


def map_event(env: EventEnvelope, block: bytes | None, captures: Mapping[UUID, CaptureInfo]) -> list[Change]:
    info = captures.get(env.stream_id)
    if info is None:
        return []
    data = env.typed()
    match data:
        case CaptureStarted():
            partition = data.partition
            calc = data.calc or {}
            return [
                Op(
                    "capture_started",
                    (
                        info.capture_id,
                        data.execution_id,
                        data.pipeline,
                        data.partition_key,
                        json.dumps(partition, sort_keys=True),
                        _date_or_none(partition.get("week_ending")),
                        partition.get("tier"),
                        calc.get("name"),
                        calc.get("version"),
                        json.dumps(data.params, sort_keys=True),
                        json.dumps(data.inputs, sort_keys=True),
                        None if data.source is None else json.dumps(data.source, sort_keys=True),
                        list(data.row_columns),
                        env.occurred_at,
                        env.position,
                    ),
                )
            ]
        case RowsCaptured():
            if not block:
                raise ValueError(f"RowsCaptured at position {env.position} carries no rows")
            columns = ("capture_id", *info.prefix, *info.row_columns)
            return [CopyRows(info.table, columns, (info.capture_id, *info.prefix_values), block)]
        case StageCompleted():
            details = data.details
            source_updated = details.get("source_last_update_max") or details.get("source_updated")
            rollup = (
                [Op(f"delete:{info.rollup}", (info.capture_id,)), Op(f"rollup:{info.rollup}", (info.capture_id,))]
                if info.rollup
                else []
            )
            analyze = (
                [Op(f"analyze:{info.table}", ())] if info.analyze and data.rows_accepted >= ANALYZE_MIN_ROWS else []
            )
            return [
                Op(
                    "capture_completed",
                    (
                        info.capture_id,
                        data.rows_accepted,
                        data.rows_rejected,
                        json.dumps(details, sort_keys=True),
                        _date_or_none(source_updated),
                        env.occurred_at,
                        env.position,
                    ),
                ),
                *rollup,
                *analyze,
            ]
        case CaptureAbandoned():
            return [
                Op("capture_abandoned", (info.capture_id, env.occurred_at)),
                Op(f"delete:{info.table}", (info.capture_id,)),
                *([Op(f"delete:{info.rollup}", (info.capture_id,))] if info.rollup else []),
            ]
    return []


STATEMENTS = {
    "capture_started": """
        INSERT INTO {schema}.captures (capture_id, execution_id, pipeline, partition_key, partition, week_ending, tier,
            calc_name, calc_version, params, inputs, source, row_columns, status, captured_at, started_position)
        VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10::jsonb, $11::jsonb, $12::jsonb, $13, 'capturing', $14, $15)
        ON CONFLICT (capture_id) DO NOTHING""",
    "capture_completed": """
        UPDATE {schema}.captures SET status = 'complete', rows_accepted = $2, rows_rejected = $3, details = $4::jsonb,
            source_updated = $5, completed_at = $6, completed_position = $7
        WHERE capture_id = $1""",
    "capture_abandoned": """
        UPDATE {schema}.captures SET status = 'abandoned', completed_at = $2 WHERE capture_id = $1""",
}
"""Statements on the captures table; ``delete:<table>``, ``rollup:<table>`` and ``analyze:<table>``
ops are generated per table."""
