"""The pipeline registry: domains register pipelines, the application looks them up by name.

There is no global registry: :func:`spine_domains.build_registry` builds one at start-up and the
bootstrap hands it to whatever needs it (worker, process manager, gateway, CLI).
"""

from __future__ import annotations

import difflib

from spine_core.errors import UnknownPipeline
from spine_core.framework.pipeline import Pipeline
from spine_core.framework.workflow import Workflow

__all__ = ["PipelineRegistry"]


class PipelineRegistry:
    """Pipelines by name and the workflows that chain them."""

    def __init__(self) -> None:
        self._pipelines: dict[str, Pipeline] = {}
        self._workflows: dict[str, Workflow] = {}

    def register(self, pipeline: Pipeline) -> Pipeline:
        existing = self._pipelines.get(pipeline.name)
        if existing is not None and type(existing) is not type(pipeline):
            raise ValueError(f"pipeline name {pipeline.name!r} is registered twice")
        self._pipelines[pipeline.name] = pipeline
        return pipeline

    def get(self, name: str) -> Pipeline:
        try:
            return self._pipelines[name]
        except KeyError:
            close = difflib.get_close_matches(name, list(self._pipelines), n=3)
            hint = f"did you mean {' or '.join(close)}?" if close else "list them with `spine pipelines`"
            raise UnknownPipeline(f"unknown pipeline {name!r}", hint=hint) from None

    def names(self) -> list[str]:
        return sorted(self._pipelines)

    def all(self) -> list[Pipeline]:
        return [self._pipelines[n] for n in self.names()]

    def register_workflow(self, workflow: Workflow) -> Workflow:
        self._workflows[workflow.name] = workflow
        return workflow

    def workflows(self) -> list[Workflow]:
        return [self._workflows[n] for n in sorted(self._workflows)]

    def workflow_of(self, pipeline: str) -> Workflow | None:
        """The workflow a pipeline belongs to (each pipeline is in at most one)."""
        return next((w for w in self._workflows.values() if pipeline in w.pipelines()), None)
