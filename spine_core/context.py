"""Execution context: who asked for a run, how, and on which lane."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID, uuid4

from spine_core.errors import InvalidParameter
from spine_core.temporal import utc_now

__all__ = ["TriggerSource", "Lane", "ExecutionContext"]


class TriggerSource(StrEnum):
    CLI = "cli"
    API = "api"
    SCHEDULER = "scheduler"
    REPLAY = "replay"

    @classmethod
    def parse(cls, value: str) -> TriggerSource:
        try:
            return cls(value.strip().lower())
        except ValueError:
            choices = ", ".join(m.value for m in cls)
            raise InvalidParameter(f"unknown trigger source {value!r}", hint=f"use one of: {choices}") from None


class Lane(StrEnum):
    """Commands on different lanes are consumed separately, so a backfill never starves a weekly run."""

    NORMAL = "normal"
    BACKFILL = "backfill"
    SLOW = "slow"

    @classmethod
    def parse(cls, value: str) -> Lane:
        try:
            return cls(value.strip().lower())
        except ValueError:
            choices = ", ".join(m.value for m in cls)
            raise InvalidParameter(f"unknown lane {value!r}", hint=f"use one of: {choices}") from None


@dataclass(frozen=True, slots=True)
class ExecutionContext:
    execution_id: UUID
    batch_id: UUID
    trigger_source: TriggerSource = TriggerSource.API
    lane: Lane = Lane.NORMAL
    requested_at: datetime = field(default_factory=utc_now)

    @classmethod
    def new(cls, trigger_source: TriggerSource = TriggerSource.API, lane: Lane = Lane.NORMAL) -> ExecutionContext:
        execution_id = uuid4()
        return cls(execution_id=execution_id, batch_id=execution_id, trigger_source=trigger_source, lane=lane)
