"""The bus contract as an AsyncAPI 3.0 document, built from ``contracts`` (pure, deterministic).

Spine's side of every operation: it *receives* RunPipeline commands on one channel per lane and
*sends* events (one channel per event type), best-effort progress and dead letters. Payload
schemas are the pydantic models' JSON schemas; their ``$defs`` are hoisted into
``components.schemas``. The servers' security is the two NATS users of
:mod:`services.adapters.bus.permissions`, with what each may publish and subscribe to.

The same input always gives the same document (the same bytes from :func:`asyncapi_json`).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from contracts.commands import RunPipeline
from contracts.events import EVENT_TYPES, REJECT_COLUMNS, EventEnvelope
from contracts.progress import RunProgressMessage
from contracts.subjects import (
    COMMANDS_PREFIX,
    COMMANDS_STREAM,
    DEAD_LETTERS_PREFIX,
    DEAD_LETTERS_STREAM,
    EVENTS_STREAM,
    HEADER_EVENT_TYPE,
    HEADER_EXPECTED_LAST_MSG_ID,
    HEADER_MSG_ID,
    HEADER_POSITION,
    LANES,
    MAX_MESSAGE_BYTES,
    PROGRESS_PREFIX,
    event_subject,
)
from services.adapters.bus.permissions import PERMISSIONS, PUBLISHER_USER, SERVICES_USER

__all__ = ["ASYNCAPI_VERSION", "DEFAULT_HOST", "asyncapi_document", "asyncapi_json", "command_channel", "event_channel"]

ASYNCAPI_VERSION = "3.0.0"
DEFAULT_HOST = "localhost:4222"
_SCHEMAS = "#/components/schemas/"
_ROW_EVENTS = {
    "RowsCaptured": "the row_columns of the capture's CaptureStarted",
    "RowsRejected": ", ".join(REJECT_COLUMNS),
}
_EXECUTION_ID = {"description": "the execution's id (a UUID, derived from the idempotency key)"}


def command_channel(lane: str) -> str:
    return f"commands_{lane}"


def event_channel(event_type: str) -> str:
    return f"events_{event_type}"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": name}


def _schema(model: type[BaseModel], schemas: dict[str, Any]) -> dict[str, str]:
    """Put ``model``'s JSON schema (and its ``$defs``) in ``schemas``; return a reference to it."""
    schema = model.model_json_schema(by_alias=True, ref_template=_SCHEMAS + "{model}")
    for name, sub in schema.pop("$defs", {}).items():
        schemas.setdefault(name, sub)
    schemas[model.__name__] = schema
    return _ref(_SCHEMAS + model.__name__)


def _headers(**fields: str) -> dict[str, Any]:
    names = {"msg_id": HEADER_MSG_ID, "event_type": HEADER_EVENT_TYPE, "position": HEADER_POSITION,
             "expected_last": HEADER_EXPECTED_LAST_MSG_ID}  # fmt: skip
    properties = {names.get(key, key.replace("_", "-").title()): {"type": "string", "description": text}
                  for key, text in fields.items()}  # fmt: skip
    return {"type": "object", "properties": properties}


def _user_scheme(user: str, who: str) -> dict[str, Any]:
    perms = PERMISSIONS[user]
    return {
        "type": "userPassword",
        "description": (
            f"NATS user `{user}`: {who}. May publish to {', '.join(f'`{s}`' for s in perms.publish)}; "
            f"may subscribe to {', '.join(f'`{s}`' for s in perms.subscribe)}. The embedded server "
            "(`spine dev`) creates a random password for it in `.spine/nats/users.json`"
            + ("; `.spine/nats/publisher.env` holds its SPINE_NATS_* settings." if user == PUBLISHER_USER else ".")
        ),
    }


def _typed_envelope(event_type: str, stream: str, data: dict[str, str]) -> dict[str, Any]:
    properties = {"type": {"const": event_type}, "stream": {"const": stream}, "data": data}
    return {"type": "object", "properties": properties}


