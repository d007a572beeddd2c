"""Every event class the write side can record, found by walking the aggregates, with its class
version, its fields and its upcasters — and the checked-in fingerprint of each class's fields per
version (``event_fields.json``)."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import json
import pkgutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

import spine_core.write
from contracts.events import EVENT_TYPES

__all__ = [
    "EventClass",
    "FIELDS_FILE",
    "META_FIELDS",
    "aggregates",
    "event_classes",
    "placeholders",
    "load_fingerprints",
    "save_fingerprints",
    "upcast_fields",
]

FIELDS_FILE = Path(__file__).parent / "event_fields.json"

#: What the library records in every event besides its own fields; not part of a class's schema.
META_FIELDS = frozenset({"originator_id", "originator_version", "timestamp", "originator_topic"})
#: Nested classes the library gives every aggregate (our aggregates are created by events of their own).
_LIBRARY_BASES = frozenset({"Event", "Created"})


@dataclass(frozen=True, slots=True)
class EventClass:
    """One recordable event class: ``name`` is ``Aggregate.Event`` (its key in the fingerprints)."""

    name: str
    cls: type[Any]
    topic: str
    version: int
    fields: tuple[str, ...]

    @property
    def type(self) -> str:
        """The wire type (``RunRequested``)."""
        return self.cls.__name__

    def upcaster(self, from_version: int) -> Any:
        return getattr(self.cls, f"upcast_v{from_version}_v{from_version + 1}", None)


def aggregates() -> list[type[Aggregate]]:
    """Every aggregate class defined under ``spine_core.write``."""
    found: dict[str, type[Aggregate]] = {}
    for info in pkgutil.iter_modules(spine_core.write.__path__, "spine_core.write."):
        module = importlib.import_module(info.name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, Aggregate) and value is not Aggregate and value.__module__ == module.__name__:
                found[value.__qualname__] = value
    return [found[name] for name in sorted(found)]


def _fields(cls: type[Any]) -> tuple[str, ...]:
    return tuple(sorted(f.name for f in dataclasses.fields(cls) if f.name not in META_FIELDS))


def _nested_events(aggregate: type[Aggregate]) -> Iterator[type[Any]]:
    for value in vars(aggregate).values():
        if inspect.isclass(value) and issubclass(value, Aggregate.Event):
            yield value


def event_classes() -> tuple[list[EventClass], list[str]]:
    """The recordable event classes, and the problems found while walking (a nested event class
    with no wire contract that is not a never-recorded ``Created`` placeholder)."""
    classes: list[EventClass] = []
    problems: list[str] = []
    for aggregate in aggregates():
        for cls in _nested_events(aggregate):
            name = f"{aggregate.__name__}.{cls.__name__}"
            if cls.__name__ not in EVENT_TYPES:
                if cls.__name__ in _LIBRARY_BASES and not _fields(cls):
                    continue  # the library's per-aggregate bases; ``Created`` is never recorded here
                problems.append(f"{name} has no wire contract in contracts/events.py (EVENT_TYPES)")
                continue
            version = int(getattr(cls, "class_version", 1))
            classes.append(EventClass(name, cls, get_topic(cls), version, _fields(cls)))
    return sorted(classes, key=lambda c: c.name), problems


def placeholders(fields: list[str] | tuple[str, ...]) -> dict[str, Any]:
    return {name: f"<{name}>" for name in fields}


def upcast_fields(event: EventClass, fields: list[str], from_version: int) -> list[str]:
    """The fields a state of ``from_version`` with ``fields`` has once the class's upcasters ran."""
    state = placeholders(fields)
    for version in range(from_version, event.version):
        upcaster = event.upcaster(version)
        if upcaster is None:
            raise LookupError(f"{event.name} has no upcast_v{version}_v{version + 1}")
        upcaster(state)
    return sorted(state)


def load_fingerprints(path: Path = FIELDS_FILE) -> dict[str, dict[str, list[str]]]:
    """``{"Execution.RunRequested": {"1": [fields...], "2": [...]}, ...}``"""
    if not path.exists():
        return {}
    data: dict[str, dict[str, list[str]]] = json.loads(path.read_text())
    return data


def save_fingerprints(fingerprints: dict[str, dict[str, list[str]]], path: Path = FIELDS_FILE) -> None:
    ordered = {
        name: {v: sorted(fields) for v, fields in sorted(versions.items(), key=lambda kv: int(kv[0]))}
        for name, versions in sorted(fingerprints.items())
    }
    path.write_text(json.dumps(ordered, indent=2) + "\n")
