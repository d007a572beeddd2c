"""Connecting to NATS and declaring Spine's JetStream streams."""

from __future__ import annotations

import logging

import nats
from nats.aio.client import Client
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from contracts.subjects import (
    COMMANDS_PREFIX,
    COMMANDS_STREAM,
    DEAD_LETTERS_PREFIX,
    DEAD_LETTERS_STREAM,
    EVENTS_PREFIX,
    EVENTS_STREAM,
    MAX_MESSAGE_BYTES,
)
from spine_core.errors import Unavailable

__all__ = ["connect_nats", "ensure_streams", "stream_configs"]

log = logging.getLogger("spine.bus")

_WEEK_S = 7 * 24 * 3600.0


def stream_configs() -> list[StreamConfig]:
    return [
        # Commands are kept a week (an audit of what was asked); lanes are consumed separately.
        StreamConfig(
            name=COMMANDS_STREAM,
            subjects=[f"{COMMANDS_PREFIX}.>"],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            max_age=_WEEK_S,
            max_msg_size=MAX_MESSAGE_BYTES,
            duplicate_window=120.0,
            discard=DiscardPolicy.OLD,
        ),
        # Events are the distribution log; the event store in PostgreSQL stays the archive.
        StreamConfig(
            name=EVENTS_STREAM,
            subjects=[f"{EVENTS_PREFIX}.>"],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            max_msg_size=MAX_MESSAGE_BYTES,
            duplicate_window=120.0,
            discard=DiscardPolicy.OLD,
        ),
        # Events a projector gave up on: kept a month for inspection (the event store keeps them forever).
        StreamConfig(
            name=DEAD_LETTERS_STREAM,
            subjects=[f"{DEAD_LETTERS_PREFIX}.>"],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            max_age=4 * _WEEK_S,
            max_msg_size=MAX_MESSAGE_BYTES,
            duplicate_window=120.0,
        ),
    ]


async def connect_nats(url: str | None, name: str, *, reconnect: bool = True) -> Client:
    if not url:
        raise Unavailable("no NATS server configured", hint="run `spine dev` or set SPINE_NATS_URL")
    try:
        return await nats.connect(
            url,
            name=name,
            connect_timeout=3,
            allow_reconnect=reconnect,
            max_reconnect_attempts=-1 if reconnect else 0,
            reconnect_time_wait=0.5,
        )
    except Exception as exc:  # nats-py raises several unrelated types for "cannot connect"
        raise Unavailable(
            f"cannot reach NATS at {url}: {exc!r}", hint="is `spine dev` (or your NATS server) running?"
        ) from exc


async def ensure_streams(nc: Client) -> None:
    js = nc.jetstream()
    for config in stream_configs():
        assert config.name is not None
        try:
            await js.stream_info(config.name)
            await js.update_stream(config)
        except NotFoundError:
            await js.add_stream(config)
            log.info("created stream %s", config.name)
