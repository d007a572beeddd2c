"""A 3-node NATS JetStream cluster on loopback (``services.dev.nats_cluster``), one per module."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from nats.aio.client import Client
from nats.js.errors import NotFoundError

from contracts.subjects import COMMANDS_STREAM, DEAD_LETTERS_STREAM, EVENTS_STREAM
from services.adapters.bus.nats import connect_nats
from services.dev.nats_cluster import EmbeddedNatsCluster


@pytest.fixture(scope="module")
def nats_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedNatsCluster]:
    cluster = EmbeddedNatsCluster(tmp_path_factory.mktemp("nats-cluster"), size=3)
    cluster.start(timeout=30)
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
async def cluster_bus(nats_cluster: EmbeddedNatsCluster) -> AsyncIterator[Client]:
    """A services-user connection to the cluster, with none of Spine's streams on it yet."""
    nats_cluster.wait_ready(30)  # a test before may have killed and restarted a node
    nc = await connect_nats(nats_cluster.url, "cluster-test")
    js = nc.jetstream()
    for stream in (COMMANDS_STREAM, EVENTS_STREAM, DEAD_LETTERS_STREAM):
        try:
            await js.delete_stream(stream)
        except NotFoundError:
            pass
    try:
        yield nc
    finally:
        await nc.close()
