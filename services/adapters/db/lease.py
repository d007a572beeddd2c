"""A service's lease: which of its instances is active. A PostgreSQL advisory lock, held by a
session of its own, plus a fencing generation.

**Why PostgreSQL and not a NATS KV lease.** PostgreSQL is already the source of truth: the
projectors' checkpoints commit there with their rows, so the fence below is checked by the same
database, in the same transaction, as the write it protects. A session-level advisory lock ends
with its session: when a holder dies (``kill -9``, a crash) the kernel closes its socket, the
server ends the session and the lock is free at once — no TTL to wait out, no clock to trust. A
KV lease expires by time only: a standby would wait out the TTL after a crash, and a holder that
lost it could not tell its writes apart from the next holder's.

**Losing it without dying.** A holder cut off from PostgreSQL (a network partition, a stopped
process) is handled from both ends:

* the server ends a lease session that sends nothing for ``timeout_s``
  (``idle_session_timeout``; the holder sends a heartbeat every ``interval_s``), and TCP
  keepalives (``tcp_keepalives_*``, ``tcp_user_timeout``) and ``client_connection_check_interval``
  notice a dead peer sooner; only then is the lock free for a standby;
* the holder counts itself active only while its last confirmation is younger than half of
  ``timeout_s`` (:attr:`Lease.held`, on its own monotonic clock): it steps down well before the
  server can hand the lock on.

**Fencing.** Timing alone cannot stop a write already in flight. Each acquisition takes the next
*generation* (``spine_meta.service_leases``), and every transaction the active instance commits
first reads that generation ``FOR SHARE`` (:meth:`Lease.confirm`) and gives up unless it is its
own. Taking the next generation waits for those row locks, so each write of the previous holder
either committed before the new holder read anything, or fails the check: none lands after.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import asyncpg

from services.adapters.db import instances
from services.adapters.db.instances import InstanceIdentity
from services.adapters.db.migrate import ensure_meta
from spine_core.errors import Unavailable

__all__ = ["UNFENCED", "Fence", "Lease", "LeaseLost", "LeaseTiming", "lock_key"]

log = logging.getLogger("spine.lease")


class LeaseLost(Unavailable):
    """This instance is no longer (or cannot prove it is still) the active one: stop working."""

    code = "lease_lost"


class Fence(Protocol):
    """What the relay and the projector runtime ask of a lease before they act."""

    @property
    def held(self) -> bool:
        """Whether this instance may still act (checked without a round trip)."""

    def check(self) -> None:
        """Raise :class:`LeaseLost` unless the lease was confirmed recently enough."""

    async def confirm(self, conn: asyncpg.Connection) -> None:
        """Inside the caller's transaction: raise :class:`LeaseLost` unless this instance's
        generation is still the current one (and keep it current until the transaction ends)."""


class _Unfenced:
    """No lease: the only instance, by configuration (tests, tools)."""

    held = True

    def check(self) -> None:
        pass

    async def confirm(self, conn: asyncpg.Connection) -> None:
        pass


UNFENCED: Fence = _Unfenced()


@dataclass(frozen=True, slots=True)
class LeaseTiming:
    interval_s: float = 0.5
    """How often the active instance confirms its lease and a standby tries to take it."""
    timeout_s: float = 10.0
    """The server ends a lease session silent for this long; the holder steps down after half."""

    @property
    def step_down_after_s(self) -> float:
        return self.timeout_s / 2

    @property
    def idle_in_transaction_ms(self) -> int:
        """How long a fenced transaction may sit idle: long enough for any batch's client-side
        work between two statements, short enough to bound a takeover behind a cut-off holder."""
        return int(max(60.0, 6 * self.timeout_s) * 1000)

    def session_settings(self) -> dict[str, str]:
        timeout_ms = str(int(self.timeout_s * 1000))
        keepalive_idle = str(max(1, int(self.timeout_s / 4)))
        return {
            "application_name": "spine-lease",
            "idle_session_timeout": timeout_ms,
            "tcp_user_timeout": timeout_ms,
            "tcp_keepalives_idle": keepalive_idle,
            "tcp_keepalives_interval": "1",
            "tcp_keepalives_count": "3",
            "client_connection_check_interval": "1000",
        }


def lock_key(service: str) -> int:
    """The second key of the service's advisory lock: a stable 31-bit hash of its name."""
    return zlib.crc32(service.encode()) & 0x7FFFFFFF


