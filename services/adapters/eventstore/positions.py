"""Read single events back from the event store by position (dead-letter retries, the events API)."""

from __future__ import annotations

from collections.abc import Callable

from contracts.events import EventEnvelope
from services.adapters.eventstore.app import SpineEventStore
from services.adapters.eventstore.translate import to_envelope

__all__ = ["event_at", "position_reader"]


def event_at(app: SpineEventStore, position: int) -> tuple[EventEnvelope, bytes | None]:
    notes = app.recorder.select_notifications(position, 1, position)
    if not notes or notes[0].id != position:
        raise LookupError(f"no event at position {position}")
    return to_envelope(app.mapper, notes[0])


def position_reader(app: SpineEventStore) -> Callable[[int], tuple[EventEnvelope, bytes | None]]:
    return lambda position: event_at(app, position)
