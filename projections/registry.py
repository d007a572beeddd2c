"""All projections Spine runs, by name."""

from __future__ import annotations

from projections.base import ProjectionSpec
from projections.finra_otc.spec import SPEC as FINRA_OTC
from projections.manifest.spec import SPEC as MANIFEST
from projections.quality.spec import SPEC as QUALITY
from projections.reference.spec import SPEC as REFERENCE

__all__ = ["PROJECTIONS", "get_projection"]

PROJECTIONS: dict[str, ProjectionSpec] = {spec.name: spec for spec in (MANIFEST, FINRA_OTC, QUALITY, REFERENCE)}


def get_projection(name: str) -> ProjectionSpec:
    try:
        return PROJECTIONS[name]
    except KeyError:
        raise KeyError(f"unknown projection {name!r}; projections are {', '.join(PROJECTIONS)}") from None
