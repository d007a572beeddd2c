"""The weekly refresh's stage order is written once: the tree, its stage names and the pipeline list agree."""

from __future__ import annotations

from spine_domains.finra_otc.derived.inputs import INGEST_PIPELINE
from spine_domains.finra_otc.derived.pipelines import DERIVED_PIPELINES
from spine_domains.finra_otc.workflow import DERIVED_STAGES, WEEKLY_REFRESH


def test_the_workflow_walks_the_stages_in_their_order() -> None:
    assert WEEKLY_REFRESH.pipelines() == [INGEST_PIPELINE, *(stage.name for stage in DERIVED_STAGES)]


def test_the_derived_pipelines_are_the_workflow_stages() -> None:
    assert DERIVED_PIPELINES is DERIVED_STAGES
    assert list(WEEKLY_REFRESH.stage_names) == [INGEST_PIPELINE, *(stage.name for stage in DERIVED_STAGES)]
