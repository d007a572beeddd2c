"""Event schema evolution, held by tests: the golden set of stored events (``events/``) replays
through the current code into every read model exactly as recorded (``expected/``), and every
event class at its current version is in the golden set with the fields recorded for it.

How to change an event safely: README.md, "Changing an event safely".
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
from eventsourcing.persistence import Notification

from services.adapters.eventstore.app import SpineEventStore
from services.adapters.eventstore.translate import to_envelope
from services.settings import Settings
from tests.conftest import Servers
from tests.golden.catalog import EventClass, event_classes, load_fingerprints
from tests.golden.fixture import Recording, load_recordings, split_framed
from tests.golden.guard import RECORD, schema_problems
from tests.golden.readmodels import load_rows, replay_into_read_models

RECORDINGS = load_recordings()


def _held() -> set[tuple[str, int]]:
    return {(topic, v) for r in RECORDINGS for topic, versions in r.versions().items() for v in versions}


def _differences(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    out = []
    for projection in sorted(set(expected) | set(actual)):
        want, got = expected.get(projection), actual.get(projection)
        if projection == "commands_issued" or want is None or got is None:
            if want != got:
                out.append(f"{projection}: expected {want}, replay gave {got}")
            continue
        for table in sorted(set(want) | set(got)):
            if want.get(table) != got.get(table):
                out.append(f"{projection}.{table}: expected {want.get(table)}, replay gave {got.get(table)}")
    return out


def test_the_golden_set_is_there() -> None:
    names = [r.name for r in RECORDINGS]
    assert "001_v1_shapes" in names and len(names) >= 2, names
    for recording in RECORDINGS:
        assert recording.expected_path.exists(), f"{recording.name} has no expected read models"


@pytest.mark.integration
@pytest.mark.parametrize("recording", RECORDINGS, ids=lambda r: r.name)
def test_golden_events_replay_into_every_read_model(servers: Servers, recording: Recording) -> None:
    settings = Settings(database_url=servers.new_database())
    load_rows(settings, recording.rows)

    actual = replay_into_read_models(settings)

    expected = recording.expected_json()
    differences = _differences(expected, actual)
    assert not differences, (
        f"replaying {recording.name} through the current code no longer builds the recorded read models:\n"
        + "\n".join(differences)
        + "\nIf a read model changed on purpose, recompute the expectations: "
        "uv run python -m tests.golden.record --expectations (the events themselves are never edited)"
    )


@pytest.mark.parametrize("recording", RECORDINGS, ids=lambda r: r.name)
def test_golden_events_translate_to_valid_wire_events(recording: Recording) -> None:
    """Every golden event, upcast by the current code, is a valid event of the wire contract."""
    mapper = SpineEventStore.in_memory().mapper
    for row in recording.rows:
        note = Notification(
            id=row.notification_id,
            originator_id=row.originator_id,
            originator_version=row.originator_version,
            topic=row.topic,
            state=row.state,
        )
        envelope, _ = to_envelope(mapper, note)
        envelope.typed()


def test_every_event_class_version_has_golden_events_and_unchanged_fields() -> None:
    classes, problems = event_classes()
    assert len(classes) >= 15, [c.name for c in classes]
    problems += schema_problems(classes, load_fingerprints(), _held())
    assert not problems, "event schema problems:\n" + "\n".join(problems)


def test_golden_events_have_the_fields_of_their_version_and_honest_decoded_copies() -> None:
    classes, _ = event_classes()
    by_topic = {c.topic: c for c in classes}
    fingerprints = load_fingerprints()
    for recording in RECORDINGS:
        positions = [row.notification_id for row in recording.rows]
        assert positions == sorted(set(positions)), f"{recording.name}: positions out of order or repeated"
        for row, decoded in zip(recording.rows, recording.decoded_copies, strict=True):
            where = f"{recording.name} at position {row.notification_id}"
            event = by_topic.get(row.topic)
            assert event is not None, f"{where}: no event class has topic {row.topic}"
            assert row.class_version <= event.version, f"{where}: v{row.class_version} is newer than the code"
            recorded = fingerprints.get(event.name, {}).get(str(row.class_version))
            assert recorded is not None, f"{where}: {event.name} v{row.class_version} has no fields ({RECORD})"
            assert row.fields() == sorted(recorded), f"{where}: not the fields of {event.name} v{row.class_version}"
            _, block = split_framed(row.state)
            if block is not None:
                assert decoded == {"head": row.head, "block": block.decode("utf-8")}, f"{where}: decoded copy differs"


# ----------------------------------------------------------------------------- the guard can fail


def _planted(change: Callable[[EventClass], EventClass]) -> list[str]:
    """The problems a change to one event class (``RunStarted``) adds to those of the code as it is."""
    classes, _ = event_classes()
    target = next(c for c in classes if c.type == "RunStarted")
    others = [c for c in classes if c is not target]
    fingerprints, held = load_fingerprints(), _held()
    before = set(schema_problems([*others, target], fingerprints, held))
    return [p for p in schema_problems([*others, change(target)], fingerprints, held) if p not in before]


def test_the_guard_catches_a_field_added_without_a_version_bump() -> None:
    problems = _planted(lambda c: dataclasses.replace(c, fields=(*c.fields, "planted")))
    assert any("fields changed without a class_version bump (added ['planted']" in p for p in problems), problems


def test_the_guard_catches_a_version_bump_without_upcaster_or_golden_events() -> None:
    current = _version_of("RunStarted")
    problems = _planted(lambda c: dataclasses.replace(c, version=c.version + 1))
    assert any(f"no upcast_v{current}_v{current + 1}" in p for p in problems), problems
    assert any(f"RunStarted v{current + 1} has no golden events" in p for p in problems), problems


def _version_of(type_name: str) -> int:
    return next(c.version for c in event_classes()[0] if c.type == type_name)
