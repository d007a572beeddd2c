"""Run a service's work only while this instance holds the service's lease.

Every instance of the relay, a projector or the process manager runs :func:`run_with_lease`:
it stands by, trying the lease every ``interval_s``; once it holds it, it runs the work with a
stop event of its own, which is set when the process is asked to stop or the lease can no longer
be confirmed (a heartbeat failed or came too late). The work also checks the lease itself
before it acts (:class:`~services.adapters.db.lease.Fence`). An instance that lost its lease
closes the lease connection and stands by again; one asked to stop releases the lease, so a
standby takes over at once. Work cut short by a server out of reach (PostgreSQL or NATS
restarting as it starts) is given up the same way and tried again after a pause; any other
error ends the process, releasing the lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import nats.errors

from services.adapters.db.lease import Lease, LeaseLost

__all__ = ["Work", "run_with_lease"]

log = logging.getLogger("spine.lease")

Work = Callable[[Lease, asyncio.Event], Awaitable[None]]
"""The service's work: runs until its event is set (it may also raise :class:`LeaseLost`)."""

_UNREACHABLE = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError, LeaseLost)
#: What interrupts the work without anything being wrong with it: a server out of reach.
_INTERRUPTED = (
    OSError,
    TimeoutError,
    asyncpg.InterfaceError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.InsufficientResourcesError,
    nats.errors.Error,
)
_MAX_BACKOFF_S = 5.0


async def run_with_lease(lease: Lease, stop: asyncio.Event, work: Work) -> None:
    """Stand by until the lease is free, work while it is held, repeat until ``stop``."""
    interval = lease.timing.interval_s
    backoff = interval
    standing_since = time.monotonic()
    try:
        while not stop.is_set():
            try:
                if not lease.connected:
                    await lease.connect()
                    log.info("%s: instance %s standing by", lease.service, lease.me.instance_id)
                acquired = await lease.try_acquire()
            except _UNREACHABLE as exc:
                log.warning("%s: cannot reach the lease (%r); retrying in %.1fs", lease.service, exc, backoff)
                await lease.drop()
                await _sleep(stop, backoff)
                backoff = min(backoff * 2, _MAX_BACKOFF_S)
                continue
            backoff = interval
            if not acquired:
                await _sleep(stop, interval)
                continue
            log.info(
                "%s: instance %s is active (lease generation %d) after standing by %.1fs",
                lease.service, lease.me.instance_id, lease.generation, time.monotonic() - standing_since,
            )  # fmt: skip
            if await _work_while_held(lease, stop, work):
                await _sleep(stop, backoff)
                backoff = min(backoff * 2, _MAX_BACKOFF_S)
            standing_since = time.monotonic()
    finally:
        await lease.drop(release=True)


async def _work_while_held(lease: Lease, stop: asyncio.Event, work: Work) -> bool:
    """Work until asked to stop or the lease is gone; True when a server out of reach cut it short.

    Once told to stop (its event set), the work has :func:`_grace_s` to return; work still
    blocked after that — say on a connection PostgreSQL dropped in a crash, which nothing ever
    answers — is cancelled, so the instance stands by again instead of waiting forever. Its
    commits are fenced by the lease, so cancelling it loses nothing."""
    working = asyncio.Event()  # set: stop working (asked to stop, or the lease is gone)
    keeper = asyncio.create_task(_keep(lease, stop, working))
    task: asyncio.Future[None] = asyncio.ensure_future(work(lease, working))
    interrupted = False
    try:
        if not await _finished_or_cancelled(task, working, _grace_s(lease), lease.service):
            return False
        await task
    except LeaseLost as exc:
        log.warning("%s: %s", lease.service, exc)
    except _INTERRUPTED as exc:
        log.warning("%s: work interrupted (%r); giving up the lease for now", lease.service, exc)
        interrupted = True
    finally:
        working.set()
        keeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await keeper
        if not task.done():  # this coroutine itself was cancelled: so is the work
            await _cancel(task)
        if not stop.is_set():
            log.warning("%s: instance %s stands by again", lease.service, lease.me.instance_id)
            await lease.drop()  # closing the session frees the lock, if the server still had it
    return interrupted


def _grace_s(lease: Lease) -> float:
    """How long stopped work may take to return before it is cancelled."""
    return max(lease.timing.timeout_s, 1.0)


async def _finished_or_cancelled(
    task: asyncio.Future[None], working: asyncio.Event, grace_s: float, service: str
) -> bool:
    """Wait for ``task``; once ``working`` is set, for ``grace_s`` more at most, then cancel it.
    True when the task ended by itself (its result is then to be awaited)."""
    told = asyncio.create_task(working.wait())
    try:
        either: set[asyncio.Future[Any]] = {task, told}
        await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
    finally:
        told.cancel()
    if not task.done():
        await asyncio.wait({task}, timeout=grace_s)
    if task.done():
        return True
    log.warning("%s: the work did not stop within %.0fs of being told to; cancelling it", service, grace_s)
    await _cancel(task)
    return False


async def _cancel(task: asyncio.Future[None]) -> None:
    """Cancel ``task`` and wait until it has ended (whatever it raised on the way out)."""
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task


async def _keep(lease: Lease, stop: asyncio.Event, working: asyncio.Event) -> None:
    """Confirm the lease every interval; end the work when asked to stop or when it fails."""
    while not working.is_set():
        await _sleep(stop, lease.timing.interval_s)
        if stop.is_set():
            break
        try:
            await lease.beat()
        except Exception as exc:
            log.warning("%s: the lease could not be confirmed (%r); stepping down", lease.service, exc)
            lease.generation = None
            break
    working.set()


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
