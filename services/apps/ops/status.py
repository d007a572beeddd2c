"""The status rules: how a projector is judged from its latest reading and its recent samples.

Pure functions over plain values (no clock, no I/O): the monitor passes ``now`` and the
samples of the window; the tests feed them by hand.

* FAILED — dead letters waiting, or the durable consumer is gone;
* STALLED — behind, and its position has not moved for ``stall_after_s``;
* LAGGING — the oldest unapplied event has been waiting ``lagging_after_s`` or more, in every
  sample of the last few seconds (one slow sample is not a trend);
* OK — otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["STATUSES", "Reading", "StatusRules", "Window", "apply_rate", "eta_seconds", "has_stalled", "judge"]

#: Every status, worst last.
STATUSES = ("OK", "LAGGING", "STALLED", "FAILED")

#: One projector's entries in recent samples, oldest first: ``(unix time, entry)``, each entry
#: holding at least ``position``, ``events_applied`` and ``seconds_behind``.
Window = Sequence[tuple[float, Mapping[str, Any]]]


@dataclass(frozen=True, slots=True)
class StatusRules:
    """The thresholds, and the windows each rule looks at."""

    stall_after_s: float = 30.0
    lagging_after_s: float = 5.0
    rate_window_s: float = 10.0
    #: how far back "every recent sample" reaches for LAGGING
    trend_window_s: float = 3.0


@dataclass(frozen=True, slots=True)
class Reading:
    """What one sample found out about a projector."""

    events_behind: int
    seconds_behind: float
    dead_letters: int = 0
    consumer: bool = True
    #: the projector's control state (``"paused"`` during a replay's swap), None when unknown
    state: str | None = None


def apply_rate(window: Window, applied: int, now: float) -> float:
    """Events applied per second since the oldest sample of ``window`` (0 without one)."""
    if not window:
        return 0.0
    t0, first = window[0]
    span = now - t0
    return max(applied - int(first["events_applied"]), 0) / span if span > 0 else 0.0


def has_stalled(window: Window, position: int, stall_after_s: float, now: float) -> bool:
    """True when ``window`` covers (nearly) the whole stall period and the position never moved.

    A window shorter than that — the monitor just started — cannot call a stall.
    """
    spans_window = len(window) >= 2 and now - window[0][0] >= stall_after_s * 0.9
    return spans_window and all(entry["position"] == position for _, entry in window)


def eta_seconds(behind: int, rate: float) -> float | None:
    """Seconds to catch up at ``rate``: 0 when up to date, None when not moving."""
    if not behind:
        return 0.0
    return round(behind / rate, 1) if rate > 0 else None


def judge(reading: Reading, *, stalled: bool, recent: Window, rules: StatusRules) -> tuple[str, str]:
    """The status and a sentence saying why, worst rule first.

    ``stalled`` comes from :func:`has_stalled`; ``recent`` is the window of the LAGGING trend.
    """
    behind, seconds_behind = reading.events_behind, reading.seconds_behind
    if reading.dead_letters:
        return "FAILED", f"{reading.dead_letters} dead-lettered event(s) wait for a fix and a retry"
    if not reading.consumer:
        return "FAILED", "its durable consumer is gone: the projector is not running"
    if reading.state == "paused":
        return ("LAGGING", "paused (a replay is swapping its tables)") if behind else ("OK", "paused, up to date")
    if behind and stalled:
        return "STALLED", f"{behind} event(s) behind and its position has not moved for {rules.stall_after_s:.0f}s"
    slow = seconds_behind >= rules.lagging_after_s
    if behind and slow and all(entry["seconds_behind"] >= rules.lagging_after_s for _, entry in recent):
        return "LAGGING", f"the oldest unapplied event waits {seconds_behind:.1f}s ({behind} events behind)"
    if behind:
        return "OK", f"catching up: {behind} event(s) behind, {seconds_behind:.1f}s"
    return "OK", "up to date"
