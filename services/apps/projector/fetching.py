"""How much a projector fetches and applies at once.

Row blocks are up to 768 KiB each: a fetch of the full batch (256 messages) of them would hold
about 200 MB in the projector before a byte is applied. :class:`FetchSize` asks for as many
messages as fit :data:`FETCH_BYTES` at the size messages have had lately — the whole batch while
events are small (manifest, quality, the process manager's events), a few dozen while row
blocks stream — and :func:`by_size` cuts what arrived into transactions of bounded bytes.

Sizes are only known once messages arrived, and a run's first row blocks follow small events:
so a fetch also asks for at most twice what the previous one brought (at least
:data:`SLOW_START`), the way TCP opens its window. A projector that waited idle asks for 16,
then 32, 64, ... while messages keep coming and stay small.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

__all__ = ["FETCH_BYTES", "MAX_TRANSACTION_BYTES", "SLOW_START", "FetchSize", "by_size"]

#: Bytes a fetch aims at (a fetch may exceed it once, when small messages give way to large ones).
FETCH_BYTES = 16 * 1024 * 1024
#: A fetched batch is applied in transactions of at most this many bytes.
MAX_TRANSACTION_BYTES = 32 * 1024 * 1024
#: What a fetch asks for at most after one that brought (almost) nothing.
SLOW_START = 16
#: How much of the largest recent message size is kept after each fetch: blocks come in runs of
#: hundreds, so the estimate stays high through a run and falls over some thirty small fetches.
_KEEP = 0.9


class _Sized(Protocol):
    @property
    def data(self) -> bytes: ...


M = TypeVar("M", bound=_Sized)


class FetchSize:
    """The number of messages to ask for next, from the sizes of those fetched before."""

    def __init__(self, most: int, budget: int = FETCH_BYTES) -> None:
        self.most = max(1, most)
        self.budget = budget
        self.typical = 0.0
        """The largest message size seen lately (bytes), decaying by :data:`_KEEP` per fetch."""

        self.window = min(self.most, SLOW_START)
        """At most twice what the previous fetch brought (at least :data:`SLOW_START`)."""

    def next(self) -> int:
        by_bytes = self.most if self.typical <= 0 else int(self.budget // self.typical)
        return max(1, min(self.most, self.window, by_bytes))

    def saw(self, msgs: Sequence[_Sized]) -> None:
        largest = max((len(msg.data) for msg in msgs), default=0)
        self.typical = max(float(largest), self.typical * _KEEP)
        self.window = min(self.most, max(SLOW_START, 2 * len(msgs)))


def by_size(msgs: list[M], limit: int) -> list[list[M]]:
    """``msgs`` in order, in groups of at most ``limit`` bytes (a larger message is a group alone)."""
    groups: list[list[M]] = [[]]
    size = 0
    for msg in msgs:
        if groups[-1] and size + len(msg.data) > limit:
            groups.append([])
            size = 0
        groups[-1].append(msg)
        size += len(msg.data)
    return groups
