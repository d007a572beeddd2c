"""The FINRA OTC Transparency pipelines, registered in the framework's registry on import."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from spine_core.errors import SourceUnreadable
from spine_core.framework.params import ParamSpec
from spine_core.framework.pipeline import Pipeline, PipelineInputs, PipelineOutput
from spine_core.framework.registry import register_pipeline
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.ingest import ingest_week
from spine_domains.finra_otc.tiers import Tier
from spine_domains.finra_otc.validation import ROW_COLUMNS

__all__ = ["DOMAIN", "IngestWeek"]

DOMAIN = "finra.otc_transparency"


@register_pipeline
class IngestWeek(Pipeline):
    """Capture one week of one tier from a FINRA weekly file (or the simple/fixture layouts)."""

    name = "finra.otc_transparency.ingest_week"
    domain = DOMAIN
    stage = "ingest"
    description = (
        "Ingest a FINRA OTC Transparency weekly file for one week and tier: every line is "
        "accepted or rejected with a reason. The week comes from the command, never from "
        "lastUpdateDate (FINRA's publication date)."
    )
    needs_source = True
    partition_by = ("week_ending", "tier")
    row_columns = ROW_COLUMNS
    params = (
        ParamSpec.week_ending(
            required=True,
            help="the Friday that ends the traded week, e.g. 2025-11-14 (the file itself has no week column)",
        ),
        ParamSpec.custom(
            "tier",
            "tier (NMS_TIER_1, NMS_TIER_2 or OTC)",
            Tier.parse,
            required=True,
            help="NMS_TIER_1, NMS_TIER_2 or OTC (also 'NMS Tier 1', 'T1', 'OTCE', ...)",
        ),
    )

    def run(self, params: Mapping[str, Any], inputs: PipelineInputs) -> Iterator[PipelineOutput]:
        if inputs.source is None:
            raise SourceUnreadable(f"pipeline {self.name} needs a source file", hint="pass --file PATH")
        # Parsing again is a no-op for typed values and makes direct calls with text safe.
        week_ending = WeekEnding.parse(params["week_ending"])
        tier = Tier.parse(params["tier"])
        return ingest_week(inputs.source.lines(), week_ending=week_ending, tier=tier, batch_lines=inputs.batch_lines)
