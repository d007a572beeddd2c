"""Run one projection from the events stream.

* Batches: fetch up to N messages, apply them with the projection's applier and write the
  checkpoint (position + stream sequence) in ONE transaction, then ack. A crash before the
  commit redelivers; events at or below the checkpoint are skipped: exactly-once effect. After
  a failed commit the checkpoint is read back first (a commit whose answer was lost went through).
* Order: a batch that fails is retried as a whole before anything newer is fetched; on start
  the durable consumer is recreated to deliver from the checkpoint, so redeliveries can never
  overtake newer events.
* Poison: a batch that keeps failing (``max_attempts`` times, database reachable) is applied
  event by event; the event that fails is dead-lettered (``spine_meta.dead_letters``, and the
  ``SPINE_DEAD_LETTERS`` stream) in the same transaction as the checkpoint moving past it, and
  later events of the same stream are parked behind it so per-stream order holds; everything
  else goes on. An operator's retry re-reads the parked events from the event store and
  applies them in order.
* Control: ``spine_meta.projector_control`` pauses the projector (a replay swaps a rebuilt
  schema in) and asks it to reload its checkpoint; the projector writes a heartbeat there.
* Standbys: under a lease, the lease is checked before each fetch and confirmed in every
  commit (a lost lease commits nothing more: no duplicate); a hole in the consumer's delivery
  numbers (a message pulled by an instance that lost its lease) restarts from the checkpoint.

Poison detection, announcement and retries are in :mod:`.dead_letters`; where the consumer
starts, in :mod:`.consumer`; the SQL on ``spine_meta``, in :mod:`services.adapters.db.projector_state`.
What is left is one piece, if over 300 lines: the fetch loop, the batch transaction, isolation and
the control row all move the one checkpoint, and their ordering rules are read best side by side.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import asyncpg
from nats.aio.client import Client
from nats.aio.msg import Msg

from contracts.events import EventEnvelope, decode_event
from contracts.subjects import EVENTS_STREAM
from projections.base import ProjectionSpec
from projections.checkpoint import Checkpoint, read_checkpoint, write_checkpoint
from services.adapters.bus.positions import consumer_name
from services.adapters.db import projector_state
from services.adapters.db.lease import UNFENCED, Fence, LeaseLost
from services.apps.projector.consumer import Deliveries, reset_consumer
from services.apps.projector.dead_letters import (
    EventReader,
    describe,
    is_transient,
    publish_dead_letter,
    retry_dead_letters,
)
from services.apps.projector.fetching import MAX_TRANSACTION_BYTES, FetchSize, by_size

__all__ = ["ProjectorRunner", "MAX_TRANSACTION_BYTES"]

log = logging.getLogger("spine.projector")

_HOUSEKEEPING_S = 1.0

Item = tuple[EventEnvelope, bytes | None, int]  # (envelope, block, stream sequence)


class ProjectorRunner:
    """Runs one projection: fetch, apply with the checkpoint in one transaction, ack; isolates
    poison events; obeys its control row."""

    def __init__(
        self,
        spec: ProjectionSpec,
        pool: asyncpg.Pool,
        nc: Client,
        *,
        batch: int = 256,
        max_attempts: int = 5,
        event_reader: EventReader | None = None,
        fence: Fence | None = None,
    ) -> None:
        self.spec = spec
        self.pool = pool
        self.nc = nc
        self.js = nc.jetstream()
        self.batch = batch
        self.fetch_size = FetchSize(batch)
        """How many messages the next fetch asks for: fewer while row blocks stream (memory)."""
        self.max_attempts = max_attempts
        self.schema = spec.schema
        self.applier = spec.make_applier(spec.schema)
        self.checkpoint = Checkpoint(0, 0, 0)
        self.durable = consumer_name(spec.name)
        self.failures = 0
        """Failed attempts to apply a batch, since start."""
        self.poisoned: dict[UUID, int] = {}
        """Streams with an unresolved dead letter -> its position: later events of them are parked."""
        self.paused = False
        self.event_reader = event_reader
        """Reads an event back from the event store by position (for retries)."""
        self.fence = fence or UNFENCED
        """The lease of this instance: checked before fetching, confirmed in every commit."""
        self.deliveries = Deliveries(spec.name)
        self._sub: Any = None
        self._last_housekeeping = 0.0

    # ------------------------------------------------------------------ life cycle
    async def run(self, stop: asyncio.Event) -> None:
        async with self.pool.acquire() as conn:
            await projector_state.register_projector(conn, self.spec.name)
        await self._report("running", position=None)
        await self._load()
        log.info("projector %s running from position %d", self.spec.name, self.checkpoint.position)
        try:
            while not stop.is_set():
                self.fence.check()
                await self._housekeeping()
                if self.paused:
                    await asyncio.sleep(0.1)
                    continue
                self.fence.check()
                try:
                    msgs = await self._sub.fetch(self.fetch_size.next(), timeout=1.0)
                except TimeoutError:
                    continue
                except Exception as exc:  # NATS reconnecting: the durable consumer keeps our place
                    log.warning("projector %s cannot fetch (%r); retrying", self.spec.name, exc)
                    await asyncio.sleep(0.5)
                    continue
                self.fetch_size.saw(msgs)
                if not self.deliveries.follow(msgs):
                    await self._load()  # a hole: start again from the checkpoint
                    continue
                for group in by_size(msgs, MAX_TRANSACTION_BYTES):
                    await self._apply_until_done(group, stop)
        finally:
            if self.fence.held:  # else the control row is the new active instance's to report
                try:
                    await self._report("stopped", position=self.checkpoint.position)
                except Exception as exc:  # stopping anyway: the next start reports again
                    log.warning("projector %s could not report that it stopped: %r", self.spec.name, exc)

    async def _load(self) -> None:
        """Read the checkpoint and the dead-lettered streams, and consume from just after the checkpoint."""
        async with self.pool.acquire() as conn:
            self.checkpoint = await read_checkpoint(conn, self.schema, self.spec.name)
            self.poisoned = await projector_state.unresolved_streams(conn, self.spec.name)
        self.applier = self.spec.make_applier(self.schema)
        # Fresh connections: prepared statements cached before a schema swap must not linger.
        await self.pool.expire_connections()
        await reset_consumer(
            self.js, self.durable, self.spec.subjects, f"Spine projector {self.spec.name}", self.checkpoint, self.batch
        )
        self.deliveries.restart()
        if self._sub is not None:
            try:
                await self._sub.unsubscribe()
            except Exception as exc:  # the consumer was just recreated: the old subscription is moot
                log.info("projector %s: the previous subscription did not close cleanly: %r", self.spec.name, exc)
        self._sub = await self.js.pull_subscribe_bind(durable=self.durable, stream=EVENTS_STREAM)

    # ------------------------------------------------------------------ applying
    async def _apply_until_done(self, msgs: list[Msg], stop: asyncio.Event) -> None:
        items: list[Item] = []
        for msg in msgs:
            envelope, block = decode_event(msg.data)
            if envelope.position > self.checkpoint.position:
                items.append((envelope, block, msg.metadata.sequence.stream))
        backoff, attempts, last_keepalive = 0.2, 0, time.monotonic()
        while items:
            try:
                await self._commit(items)
                break
            except LeaseLost:
                raise  # another instance is active: nothing more of this one may commit
            except Exception as exc:
                self.failures += 1
                if not is_transient(exc):
                    attempts += 1
                log.warning(
                    "projector %s failed to apply positions %d..%d (attempt %d, %r)",
                    self.spec.name, items[0][0].position, items[-1][0].position, attempts, exc,
                )  # fmt: skip
                if attempts >= self.max_attempts:
                    await self._isolate(items)
                    break
                if stop.is_set():
                    return
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                if time.monotonic() - last_keepalive > 10:
                    last_keepalive = time.monotonic()
                    for msg in msgs:
                        await _quietly(msg.in_progress())
                items = await self._unapplied(items)
        for msg in msgs:
            await _quietly(msg.ack())

    async def _commit(self, items: Sequence[Item]) -> None:
        """Apply (or park) the events and move the checkpoint, in one transaction."""
        apply = [(env, block) for env, block, _ in items if env.stream_id not in self.poisoned]
        parked = [(env, seq) for env, _, seq in items if env.stream_id in self.poisoned]
        last_env, _, last_seq = items[-1]
        async with self.pool.acquire() as conn, conn.transaction():
            await self.fence.confirm(conn)
            if apply:
                await self.applier.apply(conn, apply)
            for env, seq in parked:
                behind = self.poisoned[env.stream_id]
                await self._dead_letter(conn, env, seq, f"parked behind position {behind}", 0, parked_behind=behind)
            await write_checkpoint(conn, self.schema, self.spec.name, last_env.position, last_seq, len(items))
        self.checkpoint = Checkpoint(last_env.position, last_seq, self.checkpoint.events_applied + len(items))

    async def _unapplied(self, items: list[Item]) -> list[Item]:
        """The items still to apply after a failed commit, by the checkpoint in the database: a
        commit can succeed while its answer is lost (PostgreSQL crashed right after COMMIT)."""
        try:
            async with self.pool.acquire() as conn:
                stored = await read_checkpoint(conn, self.schema, self.spec.name)
        except Exception as exc:
            if is_transient(exc):
                return items  # the database cannot answer yet: assume nothing
            raise
        if stored.position > self.checkpoint.position:
            log.info("projector %s: a commit whose answer was lost went through (position %d)", self.spec.name, stored.position)  # fmt: skip
            self.checkpoint = stored
        return [item for item in items if item[0].position > self.checkpoint.position]

    async def _isolate(self, items: Sequence[Item]) -> None:
        """Apply one event at a time; dead-letter the one that fails, go on with the others."""
        for item in items:
            env, _, seq = item
            if env.position <= self.checkpoint.position:
                continue
            for attempt in range(2):
                try:
                    await self._commit([item])
                    break
                except Exception as exc:
                    if is_transient(exc) or isinstance(exc, LeaseLost):
                        raise
                    if not await self._unapplied([item]):
                        break  # it was applied after all: its commit's answer was lost
                    if attempt == 1:
                        await self._poison(env, seq, exc)
                    else:
                        await asyncio.sleep(0.2)

    async def _poison(self, env: EventEnvelope, seq: int, exc: BaseException) -> None:
        """Dead-letter ``env`` and move the checkpoint past it, in one transaction; then announce it."""
        error = describe(exc)
        async with self.pool.acquire() as conn, conn.transaction():
            await self.fence.confirm(conn)
            await self._dead_letter(conn, env, seq, error, self.max_attempts + 1)
            await write_checkpoint(conn, self.schema, self.spec.name, env.position, seq, 1)
        self.checkpoint = Checkpoint(env.position, seq, self.checkpoint.events_applied + 1)
        self.poisoned.setdefault(env.stream_id, env.position)
        log.error("projector %s dead-lettered %s at position %d: %s", self.spec.name, env.type, env.position, error)
        await publish_dead_letter(self.js, self.spec.name, env, error)

    async def _dead_letter(
        self, conn: asyncpg.Connection, env: EventEnvelope, seq: int, error: str, attempts: int, *, parked_behind: int | None = None
    ) -> None:  # fmt: skip
        await projector_state.record_dead_letter(
            conn,
            self.spec.name,
            position=env.position,
            stream_id=env.stream_id,
            event_type=env.type,
            stream_seq=seq,
            error=error,
            attempts=attempts,
            parked_behind=parked_behind,
        )

    # ------------------------------------------------------------------ retries, control, heartbeat
    async def _housekeeping(self) -> None:
        now = time.monotonic()
        if now - self._last_housekeeping < _HOUSEKEEPING_S:
            return
        self._last_housekeeping = now
        try:
            async with self.pool.acquire() as conn:
                control = await projector_state.read_control(conn, self.spec.name)
                retry = await projector_state.retry_requested_count(conn, self.spec.name)
        except Exception as exc:
            log.warning("projector %s cannot read its control row (%r)", self.spec.name, exc)
            return
        paused, reload = control or (False, False)
        if reload and not paused:
            await self._load()
            await self._report("running", position=self.checkpoint.position, reload=False)
            log.info("projector %s reloaded at position %d", self.spec.name, self.checkpoint.position)
        self.paused = paused
        if retry:
            retried = await retry_dead_letters(self.pool, self.spec.name, self.applier, self.event_reader, self.fence)
            for stream_id in retried:
                self.poisoned.pop(stream_id, None)
        await self._report("paused" if self.paused else "running", position=self.checkpoint.position)

    async def _report(self, state: str, *, position: int | None, reload: bool | None = None) -> None:
        async with self.pool.acquire() as conn:
            await projector_state.report_state(conn, self.spec.name, state, position=position, reload=reload)


async def _quietly(awaitable: object) -> None:
    try:
        await awaitable  # type: ignore[misc]
    except Exception as exc:  # an ack lost to a reconnect is redelivered and skipped by position
        log.debug("ack failed: %r", exc)
