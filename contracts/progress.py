"""Best-effort progress of a running execution (core NATS, not persisted)."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, ConfigDict

__all__ = ["RunProgressMessage"]


class RunProgressMessage(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    execution_id: UUID
    phase: str
    bytes_done: int = 0
    bytes_total: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
