"""Read events back from the event store: single events by position (dead-letter retries, the
events API) and one aggregate's stream (an execution's events)."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from eventsourcing.persistence import Notification
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL, Identifier

from contracts.events import EventEnvelope
from services.adapters.eventstore.app import SpineEventStore
from services.adapters.eventstore.translate import to_envelope

__all__ = ["event_at", "position_reader", "stream_events"]


def event_at(app: SpineEventStore, position: int) -> tuple[EventEnvelope, bytes | None]:
    notes = app.recorder.select_notifications(position, 1, position)
    if not notes or notes[0].id != position:
        raise LookupError(f"no event at position {position}")
    return to_envelope(app.mapper, notes[0])


def position_reader(app: SpineEventStore) -> Callable[[int], tuple[EventEnvelope, bytes | None]]:
    return lambda position: event_at(app, position)


def stream_events(app: SpineEventStore, stream_id: UUID, *, after: int = 0, limit: int = 100) -> list[EventEnvelope]:
    """One aggregate's events (``stream_id`` = its originator id) after position ``after``, oldest
    first, at most ``limit`` (row blocks are left out: ``block_bytes`` gives their size)."""
    recorder = app.recorder
    assert isinstance(recorder, PostgresApplicationRecorder), "stream reads need the PostgreSQL event store"
    statement = SQL(
        "SELECT notification_id, originator_id, originator_version, topic, state FROM {schema}.{table} "
        "WHERE originator_id = %s AND notification_id > %s ORDER BY notification_id LIMIT %s"
    ).format(schema=Identifier(recorder.datastore.schema), table=Identifier(recorder.events_table_name))
    with recorder.datastore.get_connection() as conn, conn.cursor() as curs:
        curs.execute(statement, [stream_id, after, limit])
        rows = curs.fetchall()
    notes = [
        Notification(
            id=row["notification_id"],
            originator_id=row["originator_id"],
            originator_version=row["originator_version"],
            topic=row["topic"],
            state=bytes(row["state"]),
        )
        for row in rows
    ]
    return [to_envelope(app.mapper, note)[0] for note in notes]
