"""Fakes for the run coordinator's tests: a tiny line pipeline, scripted sources, an event log view."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from uuid import UUID

from services.adapters.eventstore.app import SpineEventStore, StoreAdapter
from spine_core.context import ExecutionContext
from spine_core.errors import SourceUnreadable
from spine_core.framework.coordinator import RunCoordinator
from spine_core.framework.messages import RunRequest
from spine_core.framework.params import ParamSpec
from spine_core.framework.pipeline import Pipeline, PipelineInputs, PipelineOutput, RowBatch, StageSummary
from spine_core.framework.registry import PipelineRegistry
from spine_core.quality import CheckStatus, QualityResult, Severity
from spine_core.rejects import Reject, RejectReason

PIPELINE = "test.lines"
REJECT_PREFIX = "!"
QUESTION_PREFIX = "?"
UNREADABLE_LINE = "UNREADABLE"


class LinePipeline(Pipeline):
    """Accepts every line as ``(line_no, text)``; rejects lines starting with ``!``; lines
    starting with ``?`` are accepted and counted in a WARN quality check at the end.

    A line ``UNREADABLE`` makes it raise SourceUnreadable, as a domain does on an unknown layout.
    """

    name = PIPELINE
    domain = "test"
    stage = "ingest"
    description = "lines of a text file"
    params = (ParamSpec.text("week", required=True),)
    partition_by = ("week",)
    row_columns = ("line_no", "text")
    needs_source = True

    def run(self, params: Mapping[str, Any], inputs: PipelineInputs) -> Iterator[PipelineOutput]:
        assert inputs.source is not None
        rows: list[tuple[Any, ...]] = []
        rejects: list[Reject] = []
        first = 1
        line_no = 0
        questions = 0
        for line_no, line in enumerate(inputs.source.lines(), start=1):
            if line == UNREADABLE_LINE:
                raise SourceUnreadable(f"{inputs.source.name} has an unknown layout")
            if line.startswith(QUESTION_PREFIX):
                questions += 1
            if line.startswith(REJECT_PREFIX):
                rejects.append(Reject(line_no, RejectReason.INVALID_NUMBER, "starts with !", line))
            else:
                rows.append((line_no, line))
            if line_no % inputs.batch_lines == 0:
                yield RowBatch(first, line_no, rows, rejects)
                rows, rejects, first = [], [], line_no + 1
        if rows or rejects:
            yield RowBatch(first, line_no, rows, rejects)
        if questions:
            yield QualityResult(
                "question_lines",
                CheckStatus.WARN,
                f"{questions} line(s) start with '?'",
                Severity.WARN,
                value=questions,
            )
        yield StageSummary({"lines": line_no, "week": params["week"]})


@dataclass
class FakeSource:
    """An opened source. ``fail_after`` lines in, reading it raises (a crash, not a Spine error)."""

    text_lines: list[str]
    sha256: str
    name: str = "source.txt"
    fail_after: int | None = None
    bytes_read: int = 0
    changed_during_read: bool = False
    passes: int = 0

    @property
    def size(self) -> int:
        return sum(len(line.encode()) + 1 for line in self.text_lines)

    def lines(self) -> Iterator[str]:
        # The framework's first pass reads the head (for resolve_params); the crash under test
        # happens in the pipeline's own pass.
        self.passes += 1
        self.bytes_read = 0
        for index, line in enumerate(self.text_lines):
            if self.fail_after is not None and index >= self.fail_after and self.passes > 1:
                raise RuntimeError("the disk went away")
            self.bytes_read += len(line.encode()) + 1
            yield line

    def verify_unchanged(self) -> None:
        """Like a file replaced mid-run when ``changed_during_read`` is set."""
        if self.changed_during_read:
            raise SourceUnreadable("source.txt changed while it was being captured")


def source(lines: list[str], *, fail_after: int | None = None, sha256: str | None = None) -> FakeSource:
    digest = sha256 or hashlib.sha256("\n".join(lines).encode()).hexdigest()
    return FakeSource(list(lines), digest, fail_after=fail_after)


@dataclass
class SourceOpener:
    """The coordinator's ``open_source``: refs map to scripted sources; each open is a fresh copy."""

    files: dict[str, FakeSource] = field(default_factory=dict)
    opened: list[str] = field(default_factory=list)

    def __call__(self, ref: str) -> FakeSource:
        self.opened.append(ref)
        try:
            return replace(self.files[ref])
        except KeyError:
            raise SourceUnreadable(f"file {ref!r} is not in the inbox") from None


@dataclass
class Harness:
    app: SpineEventStore
    store: StoreAdapter
    registry: PipelineRegistry
    opener: SourceOpener

    def coordinator(self, **kwargs: Any) -> RunCoordinator:
        return RunCoordinator(self.store, self.registry, self.opener, **kwargs)

    def events(self) -> list[Any]:
        return [self.app.mapper.to_domain_event(n) for n in self.app.recorder.select_notifications(1, 10_000)]

    def names(self) -> list[str]:
        return [type(e).__name__ for e in self.events()]

    def events_of(self, aggregate_id: UUID) -> list[Any]:
        return [e for e in self.events() if e.originator_id == aggregate_id]


def new_harness() -> Harness:
    registry = PipelineRegistry()
    registry.register(LinePipeline())
    app = SpineEventStore.in_memory()
    return Harness(app=app, store=StoreAdapter(app), registry=registry, opener=SourceOpener())


def request(
    week: str,
    *,
    source_ref: str | None = "in.txt",
    pipeline: str = PIPELINE,
    execution_id: UUID | None = None,
    **extra: object,
) -> RunRequest:
    key = f"test-{uuid.uuid4()}"
    return RunRequest(
        execution_id=execution_id or uuid.uuid4(),
        pipeline=pipeline,
        params={"week": week, **extra},
        context=ExecutionContext.new(),
        idempotency_key=key,
        source_ref=source_ref,
    )


def unique_week() -> str:
    return f"w-{uuid.uuid4().hex[:8]}"
