"""The backfill lane yields to the read models.

A backfill queues hundreds of weeks at once, and the worker records them faster than the
projectors apply them: left alone, the events of a normal-lane run that starts meanwhile wait
behind the whole backlog in the projectors' queues, and its read models are late by all of it
(a weekly run of 30,000 rows took 39.5 s under a year's backfill instead of 3.7 s idle, though
the worker had recorded its last stage after 6.9 s).

So before it starts a command of the ``backfill`` or ``slow`` lane, the worker waits while it
runs a normal-lane command itself (both lanes' runs would share its interpreter and the cores),
and while a projector (or the process manager) has more than ``SPINE_BACKFILL_MAX_PENDING``
events pending on its JetStream consumer — at most :data:`MAX_YIELD_S` per command, so a
projector that is down slows a backfill but never stops it. Normal-lane commands never wait.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable

from nats.aio.client import Client

from services.adapters.bus.positions import consumer_pending
from services.adapters.monitored import monitored_projections

__all__ = ["YIELDING_LANES", "MAX_YIELD_S", "events_pending", "watched_projections", "yield_while_held"]

log = logging.getLogger("spine.worker")

#: The lanes whose commands wait for the read models to catch up.
YIELDING_LANES = frozenset({"backfill", "slow"})
#: The longest one command waits for the read models.
MAX_YIELD_S = 60.0
_POLL_S = 0.1


async def events_pending(nc: Client, projections: Iterable[str]) -> int:
    """The most events any of ``projections`` (names, the process manager's among them) has
    pending on its consumer; a consumer that does not exist counts as none."""
    return max([await consumer_pending(nc, name) or 0 for name in projections], default=0)


def watched_projections() -> tuple[str, ...]:
    """The projections the backfill lane waits for: every projector and the process manager."""
    return tuple(projection.name for projection in monitored_projections())


async def yield_while_held(
    held: Callable[[], Awaitable[str | None]], *, max_wait_s: float = MAX_YIELD_S, poll_s: float = _POLL_S
) -> float:
    """Wait while ``held()`` gives a reason to (None: go), at most ``max_wait_s``; return the
    seconds waited. An error asking is logged and ends the wait: the run goes on."""
    started = time.monotonic()
    deadline = started + max_wait_s
    while True:
        try:
            reason = await held()
        except Exception as exc:  # the bus cannot say: do not hold the run for it
            log.warning("could not tell whether the read models lag: %r; not waiting for them", exc)
            break
        if reason is None:
            break
        if time.monotonic() >= deadline:
            log.warning("%s after %.0fs; running the command anyway", reason, max_wait_s)
            break
        await asyncio.sleep(poll_s)
    return time.monotonic() - started
