"""Register the FINRA OTC pipelines and the weekly refresh workflow in a registry."""

from __future__ import annotations

from spine_core.framework.pipeline import Pipeline
from spine_core.framework.registry import PipelineRegistry
from spine_domains.finra_otc.backfill import BackfillRange
from spine_domains.finra_otc.derived.pipelines import DERIVED_PIPELINES
from spine_domains.finra_otc.pipelines import IngestWeek
from spine_domains.finra_otc.workflow import WEEKLY_REFRESH

__all__ = ["PIPELINES", "WORKFLOWS", "register"]

#: Every FINRA OTC pipeline class: the ingest, backfill planning and the derived stages.
PIPELINES: tuple[type[Pipeline], ...] = (IngestWeek, BackfillRange, *DERIVED_PIPELINES)
WORKFLOWS = (WEEKLY_REFRESH,)


def register(registry: PipelineRegistry) -> None:
    """Register one instance of each FINRA OTC pipeline, and the weekly refresh workflow."""
    for cls in PIPELINES:
        registry.register(cls())
    for workflow in WORKFLOWS:
        registry.register_workflow(workflow)