def _messages(schemas: dict[str, Any]) -> dict[str, Any]:
    envelope = _schema(EventEnvelope, schemas)
    messages: dict[str, Any] = {
        "RunPipeline": {
            "name": "RunPipeline",
            "title": "Run a pipeline (version 1)",
            "summary": "Run one pipeline for one partition.",
            "description": (
                "Published on JetStream (stream `"
                + COMMANDS_STREAM
                + "`) with the idempotency key as `"
                + HEADER_MSG_ID
                + "`: a duplicate within the stream's window is dropped, and the execution id is "
                "uuid5(uuid5(NAMESPACE_URL, 'spine:execution'), idempotency_key), so the same key names the "
                "same execution. The subject's lane must be the command's `lane`."
            ),
            "contentType": "application/json",
            "headers": _headers(msg_id="the command's idempotency key (JetStream de-duplication)"),
            "payload": _schema(RunPipeline, schemas),
        },
        "RunProgress": {
            "name": "RunProgress",
            "title": "Progress of a running execution",
            "summary": "Best effort, core NATS (not persisted): subscribe before publishing the command.",
            "description": "`phase` is `capturing` (repeated), `captured`, then the outcome: `completed`, `failed` "
            "or `skipped` (the execution's record, `GET /v1/executions/{id}` on the gateway, is the authority).",
            "contentType": "application/json",
            "payload": _schema(RunProgressMessage, schemas),
        },
    }
    for event_type, (stream, model) in EVENT_TYPES.items():
        description = f"`{event_type}` of the `{stream}` stream: an event envelope whose `data` is a {event_type}."
        if event_type in _ROW_EVENTS:
            description += (
                " The body is the envelope as one line of JSON, a newline, then `block_bytes` bytes of rows in "
                f"PostgreSQL COPY text format (columns: {_ROW_EVENTS[event_type]})."
            )
        data = _schema(model, schemas)
        messages[event_type] = {
            "name": event_type,
            "title": f"{event_type} ({stream})",
            "summary": (model.__doc__ or "").strip().split("\n")[0] or f"A {event_type} event.",
            "description": description,
            "contentType": "application/json",
            "headers": _headers(
                msg_id="the event's position in the event store (gapless, increasing)",
                event_type="the event type",
                position="the event's position again",
                expected_last="the previous position (JetStream rejects a gap or a reordering)",
            ),
            "payload": {"allOf": [envelope, _typed_envelope(event_type, stream, data)]},
        }
    messages["DeadLetter"] = {
        "name": "DeadLetter",
        "title": "An event a projector could not apply",
        "summary": "The event's envelope, filed by the projector that gave up on it.",
        "contentType": "application/json",
        "headers": _headers(
            msg_id="`<projection>:<position>`",
            Spine_Error="the error (type and message, at most 1000 characters)",
            Spine_Projection="the projection that failed",
        ),
        "payload": envelope,
    }
    return messages


def _channels() -> dict[str, Any]:
    channels: dict[str, Any] = {}
    for lane in LANES:
        channels[command_channel(lane)] = {
            "address": f"{COMMANDS_PREFIX}.{lane}.{{execution_id}}",
            "title": f"Commands, lane {lane}",
            "description": f"JetStream stream `{COMMANDS_STREAM}` (kept a week); the `{lane}` lane has its own "
            "durable consumer, so a backfill never starves the weekly run.",
            "parameters": {"execution_id": _EXECUTION_ID},
            "messages": {"RunPipeline": _ref("#/components/messages/RunPipeline")},
            "x-jetstream-stream": COMMANDS_STREAM,
        }
    channels["progress"] = {
        "address": f"{PROGRESS_PREFIX}.{{execution_id}}",
        "title": "Progress",
        "description": "Core NATS, best effort: nothing is kept, a late subscriber sees only what follows.",
        "parameters": {"execution_id": _EXECUTION_ID},
        "messages": {"RunProgress": _ref("#/components/messages/RunProgress")},
    }
    for event_type, (stream, _) in EVENT_TYPES.items():
        channels[event_channel(event_type)] = {
            "address": event_subject(stream, event_type),
            "title": f"Events: {event_type}",
            "description": f"JetStream stream `{EVENTS_STREAM}`, in event-store order.",
            "messages": {event_type: _ref(f"#/components/messages/{event_type}")},
            "x-jetstream-stream": EVENTS_STREAM,
        }
    channels["deadLetters"] = {
        "address": f"{DEAD_LETTERS_PREFIX}.{{projection}}",
        "title": "Dead letters",
        "description": f"JetStream stream `{DEAD_LETTERS_STREAM}` (kept a month; the event store keeps the event).",
        "parameters": {"projection": {"description": "the projection that could not apply the event"}},
        "messages": {"DeadLetter": _ref("#/components/messages/DeadLetter")},
        "x-jetstream-stream": DEAD_LETTERS_STREAM,
    }
    return channels


