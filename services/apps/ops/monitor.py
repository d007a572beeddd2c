"""The projection-lag monitor: samples every projector about once a second and judges each
over a sliding window.

Lag is measured two ways: against the event store (events not yet applied: the relevant
events after the projector's checkpoint, and the age of the oldest of them) and against
JetStream (messages pending on the projector's durable consumer). Status:

* FAILED — dead letters waiting, or the durable consumer is gone;
* STALLED — behind, and its position has not moved for ``stall_after_s`` (60 s at most);
* LAGGING — the oldest unapplied event has been waiting ``lagging_after_s`` or more, in every
  sample of the last few seconds (one slow sample is not a trend);
* OK — otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg
from nats.aio.client import Client
from nats.js.errors import NotFoundError

from contracts.subjects import EVENTS_STREAM
from projections.checkpoint import read_checkpoint
from projections.registry import PROJECTIONS
from services.adapters.bus.positions import consumer_name, last_published_position
from services.adapters.eventstore.transcoder import MAGIC
from services.adapters.replay import topics_of
from spine_core.framework.chaining import CHAIN_EVENT_TYPES

__all__ = ["OpsMonitor", "MonitoredProjection", "monitored_projections"]

log = logging.getLogger("spine.ops")

_COUNT_CAP = 1_000_000  # counting further costs more than it tells


@dataclass(frozen=True, slots=True)
class MonitoredProjection:
    name: str
    schema: str
    topics: list[str]


def monitored_projections() -> list[MonitoredProjection]:
    specs: list[tuple[str, str, frozenset[str]]] = [(s.name, s.schema, s.event_types) for s in PROJECTIONS.values()]
    specs.append(("process_manager", "process_manager", CHAIN_EVENT_TYPES))
    return [MonitoredProjection(name, schema, topics_of(types)) for name, schema, types in specs]


@dataclass
class _History:
    samples: deque[tuple[float, dict[str, Any]]] = field(default_factory=lambda: deque(maxlen=3600))


def _event_time(state: bytes) -> datetime | None:
    """The recorded timestamp of a stored event, reading only its JSON header."""
    try:
        if state[: len(MAGIC)] == MAGIC:
            size = int.from_bytes(state[len(MAGIC) : len(MAGIC) + 4], "big")
            head = json.loads(state[len(MAGIC) + 4 : len(MAGIC) + 4 + size])
        else:
            head = json.loads(state)
        stamp = head["timestamp"]
        return datetime.fromisoformat(stamp["_data_"] if isinstance(stamp, dict) else stamp)
    except (ValueError, KeyError, TypeError):
        return None


class OpsMonitor:
    def __init__(
        self,
        pool: Callable[[], Awaitable[asyncpg.Pool]],
        nats: Callable[[], Awaitable[Client]],
        eventstore_schema: str,
        *,
        interval_s: float = 1.0,
        stall_after_s: float = 30.0,
        lagging_after_s: float = 5.0,
        projections: list[MonitoredProjection] | None = None,
    ) -> None:
        self._pool = pool
        self._nats = nats
        self.table = f'"{eventstore_schema}".spine_events'
        self.interval_s = interval_s
        self.stall_after_s = stall_after_s
        self.lagging_after_s = lagging_after_s
        self.projections = projections or monitored_projections()
        self.history = _History()
        self._latest: dict[str, Any] | None = None
        self._listeners: set[asyncio.Queue[dict[str, Any]]] = set()

    # ------------------------------------------------------------------ running
    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            started = time.monotonic()
            try:
                sample = await self.sample()
                self._publish(sample)
            except Exception as exc:  # the monitor reports trouble, it must not die of it
                log.warning("ops monitor could not sample: %r", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=max(self.interval_s - (time.monotonic() - started), 0.05))

    def latest(self) -> dict[str, Any] | None:
        return self._latest

    def recent(self, seconds: float) -> list[dict[str, Any]]:
        cutoff = time.time() - seconds
        return [
            {
                "t": t,
                "projectors": {
                    p["name"]: {k: p[k] for k in ("events_behind", "seconds_behind", "status", "position")}
                    for p in s["projectors"]
                },
            }
            for t, s in self.history.samples
            if t >= cutoff
        ]

    def subscribe(self) -> asyncio.Queue[dict[str, Any]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=10)
        self._listeners.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        self._listeners.discard(queue)

    def _publish(self, sample: dict[str, Any]) -> None:
        self._latest = sample
        self.history.samples.append((time.time(), sample))
        for queue in list(self._listeners):
            if queue.full():
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()
            queue.put_nowait(sample)

    # ------------------------------------------------------------------ one sample
    async def sample(self) -> dict[str, Any]:
        pool = await self._pool()
        try:
            nc: Client | None = await self._nats()
        except Exception:
            nc = None
        now = datetime.now(UTC)
        async with pool.acquire() as conn:
            head = int(await conn.fetchval(f"SELECT coalesce(max(notification_id), 0) FROM {self.table}"))
            dead = {
                r["projection"]: r["n"]
                for r in await conn.fetch(
                    "SELECT projection, count(*) AS n FROM spine_meta.dead_letters WHERE status <> 'resolved' GROUP BY 1"
                )
            }
            controls = {
                r["projection"]: r
                for r in await conn.fetch("SELECT projection, state, heartbeat_at FROM spine_meta.projector_control")
            }
            projectors = [
                await self._projector(conn, nc, p, head, now, dead.get(p.name, 0), controls.get(p.name))
                for p in self.projections
            ]
        relay = None
        if nc is not None:
            with contextlib.suppress(Exception):
                relay = await last_published_position(nc)
        return {"sampled_at": now.isoformat(), "head": head, "relay_position": relay, "projectors": projectors}

    async def _projector(
        self,
        conn: asyncpg.Connection,
        nc: Client | None,
        proj: MonitoredProjection,
        head: int,
        now: datetime,
        dead_letters: int,
        control: Any,
    ) -> dict[str, Any]:
        try:
            cp = await read_checkpoint(conn, proj.schema, proj.name)
        except asyncpg.UndefinedTableError:
            cp = None
        position = cp.position if cp else 0
        behind = int(
            await conn.fetchval(
                f"""SELECT count(*) FROM (SELECT 1 FROM {self.table}
                    WHERE notification_id > $1 AND topic = ANY($2::text[]) LIMIT {_COUNT_CAP}) s""",
                position,
                proj.topics,
            )
        )
        seconds_behind = 0.0
        if behind:
            state = await conn.fetchval(
                f"""SELECT state FROM {self.table} WHERE notification_id > $1 AND topic = ANY($2::text[])
                    ORDER BY notification_id LIMIT 1""",
                position,
                proj.topics,
            )
            oldest = _event_time(bytes(state)) if state is not None else None
            seconds_behind = max((now - oldest).total_seconds(), 0.0) if oldest else 0.0
        pending: int | None = None
        consumer = True
        if nc is not None:
            try:
                info = await nc.jetstream().consumer_info(EVENTS_STREAM, consumer_name(proj.name))
                pending = int(info.num_pending or 0) + int(info.num_ack_pending or 0)
            except NotFoundError:
                consumer = False
            except Exception:
                pending = None
        applied = cp.events_applied if cp else 0
        rate, moved_at = self._rate_and_movement(proj.name, applied, position)
        status, reason = self._judge(proj.name, behind, seconds_behind, dead_letters, consumer, moved_at, control)
        return {
            "name": proj.name,
            "position": position,
            "events_behind": behind,
            "pending": pending,
            "seconds_behind": round(seconds_behind, 3),
            "rate": round(rate, 1),
            "eta_s": round(behind / rate, 1) if rate > 0 and behind else (0.0 if not behind else None),
            "status": status,
            "status_reason": reason,
            "dead_letters": dead_letters,
            "events_applied": applied,
            "consumer": consumer,
            "state": control["state"] if control else None,
            "updated_at": now.isoformat(),
        }

    # ------------------------------------------------------------------ judging over the window
    def _samples_of(self, name: str, seconds: float) -> list[tuple[float, dict[str, Any]]]:
        cutoff = time.time() - seconds
        out = []
        for t, sample in self.history.samples:
            if t < cutoff:
                continue
            for p in sample["projectors"]:
                if p["name"] == name:
                    out.append((t, p))
        return out

    def _rate_and_movement(self, name: str, applied: int, position: int) -> tuple[float, float | None]:
        """Apply rate over the last 10 s, and when the position last moved (None: not within the window)."""
        recent = self._samples_of(name, 10.0)
        rate = 0.0
        if recent:
            t0, first = recent[0]
            span = time.time() - t0
            if span > 0:
                rate = max(applied - first["events_applied"], 0) / span
        moved_at: float | None = time.time()
        window = self._samples_of(name, self.stall_after_s)
        spans_window = len(window) >= 2 and time.time() - window[0][0] >= self.stall_after_s * 0.9
        if spans_window and all(p["position"] == position for _, p in window):
            moved_at = None
        return rate, moved_at

    def _judge(
        self,
        name: str,
        behind: int,
        seconds_behind: float,
        dead_letters: int,
        consumer: bool,
        moved_at: float | None,
        control: Any,
    ) -> tuple[str, str]:
        if dead_letters:
            return "FAILED", f"{dead_letters} dead-lettered event(s) wait for a fix and a retry"
        if not consumer:
            return "FAILED", "its durable consumer is gone: the projector is not running"
        if control is not None and control["state"] == "paused":
            return ("LAGGING", "paused (a replay is swapping its tables)") if behind else ("OK", "paused, up to date")
        if behind and moved_at is None:
            return "STALLED", f"{behind} event(s) behind and its position has not moved for {self.stall_after_s:.0f}s"
        if behind and seconds_behind >= self.lagging_after_s:
            recent = self._samples_of(name, 3.0)
            if not recent or all(p["seconds_behind"] >= self.lagging_after_s for _, p in recent):
                return "LAGGING", f"the oldest unapplied event waits {seconds_behind:.1f}s ({behind} events behind)"
        if behind:
            return "OK", f"catching up: {behind} event(s) behind, {seconds_behind:.1f}s"
        return "OK", "up to date"
