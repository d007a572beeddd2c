"""Source files on the bus: a JetStream object store instead of a directory the gateway and the
worker would have to share (``SPINE_FILE_STORE=objects``, the default).

An upload is streamed into the ``SPINE_FILES`` object store under the SHA-256 of its bytes
(the same bytes are stored once), and its reference — named as an inbox upload's — is kept in
the ``SPINE_FILE_NAMES`` key-value bucket. A run's ``file`` resolves through that index; the
worker copies the object and checks its SHA-256 before the run reads a line.
"""

from __future__ import annotations

from nats.aio.client import Client

from services.adapters.filestore.buckets import FILES_BUCKET, FILES_STREAM, NAMES_BUCKET, NAMES_STREAM
from services.adapters.filestore.names import StoredFile
from services.adapters.filestore.sources import DownloadedSource, ObjectSources
from services.adapters.filestore.store import FileStore, Upload
from services.adapters.inbox import InboxSources
from services.settings import Settings

__all__ = [
    "FILES_BUCKET",
    "FILES_STREAM",
    "NAMES_BUCKET",
    "NAMES_STREAM",
    "FileStore",
    "Upload",
    "StoredFile",
    "ObjectSources",
    "DownloadedSource",
    "open_file_store",
    "worker_sources",
]


async def open_file_store(settings: Settings, nc: Client) -> FileStore:
    """The file store on ``nc``, its buckets kept on ``SPINE_STREAM_REPLICAS`` servers."""
    return await FileStore.open(nc, replicas=settings.stream_replicas)


def worker_sources(settings: Settings) -> InboxSources | ObjectSources:
    """Where the worker opens a run's ``file``: the store ``SPINE_FILE_STORE`` names."""
    if settings.file_store == "inbox":
        return InboxSources(settings.inbox)
    return ObjectSources(settings, replicas=settings.stream_replicas)
