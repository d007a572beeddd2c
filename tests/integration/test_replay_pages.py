"""A rebuild reads the row blocks of the captures its projection keeps, and passes over the
others by topic and stream without fetching them (their positions still count); with the
reference data's rebuild, the FINRA weeks' rows are never read."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from projections.reference.spec import SPEC as REFERENCE
from services.adapters.eventstore.app import SpineEventStore, StoreAdapter
from services.adapters.replay import topics_of
from services.adapters.replay_pages import EventPages
from services.settings import Settings
from spine_core.write import Capture
from tests.conftest import Servers

pytestmark = [pytest.mark.integration]

CALENDAR = "reference.exchange_calendar.ingest_year"
WEEK = "finra.otc_transparency.ingest_week"


def _capture(pipeline: str, partition: dict[str, Any], columns: list[str], block: bytes) -> Capture:
    capture = Capture(
        capture_id=uuid.uuid4(), execution_id=uuid.uuid4(), pipeline=pipeline, partition_key="k",
        partition=partition, source=None, row_columns=columns, params={}, inputs=[], calc=None, fingerprint=None,
    )  # fmt: skip
    capture.record_rows(1, 1, 1, 1, block)
    capture.complete_stage("ingest", {})
    return capture


def test_rows_of_captures_not_kept_are_passed_over(servers: Servers) -> None:
    settings = Settings(database_url=servers.new_database())
    SpineEventStore.create(settings)
    app = SpineEventStore.connect(settings)
    try:
        week = _capture(WEEK, {"week_ending": "2025-11-14", "tier": "OTC"}, ["line_no"], b"1\n")
        calendar = _capture(CALENDAR, {"exchange": "XNYS", "year": "2025"}, ["date", "name"], b"2025-12-25\tXmas\n")
        StoreAdapter(app).save(week, calendar)
        head = app.head_position()
        pages = EventPages(app, topics_of(REFERENCE.event_types), REFERENCE.make_applier("reference"), page_events=4)
        read, events, after = 0, [], 0
        while (page := pages.read(after, head)) is not None:
            read, after = read + page.read, page.last
            events += page.events
    finally:
        app.close()
    assert after == head and read == 6  # every stored event was read, row events included
    rows = [(env.stream_id, block) for env, block in events if env.type == "RowsCaptured"]
    assert rows == [(calendar.id, b"2025-12-25\tXmas\n")]  # the week's rows were not
    assert sum(env.type == "CaptureStarted" for env, _ in events) == 2
