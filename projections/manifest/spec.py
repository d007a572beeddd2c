from __future__ import annotations

from pathlib import Path

from projections.base import ProjectionSpec
from projections.manifest.mapper import EVENT_TYPES
from projections.manifest.store import ManifestApplier

SPEC = ProjectionSpec(
    name="manifest",
    schema="manifest",
    description="executions, captures and the stages each partition reached",
    event_types=EVENT_TYPES,
    migrations=Path(__file__).parent / "schema",
    make_applier=ManifestApplier,
)
