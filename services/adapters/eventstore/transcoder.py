"""A JSON transcoder that stores one raw ``block`` attribute after the JSON.

Row blocks are hundreds of kilobytes of COPY text. Encoding them as JSON strings (or base64)
would cost a full pass over every byte at each hop; instead the stored state is
``MAGIC | len(json) | json | block`` and the block is sliced out untouched. Events without a
bytes ``block`` attribute are stored as plain JSON, exactly as the library would store them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Transcoding

__all__ = ["FramedJSONTranscoder", "DateAsISO", "MAGIC"]

MAGIC = b"\x00SPB1"
_HEAD = len(MAGIC) + 4


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class FramedJSONTranscoder(JSONTranscoder):
    def encode(self, obj: Any) -> bytes:
        if isinstance(obj, dict) and isinstance(obj.get("block"), bytes):
            state = dict(obj)
            block = state.pop("block")
            head = super().encode(state)
            return b"".join((MAGIC, len(head).to_bytes(4, "big"), head, block))
        return super().encode(obj)

    def decode(self, data: bytes) -> Any:
        if data[: len(MAGIC)] == MAGIC:
            size = int.from_bytes(data[len(MAGIC) : _HEAD], "big")
            state = super().decode(data[_HEAD : _HEAD + size])
            state["block"] = data[_HEAD + size :]
            return state
        return super().decode(data)
