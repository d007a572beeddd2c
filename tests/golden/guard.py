"""What keeps stored events readable: the checks of every event class against the golden set.

For every recordable event class at its current ``class_version``:

* an upcaster ``upcast_vK_vK+1`` for every older version K (else stored vK events cannot be read);
* its fields equal those recorded for that version in ``event_fields.json`` (a field added or
  removed without a version bump changes what stored events mean);
* the fields of every older version, upcast, equal the current fields (an upcaster that forgets
  the new field);
* golden events at the current version and at every version ever fingerprinted.
"""

from __future__ import annotations

from collections.abc import Iterable

from tests.golden.catalog import EventClass, upcast_fields

__all__ = ["schema_problems", "RECORD"]

RECORD = "uv run python -m tests.golden.record"


def _check_upcasters(event: EventClass) -> list[str]:
    return [
        f"{event.name} is at class_version {event.version} but has no upcast_v{k}_v{k + 1}: "
        f"stored v{k} events cannot be read"
        for k in range(1, event.version)
        if event.upcaster(k) is None
    ]


def _check_fields(event: EventClass, versions: dict[str, list[str]], held: set[tuple[str, int]]) -> list[str]:
    recorded = versions.get(str(event.version))
    if recorded is None:
        if (event.topic, event.version) not in held:
            return []  # reported once, as a version without golden events
        return [f"{event.name} v{event.version} has golden events but no fields in event_fields.json ({RECORD})"]
    current = sorted(event.fields)
    if sorted(recorded) == current:
        return []
    added, removed = sorted(set(current) - set(recorded)), sorted(set(recorded) - set(current))
    return [
        f"{event.name}: its fields changed without a class_version bump (added {added}, removed {removed}); "
        f"stored v{event.version} events do not have them. Set class_version = {event.version + 1}, write "
        f"upcast_v{event.version}_v{event.version + 1}, then record golden events ({RECORD})"
    ]


def _check_older_versions(event: EventClass, versions: dict[str, list[str]]) -> list[str]:
    problems = []
    for key, fields in sorted(versions.items(), key=lambda kv: int(kv[0])):
        older = int(key)
        if older >= event.version:
            continue
        try:
            upcast = upcast_fields(event, fields, older)
        except LookupError:
            continue  # reported by the upcaster check
        if upcast != sorted(event.fields):
            problems.append(
                f"{event.name}: a v{older} event upcast to v{event.version} has fields {upcast}, "
                f"the class has {sorted(event.fields)}: fix the upcasters from v{older}"
            )
    return problems


def schema_problems(
    classes: Iterable[EventClass],
    fingerprints: dict[str, dict[str, list[str]]],
    held: set[tuple[str, int]],
) -> list[str]:
    """Every problem, as a sentence saying what to do. ``held`` is ``{(topic, version)}`` of the golden set."""
    problems: list[str] = []
    for event in classes:
        versions = fingerprints.get(event.name, {})
        problems += _check_upcasters(event)
        problems += _check_fields(event, versions, held)
        problems += _check_older_versions(event, versions)
        for version in sorted({event.version, *(int(v) for v in versions)}):
            if (event.topic, version) not in held:
                problems.append(f"{event.name} v{version} has no golden events: record them ({RECORD})")
    return problems
