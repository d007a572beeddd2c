from __future__ import annotations

from pathlib import Path

from projections.base import ProjectionSpec
from projections.captured_rows import EVENT_TYPES
from projections.captured_rows_store import CapturedRowsApplier
from projections.finra_otc.tables import TABLES

SPEC = ProjectionSpec(
    name="finra_otc",
    schema="finra_otc",
    description="FINRA OTC data plane: venue rows of each capture, normalized rows and every calc",
    event_types=EVENT_TYPES,
    migrations=Path(__file__).parent / "schema",
    make_applier=lambda schema: CapturedRowsApplier(schema, TABLES),
)
