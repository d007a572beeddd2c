"""Crash trials on the cluster of ``spine cluster up`` (``ClusterStack``): publish a large
ingest, disturb the cluster (kill -9 a NATS node, the active instance of a leased service, a
worker, or crash PostgreSQL), wait until the run is done and every projector caught up, then
read what must not depend on the disturbance: each read model's content checksums, and whether
the events stream holds each event once, in order (the positions its messages carry are exactly
the event store's notification ids, in order)."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from contracts.subjects import EVENTS_STREAM, HEADER_MSG_ID
from services.adapters.bus.nats import connect_nats
from services.adapters.bus.positions import last_published_position
from services.adapters.inbox import copy_into_inbox
from services.dev.cluster_stack import ClusterStack
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.generator import generate_lines
from spine_domains.finra_otc.tiers import Tier
from tests.chaos.content import content_checksums
from tests.chaos.runs import WEEK, publish_week, wait_done
from tests.cluster.cluster import kill_active, wait_for_pairs
from tests.conftest import settings_for

__all__ = [
    "KINDS",
    "LEASED_VICTIMS",
    "Outcome",
    "compare",
    "disturb",
    "events_leader",
    "run_trial",
    "start_cluster_stack",
    "write_source",
]

SETTINGS = {"worker_max_deliver": 50, "worker_ack_wait_s": 10.0, "log_level": "INFO"}
LEASED_VICTIMS = ("relay", "projector:manifest", "projector:finra_otc", "projector:quality", "process-manager")
#: What a trial may do to the cluster.
KINDS = ("nats-node", "nats-leader", "relay", "projector", "process-manager", "worker", "postgres")


def write_source(path: Path, rows: int, seed: int = 7) -> Path:
    with path.open("w") as handle:
        for line in generate_lines(rows, week_ending=WeekEnding.parse(WEEK), tier=Tier.NMS_TIER_1, seed=seed):
            handle.write(line + "\n")
    return path


@contextmanager
def start_cluster_stack(root: Path) -> Iterator[ClusterStack]:
    """A fresh cluster (its own NATS nodes and PostgreSQL) in ``root``, stopped on leaving."""
    stack = ClusterStack(settings_for(root, **SETTINGS), write_dev_state=False)
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()


@dataclass
class Outcome:
    """What a run left, and what happened to it."""

    batch: dict[str, Any]
    content: dict[str, tuple[int, str]]
    rows: dict[str, list[str]]
    head: int
    messages: int
    last: int
    in_store: list[int]
    """Every event's position (notification id) in the event store, in order."""
    on_bus: list[int]
    """The position (``Nats-Msg-Id``) of every message on the events stream, in stream order."""
    seconds: float
    events: list[str] = field(default_factory=list)
    """What the disturbance did, with when (seconds after the publish)."""


async def events_leader(stack: ClusterStack) -> str:
    """The NATS node leading the events stream (JetStream stream info ``cluster.leader``)."""
    nc = await connect_nats(stack.settings.nats_url, "trial-leader", reconnect=False)
    try:
        info = await nc.jetstream().stream_info(EVENTS_STREAM)
    finally:
        await nc.close()
    assert info.cluster is not None and info.cluster.leader, info
    return info.cluster.leader


async def _read(stack: ClusterStack) -> dict[str, Any]:
    conn = await asyncpg.connect(stack.settings.database_url)
    rows: dict[str, list[str]] = {}
    try:
        content = await content_checksums(conn, rows)
        in_store = [
            int(r[0]) for r in await conn.fetch("SELECT notification_id FROM eventstore.spine_events ORDER BY 1")
        ]
    finally:
        await conn.close()
    nc = await connect_nats(stack.settings.nats_url, "trial-check", reconnect=False)
    try:
        js = nc.jetstream()
        stream = (await js.stream_info(EVENTS_STREAM)).state
        last = await last_published_position(nc)
        on_bus = []
        for seq in range(stream.first_seq, stream.last_seq + 1):
            msg = await js.get_msg(EVENTS_STREAM, seq=seq)
            on_bus.append(int((msg.headers or {}).get(HEADER_MSG_ID, 0)))
    finally:
        await nc.close()
    head = in_store[-1] if in_store else 0
    return {
        "content": content, "rows": rows, "head": head, "messages": stream.messages, "last": last,
        "in_store": in_store, "on_bus": on_bus,
    }  # fmt: skip


