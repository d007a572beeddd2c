"""The weekly refresh: ingest -> normalize -> aggregate and every calc of a (week, tier).

A process manager walks this tree as stages complete; ``--through venue_share`` runs the path
ingest -> normalize -> venue_share only. Registered by :mod:`spine_domains.finra_otc.registration`.

The order of the stages is written once, here (:data:`DERIVED_STAGES`): the tree's edges and
its stage names are derived from it.
"""

from __future__ import annotations

from spine_core.framework.workflow import Workflow
from spine_domains.finra_otc.derived.ats_share import ComputeAtsShare
from spine_domains.finra_otc.derived.base import DerivedPipeline
from spine_domains.finra_otc.derived.concentration import ComputeSymbolConcentration
from spine_domains.finra_otc.derived.inputs import INGEST_PIPELINE
from spine_domains.finra_otc.derived.normalize import NormalizeWeek
from spine_domains.finra_otc.derived.per_day import ComputeVolumePerDay
from spine_domains.finra_otc.derived.rolling import ComputeRolling
from spine_domains.finra_otc.derived.symbol_summary import AggregateWeek
from spine_domains.finra_otc.derived.tier_share import ComputeTierShare
from spine_domains.finra_otc.derived.venue_share import ComputeVenueShare
from spine_domains.finra_otc.derived.week_over_week import ComputeWeekOverWeek

__all__ = ["WEEKLY_REFRESH", "WORKFLOW_NAME", "DERIVED_STAGES"]

WORKFLOW_NAME = "finra.otc_transparency.weekly_refresh"

#: What runs after normalize, from the normalized rows.
_FROM_NORMALIZED: tuple[type[DerivedPipeline], ...] = (
    AggregateWeek,
    ComputeVenueShare,
    ComputeSymbolConcentration,
    ComputeTierShare,
    ComputeAtsShare,
)
#: What runs after aggregate, from the symbol summary.
_FROM_SUMMARY: tuple[type[DerivedPipeline], ...] = (ComputeWeekOverWeek, ComputeRolling, ComputeVolumePerDay)

#: Every derived stage, in workflow order.
DERIVED_STAGES: tuple[type[DerivedPipeline], ...] = (NormalizeWeek, *_FROM_NORMALIZED, *_FROM_SUMMARY)


def _names(stages: tuple[type[DerivedPipeline], ...]) -> tuple[str, ...]:
    return tuple(stage.name for stage in stages)


WEEKLY_REFRESH = Workflow(
    name=WORKFLOW_NAME,
    description=(
        "Everything of one week and tier: ingest the FINRA file, normalize it, aggregate per symbol "
        "and compute venue share, concentration, tier share and ATS share from the normalized rows, "
        "then week-over-week, rolling and per-trading-day volume from the symbol summary."
    ),
    root=INGEST_PIPELINE,
    edges={
        INGEST_PIPELINE: (NormalizeWeek.name,),
        NormalizeWeek.name: _names(_FROM_NORMALIZED),
        AggregateWeek.name: _names(_FROM_SUMMARY),
    },
    stage_names={INGEST_PIPELINE: "ingest", **{stage.name: stage.stage for stage in DERIVED_STAGES}},
)
