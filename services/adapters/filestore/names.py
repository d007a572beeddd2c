"""File references -> the SHA-256 of their bytes, in the ``SPINE_FILE_NAMES`` key-value bucket.

A command names its file as it always did (``uploads/<sha256 prefix>-<name>``,
``<folder>/<name>``); this index turns the name into the content-addressed object. Each
segment of a reference becomes one token of the key (URL-safe base64, so any name is a valid
subject token), which lets a folder be listed with a subject filter instead of a scan.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import PurePosixPath

from nats.js.errors import NotFoundError
from nats.js.kv import KeyValue

from services.adapters.inbox import ref_parts

__all__ = ["StoredFile", "NameIndex", "name_key"]


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A file of the store: its reference, and the SHA-256 (hex) and size of its bytes."""

    ref: str
    sha256: str
    size: int

    @property
    def name(self) -> str:
        return PurePosixPath(self.ref).name


def _token(part: str) -> str:
    return base64.urlsafe_b64encode(part.encode()).decode().rstrip("=")


def _part(token: str) -> str:
    return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()


def name_key(parts: tuple[str, ...]) -> str:
    """The key of a reference's segments (InvalidInput for a reference that leaves the store)."""
    return ".".join(_token(part) for part in parts)


class NameIndex:
    """Lookups and updates of the reference -> SHA-256 index."""

    def __init__(self, kv: KeyValue) -> None:
        self.kv = kv

    async def get(self, ref: str) -> StoredFile | None:
        """The file a reference names, or None (InvalidInput for an absolute path or ``..``)."""
        parts = ref_parts(ref)
        try:
            entry = await self.kv.get(name_key(parts))
        except NotFoundError:  # never stored, or deleted
            return None
        value = json.loads(entry.value or b"{}")
        return StoredFile("/".join(parts), str(value["sha256"]), int(value["bytes"]))

    async def put(self, stored: StoredFile) -> None:
        """Point ``stored.ref`` at its bytes; nothing is written when it already does."""
        if await self.get(stored.ref) == stored:
            return
        value = {"ref": stored.ref, "sha256": stored.sha256, "bytes": stored.size}
        await self.kv.put(name_key(ref_parts(stored.ref)), json.dumps(value).encode())

    async def children(self, folder: str) -> list[str]:
        """The names of the files directly in ``folder`` ('' or '.' for the top level), sorted."""
        parts = () if folder in ("", ".") else ref_parts(folder)
        pattern = f"{name_key(parts)}.*" if parts else "*"
        watcher = await self.kv.watch(pattern, ignore_deletes=True, meta_only=True)
        names = []
        try:
            async for entry in watcher:
                if entry is None:  # the watcher's marker: every current key was delivered
                    break
                names.append(_part(entry.key.rsplit(".", 1)[-1]))
        finally:
            await watcher.stop()
        return sorted(names)
