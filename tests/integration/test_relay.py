"""The relay publishes every event of the store, in order, gapless, once — across restarts."""

from __future__ import annotations

import asyncio
import contextlib

import nats
import pytest

from contracts.events import decode_event
from contracts.subjects import EVENTS_STREAM, HEADER_MSG_ID
from services.adapters.bus.nats import ensure_streams
from services.adapters.bus.positions import last_published_position
from services.adapters.eventstore.app import SpineEventStore
from services.apps.relay.relay import Relay
from services.settings import Settings
from tests.integration.helpers import coordinator, request, write_week
from tests.polling import eventually

pytestmark = [pytest.mark.integration]


@contextlib.asynccontextmanager
async def running_relay(app: SpineEventStore, settings: Settings):  # type: ignore[no-untyped-def]
    nc = await nats.connect(settings.nats_url)
    await ensure_streams(nc)
    stop = asyncio.Event()
    relay = Relay(app, nc, str(settings.database_url), batch=16)
    task = asyncio.create_task(relay.run(stop))
    try:
        yield relay, nc
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
        await nc.close()


async def stream_messages(nc: nats.NATS) -> list[tuple[int, int, bytes]]:
    js = nc.jetstream()
    info = await js.stream_info(EVENTS_STREAM)
    out = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        msg = await js.get_msg(EVENTS_STREAM, seq=seq)
        out.append((seq, int(msg.headers[HEADER_MSG_ID]), msg.data))
    return out


async def test_relay_publishes_in_order_and_resumes_without_duplicates(settings: Settings) -> None:
    SpineEventStore.create(settings)
    app = SpineEventStore.connect(settings)
    coord = coordinator(app, settings.inbox, batch_lines=500)
    ref = write_week(settings.inbox, "w.psv", 3000, "2025-11-14")
    assert (await asyncio.to_thread(coord.handle, request("2025-11-14", ref))).status == "completed"
    head = app.head_position()

    async with running_relay(app, settings) as (_, nc):
        await eventually(lambda: _at(nc, head), what="relay caught up")

    # Events recorded while the relay is down are published when it comes back, after the others.
    ref2 = write_week(settings.inbox, "w2.psv", 1500, "2025-11-21")
    assert (await asyncio.to_thread(coord.handle, request("2025-11-21", ref2))).status == "completed"
    head2 = app.head_position()
    assert head2 > head
    async with running_relay(app, settings) as (_, nc):
        await eventually(lambda: _at(nc, head2), what="relay caught up after restart")
        messages = await stream_messages(nc)

    positions = [pos for _, pos, _ in messages]
    assert positions == list(range(1, head2 + 1)), "gapless, in order, no duplicates"
    # Each message is the stored event, rows byte-identical to what the store holds.
    stored = {n.id: n for n in app.recorder.select_notifications(1, head2 + 1)}
    for _, pos, body in messages:
        envelope, block = decode_event(body)
        assert envelope.position == pos and envelope.stream_id == stored[pos].originator_id
        if envelope.type == "RowsCaptured":
            assert block is not None and block in stored[pos].state
    app.close()


async def test_relay_refuses_to_publish_after_a_gap(settings: Settings) -> None:
    """A message that would land out of order is refused by JetStream (expected last id) and the
    relay resynchronises from the stream instead of leaving a hole."""
    SpineEventStore.create(settings)
    app = SpineEventStore.connect(settings)
    coord = coordinator(app, settings.inbox)
    ref = write_week(settings.inbox, "w.psv", 100, "2025-11-14")
    assert (await asyncio.to_thread(coord.handle, request("2025-11-14", ref))).status == "completed"
    head = app.head_position()
    async with running_relay(app, settings) as (relay, nc):
        await eventually(lambda: _at(nc, head), what="relay caught up")
        # Pretend the relay lost track and believes it published less than it did.
        relay.position = head - 3
        ref2 = write_week(settings.inbox, "w2.psv", 100, "2025-11-21")
        assert (await asyncio.to_thread(coord.handle, request("2025-11-21", ref2))).status == "completed"
        head2 = app.head_position()
        await eventually(lambda: _at(nc, head2), what="relay resynchronised")
        positions = [pos for _, pos, _ in await stream_messages(nc)]
    assert positions == list(range(1, head2 + 1))
    app.close()


async def _at(nc: nats.NATS, position: int) -> bool:
    return await last_published_position(nc) >= position
