"""The file store's buckets on a 3-node JetStream cluster: kept on SPINE_STREAM_REPLICAS servers
like Spine's streams, moved from one replica to three with their files, refused with what to do
beyond the cluster's size."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from nats.aio.client import Client
from nats.js.errors import NotFoundError

from services.adapters.filestore import FILES_STREAM, NAMES_STREAM, FileStore
from spine_core.errors import Misconfigured
from tests.cluster.test_replicated_streams import _on_three_servers, _replicated

pytestmark = [pytest.mark.integration, pytest.mark.cluster]

DATA = os.urandom(300_000)


@pytest.fixture
async def bus(cluster_bus: Client) -> AsyncIterator[Client]:
    """The cluster without the file store's buckets."""
    for stream in (FILES_STREAM, NAMES_STREAM):
        try:
            await cluster_bus.jetstream().delete_stream(stream)
        except NotFoundError:
            pass
    yield cluster_bus


async def _body() -> AsyncIterator[bytes]:
    yield DATA


async def _read(store: FileStore, ref: str) -> bytes:
    return b"".join([chunk async for chunk in store.read(await store.find(ref))])


async def test_the_buckets_are_created_on_three_servers_and_serve_files(bus: Client) -> None:
    store = await FileStore.open(bus, replicas=3)
    js = bus.jetstream()
    for stream in (FILES_STREAM, NAMES_STREAM):
        _on_three_servers(await _replicated(js, stream))

    upload = await store.upload("week.psv", _body(), max_bytes=len(DATA))
    assert await _read(store, upload.file.ref) == DATA


async def test_buckets_of_one_replica_move_to_three_with_their_files(bus: Client) -> None:
    store = await FileStore.open(bus, replicas=1)
    upload = await store.upload("week.psv", _body(), max_bytes=len(DATA))
    js = bus.jetstream()
    assert (await js.stream_info(FILES_STREAM)).config.num_replicas == 1

    store = await FileStore.open(bus, replicas=3)

    for stream in (FILES_STREAM, NAMES_STREAM):
        _on_three_servers(await _replicated(js, stream))
    assert await _read(store, upload.file.ref) == DATA
    await FileStore.open(bus, replicas=None)  # without the setting: never scaled down
    assert [(await js.stream_info(s)).config.num_replicas for s in (FILES_STREAM, NAMES_STREAM)] == [3, 3]


async def test_more_replicas_than_servers_are_refused_saying_what_to_do(bus: Client) -> None:
    with pytest.raises(Misconfigured, match="refused 5 replicas for stream OBJ_SPINE_FILES") as refused:
        await FileStore.open(bus, replicas=5)
    assert "SPINE_STREAM_REPLICAS" in (refused.value.hint or "")

    await FileStore.open(bus, replicas=3)
    with pytest.raises(Misconfigured, match="keeps its 3"):
        await FileStore.open(bus, replicas=5)
