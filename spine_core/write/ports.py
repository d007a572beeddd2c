"""The port through which framework code reads and writes aggregates.

The framework is synchronous and knows no database: the worker hands it an adapter over the
``eventsourcing`` application (PostgreSQL in services, in-memory in unit tests).
"""

from __future__ import annotations

from typing import Protocol, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

__all__ = ["EventStore"]

A = TypeVar("A", bound=Aggregate)


class EventStore(Protocol):
    def get(self, cls: type[A], aggregate_id: UUID) -> A | None:
        """The aggregate with this id, or None when it has no events yet."""

    def save(self, *aggregates: Aggregate) -> int | None:
        """Record the pending events of all given aggregates in ONE transaction.

        Returns the highest notification position written (None when nothing was pending).
        Raises :class:`spine_core.errors.ConcurrencyConflict` when another writer got there first.
        """
