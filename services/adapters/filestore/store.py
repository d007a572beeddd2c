"""The file store: uploads in, verified bytes out, on the bus instead of a shared disk."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterable
from dataclasses import dataclass

from nats.aio.client import Client
from nats.js import JetStreamContext

from services.adapters.filestore.buckets import ensure_buckets
from services.adapters.filestore.names import NameIndex, StoredFile
from services.adapters.filestore.objects import object_info, read_object, write_object
from services.adapters.inbox import upload_ref
from spine_core.errors import InvalidInput, SourceUnreadable

__all__ = ["FileStore", "Upload"]


@dataclass(frozen=True, slots=True)
class Upload:
    file: StoredFile
    stored: bool  # False: the same bytes were in the store already (nothing was written)


class FileStore:
    """Source files in the ``SPINE_FILES`` object store, named in ``SPINE_FILE_NAMES``.

    Build it with :meth:`open` on a connection of the services' NATS user.
    """

    def __init__(self, nc: Client, js: JetStreamContext, names: NameIndex) -> None:
        self.nc = nc
        self.js = js
        self.names = names

    @classmethod
    async def open(cls, nc: Client, *, replicas: int | None = None) -> FileStore:
        """The store on ``nc``, its buckets created when missing with ``replicas`` servers each."""
        js = nc.jetstream()
        _, kv = await ensure_buckets(js, replicas)
        return cls(nc, js, NameIndex(kv, js))

    async def upload(
        self, name: str, data: AsyncIterable[bytes], *, max_bytes: int, folder: str | None = None
    ) -> Upload:
        """Stream ``data`` in; its reference is named as an inbox upload's (``upload_ref``)."""
        written = await write_object(self.js, data, max_bytes=max_bytes)
        stored = StoredFile(upload_ref(name, written.sha256, folder), written.sha256, written.size)
        await self.names.put(stored)
        return Upload(stored, written.stored)

    async def find(self, ref: str) -> StoredFile:
        """The file ``ref`` names; SourceUnreadable when there is none."""
        try:
            stored = await self.names.get(ref)
        except InvalidInput as exc:
            raise SourceUnreadable(exc.message, hint=exc.hint) from None
        if stored is None:
            raise SourceUnreadable(
                f"file {ref!r} is not in the file store",
                hint="upload it first (PUT /v1/inbox/{name}; spine run --file does this for you)",
            )
        return stored

    async def read(self, stored: StoredFile) -> AsyncGenerator[bytes, None]:
        """The file's bytes, chunk by chunk; SourceCorrupted after the last chunk when they do
        not hash to its SHA-256, SourceUnreadable when the object is gone."""
        info, _ = await object_info(self.js, stored.sha256)
        if info is None or info.deleted:
            raise SourceUnreadable(
                f"file {stored.ref!r} (SHA-256 {stored.sha256}) is no longer in the file store",
                hint="upload it again, then run the pipeline again",
            )
        async for chunk in read_object(self.js, info, ref=stored.ref):
            yield chunk

    async def list_folder(self, folder: str) -> list[str]:
        """The names of the files uploaded into ``folder``."""
        try:
            return await self.names.children(folder)
        except InvalidInput as exc:
            raise SourceUnreadable(exc.message, hint=exc.hint) from None
