"""Workflows: how stages chain. A process manager reacts to each completed (or skipped) run and
issues the next commands of the workflow, so one command can leave every analytic ready."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from spine_core.errors import InvalidParameter

__all__ = ["Workflow"]


@dataclass(frozen=True, slots=True)
class Workflow:
    """A tree of pipelines rooted at ``root``: ``edges`` maps a pipeline to the pipelines that
    run after it, with the same partition parameters (children may add their own defaults)."""

    name: str
    description: str
    root: str
    edges: Mapping[str, tuple[str, ...]]
    #: Short stage names accepted by ``--through`` (e.g. ``venue_share``), per pipeline.
    stage_names: Mapping[str, str] = field(default_factory=dict)

    def pipelines(self) -> list[str]:
        order = [self.root]
        for pipeline in order:
            order.extend(child for child in self.edges.get(pipeline, ()) if child not in order)
        return order

    def parent(self, pipeline: str) -> str | None:
        return next((p for p, children in self.edges.items() if pipeline in children), None)

    def resolve(self, through: str) -> str | None:
        """The pipeline a ``through`` value names; None for the whole workflow."""
        if through in ("all", self.name):
            return None
        if through in self.pipelines():
            return through
        by_stage = {stage: pipeline for pipeline, stage in self.stage_names.items()}
        if through in by_stage:
            return by_stage[through]
        known = ", ".join(["all", *sorted(by_stage)])
        raise InvalidParameter(f"unknown stage {through!r} for workflow {self.name}", hint=f"use one of: {known}")

    def scope(self, through: str) -> frozenset[str]:
        """The pipelines a run ``--through`` this stage covers: the path from the root to it, or all."""
        target = self.resolve(through)
        if target is None:
            return frozenset(self.pipelines())
        path = [target]
        while (parent := self.parent(path[-1])) is not None:
            path.append(parent)
        return frozenset(path)

    def next_after(self, pipeline: str, through: str) -> tuple[str, ...]:
        """Pipelines to start once ``pipeline`` has run, within the ``through`` scope."""
        scope = self.scope(through)
        return tuple(child for child in self.edges.get(pipeline, ()) if child in scope)
