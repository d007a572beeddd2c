"""Spine's streams on a 3-node JetStream cluster: kept on SPINE_STREAM_REPLICAS servers, updated
in place when the setting changes, refused with what to do when the servers cannot keep them,
and still serving publishers and consumers when the stream leader's server is killed."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import nats.errors
import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import StreamInfo

import spine_domains
from contracts.subjects import COMMANDS_STREAM, DEAD_LETTERS_STREAM, EVENTS_PREFIX, EVENTS_STREAM, HEADER_MSG_ID
from projections.checkpoint import Checkpoint
from services.adapters.bus.nats import connect_nats, ensure_streams
from services.apps.projector.consumer import reset_consumer
from services.apps.worker.app import Worker
from services.bootstrap import prepare_infrastructure
from services.dev.embedded import EmbeddedNats
from services.dev.nats_cluster import EmbeddedNatsCluster
from spine_core.errors import Misconfigured
from tests.conftest import Servers, settings_for
from tests.polling import eventually

pytestmark = [pytest.mark.integration, pytest.mark.cluster]

STREAMS = (COMMANDS_STREAM, EVENTS_STREAM, DEAD_LETTERS_STREAM)
NODES = {"spine-1", "spine-2", "spine-3"}


async def _replicated(js: JetStreamContext, stream: str, consumer: str | None = None) -> StreamInfo | Any:
    """The stream's (or its consumer's) info once a leader and two current followers keep it."""

    async def info() -> Any:
        return await (js.consumer_info(stream, consumer) if consumer else js.stream_info(stream))

    def kept_on_three(found: Any) -> bool:
        cluster = found.cluster
        peers = (cluster.replicas or []) if cluster else []
        return bool(cluster and cluster.leader) and len(peers) == 2 and all(peer.current for peer in peers)

    what = f"{stream}{'/' + consumer if consumer else ''} on a leader and two current replicas"
    return await eventually(info, 20, what, until=kept_on_three, retry_on=(nats.errors.Error,))


def _on_three_servers(info: Any) -> None:
    """Kept by a leader and two followers: every server. A consumer asks for no count of its
    own (0: the stream's), so it follows its stream."""
    assert info.config.num_replicas == (0 if hasattr(info, "stream_name") else 3)
    peers = {peer.name for peer in info.cluster.replicas}
    assert {info.cluster.leader} | peers == NODES and info.cluster.leader not in peers


async def test_the_migrate_step_with_three_replicas_creates_every_stream_on_three_servers(
    nats_cluster: EmbeddedNatsCluster, cluster_bus: Client, servers: Servers, tmp_path: Path
) -> None:
    settings = settings_for(tmp_path, database_url=servers.new_database(), nats_url=nats_cluster.url, stream_replicas=3)
    await asyncio.wait_for(prepare_infrastructure(settings), 60)  # what `spine service migrate` runs

    js = cluster_bus.jetstream()
    for stream in STREAMS:
        _on_three_servers(await _replicated(js, stream))

    # Durable consumers have the stream's replicas: a projector's, and the worker's lanes.
    await reset_consumer(js, "projector-cluster", [f"{EVENTS_PREFIX}.>"], "test", Checkpoint(0, 0, 0), batch=8)
    _on_three_servers(await _replicated(js, EVENTS_STREAM, "projector-cluster"))
    worker = await asyncio.to_thread(Worker, settings, spine_domains.build_registry())
    await asyncio.wait_for(worker.start(), 30)
    try:
        _on_three_servers(await _replicated(js, COMMANDS_STREAM, "worker-normal"))
    finally:
        await asyncio.wait_for(worker.stop(), 30)


async def test_a_stream_created_with_one_replica_is_updated_to_three_with_its_consumer_and_messages(
    cluster_bus: Client,
) -> None:
    js = cluster_bus.jetstream()
    await ensure_streams(cluster_bus, 1)
    info = await js.stream_info(EVENTS_STREAM)
    assert info.config.num_replicas == 1 and not info.cluster.replicas
    await reset_consumer(js, "projector-cluster", [f"{EVENTS_PREFIX}.>"], "test", Checkpoint(0, 0, 0), batch=8)
    for position in range(1, 11):
        await js.publish(f"{EVENTS_PREFIX}.test.Tick", b"{}", headers={HEADER_MSG_ID: str(position)})

    await ensure_streams(cluster_bus, 3)

    for stream in STREAMS:
        _on_three_servers(await _replicated(js, stream))
    _on_three_servers(await _replicated(js, EVENTS_STREAM, "projector-cluster"))
    assert (await js.stream_info(EVENTS_STREAM)).state.messages == 10

    # A process started without the setting leaves the count as it is: it never scales a cluster down.
    await ensure_streams(cluster_bus, None)
    assert [(await js.stream_info(stream)).config.num_replicas for stream in STREAMS] == [3, 3, 3]


async def test_more_replicas_than_the_cluster_has_servers_is_refused_saying_what_to_do(cluster_bus: Client) -> None:
    await ensure_streams(cluster_bus, 3)

    with pytest.raises(Misconfigured) as refused:
        await ensure_streams(cluster_bus, 5)

    assert "refused 5 replicas for stream" in refused.value.message
    assert "keeps its 3" in refused.value.message
    assert "SPINE_STREAM_REPLICAS" in (refused.value.hint or "")
    assert (await cluster_bus.jetstream().stream_info(COMMANDS_STREAM)).config.num_replicas == 3


async def test_a_single_server_refuses_three_replicas_saying_what_to_do(nats_server: EmbeddedNats) -> None:
    nc = await connect_nats(nats_server.url, "single-server-test", reconnect=False)
    try:
        with pytest.raises(Misconfigured, match="not supported in non-clustered mode") as refused:
            await ensure_streams(nc, 3)
        assert "1 for a single server" in (refused.value.hint or "")

        await ensure_streams(nc, 1)  # an existing R1 stream, then asked for 3: refused, kept as it is
        with pytest.raises(Misconfigured, match="keeps its 1"):
            await ensure_streams(nc, 3)
        assert (await nc.jetstream().stream_info(COMMANDS_STREAM)).config.num_replicas == 1
    finally:
        await nc.close()


async def _publish(js: JetStreamContext, position: int) -> None:
    """Publish one event, retrying (same message id: no duplicate) while a new leader is elected."""
    await eventually(
        lambda: js.publish(
            f"{EVENTS_PREFIX}.test.Tick", str(position).encode(), headers={HEADER_MSG_ID: str(position)}, timeout=1
        ),
        20,
        f"the events stream to take position {position}",
        retry_on=(nats.errors.Error,),
    )


async def _consume(sub: JetStreamContext.PullSubscription, count: int) -> list[int]:
    """The next ``count`` messages' positions, acknowledged, fetching until they have come."""
    positions: list[int] = []

    async def fetch() -> bool:
        for msg in await sub.fetch(count - len(positions), timeout=1):
            positions.append(int(msg.data))
            await msg.ack_sync(timeout=2)
        return len(positions) >= count

    await eventually(fetch, 30, f"{count} messages from the durable consumer", retry_on=(nats.errors.Error,))
    return positions


async def test_the_events_stream_serves_publishers_and_consumers_after_its_leader_is_killed(
    nats_cluster: EmbeddedNatsCluster, cluster_bus: Client
) -> None:
    js = cluster_bus.jetstream()
    await ensure_streams(cluster_bus, 3)
    await reset_consumer(js, "projector-cluster", [f"{EVENTS_PREFIX}.>"], "test", Checkpoint(0, 0, 0), batch=8)
    _on_three_servers(await _replicated(js, EVENTS_STREAM, "projector-cluster"))
    sub = await js.pull_subscribe_bind(durable="projector-cluster", stream=EVENTS_STREAM)
    for position in range(1, 51):
        await _publish(js, position)
    assert await _consume(sub, 20) == list(range(1, 21))

    leader = (await _replicated(js, EVENTS_STREAM)).cluster.leader
    nats_cluster.kill(leader)  # SIGKILL: no clean hand-over

    for position in range(51, 101):
        await _publish(js, position)
    assert await _consume(sub, 80) == list(range(21, 101)), "every event, once, in order"
    info = await js.stream_info(EVENTS_STREAM)
    assert info.cluster.leader != leader and info.state.messages == 100 and info.state.last_seq == 100

    # Back on its ports and store, the killed server catches up with what it missed.
    await asyncio.to_thread(nats_cluster.restart, leader)
    _on_three_servers(await _replicated(js, EVENTS_STREAM))

    async def messages_on_the_restarted_server() -> int:
        _, jsz = await asyncio.to_thread(nats_cluster.node(leader).monitor, "/jsz?accounts=true&streams=true")
        streams = [s for account in jsz.get("account_details", []) for s in account.get("stream_detail") or []]
        return next((int(s["state"]["messages"]) for s in streams if s["name"] == EVENTS_STREAM), 0)

    await eventually(
        messages_on_the_restarted_server, 20, "the restarted server to hold all 100 events", until=lambda n: n == 100
    )
