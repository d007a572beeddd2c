"""What a projection declares, and the applier protocol the projector runtime drives."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from contracts.events import EventEnvelope

if TYPE_CHECKING:
    import asyncpg

__all__ = ["EventBatch", "Applier", "ProjectionSpec"]

EventBatch = Sequence[tuple[EventEnvelope, bytes | None]]


class Applier(Protocol):
    """Applies a batch of events to one projection's tables inside the caller's transaction."""

    async def apply(self, conn: asyncpg.Connection, events: EventBatch) -> None: ...


@dataclass(frozen=True, slots=True)
class ProjectionSpec:
    name: str
    schema: str
    description: str
    event_types: frozenset[str]
    migrations: Path
    make_applier: Callable[[str], Applier]
    """Builds an applier writing into the given PostgreSQL schema (live or a rebuild beside it)."""

    @property
    def subjects(self) -> list[str]:
        from contracts.events import EVENT_TYPES
        from contracts.subjects import event_subject

        return sorted(event_subject(EVENT_TYPES[t][0], t) for t in self.event_types)

    def migration_files(self) -> list[Path]:
        return sorted(self.migrations.glob("[0-9][0-9][0-9]_*.sql"))
