"""The golden recordings: stored events exactly as the event store holds them, one JSON file each.

A recording is a list of rows of the event store's table (``notification_id``, ``originator_id``,
``originator_version``, ``topic``, ``state``) in notification order. ``state`` is the bytes the
transcoder wrote: plain JSON is kept as its exact text (``state_text``); a framed state (JSON head
then a raw row block, see ``services/adapters/eventstore/transcoder.py``) is kept as base64
(``state_base64``) with a readable decoded copy beside it (``state_decoded``: the head and the
block as text), which the tests check against the bytes.

Recordings are never edited once committed: a new class version gets a new recording.
Each recording has its expected read models in ``expected/<name>.json``.
"""

from __future__ import annotations

import base64
import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Transcoder

from services.adapters.eventstore.app import SpineEventStore
from services.adapters.eventstore.transcoder import MAGIC
from tests.golden.catalog import META_FIELDS

__all__ = [
    "EVENTS_DIR",
    "EXPECTED_DIR",
    "FORMAT",
    "Recording",
    "StoredRow",
    "load_recordings",
    "split_framed",
    "transcoder",
]

EVENTS_DIR = Path(__file__).parent / "events"
EXPECTED_DIR = Path(__file__).parent / "expected"
FORMAT = "spine-golden-events/1"
_HEAD = len(MAGIC) + 4


def split_framed(state: bytes) -> tuple[bytes, bytes | None]:
    """``(json head, block)`` of a framed state; ``(state, None)`` for plain JSON."""
    if state[: len(MAGIC)] != MAGIC:
        return state, None
    size = int.from_bytes(state[len(MAGIC) : _HEAD], "big")
    return state[_HEAD : _HEAD + size], state[_HEAD + size :]


@functools.cache
def transcoder() -> Transcoder:
    """The event store's transcoder, configured as the application configures it."""
    return SpineEventStore.in_memory().mapper.transcoder


@dataclass(frozen=True, slots=True)
class StoredRow:
    """One row of the event store's table."""

    notification_id: int
    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes

    @property
    def head(self) -> dict[str, Any]:
        """The state's JSON (without the block of a framed state), as stored: ``_type_`` markers kept."""
        head, _ = split_framed(self.state)
        parsed: dict[str, Any] = json.loads(head)
        return parsed

    @property
    def class_version(self) -> int:
        return int(self.head.get("class_version", 1))

    def fields(self) -> list[str]:
        """The event's own fields in the stored state (library metadata and ``class_version`` aside)."""
        state = transcoder().decode(self.state)
        return sorted(k for k in state if k not in META_FIELDS and k != "class_version")

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "notification_id": self.notification_id,
            "originator_id": str(self.originator_id),
            "originator_version": self.originator_version,
            "topic": self.topic,
        }
        head, block = split_framed(self.state)
        if block is None:
            out["state_text"] = self.state.decode("utf-8")
        else:
            out["state_base64"] = base64.b64encode(self.state).decode("ascii")
            out["state_decoded"] = {"head": json.loads(head), "block": block.decode("utf-8")}
        return out

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> StoredRow:
        if "state_text" in item:
            state = item["state_text"].encode("utf-8")
        else:
            state = base64.b64decode(item["state_base64"], validate=True)
        return cls(
            notification_id=int(item["notification_id"]),
            originator_id=UUID(item["originator_id"]),
            originator_version=int(item["originator_version"]),
            topic=item["topic"],
            state=state,
        )


@dataclass
class Recording:
    name: str
    description: str
    recorded_at: str
    recorded_with: dict[str, str]
    rows: list[StoredRow] = field(default_factory=list)
    decoded_copies: list[dict[str, Any] | None] = field(default_factory=list)

    @property
    def path(self) -> Path:
        return EVENTS_DIR / f"{self.name}.json"

    @property
    def expected_path(self) -> Path:
        return EXPECTED_DIR / f"{self.name}.json"

    def expected_json(self) -> dict[str, Any]:
        """The read models this recording must replay into (``expected/<name>.json``)."""
        expected: dict[str, Any] = json.loads(self.expected_path.read_text(encoding="utf-8"))
        return expected

    def versions(self) -> dict[str, list[int]]:
        """``{topic: [class versions held]}``."""
        held: dict[str, set[int]] = {}
        for row in self.rows:
            held.setdefault(row.topic, set()).add(row.class_version)
        return {topic: sorted(v) for topic, v in sorted(held.items())}

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "name": self.name,
            "description": self.description,
            "recorded_at": self.recorded_at,
            "recorded_with": self.recorded_with,
            "versions": self.versions(),
            "events": [row.to_json() for row in self.rows],
        }

    def write(self) -> Path:
        """Write the recording; refuses to replace one (recordings are never edited)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("x", encoding="utf-8") as handle:
            handle.write(json.dumps(self.to_json(), indent=1, ensure_ascii=False) + "\n")
        return self.path

    @classmethod
    def load(cls, path: Path) -> Recording:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc.get("format") != FORMAT:
            raise ValueError(f"{path}: format {doc.get('format')!r}, expected {FORMAT!r}")
        if doc["name"] != path.stem:
            raise ValueError(f"{path}: its name field says {doc['name']!r}")
        return cls(
            name=doc["name"],
            description=doc["description"],
            recorded_at=doc["recorded_at"],
            recorded_with=doc["recorded_with"],
            rows=[StoredRow.from_json(item) for item in doc["events"]],
            decoded_copies=[item.get("state_decoded") for item in doc["events"]],
        )


def load_recordings(directory: Path = EVENTS_DIR) -> list[Recording]:
    return [Recording.load(path) for path in sorted(directory.glob("*.json"))]
