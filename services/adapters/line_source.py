"""A source file as a run reads it: its size, its SHA-256, and its lines decoded as UTF-8.

Where the bytes live (a file in the inbox, a verified copy of an object from the bus) is the
subclass's business; how they become lines, and the check that the lines read are the bytes
that were hashed, is the same for every source.
"""

from __future__ import annotations

import codecs
import hashlib
from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import Any, BinaryIO

from spine_core.errors import SourceUnreadable

__all__ = ["LineSource", "READ_BLOCK"]

READ_BLOCK = 1 << 20


class LineSource(ABC):
    """Implements ``spine_core.framework.planning.OpenedSource`` over :meth:`_open`."""

    ref: str

    def __init__(self, ref: str) -> None:
        self.ref = ref
        self._bytes_read = 0
        self._read_digest: Any = None

    @property
    @abstractmethod
    def name(self) -> str: ...

    @property
    @abstractmethod
    def size(self) -> int: ...

    @property
    @abstractmethod
    def sha256(self) -> str: ...

    @abstractmethod
    def _open(self) -> BinaryIO:
        """A new reader of the bytes from the start (raises SourceUnreadable when it cannot)."""

    @property
    def bytes_read(self) -> int:
        return self._bytes_read

    def verify_unchanged(self) -> None:
        """The bytes the last ``lines()`` pass read must be the bytes that were hashed: a file
        replaced while it was being captured fails the run instead of recording a wrong SHA-256."""
        if self._read_digest is None or self._read_digest.hexdigest() != self.sha256:
            raise SourceUnreadable(
                f"file {self.ref!r} changed while it was being captured",
                hint="run the pipeline again once it is stable",
            )

    def lines(self) -> Iterator[str]:
        """Lines without terminators (LF or CRLF); undecodable bytes become U+FFFD."""
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._bytes_read = 0
        self._read_digest = hashlib.sha256()
        tail = ""
        with self._open() as handle:
            while block := handle.read(READ_BLOCK):
                self._bytes_read += len(block)
                self._read_digest.update(block)
                text = tail + decoder.decode(block)
                parts = text.split("\n")
                tail = parts.pop()
                for line in parts:
                    yield line[:-1] if line.endswith("\r") else line
            tail += decoder.decode(b"", final=True)
        if tail:
            yield tail[:-1] if tail.endswith("\r") else tail
