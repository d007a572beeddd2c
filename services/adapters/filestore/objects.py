"""Objects of the ``SPINE_FILES`` bucket: written from a stream of bytes, read back verified.

nats-py's ``ObjectStore.put`` needs the object's name before the first byte and a blocking
reader; an upload knows its name (its SHA-256) only after the last byte, and arrives as an
async stream. So the upload is written here with the object store's own layout: chunks
published on a fresh ``$O.SPINE_FILES.C.<nuid>`` subject while the digest is computed, then
the object's description (nats-py's ``ObjectInfo``) on its meta subject — or, when an object
with that digest is there already, the new chunks are purged and the store is left as it was.

Reading checks what the description promises: the number of chunks, the size and the SHA-256
of the bytes (the object's name and its ``SHA-256=`` digest). A mismatch is
:class:`~spine_core.errors.SourceCorrupted`; the corrupt copy is then deleted, so uploading the
same bytes again stores them afresh instead of finding the corrupt object and stopping there.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import hashlib
import json
import logging
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

from nats.js import JetStreamContext
from nats.js.api import Header, ObjectInfo, ObjectMetaOptions
from nats.js.errors import APIError, NotFoundError
from nats.js.kv import MSG_ROLLUP_SUBJECT

from services.adapters.filestore.buckets import CHUNK_BYTES, FILES_BUCKET, FILES_STREAM, chunk_subject, meta_subject
from services.adapters.inbox import too_large
from spine_core.errors import SourceCorrupted

__all__ = ["Written", "write_object", "read_object", "object_info", "CHUNK_TIMEOUT_S"]

log = logging.getLogger("spine.files")

#: How long a reader waits for the next chunk before giving up (the run is retried).
CHUNK_TIMEOUT_S = 20.0
_WRONG_LAST_SEQUENCE = 10071


@dataclass(frozen=True, slots=True)
class Written:
    sha256: str
    size: int
    stored: bool  # False: an object with these bytes was there already


def _digest_field(digest: bytes) -> str:
    return f"SHA-256={base64.urlsafe_b64encode(digest).decode()}"


async def object_info(js: JetStreamContext, sha256: str) -> tuple[ObjectInfo | None, int]:
    """The description of the object named ``sha256`` (None when there is none) and the stream
    sequence of its meta message (0 when there is none)."""
    try:
        msg = await js.get_last_msg(FILES_STREAM, meta_subject(sha256))
    except NotFoundError:
        return None, 0
    info = ObjectInfo.from_response(json.loads(msg.data or b"{}"))
    return info, msg.seq or 0


async def write_object(js: JetStreamContext, data: AsyncIterable[bytes], *, max_bytes: int) -> Written:
    """Store the bytes of ``data`` under their SHA-256, unless they are stored already.

    PayloadTooLarge once more than ``max_bytes`` arrived; nothing of a refused or interrupted
    upload stays in the bucket.
    """
    nuid = uuid.uuid4().hex
    subject = chunk_subject(nuid)
    digest = hashlib.sha256()
    buffer = bytearray()
    size = chunks = 0
    sha256: str | None = None
    keep = False  # whether this upload's chunks became the object
    try:
        async for block in data:
            size += len(block)
            if size > max_bytes:
                raise too_large(max_bytes)
            digest.update(block)
            buffer += block
            while len(buffer) >= CHUNK_BYTES:
                await js.publish(subject, bytes(buffer[:CHUNK_BYTES]), stream=FILES_STREAM)
                del buffer[:CHUNK_BYTES]
                chunks += 1
        if buffer:
            await js.publish(subject, bytes(buffer), stream=FILES_STREAM)
            chunks += 1
        sha256 = digest.hexdigest()
        keep = await _describe(js, sha256, nuid, size, chunks, _digest_field(digest.digest()))
        return Written(sha256, size, stored=keep)
    finally:
        if not keep and size:
            # Shielded: a client that disconnects cancels the upload, not the clean-up.
            with contextlib.suppress(Exception):
                await asyncio.shield(_discard(js, sha256, nuid))


async def _discard(js: JetStreamContext, sha256: str | None, nuid: str) -> None:
    """Purge the chunks of an upload that did not become an object — unless it did after all
    (its description was stored but the acknowledgement was lost, or the upload was cancelled
    just after): chunks are only purged when no description names them."""
    if sha256 is not None:
        current, _ = await object_info(js, sha256)
        if current is not None and current.nuid == nuid and not current.deleted:
            return
    await js.purge_stream(FILES_STREAM, subject=chunk_subject(nuid))


async def _describe(js: JetStreamContext, sha256: str, nuid: str, size: int, chunks: int, digest: str) -> bool:
    """Publish the object's description unless an intact one names these bytes already; True
    when this upload's chunks became the object."""
    for _ in range(3):
        existing, sequence = await object_info(js, sha256)
        if existing is not None and not existing.deleted and existing.digest == digest and existing.size == size:
            return False
        info = ObjectInfo(
            name=sha256,
            bucket=FILES_BUCKET,
            nuid=nuid,
            size=size,
            chunks=chunks,
            digest=digest,
            mtime=datetime.now(UTC).isoformat(),
            options=ObjectMetaOptions(max_chunk_size=CHUNK_BYTES),
        )
        headers = {
            Header.ROLLUP.value: MSG_ROLLUP_SUBJECT,
            # Only over what was read above: two uploads of the same bytes cannot both win.
            Header.EXPECTED_LAST_SUBJECT_SEQUENCE.value: str(sequence),
        }
        try:
            await js.publish(
                meta_subject(sha256), json.dumps(info.as_dict()).encode(), stream=FILES_STREAM, headers=headers
            )
        except APIError as exc:
            if exc.err_code == _WRONG_LAST_SEQUENCE:
                continue  # another upload described it meanwhile: look again
            raise
        if existing is not None and existing.nuid and existing.nuid != nuid:  # a deleted copy's leftovers
            with contextlib.suppress(Exception):
                await js.purge_stream(FILES_STREAM, subject=chunk_subject(existing.nuid))
        return True
    raise RuntimeError(f"object {sha256} kept changing while it was being stored")


