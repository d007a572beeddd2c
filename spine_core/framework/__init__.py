"""The framework layer: pipeline registry, typed parameters, and the run coordinator."""

from spine_core.framework.params import ParamSpec, parse_key_values, parse_params
from spine_core.framework.pipeline import Pipeline, PipelineInputs, RowBatch, SourceText, StageSummary
from spine_core.framework.registry import PipelineRegistry

__all__ = [
    "ParamSpec",
    "parse_key_values",
    "parse_params",
    "Pipeline",
    "PipelineInputs",
    "RowBatch",
    "SourceText",
    "StageSummary",
    "PipelineRegistry",
]
