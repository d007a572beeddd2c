from __future__ import annotations

from pathlib import Path

from projections.base import ProjectionSpec
from projections.quality.mapper import EVENT_TYPES
from projections.quality.store import QualityApplier

SPEC = ProjectionSpec(
    name="quality",
    schema="quality",
    description="rejected input lines with reasons (core_rejects)",
    event_types=EVENT_TYPES,
    migrations=Path(__file__).parent / "schema",
    make_applier=QualityApplier,
)
