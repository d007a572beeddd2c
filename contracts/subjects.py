"""Stream and subject names: the addresses of the bus.

* Commands: stream ``SPINE_COMMANDS``, subject ``spine.commands.<lane>.<execution_id>``. Each lane
  has its own durable consumer, so a backfill never starves the weekly run. The message id
  (``Nats-Msg-Id``) is the command's idempotency key.
* Events: stream ``SPINE_EVENTS``, subject ``spine.events.<stream>.<EventType>`` (e.g.
  ``spine.events.capture.RowsCaptured``). The message id is the event's position in the event
  store (its notification id); positions are gapless and increasing.
* Progress: core NATS (not JetStream) subject ``spine.progress.<execution_id>``, best effort.
"""

from __future__ import annotations

from uuid import UUID

__all__ = [
    "COMMANDS_STREAM",
    "COMMANDS_PREFIX",
    "EVENTS_STREAM",
    "EVENTS_PREFIX",
    "PROGRESS_PREFIX",
    "DEAD_LETTERS_STREAM",
    "DEAD_LETTERS_PREFIX",
    "dead_letter_subject",
    "LANES",
    "MAX_MESSAGE_BYTES",
    "HEADER_MSG_ID",
    "HEADER_EXPECTED_LAST_MSG_ID",
    "HEADER_EVENT_TYPE",
    "HEADER_POSITION",
    "command_subject",
    "lane_subjects",
    "event_subject",
    "progress_subject",
]

COMMANDS_STREAM = "SPINE_COMMANDS"
COMMANDS_PREFIX = "spine.commands"
EVENTS_STREAM = "SPINE_EVENTS"
EVENTS_PREFIX = "spine.events"
PROGRESS_PREFIX = "spine.progress"
DEAD_LETTERS_STREAM = "SPINE_DEAD_LETTERS"
DEAD_LETTERS_PREFIX = "spine.deadletters"
LANES = ("normal", "backfill", "slow")

#: NATS's default max_payload. Every message Spine publishes stays below it.
MAX_MESSAGE_BYTES = 1_048_576

HEADER_MSG_ID = "Nats-Msg-Id"
HEADER_EXPECTED_LAST_MSG_ID = "Nats-Expected-Last-Msg-Id"
HEADER_EVENT_TYPE = "Spine-Event-Type"
HEADER_POSITION = "Spine-Position"


def command_subject(lane: str, execution_id: UUID | str) -> str:
    if lane not in LANES:
        raise ValueError(f"unknown lane {lane!r}; lanes are {', '.join(LANES)}")
    return f"{COMMANDS_PREFIX}.{lane}.{execution_id}"


def lane_subjects(lane: str) -> str:
    return f"{COMMANDS_PREFIX}.{lane}.*"


def event_subject(stream: str, event_type: str) -> str:
    return f"{EVENTS_PREFIX}.{stream}.{event_type}"


def progress_subject(execution_id: UUID | str) -> str:
    return f"{PROGRESS_PREFIX}.{execution_id}"


def dead_letter_subject(projection: str) -> str:
    """Where a projector files an event it could not apply (the envelope, the error in a header)."""
    return f"{DEAD_LETTERS_PREFIX}.{projection}"
