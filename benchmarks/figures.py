"""Figures of the benchmark suite: each measured value with its target and the lower bound
measured in the same run, printed as one table and written as one JSON document.

The ratio says how many times the bound's cost the figure is: ``measured / bound`` for times,
sizes and memory, ``bound / measured`` for rates (rows/s, commands/s). 1.0 would be as good as
the bound; a target may be set on the value (``<= 8 s``) or on that ratio (``<= 3x``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["Figure", "Outcome", "Target", "failed", "format_table"]

Op = Literal["<=", "<", ">="]


@dataclass(frozen=True, slots=True)
class Target:
    op: Op
    limit: float
    on: Literal["value", "ratio"] = "value"

    def met(self, value: float | None, ratio: float | None) -> bool | None:
        subject = value if self.on == "value" else ratio
        if subject is None or math.isnan(subject):
            return None
        if self.op == "<=":
            return subject <= self.limit
        if self.op == "<":
            return subject < self.limit
        return subject >= self.limit


@dataclass(slots=True)
class Figure:
    """One line of the table. ``error`` replaces the value when the measurement could not run."""

    key: str
    label: str
    value: float | None
    unit: str
    target: Target | None = None
    bound: float | None = None
    bound_label: str = ""
    higher_is_better: bool = False
    error: str | None = None

    @property
    def ratio(self) -> float | None:
        if self.value is None or self.bound is None or self.value <= 0 or self.bound <= 0:
            return None
        return self.bound / self.value if self.higher_is_better else self.value / self.bound

    @property
    def met(self) -> bool | None:
        if self.error is not None or self.target is None:
            return None
        return self.target.met(self.value, self.ratio)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "figure": self.label,
            "value": self.value,
            "unit": self.unit,
            "target": None if self.target is None else f"{self.target.op} {self.target.limit:g} ({self.target.on})",
            "lower_bound": self.bound,
            "lower_bound_is": self.bound_label or None,
            "ratio_to_bound": None if self.ratio is None else round(self.ratio, 3),
            "met": self.met,
            "error": self.error,
        }


@dataclass(slots=True)
class Outcome:
    """What one measurement returns: its figures and everything else worth keeping in the JSON."""

    figures: list[Figure]
    details: dict[str, Any] = field(default_factory=dict)


def failed(keys_labels: Sequence[tuple[str, str]], error: BaseException) -> Outcome:
    """The figures of a measurement that could not run, each carrying the error."""
    message = f"{type(error).__name__}: {error}".splitlines()[0][:200]
    return Outcome([Figure(key, label, None, "", error=message) for key, label in keys_labels])


def _number(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value:.2f} s" if value < 100 else f"{value:,.0f} s"
    if unit == "x":
        return f"{value:.2f}x"
    if value >= 100:
        return f"{value:,.0f} {unit}"
    return f"{value:.3g} {unit}"


def _limit(value: float) -> str:
    return f"{int(value):,}" if value == int(value) else f"{value:g}"


def _target_text(fig: Figure) -> str:
    if fig.target is None:
        return "(reported)"
    if fig.target.on == "ratio":
        return f"{fig.target.op} {_limit(fig.target.limit)}x bound"
    return f"{fig.target.op} {_limit(fig.target.limit)} {fig.unit}"


def _row(fig: Figure) -> list[str]:
    if fig.error is not None:
        return [fig.label, f"ERROR {fig.error}", _target_text(fig), "", "", "error"]
    measured = "-" if fig.value is None else _number(fig.value, fig.unit)
    bound = "" if fig.bound is None else f"{_number(fig.bound, fig.unit)} ({fig.bound_label})"
    ratio = "" if fig.ratio is None else f"{fig.ratio:.2f}x"
    met = {True: "yes", False: "NO", None: "-"}[fig.met]
    return [fig.label, measured, _target_text(fig), bound, ratio, met]


def format_table(figures: Sequence[Figure]) -> str:
    """The figures as a plain-text table (figure | measured | target | lower bound | ratio | met?)."""
    header = ["figure", "measured", "target", "lower bound (same run)", "ratio", "met?"]
    rows = [header, *(_row(f) for f in figures)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    right = {1, 4}
    lines = []
    for n, row in enumerate(rows):
        cells = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        lines.append(" | ".join(cells).rstrip())
        if n == 0:
            lines.append("-+-".join("-" * w for w in widths))
    lines.append(
        "ratio = measured / bound for times and sizes, bound / measured for rates (1.0 = as good as the bound)"
    )
    return "\n".join(lines)
