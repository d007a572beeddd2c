"""Reading ``normalize_week`` captures: the input of aggregate and of the per-week calcs.

Aggregations unpack normalized rows positionally (twice as fast as picking columns by name,
which matters at a million rows a week), so a capture with other columns — made by an older
normalize — is refused with the command that recaptures it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from spine_core.errors import MissingData
from spine_core.framework.pipeline import CaptureRef
from spine_domains.finra_otc.derived.base import DerivedPipeline
from spine_domains.finra_otc.derived.inputs import InputSpec, run_command, week_partition
from spine_domains.finra_otc.derived.normalize import NormalizeWeek
from spine_domains.finra_otc.derived.vocabulary import NORMALIZED_COLUMNS, VENUE

__all__ = ["FromNormalized", "NORMALIZED_ROLE", "Row", "normalized_rows", "first_names"]

NORMALIZED_ROLE = "normalized"

#: A normalized row as a capture reader yields it: text values (None for NULL). Typed loosely
#: so that positional unpacking in the hot loops needs no casts.
Row = tuple[Any, ...]


def normalized_rows(ref: CaptureRef, rows: Iterable[tuple[str | None, ...]]) -> Iterable[Row]:
    """The capture's rows, after checking they are in ``NORMALIZED_COLUMNS`` order."""
    if tuple(ref.row_columns) != NORMALIZED_COLUMNS:
        raise MissingData(
            f"capture {ref.capture_id} of {ref.pipeline} has columns {', '.join(ref.row_columns)}, "
            f"not the current {', '.join(NORMALIZED_COLUMNS)}",
            hint=" ".join(
                [
                    "spine run",
                    NormalizeWeek.name,
                    f"--week-ending {ref.partition.get('week_ending', '<week>')}",
                    f"--tier {ref.partition.get('tier', '<tier>')}",
                    "--force",
                ]
            ),
            details={"capture_id": str(ref.capture_id)},
        )
    return rows


def first_names(rows: Iterable[Row], keys: set[str], key_at: int, name_at: int) -> dict[str, str]:
    """For each key in ``keys``: the non-empty name of its venue-level row with the lowest source line."""
    best: dict[str, tuple[int, str]] = {}
    for row in rows:
        key, name = row[key_at], row[name_at]
        if key in keys and name and row[5] == VENUE:
            line = int(row[9])
            seen = best.get(key)
            if seen is None or line < seen[0]:
                best[key] = (line, name)
    return {key: name for key, (_line, name) in best.items()}


class FromNormalized(DerivedPipeline):
    """A calc over one normalized week and tier (input role ``normalized``, whose clock it reports)."""

    clock_role = NORMALIZED_ROLE

    def input_specs(self, params: Mapping[str, Any]) -> list[InputSpec]:
        week, tier = self.week_and_tier(params)
        command = run_command(NormalizeWeek.name, week, tier)
        return [InputSpec(NORMALIZED_ROLE, NormalizeWeek.name, week_partition(week, tier), command)]
