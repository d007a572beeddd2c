"""What a pipeline is, what it receives and what it yields.

A pipeline is pure and synchronous. It receives its parameters and either an iterator of text
lines (ingest pipelines, ``needs_source``) or the rows of earlier captures read through a
:class:`CaptureReader` (derived pipelines), and yields :class:`RowBatch` objects and
:class:`~spine_core.quality.QualityResult` checks, then one :class:`StageSummary`. It performs
no I/O; the framework opens sources, reads the event store and records results.

The life of a run, as the framework drives it:

1. ``parse_params`` types the raw parameters;
2. ``resolve_params(params, head, reader)`` may fill what the command left out (e.g. the week,
   inferred from a publication date in the first lines of the source);
3. the calc version is resolved (pipelines with a ``calc``), the partition key computed;
4. ``input_captures(params, reader)`` names the captures the run reads (lineage); the run is
   skipped when the partition's current capture came from the same inputs (or the same source
   bytes) unless forced;
5. ``run(params, inputs)`` yields the outputs.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Protocol
from uuid import UUID

from spine_core.calcs import CalcRegistry
from spine_core.framework.params import ParamSpec, parse_params
from spine_core.quality import QualityResult
from spine_core.rejects import Reject

__all__ = [
    "CaptureRef",
    "CaptureReader",
    "SourceText",
    "PipelineInputs",
    "RowBatch",
    "StageSummary",
    "PipelineOutput",
    "Pipeline",
    "FORCE_PARAM",
    "CALC_VERSION_PARAM",
    "HEAD_LINES",
]

FORCE_PARAM = ParamSpec.boolean("force", help="capture again even if this partition was already captured")
CALC_VERSION_PARAM = ParamSpec.text(
    "calc_version", help="compute with this calc version (default: the current one; deprecated ones warn)"
)
#: How many leading lines of a source ``resolve_params`` sees.
HEAD_LINES = 200


@dataclass(frozen=True, slots=True)
class CaptureRef:
    """A committed capture of some pipeline's partition, as a derived pipeline sees it."""

    pipeline: str
    partition_key: str
    partition: Mapping[str, str]
    capture_id: UUID
    row_columns: tuple[str, ...]
    rows: int
    captured_at: datetime
    details: Mapping[str, Any] = field(default_factory=dict)
    calc: Mapping[str, Any] | None = None


class CaptureReader(Protocol):
    """Read-only access to committed captures (the event store is the source of truth)."""

    def current(self, pipeline: str, partition: Mapping[str, str]) -> CaptureRef | None:
        """The latest committed capture of ``pipeline`` for this partition, or None.

        ``partition`` maps the pipeline's ``partition_by`` names to their text values (for a
        pipeline with a calc, ``calc_version`` included).
        """
        ...

    def rows(self, capture: CaptureRef) -> Iterator[tuple[str | None, ...]]:
        """The capture's accepted rows in order, as text (None for NULL), in ``row_columns`` order."""
        ...


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
    source: SourceText | None = None
    batch_lines: int = 5_000
    reader: CaptureReader | None = None
    captures: Mapping[str, CaptureRef] = field(default_factory=dict)
    """The captures named by ``input_captures``, by role."""
    listing: Sequence[str] = ()
    """For pipelines with ``needs_listing``: the files of the ``source_dir`` parameter, relative to it."""


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


PipelineOutput = RowBatch | StageSummary | QualityResult


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
    needs_listing: ClassVar[bool] = False
    #: The calc this pipeline computes, versioned in ``calc_registry`` (None for ingest pipelines).
    calc: ClassVar[str | None] = None
    calc_registry: ClassVar[CalcRegistry | None] = None

    def param_specs(self) -> tuple[ParamSpec, ...]:
        extra = (CALC_VERSION_PARAM,) if self.calc else ()
        return (*self.params, *extra, FORCE_PARAM)

    def parse_params(self, raw: Mapping[str, object]) -> dict[str, Any]:
        return parse_params(self.param_specs(), raw)

    def partition_names(self) -> tuple[str, ...]:
        """``partition_by``, plus ``calc_version`` for a calc: each version is its own partition."""
        return (*self.partition_by, "calc_version") if self.calc else self.partition_by

    def partition(self, params: Mapping[str, Any]) -> dict[str, str]:
        return {key: str(params[key]) for key in self.partition_names()}

    def partition_key(self, params: Mapping[str, Any]) -> str:
        return "/".join(f"{k}={v}" for k, v in self.partition(params).items())

    def resolve_params(
        self, params: dict[str, Any], head: Sequence[str] | None, reader: CaptureReader | None
    ) -> dict[str, Any]:
        """Fill parameters the command left out (``head``: the source's first lines). Default: none."""
        return params

    def input_captures(self, params: Mapping[str, Any], reader: CaptureReader) -> dict[str, CaptureRef]:
        """The captures this run reads, by role; raise MissingData (naming what to run) when a
        required one is absent. Default: none."""
        return {}

    @abstractmethod
    def run(self, params: Mapping[str, Any], inputs: PipelineInputs) -> Iterator[PipelineOutput]:
        """Yield row batches and quality results, then exactly one StageSummary."""
