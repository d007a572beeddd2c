"""Run one projection from the events stream.

* Batches: fetch up to N messages, apply them with the projection's applier and write the
  checkpoint (position + stream sequence) in ONE transaction, then ack. A crash before the
  commit redelivers; events at or below the checkpoint are skipped: exactly-once effect.
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
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import asyncpg
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from contracts.events import EventEnvelope, decode_event
from contracts.subjects import EVENTS_STREAM, HEADER_MSG_ID, dead_letter_subject
from projections.base import ProjectionSpec
from projections.checkpoint import Checkpoint, read_checkpoint, write_checkpoint
from services.adapters.bus.positions import consumer_name

__all__ = ["ProjectorRunner", "MAX_TRANSACTION_BYTES"]

log = logging.getLogger("spine.projector")

#: Row blocks are large: a fetched batch is applied in transactions of at most this many bytes,
#: which bounds the projector's memory whatever the batch size.
MAX_TRANSACTION_BYTES = 32 * 1024 * 1024
_HOUSEKEEPING_S = 1.0

Item = tuple[EventEnvelope, bytes | None, int]  # (envelope, block, stream sequence)


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


def is_transient(exc: BaseException) -> bool:
    """Errors that say the database is out of reach, not that the event is bad."""
    return isinstance(
        exc,
        OSError
        | ConnectionError
        | TimeoutError
        | asyncpg.InterfaceError
        | asyncpg.PostgresConnectionError
        | asyncpg.exceptions.OperatorInterventionError
        | asyncpg.exceptions.InsufficientResourcesError
        | asyncpg.exceptions.TransactionRollbackError,
    )


class ProjectorRunner:
    def __init__(
        self,
        spec: ProjectionSpec,
        pool: asyncpg.Pool,
        nc: Client,
        *,
        batch: int = 256,
        max_attempts: int = 5,
        event_reader: Any = None,
    ) -> None:
        self.spec = spec
        self.pool = pool
        self.nc = nc
        self.js = nc.jetstream()
        self.batch = batch
        self.max_attempts = max_attempts
        self.schema = spec.schema
        self.applier = spec.make_applier(spec.schema)
        self.checkpoint = Checkpoint(0, 0, 0)
        self.durable = consumer_name(spec.name)
        self.failures = 0
        self.last_error: str | None = None
        self.dead_lettered = 0
        self.poisoned: dict[UUID, int] = {}
        self.paused = False
        self.event_reader = event_reader
        """Reads an event back from the event store by position (for retries): ``(position) -> (envelope, block)``."""
        self._sub: Any = None
        self._last_housekeeping = 0.0

    # ------------------------------------------------------------------ life cycle
    async def run(self, stop: asyncio.Event) -> None:
        await self._control("running", position=None, insert=True)
        await self._load()
        log.info("projector %s running from position %d", self.spec.name, self.checkpoint.position)
        try:
            while not stop.is_set():
                await self._housekeeping()
                if self.paused:
                    await asyncio.sleep(0.1)
                    continue
                try:
                    msgs = await self._sub.fetch(self.batch, timeout=1.0)
                except TimeoutError:
                    continue
                except Exception as exc:  # NATS reconnecting: the durable consumer keeps our place
                    log.warning("projector %s cannot fetch (%r); retrying", self.spec.name, exc)
                    await asyncio.sleep(0.5)
                    continue
                for group in _by_size(msgs, MAX_TRANSACTION_BYTES):
                    await self._apply_until_done(group, stop)
        finally:
            with contextlib.suppress(Exception):
                await self._control("stopped", position=self.checkpoint.position)

    async def _load(self) -> None:
        """Read the checkpoint and the dead-lettered streams, and consume from just after the checkpoint."""
        async with self.pool.acquire() as conn:
            self.checkpoint = await read_checkpoint(conn, self.schema, self.spec.name)
            rows = await conn.fetch(
                """SELECT stream_id, min(position) AS position FROM spine_meta.dead_letters
                   WHERE projection = $1 AND status <> 'resolved' GROUP BY stream_id""",
                self.spec.name,
            )
        self.poisoned = {r["stream_id"]: r["position"] for r in rows}
        self.applier = self.spec.make_applier(self.schema)
        # Fresh connections: prepared statements cached before a schema swap must not linger.
        await self.pool.expire_connections()
        await self._reset_consumer()
        if self._sub is not None:
            with contextlib.suppress(Exception):
                await self._sub.unsubscribe()
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
            except Exception as exc:
                self.failures += 1
                self.last_error = repr(exc)
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
        for msg in msgs:
            await _quietly(msg.ack())

    async def _commit(self, items: Sequence[Item]) -> None:
        """Apply (or park) the events and move the checkpoint, in one transaction."""
        apply = [(env, block) for env, block, _ in items if env.stream_id not in self.poisoned]
        parked = [(env, seq) for env, _, seq in items if env.stream_id in self.poisoned]
        last_env, _, last_seq = items[-1]
        async with self.pool.acquire() as conn, conn.transaction():
            if apply:
                await self.applier.apply(conn, apply)
            for env, seq in parked:
                await self._dead_letter(conn, env, seq, f"parked behind position {self.poisoned[env.stream_id]}", 0,
                                        parked_behind=self.poisoned[env.stream_id])  # fmt: skip
            await write_checkpoint(conn, self.schema, self.spec.name, last_env.position, last_seq, len(items))
        self.checkpoint = Checkpoint(last_env.position, last_seq, self.checkpoint.events_applied + len(items))

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
                    if is_transient(exc):
                        raise
                    if attempt == 1:
                        await self._poison(env, seq, exc)
                    else:
                        await asyncio.sleep(0.2)

    async def _poison(self, env: EventEnvelope, seq: int, exc: BaseException) -> None:
        error = f"{type(exc).__name__}: {exc}"
        async with self.pool.acquire() as conn, conn.transaction():
            await self._dead_letter(conn, env, seq, error, self.max_attempts + 1)
            await write_checkpoint(conn, self.schema, self.spec.name, env.position, seq, 1)
        self.checkpoint = Checkpoint(env.position, seq, self.checkpoint.events_applied + 1)
        self.poisoned.setdefault(env.stream_id, env.position)
        self.dead_lettered += 1
        log.error("projector %s dead-lettered %s at position %d: %s", self.spec.name, env.type, env.position, error)
        try:
            await self.js.publish(
                dead_letter_subject(self.spec.name),
                env.model_dump_json(by_alias=True).encode(),
                headers={
                    "Spine-Error": error[:1000].replace("\n", " "),
                    "Spine-Projection": self.spec.name,
                    HEADER_MSG_ID: f"{self.spec.name}:{env.position}",
                },
                timeout=5.0,
            )
        except Exception as exc:  # the database row is the record; the stream is a notification
            log.warning("projector %s could not publish dead letter %d: %r", self.spec.name, env.position, exc)

    async def _dead_letter(
        self, conn: Any, env: EventEnvelope, seq: int, error: str, attempts: int, *, parked_behind: int | None = None
    ) -> None:
        await conn.execute(
            """INSERT INTO spine_meta.dead_letters (projection, position, stream_id, event_type, stream_seq, error,
                   attempts, parked_behind, status)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending')
               ON CONFLICT (projection, position) DO UPDATE SET
                   error = EXCLUDED.error, attempts = spine_meta.dead_letters.attempts + EXCLUDED.attempts,
                   status = 'pending', last_failed_at = now()""",
            self.spec.name,
            env.position,
            env.stream_id,
            env.type,
            seq,
            error[:4000],
            attempts,
            parked_behind,
        )

    # ------------------------------------------------------------------ retries, control, heartbeat
    async def _housekeeping(self) -> None:
        now = time.monotonic()
        if now - self._last_housekeeping < _HOUSEKEEPING_S:
            return
        self._last_housekeeping = now
        try:
            async with self.pool.acquire() as conn:
                control = await conn.fetchrow(
                    "SELECT paused, reload FROM spine_meta.projector_control WHERE projection = $1", self.spec.name
                )
                retry = await conn.fetchval(
                    "SELECT count(*) FROM spine_meta.dead_letters WHERE projection = $1 AND status = 'retry_requested'",
                    self.spec.name,
                )
        except Exception as exc:
            log.warning("projector %s cannot read its control row (%r)", self.spec.name, exc)
            return
        if control is not None and control["reload"] and control["paused"] is False:
            await self._load()
            await self._control("running", position=self.checkpoint.position, reload=False)
            log.info("projector %s reloaded at position %d", self.spec.name, self.checkpoint.position)
        self.paused = bool(control and control["paused"])
        if retry:
            await self._retry_dead_letters()
        await self._control("paused" if self.paused else "running", position=self.checkpoint.position)

    async def _retry_dead_letters(self) -> None:
        """Re-apply, stream by stream and in order, the dead letters an operator asked to retry."""
        if self.event_reader is None:
            log.warning("projector %s cannot retry dead letters: no event store reader", self.spec.name)
            return
        async with self.pool.acquire() as conn:
            streams = await conn.fetch(
                """SELECT DISTINCT stream_id FROM spine_meta.dead_letters
                   WHERE projection = $1 AND status = 'retry_requested'""",
                self.spec.name,
            )
        for record in streams:
            stream_id = record["stream_id"]
            async with self.pool.acquire() as conn:
                positions = [
                    r["position"]
                    for r in await conn.fetch(
                        """SELECT position FROM spine_meta.dead_letters
                           WHERE projection = $1 AND stream_id = $2 AND status <> 'resolved' ORDER BY position""",
                        self.spec.name,
                        stream_id,
                    )
                ]
            events = [await asyncio.to_thread(self.event_reader, p) for p in positions]
            try:
                async with self.pool.acquire() as conn, conn.transaction():
                    await self.applier.apply(conn, events)
                    await conn.execute(
                        """UPDATE spine_meta.dead_letters SET status = 'resolved', resolved_at = now()
                           WHERE projection = $1 AND stream_id = $2 AND status <> 'resolved'""",
                        self.spec.name,
                        stream_id,
                    )
            except Exception as exc:
                log.error("projector %s: retry of stream %s failed again: %r", self.spec.name, stream_id, exc)
                async with self.pool.acquire() as conn:
                    await conn.execute(
                        """UPDATE spine_meta.dead_letters SET status = 'pending', attempts = attempts + 1,
                               error = $3, last_failed_at = now()
                           WHERE projection = $1 AND stream_id = $2 AND status = 'retry_requested'""",
                        self.spec.name,
                        stream_id,
                        f"{type(exc).__name__}: {exc}"[:4000],
                    )
                continue
            self.poisoned.pop(stream_id, None)
            log.info(
                "projector %s applied %d dead-lettered event(s) of stream %s", self.spec.name, len(events), stream_id
            )

    async def _control(
        self, state: str, *, position: int | None, insert: bool = False, reload: bool | None = None
    ) -> None:
        async with self.pool.acquire() as conn:
            if insert:
                await conn.execute(
                    """INSERT INTO spine_meta.projector_control (projection) VALUES ($1)
                       ON CONFLICT (projection) DO NOTHING""",
                    self.spec.name,
                )
            await conn.execute(
                """UPDATE spine_meta.projector_control SET state = $2, position = coalesce($3, position),
                       heartbeat_at = now(), updated_at = now(), reload = coalesce($4, reload)
                   WHERE projection = $1""",
                self.spec.name,
                state,
                position,
                reload,
            )

    # ------------------------------------------------------------------ consumer
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
        """Stream sequence to start from: after the checkpoint's message if the stream still holds
        it under the same position; after a rebuild (no sequence known) the stream is searched for
        the checkpoint's position; otherwise from the start (skipping by position)."""
        cp = self.checkpoint
        if cp.position <= 0:
            return 1
        info = await self.js.stream_info(EVENTS_STREAM)
        candidates = [cp.stream_seq] if cp.stream_seq > 0 else []
        # The relay publishes every position once, in order: sequence = position + a constant.
        if info.state.last_seq:
            with contextlib.suppress(Exception):
                last = await self.js.get_msg(EVENTS_STREAM, seq=info.state.last_seq)
                offset = info.state.last_seq - int((last.headers or {}).get(HEADER_MSG_ID, 0))
                candidates.append(cp.position + offset)
        for seq in candidates:
            if not (info.state.first_seq <= seq <= info.state.last_seq):
                continue
            try:
                msg = await self.js.get_msg(EVENTS_STREAM, seq=seq)
            except NotFoundError:
                continue
            if int((msg.headers or {}).get(HEADER_MSG_ID, -1)) == cp.position:
                return seq + 1
        return 1


async def _quietly(awaitable: object) -> None:
    try:
        await awaitable  # type: ignore[misc]
    except Exception as exc:  # an ack lost to a reconnect is redelivered and skipped by position
        log.debug("ack failed: %r", exc)
