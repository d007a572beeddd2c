"""Queries on the manifest read model (schema ``manifest``)."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

import asyncpg

from services.adapters.db.projector_state import unresolved_errors
from spine_core.framework.chaining import CHAIN_PROJECTION

__all__ = ["get_execution", "recent_executions", "batch_executions"]


def _row(r: asyncpg.Record) -> dict[str, Any]:
    out: dict[str, Any] = {
        "execution_id": str(r["execution_id"]),
        "pipeline": r["pipeline"],
        "status": r["status"],
        "params": json.loads(r["params"]),
        "partition_key": r["partition_key"],
        "trigger_source": r["trigger_source"],
        "lane": r["lane"],
        "batch_id": str(r["batch_id"]),
        "capture_id": str(r["capture_id"]) if r["capture_id"] else None,
        "resumed": r["resumed"],
        "rows_accepted": r["rows_accepted"],
        "rows_rejected": r["rows_rejected"],
        "source": json.loads(r["source"]) if r["source"] else None,
        "details": json.loads(r["details"]) if r["details"] else None,
        "requested_at": r["requested_at"].isoformat(),
        "started_at": r["started_at"].isoformat() if r["started_at"] else None,
        "finished_at": r["finished_at"].isoformat() if r["finished_at"] else None,
        "position": r["last_position"],
        "through": r["through"],
    }
    if r["skip_reason"]:
        out["skip_reason"] = r["skip_reason"]
    if r["error_code"]:
        out["error"] = {"code": r["error_code"], "message": r["error_message"], "hint": r["error_hint"]}
    return out


async def get_execution(conn: asyncpg.Connection, execution_id: UUID) -> dict[str, Any] | None:
    row = await conn.fetchrow("SELECT * FROM manifest.executions WHERE execution_id = $1", execution_id)
    return None if row is None else _row(row)


async def recent_executions(conn: asyncpg.Connection, limit: int, pipeline: str | None) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        """SELECT * FROM manifest.executions WHERE ($2::text IS NULL OR pipeline = $2)
           ORDER BY requested_at DESC LIMIT $1""",
        limit,
        pipeline,
    )
    return [_row(r) for r in rows]


async def batch_executions(conn: asyncpg.Connection, batch_id: UUID) -> list[dict[str, Any]]:
    """A batch's executions, each with a ``chain_error`` when the stages after it were never issued.

    The error comes from the process manager's dead letter (its stream id is the execution id):
    the runtime already records there, after the set attempts, the event it could not apply, and
    an operator's successful retry resolves it, so the batch view clears by itself. Writing the
    error to a second place (the process manager's runs table) would need its own transaction
    outside the rolled-back one and could disagree with the dead letter after a retry.
    """
    rows = await conn.fetch("SELECT * FROM manifest.executions WHERE batch_id = $1 ORDER BY requested_at", batch_id)
    executions = [_row(r) for r in rows]
    errors = await unresolved_errors(conn, CHAIN_PROJECTION, [r["execution_id"] for r in rows])
    for execution, row in zip(executions, rows, strict=True):
        if row["execution_id"] in errors:
            execution["chain_error"] = errors[row["execution_id"]]
    return executions
