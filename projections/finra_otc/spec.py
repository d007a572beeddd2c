from __future__ import annotations

from pathlib import Path

from projections.base import ProjectionSpec
from projections.finra_otc.mapper import EVENT_TYPES
from projections.finra_otc.store import VenueVolumeApplier

SPEC = ProjectionSpec(
    name="finra_otc",
    schema="finra_otc",
    description="FINRA OTC venue volume rows of each capture (the data plane)",
    event_types=EVENT_TYPES,
    migrations=Path(__file__).parent / "schema",
    make_applier=VenueVolumeApplier,
)