def _operation(action: str, channel: str, message: str, summary: str, users: tuple[str, ...]) -> dict[str, Any]:
    return {
        "action": action,
        "channel": _ref(f"#/channels/{channel}"),
        "summary": summary,
        "messages": [_ref(f"#/channels/{channel}/messages/{message}")],
        "security": [_ref(f"#/components/securitySchemes/{user}") for user in users],
    }


def _operations() -> dict[str, Any]:
    both = (PUBLISHER_USER, SERVICES_USER)
    operations: dict[str, Any] = {}
    for lane in LANES:
        operations[f"runPipeline_{lane}"] = _operation(
            "receive", command_channel(lane), "RunPipeline", f"A worker of lane {lane} runs the command.", both
        )
    operations["sendProgress"] = _operation(
        "send", "progress", "RunProgress", "The worker reports a running execution's progress.", both
    )
    for event_type in EVENT_TYPES:
        operations[f"send{event_type}"] = _operation(
            "send",
            event_channel(event_type),
            event_type,
            f"The relay publishes each {event_type} event.",
            (SERVICES_USER,),
        )
    operations["sendDeadLetter"] = _operation(
        "send", "deadLetters", "DeadLetter", "A projector files an event it could not apply.", (SERVICES_USER,)
    )
    return operations


def asyncapi_document(host: str = DEFAULT_HOST) -> dict[str, Any]:
    """The AsyncAPI 3.0 document of Spine's bus, for a NATS server at ``host`` (``host:port``)."""
    schemas: dict[str, Any] = {}
    messages = _messages(schemas)
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": "Spine bus",
            "version": "1",
            "description": (
                "Commands, events and progress of Spine, the event-sourced analytics pipeline platform, on NATS "
                f"JetStream. Every message stays below {MAX_MESSAGE_BYTES} bytes (NATS's default max_payload). "
                "Operations are Spine's side: it receives commands and sends events, progress and dead letters. "
                "Anonymous connections are refused."
            ),
        },
        "defaultContentType": "application/json",
        "servers": {
            "nats": {
                "host": "{address}",
                "protocol": "nats",
                "description": "A Spine NATS server with JetStream. `spine dev` embeds one on a free port: its address "
                "is SPINE_NATS_URL in `.spine/nats/publisher.env`; the compose cluster's are nats-1..3:4222.",
                "variables": {"address": {"default": host, "description": "host:port of the NATS server"}},
                "security": [_ref(f"#/components/securitySchemes/{user}") for user in (PUBLISHER_USER, SERVICES_USER)],
            }
        },
        "channels": _channels(),
        "operations": _operations(),
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "messages": messages,
            "securitySchemes": {
                PUBLISHER_USER: _user_scheme(PUBLISHER_USER, "a client outside the platform"),
                SERVICES_USER: _user_scheme(SERVICES_USER, "Spine's own services"),
            },
        },
    }


def asyncapi_json(host: str = DEFAULT_HOST) -> str:
    """The document as indented JSON with a final newline (the same bytes every time)."""
    return json.dumps(asyncapi_document(host), indent=2, ensure_ascii=False) + "\n"
