"""The monitor's memory: the samples of the last hour, and each projector's sliding window."""

from __future__ import annotations

from collections import deque
from typing import Any

__all__ = ["SampleHistory", "SUMMARY_KEYS"]

#: What :meth:`SampleHistory.recent` keeps of each projector (the dashboard's chart needs no more).
SUMMARY_KEYS = ("events_behind", "seconds_behind", "status", "position")


class SampleHistory:
    """Samples with the unix time they were taken, oldest first, at most ``capacity`` of them."""

    def __init__(self, capacity: int = 3600) -> None:
        self.samples: deque[tuple[float, dict[str, Any]]] = deque(maxlen=capacity)

    def append(self, taken_at: float, sample: dict[str, Any]) -> None:
        """Keep ``sample``, taken at unix time ``taken_at`` (the oldest goes when full)."""
        self.samples.append((taken_at, sample))

    def window(self, name: str, seconds: float, now: float) -> list[tuple[float, dict[str, Any]]]:
        """One projector's entries of the last ``seconds``, oldest first."""
        cutoff = now - seconds
        return [
            (t, entry)
            for t, sample in self.samples
            if t >= cutoff
            for entry in sample["projectors"]
            if entry["name"] == name
        ]

    def recent(self, seconds: float, now: float) -> list[dict[str, Any]]:
        """The samples of the last ``seconds``, each projector reduced to :data:`SUMMARY_KEYS`."""
        cutoff = now - seconds
        return [
            {"t": t, "projectors": {p["name"]: {k: p[k] for k in SUMMARY_KEYS} for p in sample["projectors"]}}
            for t, sample in self.samples
            if t >= cutoff
        ]