class Lease:
    """One instance's hold (or wait) on its service's lease, through a connection of its own.

    :meth:`connect` registers the instance as a standby; :meth:`try_acquire` takes the lock
    when it is free; :meth:`beat` is the heartbeat that also confirms the lease; :meth:`drop`
    gives it up (cleanly with ``release=True``, or by closing the connection).
    """

    def __init__(
        self,
        database_url: str,
        service: str,
        timing: LeaseTiming | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.database_url = database_url
        self.timing = timing or LeaseTiming()
        self.me = InstanceIdentity(service, uuid.uuid4().hex[:12], socket.gethostname(), os.getpid())
        self.key = lock_key(service)
        self.generation: int | None = None
        self._conn: asyncpg.Connection | None = None
        self._clock = clock
        self._confirmed_at = float("-inf")

    @property
    def service(self) -> str:
        return self.me.service

    @property
    def connected(self) -> bool:
        return self._conn is not None and not self._conn.is_closed()

    @property
    def held(self) -> bool:
        """Active, and confirmed within the last half of the timeout."""
        return (
            self.generation is not None
            and self.connected
            and self._clock() - self._confirmed_at < self.timing.step_down_after_s
        )

    # ------------------------------------------------------------------ standing by, taking over
    async def connect(self) -> None:
        """Open the lease connection and register this instance as a standby."""
        await self.drop()
        conn = await asyncpg.connect(
            self.database_url,
            server_settings={**self.timing.session_settings(), "application_name": f"spine-lease {self.service}"[:63]},
            timeout=self.timing.timeout_s,
            statement_cache_size=0,  # a handful of statements; nothing worth keeping per session
        )
        try:
            await ensure_meta(conn)
            await instances.register_instance(conn, self.me, self.key)
        except BaseException:
            conn.terminate()
            raise
        self._conn = conn

    async def try_acquire(self) -> bool:
        """Take the lease if no one holds it (then take the next fencing generation); else
        record a heartbeat as a standby. Raises what the connection raises when it is broken."""
        conn = self._require()
        limit = self.timing.step_down_after_s
        if not await conn.fetchval(
            "SELECT pg_try_advisory_lock($1, $2)", instances.LOCK_NAMESPACE, self.key, timeout=limit
        ):
            await instances.heartbeat(conn, self.me, timeout=limit)
            return False
        try:
            # Waits for the previous holder's fenced transactions to end (bounded by their idle limit).
            generation = await instances.bump_generation(
                conn, self.me, timeout=self.timing.idle_in_transaction_ms / 1000 + limit
            )
            await instances.set_role(conn, self.me, "active")
        except BaseException:
            await self.drop()
            raise
        self.generation = generation
        self._confirmed_at = self._clock()
        return True

    async def beat(self) -> None:
        """Confirm the lease (or, as a standby, say it is alive): one round trip on the lease
        connection, bounded by what is left before stepping down."""
        conn = self._require()
        started = self._clock()
        await instances.heartbeat(conn, self.me, timeout=max(self.timing.step_down_after_s, 0.1))
        self._confirmed_at = started

    # ------------------------------------------------------------------ the fence
    def check(self) -> None:
        if not self.held:
            raise LeaseLost(f"{self.service}: the lease is lost or unconfirmed; this instance stops working")

    async def confirm(self, conn: asyncpg.Connection) -> None:
        self.check()
        current = await instances.current_generation(conn, self.service, self.timing.idle_in_transaction_ms)
        if current != self.generation:
            held = self.generation
            self.generation = None
            raise LeaseLost(f"{self.service}: lease generation {held} was superseded by {current}; not committing")

    # ------------------------------------------------------------------ giving up
    async def drop(self, *, release: bool = False) -> None:
        """Stop holding or waiting. With ``release``, unlock and record a clean stop first (a
        standby takes over at once); otherwise just close the connection (the server frees the
        lock with the session)."""
        conn, self._conn = self._conn, None
        self.generation = None
        if conn is None or conn.is_closed():
            return
        if release:
            try:
                await conn.execute("SELECT pg_advisory_unlock_all()", timeout=2.0)
                await instances.set_role(conn, self.me, "stopped")
                await asyncio.wait_for(conn.close(), 2.0)
                return
            except Exception as exc:  # closing it frees the lock all the same
                log.info("%s: clean release failed (%r); closing the lease connection", self.service, exc)
        conn.terminate()

    def _require(self) -> asyncpg.Connection:
        if self._conn is None or self._conn.is_closed():
            self.generation = None
            raise LeaseLost(f"{self.service}: the lease connection is closed")
        return self._conn
