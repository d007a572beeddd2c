"""Deferring a rebuild's derived work (rollups, ANALYZE) until its rows are loaded — pure, no I/O.

Live projection fills a capture's rollup and refreshes planner statistics the moment the
capture completes. A rebuild loads every capture at once, into tables whose secondary indexes
are built only after the load: a rollup run then would scan the whole table, once per capture,
and an ANALYZE per capture is wasted work. So a rebuild holds them back and runs them once the
rows and indexes are in place.

The result is the same as running them inline, because a rollup reads and writes only its own
capture's rows (``WHERE capture_id = $1``, keyed by capture): held back, it still runs before any
later change to that capture (a held rollup is released just before the next change that names
the capture — more rows, a second completion, an abandonment), and no change to another capture
can alter what it computes. ANALYZE changes statistics, never rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from projections.ops import Change, CopyRows, Op

__all__ = ["HeldBack"]


def _capture_of(change: Change) -> Any:
    if isinstance(change, CopyRows):
        return change.prefix[0] if change.prefix else None
    return change.args[0] if change.args else None


@dataclass
class HeldBack:
    """The rollups and ANALYZEs a rebuild has held back so far."""

    rollups: dict[Any, list[Op]] = field(default_factory=dict)
    """Per capture, its held rollup ops in the order they were produced."""
    analyze: list[Op] = field(default_factory=list)
    """One ``analyze:<table>`` op per table, in first-seen order."""

    def filter(self, changes: Sequence[Change]) -> list[Change]:
        """``changes`` without rollups and ANALYZEs (kept here); a capture's held rollups are put
        back just before the next change that names that capture."""
        out: list[Change] = []
        for change in changes:
            if isinstance(change, Op) and change.name.startswith("analyze:"):
                if all(op.name != change.name for op in self.analyze):
                    self.analyze.append(change)
                continue
            capture = _capture_of(change)
            held = self.rollups.pop(capture, None) if capture is not None else None
            if held:
                out.extend(held)
            if isinstance(change, Op) and change.name.startswith("rollup:"):
                self.rollups.setdefault(capture, []).append(change)
                continue
            out.append(change)
        return out

    def release(self) -> list[Op]:
        """Every held op, rollups (in completion order) before ANALYZEs; nothing is held after."""
        ops = [op for ops in self.rollups.values() for op in ops] + self.analyze
        self.rollups, self.analyze = {}, []
        return ops
