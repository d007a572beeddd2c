"""Spine's streams keep their messages S2-compressed on disk; a stream made before that (no
compression) is switched in place, and what it holds stays readable."""

from __future__ import annotations

import dataclasses

import nats
import pytest
from nats.js.api import StoreCompression

from contracts.subjects import COMMANDS_STREAM, DEAD_LETTERS_STREAM, EVENTS_STREAM
from services.adapters.bus.nats import ensure_streams, stream_configs
from services.settings import Settings

pytestmark = [pytest.mark.integration]


async def test_streams_are_compressed_and_an_older_stream_is_switched_in_place(settings: Settings) -> None:
    nc = await nats.connect(settings.nats_url)
    try:
        js = nc.jetstream()
        for config in stream_configs():
            await js.add_stream(dataclasses.replace(config, compression=StoreCompression.NONE))
        await js.publish("spine.events.capture.RowsCaptured", b"kept\n" * 1000)
        await ensure_streams(nc)
        for name in (COMMANDS_STREAM, EVENTS_STREAM, DEAD_LETTERS_STREAM):
            assert (await js.stream_info(name)).config.compression == StoreCompression.S2, name
        info = await js.stream_info(EVENTS_STREAM)
        assert (await js.get_msg(EVENTS_STREAM, seq=info.state.last_seq)).data == b"kept\n" * 1000
    finally:
        await nc.close()
