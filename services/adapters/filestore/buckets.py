"""The two JetStream buckets that hold source files, and how they are declared.

* ``SPINE_FILES``, an object store (stream ``OBJ_SPINE_FILES``): each file's bytes once, in
  chunks, named by their SHA-256 (content-addressed);
* ``SPINE_FILE_NAMES``, a key-value bucket (stream ``KV_SPINE_FILE_NAMES``): each upload's
  reference (``uploads/<sha256 prefix>-<name>`` or ``<folder>/<name>``) -> its SHA-256 and size.

Both follow the layout of nats-py's (and the ``nats`` CLI's) object and key-value stores, so
the usual tools can inspect them. The services' NATS user reaches them through ``$O.>``,
``$KV.>`` and the JetStream API; the publisher user cannot touch them.
"""

from __future__ import annotations

import base64
import logging

from nats.js import JetStreamContext
from nats.js.api import KeyValueConfig, ObjectStoreConfig, StorageType
from nats.js.errors import APIError, NotFoundError
from nats.js.kv import KeyValue
from nats.js.object_store import ObjectStore

from spine_core.errors import Misconfigured

__all__ = [
    "FILES_BUCKET",
    "NAMES_BUCKET",
    "FILES_STREAM",
    "NAMES_STREAM",
    "CHUNK_BYTES",
    "chunk_subject",
    "meta_subject",
    "ensure_buckets",
]

log = logging.getLogger("spine.files")

FILES_BUCKET = "SPINE_FILES"
NAMES_BUCKET = "SPINE_FILE_NAMES"
FILES_STREAM = f"OBJ_{FILES_BUCKET}"
NAMES_STREAM = f"KV_{NAMES_BUCKET}"
#: nats-py's and the Go client's default: well under NATS's 1 MiB message limit.
CHUNK_BYTES = 128 * 1024


def chunk_subject(nuid: str) -> str:
    """Where an object's chunks are, in order (one subject per stored copy)."""
    return f"$O.{FILES_BUCKET}.C.{nuid}"


def meta_subject(object_name: str) -> str:
    """Where an object's description (``ObjectInfo`` JSON) is: the name in URL-safe base64."""
    return f"$O.{FILES_BUCKET}.M.{base64.urlsafe_b64encode(object_name.encode()).decode()}"


async def ensure_buckets(js: JetStreamContext, replicas: int | None = None) -> tuple[ObjectStore, KeyValue]:
    """Bind the two buckets, creating them when missing.

    ``replicas`` (``SPINE_STREAM_REPLICAS``) is how many servers keep each: a new bucket gets it
    (1 when None); an existing one is moved to it when given and kept as it is when None, as
    Spine's other streams are. A count the servers refuse is :class:`Misconfigured`.
    """
    files = await _object_store(js, replicas)
    names = await _key_value(js, replicas)
    if replicas is not None:
        for stream in (FILES_STREAM, NAMES_STREAM):
            info = await js.stream_info(stream)
            current = info.config.num_replicas or 1
            if current != replicas:
                log.warning("stream %s: %d replica(s) -> %d (SPINE_STREAM_REPLICAS)", stream, current, replicas)
                info.config.num_replicas = replicas
                try:
                    await js.update_stream(info.config)
                except APIError as exc:
                    raise _refused(exc, stream, replicas, current) from None
    return files, names


async def _object_store(js: JetStreamContext, replicas: int | None) -> ObjectStore:
    try:
        return await js.object_store(FILES_BUCKET)
    except NotFoundError:
        pass
    config = ObjectStoreConfig(
        description="Spine's source files, by SHA-256", storage=StorageType.FILE, replicas=replicas or 1
    )
    try:
        store = await js.create_object_store(FILES_BUCKET, config=config)
    except APIError as exc:
        try:  # another service created it a moment ago, with its own settings
            return await js.object_store(FILES_BUCKET)
        except NotFoundError:
            raise _refused(exc, FILES_STREAM, config.replicas, None) from None
    log.info("created object store %s with %d replica(s)", FILES_BUCKET, config.replicas)
    return store


async def _key_value(js: JetStreamContext, replicas: int | None) -> KeyValue:
    try:
        return await js.key_value(NAMES_BUCKET)
    except NotFoundError:
        pass
    config = KeyValueConfig(
        bucket=NAMES_BUCKET,
        description="Spine's source file references -> SHA-256",
        history=1,
        storage=StorageType.FILE,
        replicas=replicas or 1,
    )
    try:
        names = await js.create_key_value(config)
    except APIError as exc:
        try:
            return await js.key_value(NAMES_BUCKET)
        except NotFoundError:
            raise _refused(exc, NAMES_STREAM, config.replicas, None) from None
    log.info("created key-value bucket %s with %d replica(s)", NAMES_BUCKET, config.replicas)
    return names


def _refused(exc: APIError, stream: str, wanted: int, current: int | None) -> Exception:
    """A bucket the servers would not create or move: with more than one replica, most likely the
    count (as for Spine's streams), said so with what to change; else the server's own error."""
    if wanted == 1:
        return exc
    refused = f"NATS refused {wanted} replicas for stream {stream}: {exc.description} (code {exc.err_code})"
    if current is not None:
        refused += f"; the stream keeps its {current}"
    return Misconfigured(
        refused,
        hint="set SPINE_STREAM_REPLICAS to at most the number of servers in the NATS cluster "
        "(1 for a single server, e.g. `spine dev`'s embedded one)",
        details={"stream": stream, "replicas": wanted, "current_replicas": current, "err_code": exc.err_code},
    )
