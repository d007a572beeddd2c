"""The worker's source opener over the file store.

The run coordinator is synchronous and runs in a worker thread; the store is async and lives on
the worker's event loop. Opening a source streams the object, chunk by chunk, from the loop into
an anonymous temporary file in the worker's own data directory, and only returns once the
whole object was read and its SHA-256 checked: a run never plans from, nor records, bytes that
do not match their checksum. The copy disappears when the run drops the source (or the process
dies: the file has no name).
"""

from __future__ import annotations

import asyncio
import io
import logging
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Coroutine
from typing import IO, Any, BinaryIO, TypeVar, cast

from nats.aio.client import Client

from services.adapters.bus.nats import connect_nats
from services.adapters.filestore.names import StoredFile
from services.adapters.filestore.store import FileStore
from services.adapters.line_source import LineSource
from services.settings import Settings

__all__ = ["ObjectSources", "DownloadedSource"]

T = TypeVar("T")

log = logging.getLogger("spine.files")


class DownloadedSource(LineSource):
    """A verified local copy of a stored file; several readers may read it at once."""

    def __init__(self, stored: StoredFile, copy: IO[bytes]) -> None:
        super().__init__(stored.ref)
        self.stored = stored
        self._copy = copy
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.stored.name

    @property
    def size(self) -> int:
        return self.stored.size

    @property
    def sha256(self) -> str:
        return self.stored.sha256  # checked against the bytes when the copy was made

    def _open(self) -> BinaryIO:
        return cast(BinaryIO, _Reader(self._copy, self._lock))

    def close(self) -> None:
        self._copy.close()


class _Reader(io.RawIOBase):
    """A reader of a shared file with a position of its own (``lines()`` may be called again
    before an earlier pass is closed)."""

    def __init__(self, file: IO[bytes], lock: threading.Lock) -> None:
        self._file = file
        self._lock = lock
        self._position = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        with self._lock:
            self._file.seek(self._position)
            count = self._file.readinto(buffer)  # type: ignore[attr-defined]
        self._position += count
        return int(count)


class ObjectSources:
    """``open_source`` and ``list_dir`` for a :class:`~spine_core.framework.coordinator.RunCoordinator`,
    over the file store. :meth:`start` on the event loop before the first run, :meth:`stop` after."""

    def __init__(self, settings: Settings, *, replicas: int | None = None) -> None:
        self.settings = settings
        self.replicas = replicas
        self.scratch = settings.data_dir.resolve() / "downloads"
        self._nc: Client | None = None
        self._store: FileStore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self) -> None:
        self.scratch.mkdir(parents=True, exist_ok=True)
        self._nc = await connect_nats(self.settings, "spine-worker-files")
        self._store = await FileStore.open(self._nc, replicas=self.replicas)
        self._loop = asyncio.get_running_loop()

    async def stop(self) -> None:
        if self._nc is not None and not self._nc.is_closed:
            await self._nc.close()

    def __call__(self, ref: str) -> DownloadedSource:
        """The file ``ref`` names, copied and verified (called from a worker thread)."""
        store = self._started()
        started = time.monotonic()
        stored = self._wait(store.find(ref))
        # The copy outlives this call: the source closes it (or dropping it does).
        copy = tempfile.TemporaryFile(dir=self.scratch)  # noqa: SIM115
        try:
            chunks = store.read(stored)
            try:
                # One chunk per hop to the loop: the loop only moves bytes, this thread writes them.
                while (chunk := self._wait(_next_chunk(chunks))) is not None:
                    copy.write(chunk)
            finally:
                self._wait(chunks.aclose())
            copy.flush()
        except BaseException:
            copy.close()
            raise
        log.info(
            "file %s: %d bytes from the file store in %.2fs, SHA-256 checked",
            ref,
            stored.size,
            time.monotonic() - started,
        )
        return DownloadedSource(stored, copy)

    def list_dir(self, ref: str) -> list[str]:
        """The files uploaded into folder ``ref`` (a backfill's sources)."""
        return self._wait(self._started().list_folder(ref))

    def _started(self) -> FileStore:
        if self._store is None:
            raise RuntimeError("ObjectSources.start() was not awaited")
        return self._store

    def _wait(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` on the store's loop and wait for it, from another thread."""
        loop = self._loop
        assert loop is not None
        if _on_loop(loop):
            coroutine.close()
            raise RuntimeError("ObjectSources is called from its own event loop; call it from a worker thread")
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result()


async def _next_chunk(chunks: AsyncIterator[bytes]) -> bytes | None:
    try:
        return await anext(chunks)
    except StopAsyncIteration:
        return None


def _on_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False
