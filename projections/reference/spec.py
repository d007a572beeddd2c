from __future__ import annotations

from pathlib import Path

from projections.base import ProjectionSpec
from projections.captured_rows import EVENT_TYPES, TableSpec
from projections.captured_rows_store import CapturedRowsApplier

TABLES = {
    "reference.exchange_calendar.ingest_year": TableSpec(
        "reference.exchange_calendar.ingest_year",
        "calendar_holidays",
        ("exchange", "year"),
        frozenset({"date", "name"}),
    )
}

SPEC = ProjectionSpec(
    name="reference",
    schema="reference",
    description="exchange calendars: market holidays per exchange and year",
    event_types=EVENT_TYPES,
    migrations=Path(__file__).parent / "schema",
    make_applier=lambda schema: CapturedRowsApplier(schema, TABLES),
)
