"""A batch's executions as the gateway serves them: the manifest's rows, each with a
``chain_error`` when the stages after it were never issued.

The error comes from the process manager's dead letter (its stream id is the execution id):
the runtime already records there, after the set attempts, the event it could not apply, and
an operator's successful retry resolves it, so the batch view clears by itself. Writing the
error to a second place (the process manager's runs table) would need its own transaction
outside the rolled-back one and could disagree with the dead letter after a retry.
"""

from __future__ import annotations

from uuid import UUID

import asyncpg

from projections.manifest import queries
from services.adapters.db.projector_state import unresolved_errors
from services.apps.gateway.models.wire import Fields, execution_fields
from spine_core.framework.chaining import CHAIN_PROJECTION

__all__ = ["batch_executions"]


async def batch_executions(conn: asyncpg.Connection, batch_id: UUID) -> list[Fields]:
    """The batch's executions, oldest first, as the gateway sends them: with the chain error of
    those whose chain stopped."""
    rows = await queries.batch_executions(conn, batch_id)
    errors = await unresolved_errors(conn, CHAIN_PROJECTION, [row.execution_id for row in rows])
    return [execution_fields(row, errors.get(row.execution_id)) for row in rows]