async def read_object(js: JetStreamContext, info: ObjectInfo, *, ref: str) -> AsyncIterator[bytes]:
    """The object's chunks in order; SourceCorrupted after the last one if they are not the
    bytes the description promises (then the corrupt object is deleted)."""
    digest = hashlib.sha256()
    size = count = 0
    if info.size:
        subject = chunk_subject(info.nuid)
        try:
            await js.get_last_msg(FILES_STREAM, subject)
        except NotFoundError:
            await _corrupt(js, info, ref, "its chunks are gone from the bucket")
        sub = await js.subscribe(subject, stream=FILES_STREAM, ordered_consumer=True)
        try:
            while True:
                msg = await sub.next_msg(timeout=CHUNK_TIMEOUT_S)
                digest.update(msg.data)
                size += len(msg.data)
                count += 1
                yield msg.data
                if msg.metadata.num_pending == 0:
                    break
        finally:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
    problems = []
    if (count, size) != (info.chunks or 0, info.size or 0):
        problems.append(f"{count} chunk(s) of {size} bytes where {info.chunks} of {info.size} were stored")
    if digest.hexdigest() != info.name or _digest_field(digest.digest()) != info.digest:
        problems.append(f"the bytes hash to SHA-256 {digest.hexdigest()}")
    if problems:
        await _corrupt(js, info, ref, "; ".join(problems))


async def _corrupt(js: JetStreamContext, info: ObjectInfo, ref: str, problem: str) -> None:
    log.error("file %s (object %s) is corrupt: %s; deleting the object", ref, info.name, problem)
    with contextlib.suppress(Exception):  # best effort: the run fails with the reason either way
        await _delete(js, info)
    raise SourceCorrupted(
        f"file {ref!r} is corrupt in the file store: {problem} (its checksum is SHA-256 {info.name})",
        hint="upload the file again (the corrupt copy was removed), then run the pipeline again",
        details={"file": ref, "sha256": info.name},
    )


async def _delete(js: JetStreamContext, info: ObjectInfo) -> None:
    """Mark the object deleted (as nats-py's ``delete`` does) and purge its chunks — only the copy
    that was read: a fresh copy stored meanwhile stays."""
    current, sequence = await object_info(js, info.name)
    if current is None or current.deleted or current.nuid != info.nuid:
        return
    tombstone = dataclasses.replace(current, deleted=True, size=0, chunks=0, digest="", mtime="")
    headers = {Header.ROLLUP.value: MSG_ROLLUP_SUBJECT, Header.EXPECTED_LAST_SUBJECT_SEQUENCE.value: str(sequence)}
    await js.publish(
        meta_subject(info.name), json.dumps(tombstone.as_dict()).encode(), stream=FILES_STREAM, headers=headers
    )
    await js.purge_stream(FILES_STREAM, subject=chunk_subject(info.nuid))
