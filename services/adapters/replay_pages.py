"""The pages of stored events a rebuild applies, read from the event store.

Two things make a rebuild's reading cheaper than reading every notification whole:

* Row blocks of captures the projection does not keep are never fetched. A projection keeps
  the rows of the captures whose ``CaptureStarted`` its applier ``keeps`` (the reference data
  keeps the exchange calendars' captures, not the FINRA weeks' millions of rows); every other
  ``RowsCaptured`` would map to nothing, so it is passed over by its topic and stream alone —
  its position still counts. A capture's ``CaptureStarted`` is its stream's first event, so it
  is always read before the capture's rows. An applier without ``keeps`` keeps everything.
* Pages are read (and decoded) in a worker thread: the rebuild reads the next page while
  PostgreSQL loads the current one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic
from psycopg.sql import SQL, Identifier

from contracts.events import EventEnvelope
from services.adapters.eventstore.app import SpineEventStore
from services.adapters.eventstore.translate import to_envelope
from spine_core.write import Capture

__all__ = ["Page", "EventPages", "ROWS_TOPIC"]

ROWS_TOPIC = get_topic(Capture.RowsCaptured)
_STARTED = "CaptureStarted"


@dataclass(frozen=True, slots=True)
class Page:
    events: list[tuple[EventEnvelope, bytes | None]]
    """The events to apply, in position order (row events of captures not kept are left out)."""
    last: int
    """The position of the last stored event read (applied or passed over)."""
    read: int
    """How many stored events were read, passed over ones included."""


@dataclass
class EventPages:
    app: SpineEventStore
    topics: list[str]
    applier: Any
    page_events: int = 64
    kept: set[UUID] = field(default_factory=set)
    """Captures whose row blocks are read."""

    def read(self, after: int, upto: int) -> Page | None:
        """The stored events after position ``after`` up to ``upto`` (at most ``page_events``)."""
        keeps = getattr(self.applier, "keeps", None)
        if keeps is None or not hasattr(self.app.recorder, "datastore"):  # keeps all, or not on PostgreSQL
            notes = self.app.recorder.select_notifications(after + 1, self.page_events, upto, self.topics)
            if not notes:
                return None
            return Page([to_envelope(self.app.mapper, n) for n in notes], notes[-1].id, len(notes))
        rows = self._select(after, upto)
        if not rows:
            return None
        decoded: dict[int, tuple[EventEnvelope, bytes | None]] = {}
        wanted = []
        for note_id, originator_id, version, topic, state in rows:
            if topic == ROWS_TOPIC:
                if originator_id in self.kept:
                    wanted.append(note_id)
                continue
            note = Notification(
                id=note_id, originator_id=originator_id, originator_version=version, topic=topic, state=state
            )
            decoded[note_id] = envelope, _ = to_envelope(self.app.mapper, note)
            if envelope.type == _STARTED and keeps(envelope):
                self.kept.add(envelope.stream_id)
        states = self._states(wanted) if wanted else {}
        events = []
        for note_id, originator_id, version, topic, _ in rows:
            if note_id in states:
                note = Notification(
                    id=note_id, originator_id=originator_id, originator_version=version, topic=topic,
                    state=states[note_id],
                )  # fmt: skip
                events.append(to_envelope(self.app.mapper, note))
            elif note_id in decoded:
                events.append(decoded[note_id])
        return Page(events, rows[-1][0], len(rows))

    def _select(self, after: int, upto: int) -> list[tuple[int, UUID, int, str, bytes]]:
        """The page without the states of row events (decided after the page's CaptureStarted)."""
        recorder: Any = self.app.recorder
        statement = SQL(
            "SELECT notification_id, originator_id, originator_version, topic, "
            "CASE WHEN topic = %s THEN NULL ELSE state END AS state FROM {schema}.{table} "
            "WHERE notification_id > %s AND notification_id <= %s AND topic = ANY(%s) "
            "ORDER BY notification_id LIMIT %s"
        ).format(schema=Identifier(recorder.datastore.schema), table=Identifier(recorder.events_table_name))
        with recorder.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, (ROWS_TOPIC, after, upto, self.topics, self.page_events))
            return [
                (
                    r["notification_id"],
                    r["originator_id"],
                    r["originator_version"],
                    r["topic"],
                    b"" if r["state"] is None else bytes(r["state"]),
                )
                for r in curs.fetchall()
            ]

    def _states(self, ids: list[int]) -> dict[int, bytes]:
        recorder: Any = self.app.recorder
        statement = SQL("SELECT notification_id, state FROM {schema}.{table} WHERE notification_id = ANY(%s)").format(
            schema=Identifier(recorder.datastore.schema), table=Identifier(recorder.events_table_name)
        )
        with recorder.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, (ids,))
            return {r["notification_id"]: bytes(r["state"]) for r in curs.fetchall()}
