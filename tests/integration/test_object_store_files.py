"""The file store on a real nats-server: uploads content-addressed and chunked, read back only
when their SHA-256 matches, refused beyond the size limit, and out of the publisher's reach."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client
from nats.errors import TimeoutError as NatsTimeout

from services.adapters.bus.nats import connect_nats
from services.adapters.bus.permissions import PUBLISHER_USER
from services.adapters.filestore import FILES_STREAM, NAMES_STREAM, FileStore, ObjectSources
from services.adapters.filestore.buckets import CHUNK_BYTES, FILES_BUCKET, chunk_subject
from services.adapters.filestore.objects import _discard, object_info
from services.dev.embedded import EmbeddedNats
from services.settings import Settings
from spine_core.errors import Misconfigured, PayloadTooLarge, SourceCorrupted, SourceUnreadable

pytestmark = [pytest.mark.integration]

#: Two full chunks and a short third one.
DATA = os.urandom(2 * CHUNK_BYTES) + b"tierDescription|issueSymbolIdentifier\nlast line without newline"


@pytest.fixture
def bus(tmp_path: Path) -> Iterator[EmbeddedNats]:
    server = EmbeddedNats(tmp_path / "nats")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def nc(bus: EmbeddedNats) -> AsyncIterator[Client]:
    client = await connect_nats(bus.url, "test-files", reconnect=False)
    try:
        yield client
    finally:
        await client.close()


@pytest.fixture
async def store(nc: Client) -> FileStore:
    return await FileStore.open(nc)


async def _stream(data: bytes, piece: int = 50_000) -> AsyncIterator[bytes]:
    """The bytes as an HTTP body arrives: pieces that do not line up with the chunks."""
    for start in range(0, len(data), piece):
        yield data[start : start + piece]


async def _read(store: FileStore, ref: str) -> bytes:
    return b"".join([chunk async for chunk in store.read(await store.find(ref))])


async def _messages(nc: Client, stream: str = FILES_STREAM) -> int:
    return (await nc.jetstream().stream_info(stream)).state.messages


async def test_an_upload_is_stored_in_chunks_under_its_sha256_and_read_back(store: FileStore, nc: Client) -> None:
    sha = hashlib.sha256(DATA).hexdigest()

    upload = await store.upload("week 46.psv", _stream(DATA), max_bytes=len(DATA))

    assert upload.stored
    assert (upload.file.ref, upload.file.sha256, upload.file.size) == (
        f"uploads/{sha[:16]}-week_46.psv",
        sha,
        len(DATA),
    )
    info, _ = await object_info(nc.jetstream(), sha)
    assert info is not None and (info.name, info.size, info.chunks) == (sha, len(DATA), 3)
    assert await _messages(nc) == 3 + 1  # three chunks and the object's description
    assert await _read(store, upload.file.ref) == DATA
    # nats-py's own reader (and so the `nats` CLI) reads the same object and checks its digest.
    assert (await (await nc.jetstream().object_store(FILES_BUCKET)).get(sha)).data == DATA


async def test_the_same_bytes_uploaded_again_store_nothing(store: FileStore, nc: Client) -> None:
    first = await store.upload("a.psv", _stream(DATA), max_bytes=len(DATA))
    before = (await _messages(nc), await _messages(nc, NAMES_STREAM))

    again = await store.upload("a.psv", _stream(DATA, piece=7_000), max_bytes=len(DATA))

    assert again.file == first.file and not again.stored
    assert (await _messages(nc), await _messages(nc, NAMES_STREAM)) == before
    # Under another name (a backfill folder) the bytes are still stored once; only the name is new.
    other = await store.upload("a.psv", _stream(DATA), max_bytes=len(DATA), folder="backfill-1")
    assert not other.stored and other.file.ref == "backfill-1/a.psv" and other.file.sha256 == first.file.sha256
    assert await _messages(nc) == before[0]
    assert await _read(store, "backfill-1/a.psv") == DATA


async def test_identical_uploads_at_the_same_time_give_one_object(store: FileStore, nc: Client) -> None:
    uploads = await asyncio.gather(*(store.upload("a.psv", _stream(DATA), max_bytes=len(DATA)) for _ in range(4)))

    assert sum(u.stored for u in uploads) == 1
    assert len({u.file for u in uploads}) == 1
    assert await _messages(nc) == 3 + 1  # the losers' chunks were purged
    assert await _read(store, uploads[0].file.ref) == DATA


async def test_an_upload_over_the_limit_is_refused_and_leaves_nothing(store: FileStore, nc: Client) -> None:
    with pytest.raises(PayloadTooLarge, match=f"exceeds the {len(DATA) - 1}-byte limit") as raised:
        await store.upload("big.psv", _stream(DATA), max_bytes=len(DATA) - 1)

    assert "SPINE_MAX_UPLOAD_BYTES" in (raised.value.hint or "")
    assert await _messages(nc) == 0  # the chunks sent before the limit was crossed were purged
    assert await store.names.children("uploads") == []


async def test_an_upload_broken_off_leaves_nothing(store: FileStore, nc: Client) -> None:
    async def broken() -> AsyncIterator[bytes]:
        yield DATA[: 2 * CHUNK_BYTES + 10]
        raise ConnectionResetError("the client went away")

    with pytest.raises(ConnectionResetError):
        await store.upload("week.psv", broken(), max_bytes=len(DATA))

    assert await _messages(nc) == 0


async def test_clean_up_never_purges_the_chunks_an_object_is_made_of(store: FileStore, nc: Client) -> None:
    """An upload whose description was stored but whose acknowledgement was lost (or that was
    cancelled right after) cleans up as a failed one would: its chunks must stay."""
    upload = await store.upload("week.psv", _stream(DATA), max_bytes=len(DATA))
    info, _ = await object_info(nc.jetstream(), upload.file.sha256)
    assert info is not None

    await _discard(nc.jetstream(), upload.file.sha256, info.nuid)

    assert await _read(store, upload.file.ref) == DATA


async def test_a_corrupted_chunk_is_detected_by_the_checksum(store: FileStore, nc: Client) -> None:
    upload = await store.upload("week.psv", _stream(DATA), max_bytes=len(DATA))
    info, _ = await object_info(nc.jetstream(), upload.file.sha256)
    assert info is not None
    await _corrupt_last_chunk(nc, info.nuid)

    with pytest.raises(SourceCorrupted, match="corrupt in the file store: the bytes hash to SHA-256") as raised:
        await _read(store, upload.file.ref)

    assert raised.value.code == "source_corrupted"
    assert upload.file.sha256 in raised.value.message and "upload the file again" in (raised.value.hint or "")
    # The corrupt copy is gone, so the same bytes uploaded again are stored afresh and read back.
    with pytest.raises(SourceUnreadable, match="no longer in the file store"):
        await _read(store, upload.file.ref)
    again = await store.upload("week.psv", _stream(DATA), max_bytes=len(DATA))
    assert again.stored and again.file == upload.file
    assert await _read(store, upload.file.ref) == DATA


async def test_chunks_missing_from_the_bucket_are_detected(store: FileStore, nc: Client) -> None:
    upload = await store.upload("week.psv", _stream(DATA), max_bytes=len(DATA))
    info, _ = await object_info(nc.jetstream(), upload.file.sha256)
    assert info is not None
    first = await nc.jetstream().get_msg(FILES_STREAM, subject=chunk_subject(info.nuid))
    await nc.jetstream().delete_msg(FILES_STREAM, first.seq or 0)

    with pytest.raises(SourceCorrupted, match=r"2 chunk\(s\) of .* where 3 of .* were stored"):
        await _read(store, upload.file.ref)


async def test_a_folder_lists_its_files_by_name(store: FileStore) -> None:
    for name, body in [("week_2025-11-28.psv", b"a\n"), ("week_2025-12-05.psv", b"b\n"), ("odd..name.psv", b"c\n")]:
        await store.upload(name, _stream(body), max_bytes=100, folder="backfill-abc")
    await store.upload("elsewhere.psv", _stream(b"d\n"), max_bytes=100, folder="backfill-other")

    assert await store.list_folder("backfill-abc") == ["odd..name.psv", "week_2025-11-28.psv", "week_2025-12-05.psv"]
    assert await store.list_folder("nothing-here") == []
    with pytest.raises(SourceUnreadable, match="leaves the inbox"):
        await store.list_folder("../etc")


async def test_a_folder_is_listed_without_a_key_watcher(store: FileStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """nats-py's key watcher may report "no more keys" before a key already on its way was
    handled (a listing in a hundred or so missed its file under load, so a backfill would miss
    weeks): the listing must not rest on it."""

    def no_watcher(*_: object, **__: object) -> None:
        raise AssertionError("a key watcher can miss keys")

    monkeypatch.setattr(store.names.kv, "watch", no_watcher)
    for n in range(20):
        await store.upload(f"week_{n}.psv", _stream(f"{n}\n".encode()), max_bytes=100, folder=f"backfill-{n}")
        assert await store.list_folder(f"backfill-{n}") == [f"week_{n}.psv"]


async def test_unknown_and_escaping_references_are_refused(store: FileStore) -> None:
    with pytest.raises(SourceUnreadable, match=r"'uploads/nope\.csv' is not in the file store"):
        await store.find("uploads/nope.csv")
    with pytest.raises(SourceUnreadable, match="absolute path"):
        await store.find("/etc/passwd")


async def test_the_worker_opens_a_verified_copy_from_its_thread(
    bus: EmbeddedNats, store: FileStore, tmp_path: Path
) -> None:
    upload = await store.upload("week.psv", _stream(DATA), max_bytes=len(DATA))
    sources = ObjectSources(Settings(nats_url=bus.url, data_dir=tmp_path / "worker"))
    await sources.start()
    try:
        source = await asyncio.to_thread(sources, upload.file.ref)
        head = list(source.lines())[-1:]  # a pass, then another while the first is still open
        first = source.lines()
        next(first)
        assert list(source.lines())[-1:] == head == ["last line without newline"]
        source.verify_unchanged()
        assert (source.name, source.size, source.sha256) == (upload.file.name, len(DATA), upload.file.sha256)
        assert list((tmp_path / "worker" / "downloads").iterdir()) == []  # the copy has no name
        assert await asyncio.to_thread(sources.list_dir, "uploads") == [upload.file.name]
        with pytest.raises(RuntimeError, match="from its own event loop"):
            sources(upload.file.ref)
    finally:
        await sources.stop()


async def test_the_publisher_cannot_touch_the_file_buckets(bus: EmbeddedNats, store: FileStore, nc: Client) -> None:
    upload = await store.upload("week.psv", _stream(DATA), max_bytes=len(DATA))
    errors: list[str] = []

    async def on_error(exc: Exception) -> None:
        errors.append(str(exc).lower())

    publisher = await nats.connect(
        servers=[bus.address],
        user=PUBLISHER_USER,
        password=bus.passwords[PUBLISHER_USER],
        error_cb=on_error,
        allow_reconnect=False,
    )
    try:
        js = publisher.jetstream(timeout=0.5)
        with pytest.raises(NatsTimeout):  # the JetStream API is not the publisher's
            await js.object_store(FILES_BUCKET)
        with pytest.raises(NatsTimeout):
            await js.get_last_msg(FILES_STREAM, chunk_subject("x"))
        await publisher.publish(f"$O.{FILES_BUCKET}.C.injected", b"not a chunk")
        await publisher.subscribe(f"$O.{FILES_BUCKET}.>")
        await publisher.flush()
        for _ in range(50):
            if sum("permissions violation" in e for e in errors) >= 4:
                break
            await asyncio.sleep(0.02)
        assert any(f'publish to "$o.{FILES_BUCKET.lower()}.c.injected"' in e for e in errors), errors
        assert any(f'subscription to "$o.{FILES_BUCKET.lower()}.>"' in e for e in errors), errors
    finally:
        await publisher.close()
    assert await _read(store, upload.file.ref) == DATA
    assert await _messages(nc) == 3 + 1


async def test_a_single_server_refuses_replicated_buckets_saying_what_to_do(nc: Client) -> None:
    with pytest.raises(Misconfigured, match="refused 3 replicas for stream OBJ_SPINE_FILES") as refused:
        await FileStore.open(nc, replicas=3)
    assert "1 for a single server" in (refused.value.hint or "")

    await FileStore.open(nc, replicas=1)
    with pytest.raises(Misconfigured, match="keeps its 1"):
        await FileStore.open(nc, replicas=3)


async def _corrupt_last_chunk(nc: Client, nuid: str) -> None:
    """Bit rot in the bucket: the last chunk's message replaced by one with a byte flipped (the
    stream cannot edit a message, so delete it and publish the altered copy on the same subject:
    the order of the chunks is unchanged)."""
    js = nc.jetstream()
    last = await js.get_last_msg(FILES_STREAM, chunk_subject(nuid))
    data = bytearray(last.data or b"")
    data[len(data) // 2] ^= 0x01
    await js.delete_msg(FILES_STREAM, last.seq or 0)
    await js.publish(chunk_subject(nuid), bytes(data), stream=FILES_STREAM)
