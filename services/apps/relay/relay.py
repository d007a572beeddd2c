"""Tail the event store (the outbox) and publish every event to the ``SPINE_EVENTS`` stream.

Guarantees, and how:

* **no gaps, in order** — the event store hands out notification ids in commit order (the
  library serialises inserts), and each message is published with
  ``Nats-Expected-Last-Msg-Id`` = the previous id: JetStream refuses a message that would land
  after a gap or out of order, and the relay resynchronises.
* **no duplicates** — ``Nats-Msg-Id`` is the notification id; a re-publish within the
  stream's duplicate window is dropped, and the relay resumes from the stream's last message
  (its id says where to continue), so it never re-publishes older events on restart.
* **low latency** — it LISTENs for the library's NOTIFY on insert and polls as a fallback.
* **one active instance** — run under its lease (``fence``), it checks the lease before every
  batch it publishes and stops once the lease is lost. Two instances overlapping for a moment
  still cannot duplicate or skip: JetStream stores each position once, after its predecessor.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

import asyncpg
from eventsourcing.persistence import Notification
from nats.aio.client import Client
from nats.js.errors import APIError

from contracts.events import encode_event
from contracts.subjects import (
    HEADER_EVENT_TYPE,
    HEADER_EXPECTED_LAST_MSG_ID,
    HEADER_MSG_ID,
    HEADER_POSITION,
    MAX_MESSAGE_BYTES,
)
from services.adapters.bus.positions import last_published_position
from services.adapters.db.lease import UNFENCED, Fence, LeaseLost
from services.adapters.eventstore.app import EVENTS_TABLE, SpineEventStore
from services.adapters.eventstore.translate import to_envelope

__all__ = ["Relay", "last_published_position"]

log = logging.getLogger("spine.relay")

_POLL_S = 1.0
_ACK_TIMEOUT_S = 30.0


class Relay:
    def __init__(
        self, app: SpineEventStore, nc: Client, database_url: str, *, batch: int = 128, fence: Fence | None = None
    ) -> None:
        self.app = app
        self.nc = nc
        self.js = nc.jetstream()
        self.database_url = database_url
        self.batch = batch
        self.fence = fence or UNFENCED
        self.position = 0
        self._wake = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        listener: asyncpg.Connection | None = None
        resync = True
        backoff = 0.2
        try:
            while not stop.is_set():
                try:
                    if listener is None or listener.is_closed():
                        listener = await self._listen()
                    if resync:
                        self.position = await last_published_position(self.nc)
                        log.info("relay resuming after position %d", self.position)
                        resync = False
                    self._wake.clear()
                    notes = await asyncio.to_thread(
                        self.app.recorder.select_notifications, self.position + 1, self.batch
                    )
                    if notes:
                        self.fence.check()
                        self.position = await self._publish(notes)
                    backoff = 0.2
                except LeaseLost:
                    raise
                except (APIError, TimeoutError) as exc:
                    log.warning("publish refused or timed out (%s); resynchronising from the stream", exc)
                    resync = True
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 5.0)
                    continue
                except Exception as exc:  # database or NATS down: wait, then pick up where the stream ends
                    log.warning("relay paused: %r; retrying in %.1fs", exc, backoff)
                    resync = True
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 5.0)
                    continue
                if not notes:
                    await self._sleep(stop)
        finally:
            if listener is not None:
                with contextlib.suppress(Exception):
                    await listener.close()

    async def _publish(self, notes: Sequence[Notification]) -> int:
        previous = self.position
        futures = []
        for note in notes:
            envelope, block = to_envelope(self.app.mapper, note)
            body = encode_event(envelope, block)
            if len(body) > MAX_MESSAGE_BYTES:
                raise RuntimeError(
                    f"event {envelope.type} at position {note.id} is {len(body)} bytes, over the "
                    f"{MAX_MESSAGE_BYTES}-byte message limit"
                )
            headers = {
                HEADER_MSG_ID: str(note.id),
                HEADER_EVENT_TYPE: envelope.type,
                HEADER_POSITION: str(note.id),
            }
            if previous:
                headers[HEADER_EXPECTED_LAST_MSG_ID] = str(previous)
            futures.append(await self.js.publish_async(envelope.subject, body, headers=headers))
            previous = note.id
        await asyncio.wait_for(asyncio.gather(*futures), timeout=_ACK_TIMEOUT_S)
        return previous

    async def _sleep(self, stop: asyncio.Event) -> None:
        waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
        try:
            await asyncio.wait(waiters, timeout=_POLL_S, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    async def _listen(self) -> asyncpg.Connection | None:
        """LISTEN for the event store's NOTIFY; without it the relay still works by polling."""
        try:
            conn = await asyncpg.connect(self.database_url)
            await conn.add_listener(EVENTS_TABLE, lambda *_: self._wake.set())
            return conn
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("cannot LISTEN for new events (%s); polling every %.1fs", exc, _POLL_S)
            return None
