"""Finding a run's input captures, and failing loud (with the command to run) when one is absent."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from spine_core.errors import MissingData
from spine_core.framework.pipeline import CaptureReader, CaptureRef
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.calcs import CALCS
from spine_domains.finra_otc.pipelines import IngestWeek
from spine_domains.finra_otc.tiers import Tier

__all__ = [
    "INGEST_PIPELINE",
    "INGEST_FILE_PLACEHOLDER",
    "InputSpec",
    "find_inputs",
    "run_command",
    "week_partition",
    "calc_partition",
    "column_getter",
]

INGEST_PIPELINE = IngestWeek.name
INGEST_FILE_PLACEHOLDER = "<FINRA weekly file>"

Row = tuple[str | None, ...]


@dataclass(frozen=True, slots=True)
class InputSpec:
    """One capture a run reads: its role, where it lives, and the command that makes it."""

    role: str
    pipeline: str
    partition: Mapping[str, str]
    command: str
    required: bool = True

    def absence(self) -> str:
        where = ", ".join(f"{key}={value}" for key, value in self.partition.items())
        return f"no capture of {self.pipeline} for {where}"


def find_inputs(reader: CaptureReader, specs: Iterable[InputSpec]) -> dict[str, CaptureRef]:
    """The current capture of each spec, by role; optional ones may be absent.

    Raises one :class:`MissingData` naming every missing required input, with the commands to
    run (joined by ``&&``) as hint.
    """
    found: dict[str, CaptureRef] = {}
    missing: list[InputSpec] = []
    for spec in specs:
        ref = reader.current(spec.pipeline, spec.partition)
        if ref is not None:
            found[spec.role] = ref
        elif spec.required:
            missing.append(spec)
    if missing:
        raise MissingData(
            "missing input: " + "; ".join(spec.absence() for spec in missing),
            hint=" && ".join(dict.fromkeys(spec.command for spec in missing)),
            details={
                "missing": [
                    {"role": s.role, "pipeline": s.pipeline, "partition": dict(s.partition), "command": s.command}
                    for s in missing
                ]
            },
        )
    return found


def run_command(
    pipeline: str,
    week: WeekEnding | None = None,
    tier: Tier | None = None,
    *,
    params: Mapping[str, object] | None = None,
    file: str | None = None,
) -> str:
    """The CLI command that captures a partition, e.g. ``spine run P --week-ending D --tier T``."""
    parts = ["spine", "run", pipeline]
    if week is not None:
        parts += ["--week-ending", str(week)]
    if tier is not None:
        parts += ["--tier", str(tier)]
    for key, value in (params or {}).items():
        parts += ["-p", f"{key}={value}"]
    if file is not None:
        parts += ["--file", file]
    return " ".join(parts)


def week_partition(week: WeekEnding, tier: Tier) -> dict[str, str]:
    return {"week_ending": str(week), "tier": str(tier)}


def calc_partition(calc: str, week: WeekEnding, tier: Tier, **extra: str) -> dict[str, str]:
    """The partition of a calc pipeline's capture at the calc's current version."""
    return {**week_partition(week, tier), **extra, "calc_version": CALCS.current(calc).version}


def column_getter(
    ref: CaptureRef, names: Sequence[str], *, optional: Iterable[str] = ()
) -> Callable[[Row], tuple[Any, ...]]:
    """A function picking ``names`` (in that order) from the capture's rows.

    A missing ``optional`` column reads as None (e.g. an ingest capture made before FINRA API
    fields were added); a missing required one raises MissingData.
    """
    if len(names) < 2:
        raise ValueError("pick at least two columns")
    index = {name: i for i, name in enumerate(ref.row_columns)}
    absent = [name for name in names if name not in index]
    required_absent = [name for name in absent if name not in set(optional)]
    if required_absent:
        raise MissingData(
            f"capture {ref.capture_id} of {ref.pipeline} has no column {', '.join(required_absent)} "
            f"(its columns: {', '.join(ref.row_columns)})",
            hint=f"capture {ref.pipeline} again (with --force) so that it has the current columns",
            details={"capture_id": str(ref.capture_id), "missing_columns": required_absent},
        )
    if not absent:
        return itemgetter(*(index[name] for name in names))
    pad_at = len(ref.row_columns)
    pick = itemgetter(*(index.get(name, pad_at) for name in names))
    pad: Row = (None,)
    return lambda row: pick(row[:pad_at] + pad)
