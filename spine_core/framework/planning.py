"""Planning a run: what a request resolves to before anything is claimed.

A plan fixes the pipeline, its typed and completed parameters, the calc version, the partition
key, the input captures and directory listing, and the fingerprint that says whether running it
again would repeat an earlier capture (the source's SHA-256, or a hash of everything else).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import islice
from typing import Any, Protocol

from spine_core.errors import SourceUnreadable
from spine_core.framework.messages import RunRequest
from spine_core.framework.pipeline import HEAD_LINES, CaptureReader, CaptureRef, Pipeline
from spine_core.framework.registry import PipelineRegistry
from spine_core.temporal import WeekEnding

__all__ = ["OpenedSource", "NoCaptures", "RunPlan", "plan_run", "jsonable"]


class OpenedSource(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def size(self) -> int: ...

    @property
    def sha256(self) -> str: ...

    @property
    def bytes_read(self) -> int: ...

    def lines(self) -> Iterator[str]: ...

    def verify_unchanged(self) -> None:
        """Raise SourceUnreadable if the bytes the last ``lines()`` read are not the ones hashed."""
        ...


class NoCaptures:
    """The reader of a coordinator built without one: every lookup finds nothing."""

    def current(self, pipeline: str, partition: Mapping[str, str]) -> CaptureRef | None:
        return None

    def rows(self, capture: CaptureRef) -> Iterator[tuple[str | None, ...]]:
        raise LookupError(f"capture {capture.capture_id} cannot be read: no capture reader configured")


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON data, the form parameters and details take in events."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, WeekEnding | date):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


@dataclass(frozen=True, slots=True)
class RunPlan:
    """What a request resolved to before anything is claimed."""

    pipeline: Pipeline
    params: dict[str, Any]
    key: str
    calc: dict[str, Any] | None
    captures: dict[str, CaptureRef]
    listing: tuple[str, ...]
    source: OpenedSource | None
    fingerprint: str

    def inputs(self) -> list[dict[str, Any]]:
        return [
            {
                "role": role,
                "pipeline": ref.pipeline,
                "partition_key": ref.partition_key,
                "capture_id": str(ref.capture_id),
            }
            for role, ref in sorted(self.captures.items())
        ]


def plan_run(
    request: RunRequest,
    registry: PipelineRegistry,
    open_source: Callable[[str], OpenedSource],
    reader: CaptureReader,
    list_dir: Callable[[str], Sequence[str]] | None,
) -> RunPlan:
    """Resolve the request: pipeline, typed and completed parameters, calc version, partition,
    input captures and the fingerprint that decides whether the run would repeat itself."""
    pipeline = registry.get(request.pipeline)
    params = pipeline.parse_params(request.params)
    source: OpenedSource | None = None
    head: list[str] | None = None
    if pipeline.needs_source:
        if not request.source_ref:
            raise SourceUnreadable(
                f"pipeline {pipeline.name} needs a source file", hint="pass --file PATH (or 'file' in the API)"
            )
        source = open_source(request.source_ref)
        head = list(islice(source.lines(), HEAD_LINES))
    params = pipeline.resolve_params(params, head, reader)
    calc = None
    if pipeline.calc:
        assert pipeline.calc_registry is not None, f"{pipeline.name} declares a calc without a registry"
        resolved = pipeline.calc_registry.resolve(pipeline.calc, params.get("calc_version"))
        params["calc_version"] = resolved.version
        calc = {"name": resolved.calc, "version": resolved.version, "deprecated": resolved.deprecated}
        if resolved.warning:
            calc["warning"] = resolved.warning
    key = pipeline.partition_key(params)
    captures = pipeline.input_captures(params, reader)
    listing: tuple[str, ...] = ()
    if pipeline.needs_listing:
        if list_dir is None:
            raise SourceUnreadable(f"pipeline {pipeline.name} needs a directory listing, which this worker cannot give")
        listing = tuple(list_dir(str(params["source_dir"])))
    fingerprint = _fingerprint(source, calc, captures, listing, params)
    return RunPlan(pipeline, params, key, calc, captures, listing, source, fingerprint)


def _fingerprint(
    source: OpenedSource | None,
    calc: dict[str, Any] | None,
    captures: Mapping[str, CaptureRef],
    listing: tuple[str, ...],
    params: Mapping[str, Any],
) -> str:
    """What a capture is made from: the source bytes, or else its inputs, listing, calc version
    and parameters (``force`` aside, since forcing does not change what is captured)."""
    if source is not None:
        return f"sha256:{source.sha256}"
    basis = {
        "calc": calc and calc["version"],
        "inputs": {role: str(ref.capture_id) for role, ref in sorted(captures.items())},
        "listing": list(listing),
        "params": jsonable({k: v for k, v in params.items() if k != "force"}),
    }
    return "inputs:" + hashlib.sha256(json.dumps(basis, sort_keys=True).encode()).hexdigest()
