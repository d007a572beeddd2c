"""The instances of the leased services in ``spine_meta``: who runs, who is active, since when.

Each instance of the relay, a projector or the process manager keeps a row in
``spine_meta.service_instances`` through its lease connection (registered on connect, a
heartbeat every lease interval, its role on every change), and the lease's fencing generation
lives in ``spine_meta.service_leases``. Which instance is active is never taken from a row an
instance wrote about itself, which a ``kill -9`` leaves stale: :func:`list_instances` asks
PostgreSQL which lease connection holds the advisory lock (``pg_locks``) and which lease
connections are still open (``pg_stat_activity``).

The lease (:mod:`.lease`) and the gateway's ops route use this SQL; it lives here, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import asyncpg

__all__ = [
    "InstanceIdentity",
    "active_by_service",
    "LOCK_NAMESPACE",
    "InstanceState",
    "bump_generation",
    "current_generation",
    "heartbeat",
    "instance_state",
    "list_instances",
    "register_instance",
    "set_role",
]

#: The first key of every lease's advisory lock (``pg_try_advisory_lock(int, int)``): "SPNE".
#: The two-key form never collides with the migration step's one-key lock.
LOCK_NAMESPACE = 0x53504E45

Role = Literal["standby", "active", "stopped"]
InstanceState = Literal["active", "standby", "stopped", "gone"]

#: Rows of instances not seen for this long are dropped when another instance registers.
_FORGET_AFTER = "1 hour"


@dataclass(frozen=True, slots=True)
class InstanceIdentity:
    """One running instance of a leased service."""

    service: str
    instance_id: str
    host: str
    pid: int


async def register_instance(conn: asyncpg.Connection, me: InstanceIdentity, lock_key: int) -> None:
    """(Re-)register ``me`` as a standby on ``conn``, its lease connection, whose backend the
    row names (so the ops view can tell an open lease connection from a dead one)."""
    await conn.execute(f"DELETE FROM spine_meta.service_instances WHERE last_seen < now() - interval '{_FORGET_AFTER}'")
    await conn.execute(
        """INSERT INTO spine_meta.service_instances
               (service, instance_id, host, pid, lock_key, lease_pid, lease_backend_start, role, role_since, last_seen)
           SELECT $1, $2, $3, $4, $5, pg_backend_pid(), a.backend_start, 'standby', now(), now()
           FROM pg_stat_activity a WHERE a.pid = pg_backend_pid()
           ON CONFLICT (service, instance_id) DO UPDATE SET
               lease_pid = EXCLUDED.lease_pid, lease_backend_start = EXCLUDED.lease_backend_start,
               role = 'standby', role_since = now(), last_seen = now()""",
        me.service,
        me.instance_id,
        me.host,
        me.pid,
        lock_key,
    )


async def heartbeat(conn: asyncpg.Connection, me: InstanceIdentity, timeout: float | None = None) -> None:
    """The instance is alive (one round trip on its lease connection, which also proves the
    connection, and with it the lease, is still there)."""
    await conn.execute(
        "UPDATE spine_meta.service_instances SET last_seen = now() WHERE service = $1 AND instance_id = $2",
        me.service,
        me.instance_id,
        timeout=timeout,
    )


async def set_role(conn: asyncpg.Connection, me: InstanceIdentity, role: Role) -> None:
    await conn.execute(
        """UPDATE spine_meta.service_instances
           SET role = $3, role_since = now(), last_seen = now(),
               active_since = CASE WHEN $3 = 'active' THEN now() ELSE active_since END
           WHERE service = $1 AND instance_id = $2""",
        me.service,
        me.instance_id,
        role,
    )


async def bump_generation(conn: asyncpg.Connection, me: InstanceIdentity, timeout: float | None = None) -> int:
    """Take the fencing generation: one more than the last holder's. Called by the instance that
    has just taken the advisory lock; waits for any transaction that confirmed the previous
    generation (``FOR SHARE``) to end, so everything the previous holder committed is visible
    after it, and nothing it commits later can pass :func:`current_generation`."""
    generation: int = await conn.fetchval(
        """INSERT INTO spine_meta.service_leases (service, generation, holder, acquired_at)
           VALUES ($1, 1, $2, now())
           ON CONFLICT (service) DO UPDATE SET
               generation = spine_meta.service_leases.generation + 1, holder = EXCLUDED.holder, acquired_at = now()
           RETURNING generation""",
        me.service,
        me.instance_id,
        timeout=timeout,
    )
    return generation


async def current_generation(conn: asyncpg.Connection, service: str, idle_limit_ms: int) -> int | None:
    """The service's fencing generation, locked ``FOR SHARE`` until the caller's transaction
    ends (call it inside the transaction it fences). The transaction also gets an
    ``idle_in_transaction_session_timeout``: a holder cut off mid-transaction cannot hold a
    takeover up for longer than that."""
    value = await conn.fetchval(
        """SELECT generation FROM spine_meta.service_leases
           WHERE service = $1 AND set_config('idle_in_transaction_session_timeout', $2, true) IS NOT NULL
           FOR SHARE""",
        service,
        str(idle_limit_ms),
    )
    return None if value is None else int(value)


async def list_instances(conn: asyncpg.Connection, service: str | None = None) -> list[dict[str, Any]]:
    """Every known instance, by service then start, with its state as PostgreSQL sees it:
    ``active`` (its lease connection holds the lock), ``standby`` (its lease connection is
    open), ``stopped`` (it stopped cleanly) or ``gone`` (its connection died: killed, crashed
    or cut off)."""
    rows = await conn.fetch(
        """SELECT i.service, i.instance_id, i.host, i.pid, i.role, i.role_since, i.started_at, i.active_since,
                  i.last_seen,
                  EXISTS (SELECT 1 FROM pg_locks l
                          WHERE l.locktype = 'advisory' AND l.granted AND l.pid = i.lease_pid
                            AND l.classid::bigint = $1 AND l.objid::bigint = i.lock_key AND l.objsubid = 2
                            AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()))
                      AS holds_lease,
                  EXISTS (SELECT 1 FROM pg_stat_activity a
                          WHERE a.pid = i.lease_pid AND a.backend_start = i.lease_backend_start) AS connected
           FROM spine_meta.service_instances i
           WHERE $2::text IS NULL OR i.service = $2
           ORDER BY i.service, i.started_at, i.instance_id""",
        LOCK_NAMESPACE,
        service,
    )
    return [_instance(dict(r)) for r in rows]


def _instance(row: dict[str, Any]) -> dict[str, Any]:
    state = instance_state(row["holds_lease"], row["connected"], row["role"])
    since: datetime = row["last_seen"] if state in ("stopped", "gone") else row["role_since"]
    return {
        "service": row["service"],
        "instance_id": row["instance_id"],
        "host": row["host"],
        "pid": row["pid"],
        "state": state,
        "since": since.isoformat(),
        "started_at": row["started_at"].isoformat(),
        "active_since": row["active_since"].isoformat() if state == "active" else None,
        "last_seen": row["last_seen"].isoformat(),
    }


def instance_state(holds_lease: bool, connected: bool, role: str) -> InstanceState:
    """What an instance is, from what PostgreSQL knows (the lock, the connection) first and
    what the instance said (its role) second: active once it holds the lock *and* has taken its
    generation (for the moment between the two it is still a standby, taking over); a clean stop
    apart from a death."""
    if holds_lease and role == "active":
        return "active"
    if connected and role != "stopped":
        return "standby"
    return "stopped" if role == "stopped" else "gone"


def active_by_service(items: list[dict[str, Any]]) -> dict[str, str | None]:
    """Each service of ``items`` (as :func:`list_instances` returns them) -> its active instance, or None."""
    active: dict[str, str | None] = {}
    for item in items:
        if item["state"] == "active":
            active[item["service"]] = item["instance_id"]
        else:
            active.setdefault(item["service"], None)
    return active
