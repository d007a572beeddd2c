"""Run one projection from the events stream.

* Batches: fetch up to N messages, apply them with the projection's applier and write the
  checkpoint (position + stream sequence) in ONE transaction, then ack. A crash before the
  commit redelivers; events at or below the checkpoint are skipped: exactly-once effect.
* Order: a batch that fails is retried as a whole before anything newer is fetched; on start
  the durable consumer is recreated to deliver from the checkpoint, so redeliveries can never
  overtake newer events.
"""

from __future__ import annotations

import asyncio
import logging
import time

import asyncpg
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from contracts.events import EventEnvelope, decode_event
from contracts.subjects import EVENTS_STREAM, HEADER_MSG_ID
from projections.base import ProjectionSpec
from projections.checkpoint import Checkpoint, read_checkpoint, write_checkpoint

__all__ = ["ProjectorRunner", "consumer_name"]

log = logging.getLogger("spine.projector")

#: Row blocks are large: a fetched batch is applied in transactions of at most this many bytes,
#: which bounds the projector's memory whatever the batch size.
MAX_TRANSACTION_BYTES = 32 * 1024 * 1024


def _by_size(msgs: list[Msg], limit: int) -> list[list[Msg]]:
    groups: list[list[Msg]] = [[]]
    size = 0
    for msg in msgs:
        if groups[-1] and size + len(msg.data) > limit:
            groups.append([])
            size = 0
        groups[-1].append(msg)
        size += len(msg.data)
    return groups


def consumer_name(projection: str) -> str:
    return f"projector-{projection}"


class ProjectorRunner:
    def __init__(self, spec: ProjectionSpec, pool: asyncpg.Pool, nc: Client, *, batch: int = 256) -> None:
        self.spec = spec
        self.pool = pool
        self.nc = nc
        self.js = nc.jetstream()
        self.batch = batch
        self.schema = spec.schema
        self.applier = spec.make_applier(spec.schema)
        self.checkpoint = Checkpoint(0, 0, 0)
        self.durable = consumer_name(spec.name)
        self.failures = 0
        self.last_error: str | None = None

    async def run(self, stop: asyncio.Event) -> None:
        async with self.pool.acquire() as conn:
            self.checkpoint = await read_checkpoint(conn, self.schema, self.spec.name)
        await self._reset_consumer()
        sub = await self.js.pull_subscribe_bind(durable=self.durable, stream=EVENTS_STREAM)
        log.info("projector %s running from position %d", self.spec.name, self.checkpoint.position)
        while not stop.is_set():
            try:
                msgs = await sub.fetch(self.batch, timeout=1.0)
            except TimeoutError:
                continue
            except Exception as exc:  # NATS reconnecting: the durable consumer keeps our place
                log.warning("projector %s cannot fetch (%r); retrying", self.spec.name, exc)
                await asyncio.sleep(0.5)
                continue
            for group in _by_size(msgs, MAX_TRANSACTION_BYTES):
                await self._apply_until_done(group, stop)

    async def _apply_until_done(self, msgs: list[Msg], stop: asyncio.Event) -> None:
        events: list[tuple[EventEnvelope, bytes | None]] = []
        for msg in msgs:
            envelope, block = decode_event(msg.data)
            if envelope.position > self.checkpoint.position:
                events.append((envelope, block))
        backoff = 0.2
        last_keepalive = time.monotonic()
        while events:
            try:
                await self._commit(events, msgs[-1].metadata.sequence.stream)
                break
            except Exception as exc:
                self.failures += 1
                self.last_error = repr(exc)
                log.exception(
                    "projector %s failed to apply positions %d..%d (%r); retrying",
                    self.spec.name,
                    events[0][0].position,
                    events[-1][0].position,
                    exc,
                )
                if stop.is_set():
                    return
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                if time.monotonic() - last_keepalive > 10:
                    last_keepalive = time.monotonic()
                    for msg in msgs:
                        await _quietly(msg.in_progress())
        for msg in msgs:
            await _quietly(msg.ack())

    async def _commit(self, events: list[tuple[EventEnvelope, bytes | None]], stream_seq: int) -> None:
        last = events[-1][0].position
        async with self.pool.acquire() as conn, conn.transaction():
            await self.applier.apply(conn, events)
            await write_checkpoint(conn, self.schema, self.spec.name, last, stream_seq, len(events))
        self.checkpoint = Checkpoint(last, stream_seq, self.checkpoint.events_applied + len(events))

    async def _reset_consumer(self) -> None:
        """(Re)create the durable consumer so it delivers from just after the checkpoint."""
        start_seq = await self._start_sequence()
        try:
            await self.js.delete_consumer(EVENTS_STREAM, self.durable)
        except NotFoundError:
            pass
        config = ConsumerConfig(
            durable_name=self.durable,
            description=f"Spine projector {self.spec.name}",
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=60.0,
            max_ack_pending=self.batch * 4,
            filter_subjects=self.spec.subjects,
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE if start_seq > 1 else DeliverPolicy.ALL,
            opt_start_seq=start_seq if start_seq > 1 else None,
        )
        await self.js.add_consumer(EVENTS_STREAM, config)

    async def _start_sequence(self) -> int:
        """Stream sequence to start from: after the checkpoint's message, if the stream still
        holds it under the same position; otherwise from the start (skipping by position)."""
        cp = self.checkpoint
        if cp.stream_seq <= 0:
            return 1
        try:
            msg = await self.js.get_msg(EVENTS_STREAM, seq=cp.stream_seq)
        except NotFoundError:
            return 1
        if int((msg.headers or {}).get(HEADER_MSG_ID, -1)) != cp.position:
            return 1
        return cp.stream_seq + 1


async def _quietly(awaitable: object) -> None:
    try:
        await awaitable  # type: ignore[misc]
    except Exception as exc:  # an ack lost to a reconnect is redelivered and skipped by position
        log.debug("ack failed: %r", exc)