async def disturb(stack: ClusterStack, kind: str, rng: random.Random, log: list[str], started: float) -> None:
    """Do ``kind`` to the cluster now, and bring what it killed back."""

    def note(what: str) -> None:
        log.append(f"{time.monotonic() - started:6.2f}s {what}")

    assert stack.nats_cluster is not None
    if kind in ("nats-node", "nats-leader"):
        leader = await events_leader(stack)
        names = [n.name for n in stack.nats_cluster.nodes]
        victim = leader if kind == "nats-leader" else rng.choice([n for n in names if n != leader])
        stack.nats_cluster.kill(victim)
        note(f"kill -9 NATS node {victim} ({'leader' if victim == leader else 'follower'} of {EVENTS_STREAM})")
        await asyncio.sleep(rng.uniform(2.0, 6.0))
        await asyncio.to_thread(stack.nats_cluster.restart, victim, 60.0)
        note(f"NATS node {victim} back, cluster ready (leader now: {await events_leader(stack)})")
    elif kind == "postgres":
        assert stack.postgres is not None
        await asyncio.to_thread(stack.postgres.crash)
        note("PostgreSQL crashed (immediate stop)")
        await asyncio.sleep(1.0)
        await asyncio.to_thread(stack.postgres.start)
        note("PostgreSQL back")
    elif kind == "worker":
        name = rng.choice([c for c in stack.children if c.startswith("worker")])
        stack.kill(name)
        note(f"kill -9 {name}")
        await asyncio.sleep(0.5)
        stack.restart(name)
        note(f"{name} restarted")
    else:
        service = rng.choice([v for v in LEASED_VICTIMS if v.startswith("projector")]) if kind == "projector" else kind
        takeover = await kill_active(stack, service)
        note(f"kill -9 active {service} (pid {takeover.victim['pid']})")
        child = stack.child_by_pid(takeover.victim["pid"])
        assert child is not None
        await asyncio.sleep(0.5)
        stack.restart(child.name)
        note(f"{child.name} restarted (stands by)")


async def run_trial(
    stack: ClusterStack, source: Path, kind: str | None, rng: random.Random, within: float = 8.0
) -> Outcome:
    """Publish the ingest; after a random delay, do ``kind`` (None: nothing); wait and read.

    The delay is drawn from the first 10–80 % of ``within`` (the clean run's time), so the
    disturbance strikes while the run is still under way."""
    if kind is not None and kind not in ("nats-node", "nats-leader", "postgres", "worker"):
        await wait_for_pairs(stack, (kind,) if kind != "projector" else LEASED_VICTIMS[1:4])
    log: list[str] = []
    started = time.monotonic()
    ref, _, _ = copy_into_inbox(stack.settings.inbox, source)
    command = await publish_week(stack.settings, ref, "trial")
    if kind is not None:
        await asyncio.sleep(rng.uniform(0.1, 0.8) * within)
        await disturb(stack, kind, rng, log, started)
    batch = await wait_done(stack.gateway_url, stack.operator_token, command)
    seconds = time.monotonic() - started
    return Outcome(batch=batch, seconds=seconds, events=log, **await _read(stack))


def compare(result: Outcome, clean: Outcome) -> dict[str, Any]:
    """What differs between a disturbed run and the clean one (empty: nothing)."""
    problems: dict[str, Any] = {}
    statuses = set(result.batch["weeks"][0]["stages"].values())
    if statuses != {"completed"}:
        problems["stages"] = result.batch["weeks"][0]["stages"]
    # Each event once, in order: the stream's messages carry exactly the store's positions. (Not
    # "messages == head": PostgreSQL's sequence skips ids after a crash, so positions may jump.)
    if result.on_bus != result.in_store or result.last != result.head:
        duplicates = len(result.on_bus) - len(set(result.on_bus))
        problems["bus"] = {
            "messages": result.messages, "events_in_store": len(result.in_store), "duplicates": duplicates,
            "missing": sorted(set(result.in_store) - set(result.on_bus))[:5], "head": result.head,
            "last_published": result.last,
        }  # fmt: skip
    for table, checksum in clean.content.items():
        if result.content.get(table) != checksum:
            problems[table] = {
                "only_after_crash": sorted(set(result.rows.get(table, [])) - set(clean.rows[table]))[:3],
                "only_in_clean_run": sorted(set(clean.rows[table]) - set(result.rows.get(table, [])))[:3],
            }
    if set(result.content) != set(clean.content):
        problems["tables"] = sorted(set(result.content) ^ set(clean.content))
    return problems
