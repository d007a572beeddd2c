"""The projection-lag monitor: samples every projector about once a second, judges each over a
sliding window (:mod:`services.apps.ops.status`), keeps the last hour
(:mod:`services.apps.ops.history`) and hands every sample to live subscribers
(:mod:`services.apps.ops.fanout`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg
from nats.aio.client import Client

from services.adapters.monitored import MonitoredProjection, monitored_projections
from services.apps.ops.fanout import SampleFanout
from services.apps.ops.history import SampleHistory
from services.apps.ops.sampling import (
    ProjectorLag,
    read_controls,
    read_dead_letters,
    read_head,
    read_lag,
    read_relay_position,
)
from services.apps.ops.status import Reading, StatusRules, apply_rate, eta_seconds, has_stalled, judge

__all__ = ["OpsMonitor"]

log = logging.getLogger("spine.ops")


class OpsMonitor:
    """Built with how to reach PostgreSQL and NATS (callables, so connections open lazily)."""

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
        self.rules = StatusRules(stall_after_s=stall_after_s, lagging_after_s=lagging_after_s)
        self.projections = projections or monitored_projections()
        self.history = SampleHistory()
        self._fanout = SampleFanout()
        self._latest: dict[str, Any] | None = None

    # ------------------------------------------------------------------ running
    async def run(self, stop: asyncio.Event) -> None:
        """Sample every ``interval_s`` until ``stop`` is set."""
        while not stop.is_set():
            started = time.monotonic()
            try:
                self._publish(await self.sample())
            except Exception as exc:  # the monitor reports trouble, it must not die of it
                log.warning("ops monitor could not sample: %r", exc)
            with contextlib.suppress(TimeoutError):  # the usual case: the interval passed, stop is not set
                await asyncio.wait_for(stop.wait(), timeout=max(self.interval_s - (time.monotonic() - started), 0.05))

    def latest(self) -> dict[str, Any] | None:
        """The last sample taken by :meth:`run`, None before the first."""
        return self._latest

    def recent(self, seconds: float) -> list[dict[str, Any]]:
        """The samples of the last ``seconds``, summarised for charts."""
        return self.history.recent(seconds, time.time())

    def subscribe(self) -> asyncio.Queue[dict[str, Any]]:
        """A queue that receives every new sample (the oldest is dropped when it is full)."""
        return self._fanout.subscribe()

    def unsubscribe(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        """Stop feeding a queue from :meth:`subscribe`."""
        self._fanout.unsubscribe(queue)

    def _publish(self, sample: dict[str, Any]) -> None:
        self._latest = sample
        self.history.append(time.time(), sample)
        self._fanout.publish(sample)

    # ------------------------------------------------------------------ one sample
    async def sample(self) -> dict[str, Any]:
        """Read and judge every projector now (the history is not changed)."""
        pool = await self._pool()
        nc: Client | None
        try:
            nc = await self._nats()
        except Exception as exc:  # the event store's side of the sample does not need the bus
            log.warning("ops monitor samples without NATS: %r", exc)
            nc = None
        now = datetime.now(UTC)
        async with pool.acquire() as conn:
            head = await read_head(conn, self.table)
            dead = await read_dead_letters(conn)
            controls = await read_controls(conn)
            lags = [(p, await read_lag(conn, nc, self.table, p, now)) for p in self.projections]
        relay = await read_relay_position(nc) if nc is not None else None
        projectors = [self._entry(p.name, lag, dead.get(p.name, 0), controls.get(p.name), now) for p, lag in lags]
        return {"sampled_at": now.isoformat(), "head": head, "relay_position": relay, "projectors": projectors}

    def _entry(
        self, name: str, lag: ProjectorLag, dead_letters: int, state: str | None, now: datetime
    ) -> dict[str, Any]:
        clock = time.time()
        rules = self.rules
        rate = apply_rate(self.history.window(name, rules.rate_window_s, clock), lag.events_applied, clock)
        stalled = has_stalled(
            self.history.window(name, rules.stall_after_s, clock), lag.position, rules.stall_after_s, clock
        )
        reading = Reading(lag.events_behind, lag.seconds_behind, dead_letters, lag.consumer, state)
        recent = self.history.window(name, rules.trend_window_s, clock)
        status, reason = judge(reading, stalled=stalled, recent=recent, rules=rules)
        return {
            "name": name,
            "position": lag.position,
            "events_behind": lag.events_behind,
            "pending": lag.pending,
            "seconds_behind": round(lag.seconds_behind, 3),
            "rate": round(rate, 1),
            "eta_s": eta_seconds(lag.events_behind, rate),
            "status": status,
            "status_reason": reason,
            "dead_letters": dead_letters,
            "events_applied": lag.events_applied,
            "consumer": lag.consumer,
            "state": state,
            "updated_at": now.isoformat(),
        }
