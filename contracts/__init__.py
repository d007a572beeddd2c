"""Spine's published wire contracts: versioned commands, events and the stream/subject names.

Any NATS client can drive Spine with these: publish a :class:`RunPipeline` on
:func:`command_subject`, read events from the ``SPINE_EVENTS`` stream and decode them with
:func:`decode_event`. This package depends on pydantic and the standard library only.
"""

from contracts.commands import RunPipeline, execution_id_for
from contracts.events import EVENT_TYPES, EventEnvelope, decode_event, encode_event
from contracts.progress import RunProgressMessage
from contracts.subjects import (
    COMMANDS_STREAM,
    EVENTS_STREAM,
    MAX_MESSAGE_BYTES,
    command_subject,
    event_subject,
    progress_subject,
)

__all__ = [
    "RunPipeline",
    "execution_id_for",
    "EVENT_TYPES",
    "EventEnvelope",
    "decode_event",
    "encode_event",
    "RunProgressMessage",
    "COMMANDS_STREAM",
    "EVENTS_STREAM",
    "MAX_MESSAGE_BYTES",
    "command_subject",
    "event_subject",
    "progress_subject",
]
