"""Translate stored events into wire envelopes — the one place the two vocabularies meet.

The relay (live) and replay (rebuild) both go through :func:`to_envelope`, so a projection
sees exactly the same envelope whichever path delivered the event.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper, Notification

from contracts.events import EVENT_TYPES, EventEnvelope

__all__ = ["to_envelope", "UntranslatableEvent"]

_META = {"originator_id", "originator_version", "timestamp", "originator_topic", "block"}


class UntranslatableEvent(ValueError):
    pass


def _wire(value: Any) -> Any:
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _wire(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_wire(v) for v in value]
    return value


def to_envelope(mapper: Mapper, notification: Notification) -> tuple[EventEnvelope, bytes | None]:  # type: ignore[type-arg]
    event = mapper.to_domain_event(notification)
    type_name = type(event).__name__
    try:
        stream, _ = EVENT_TYPES[type_name]
    except KeyError:
        raise UntranslatableEvent(
            f"stored event {notification.topic} at position {notification.id} has no wire contract"
        ) from None
    state = vars(event)
    block = state.get("block")
    data = {k: _wire(v) for k, v in state.items() if k not in _META}
    envelope = EventEnvelope(
        type=type_name,
        position=notification.id,
        stream=stream,
        stream_id=UUID(str(notification.originator_id)),
        stream_version=notification.originator_version,
        occurred_at=state["timestamp"],
        data=data,
        block_bytes=len(block) if isinstance(block, bytes) else 0,
    )
    return envelope, block if isinstance(block, bytes) else None
