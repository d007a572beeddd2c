"""What a client needs to know of a pipeline, and of a ``--through`` target, as plain data.

The gateway serves these descriptions and the CLI prints them; both read them from here.
"""

from __future__ import annotations

from typing import Any

from spine_core.errors import InvalidParameter
from spine_core.framework.pipeline import Pipeline
from spine_core.framework.registry import PipelineRegistry

__all__ = ["check_through", "describe"]


def check_through(registry: PipelineRegistry, pipeline: str, through: str | None) -> None:
    """A ``through`` value must name a stage of the pipeline's workflow that comes after it."""
    if through is None:
        return
    workflow = registry.workflow_of(pipeline)
    if workflow is None:
        raise InvalidParameter(f"pipeline {pipeline} is not part of a workflow; it cannot run --through a stage")
    workflow.scope(through)  # raises InvalidParameter naming the known stages


def describe(pipeline: Pipeline) -> dict[str, Any]:
    """A pipeline's name, stage, description, partition and parameters."""
    return {
        "name": pipeline.name,
        "domain": pipeline.domain,
        "stage": pipeline.stage,
        "description": pipeline.description,
        "needs_file": pipeline.needs_source,
        "partition_by": list(pipeline.partition_names()),
        "calc": pipeline.calc,
        "params": [
            {"name": s.name, "type": s.type_name, "required": s.required, "default": s.default, "help": s.help}
            for s in pipeline.param_specs()
        ],
    }
