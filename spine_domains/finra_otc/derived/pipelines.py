"""Derived FINRA OTC pipelines and the weekly refresh workflow.

Normalize, aggregate and every calc pipeline, and the ``finra.otc_transparency.weekly_refresh``
workflow that chains them; :func:`spine_domains.finra_otc.registration.register` registers them.
"""

from __future__ import annotations

from spine_domains.finra_otc.derived.ats_share import ComputeAtsShare
from spine_domains.finra_otc.derived.concentration import ComputeSymbolConcentration
from spine_domains.finra_otc.derived.normalize import NormalizeWeek
from spine_domains.finra_otc.derived.per_day import ComputeVolumePerDay
from spine_domains.finra_otc.derived.rolling import ComputeRolling
from spine_domains.finra_otc.derived.symbol_summary import AggregateWeek
from spine_domains.finra_otc.derived.tier_share import ComputeTierShare
from spine_domains.finra_otc.derived.venue_share import ComputeVenueShare
from spine_domains.finra_otc.derived.week_over_week import ComputeWeekOverWeek
from spine_domains.finra_otc.workflow import DERIVED_STAGES, WEEKLY_REFRESH

__all__ = [
    "NormalizeWeek",
    "AggregateWeek",
    "ComputeVenueShare",
    "ComputeSymbolConcentration",
    "ComputeTierShare",
    "ComputeAtsShare",
    "ComputeWeekOverWeek",
    "ComputeRolling",
    "ComputeVolumePerDay",
    "DERIVED_PIPELINES",
    "WEEKLY_REFRESH",
]

#: Every derived pipeline class, in workflow order (the workflow's order).
DERIVED_PIPELINES = DERIVED_STAGES
