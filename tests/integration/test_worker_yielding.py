"""What the backfill lane waits on: the events pending on the projectors' JetStream consumers."""

from __future__ import annotations

import contextlib

import nats
import pytest
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from contracts.subjects import EVENTS_STREAM
from services.adapters.bus.nats import ensure_streams
from services.adapters.bus.positions import consumer_name
from services.apps.worker.yielding import events_pending, watched_projections
from services.settings import Settings

pytestmark = [pytest.mark.integration]


async def test_events_pending_counts_undelivered_and_unacknowledged_events(settings: Settings) -> None:
    nc = await nats.connect(settings.nats_url)
    js = nc.jetstream()
    durable = consumer_name("finra_otc")
    try:
        await ensure_streams(nc)
        assert await events_pending(nc, watched_projections()) == 0  # no consumer yet: none pending
        with contextlib.suppress(NotFoundError):
            await js.delete_consumer(EVENTS_STREAM, durable)
        await js.add_consumer(
            EVENTS_STREAM,
            ConsumerConfig(
                durable_name=durable,
                deliver_policy=DeliverPolicy.NEW,
                ack_policy=AckPolicy.EXPLICIT,
                filter_subject="spine.events.>",
            ),
        )
        for n in range(5):
            await js.publish("spine.events.capture.RowsCaptured", f"block {n}".encode())
        assert await events_pending(nc, watched_projections()) == 5
        sub = await js.pull_subscribe_bind(durable=durable, stream=EVENTS_STREAM)
        fetched = await sub.fetch(3, timeout=5)
        assert await events_pending(nc, watched_projections()) == 5  # delivered, not yet acknowledged
        for msg in fetched[:2]:
            await msg.ack_sync()
        assert await events_pending(nc, watched_projections()) == 3
    finally:
        with contextlib.suppress(Exception):
            await js.delete_consumer(EVENTS_STREAM, durable)
        await nc.close()
