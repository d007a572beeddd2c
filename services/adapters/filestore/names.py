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

from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from nats.js.kv import KeyValue

from services.adapters.filestore.buckets import NAMES_BUCKET, NAMES_STREAM
from services.adapters.inbox import ref_parts
from spine_core.errors import InvalidInput

__all__ = ["StoredFile", "NameIndex", "name_key"]

#: The most subjects nats-server returns in one stream info answer.
_MAX_LISTED = 100_000


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

    def __init__(self, kv: KeyValue, js: JetStreamContext) -> None:
        self.kv = kv
        self.js = js

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
        """The names of the files directly in ``folder`` ('' or '.' for the top level), sorted.

        Read from the stream's subjects (one request), not with a key watcher: nats-py's watcher
        can report "no more keys" before a key already on its way was handled, which would drop
        files from a backfill's listing. Names are never deleted, so every subject is a file.
        """
        parts = () if folder in ("", ".") else ref_parts(folder)
        pattern = f"{name_key(parts)}.*" if parts else "*"
        info = await self.js.stream_info(NAMES_STREAM, subjects_filter=f"$KV.{NAMES_BUCKET}.{pattern}")
        subjects = info.state.subjects or {}
        if len(subjects) >= _MAX_LISTED:
            raise InvalidInput(f"folder {folder!r} holds more files than one listing returns ({_MAX_LISTED})")
        return sorted(_part(subject.rsplit(".", 1)[-1]) for subject in subjects)
