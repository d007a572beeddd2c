"""What a pipeline is, what it receives and what it yields.

A pipeline is pure and synchronous: it receives its parameters and (for ingest pipelines) an
iterator of text lines, and yields :class:`RowBatch` objects followed by one
:class:`StageSummary`. It performs no I/O; the framework opens sources and records results.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from spine_core.framework.params import ParamSpec, parse_params
from spine_core.rejects import Reject

__all__ = [
    "SourceText",
    "PipelineInputs",
    "RowBatch",
    "StageSummary",
    "PipelineOutput",
    "Pipeline",
    "FORCE_PARAM",
]

FORCE_PARAM = ParamSpec.boolean("force", help="capture again even if this partition was already captured")


class SourceText(Protocol):
    """A source file as the framework hands it to a pipeline: a name and its lines."""

    @property
    def name(self) -> str: ...

    def lines(self) -> Iterator[str]:
        """Each line of the file without its line terminator, decoded as UTF-8
        (undecodable bytes become U+FFFD so the pipeline can reject the line)."""
        ...


@dataclass(frozen=True, slots=True)
class PipelineInputs:
    source: SourceText | None
    batch_lines: int = 5_000


@dataclass(frozen=True, slots=True)
class RowBatch:
    """The outcome of a run of consecutive input lines: accepted rows and rejects."""

    first_line: int
    last_line: int
    rows: list[tuple[Any, ...]]
    rejects: list[Reject] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class StageSummary:
    """The last output of a run: JSON-ready facts about it (formats, clocks, counts)."""

    details: dict[str, Any]


PipelineOutput = RowBatch | StageSummary


class Pipeline(ABC):
    """Base of every pipeline. Subclasses declare their name, parameters and partition key."""

    name: ClassVar[str]
    domain: ClassVar[str]
    stage: ClassVar[str]
    description: ClassVar[str]
    params: ClassVar[tuple[ParamSpec, ...]]
    partition_by: ClassVar[tuple[str, ...]]
    row_columns: ClassVar[tuple[str, ...]]
    needs_source: ClassVar[bool] = False

    def param_specs(self) -> tuple[ParamSpec, ...]:
        return (*self.params, FORCE_PARAM)

    def parse_params(self, raw: Mapping[str, object]) -> dict[str, Any]:
        return parse_params(self.param_specs(), raw)

    def partition(self, params: Mapping[str, Any]) -> dict[str, str]:
        return {key: str(params[key]) for key in self.partition_by}

    def partition_key(self, params: Mapping[str, Any]) -> str:
        return "/".join(f"{k}={v}" for k, v in self.partition(params).items())

    @abstractmethod
    def run(self, params: Mapping[str, Any], inputs: PipelineInputs) -> Iterator[PipelineOutput]:
        """Yield row batches, then exactly one StageSummary."""
