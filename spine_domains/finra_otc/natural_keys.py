"""First occurrences of natural keys (symbol, MPID) within one file, cheap for sorted files.

FINRA sorts its files by symbol then MPID, so keys nearly always arrive in increasing order.
Those go to the end of a sorted list, which costs a comparison and an append instead of an
insert into an ever larger hash table (the dominant cost at a million rows). A key out of
order is looked up by binary search in that list and in a dict that holds only out-of-order
keys, so an unsorted file costs about twice as much per line, and is just as correct.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left

__all__ = ["NaturalKeys", "natural_key", "KEY_SEPARATOR"]

#: Between symbol and MPID in a key (fast paths build keys inline with it).
KEY_SEPARATOR = "\x00"


def natural_key(symbol: str, mpid: str) -> str:
    """One string per (symbol, MPID) pair.

    NUL never occurs in an accepted value (such lines are rejected) and sorts before every
    other character, so these strings sort exactly as the (symbol, MPID) pairs do.
    """
    return symbol + KEY_SEPARATOR + mpid


class NaturalKeys:
    """Remembers each key with the line it was first accepted on."""

    def __init__(self) -> None:
        #: Keys accepted in increasing order, and their line numbers. Fast paths may append
        #: to both directly, provided the key is greater than ``in_order[-1]``.
        self.in_order: list[str] = []
        self.in_order_lines = array("q")
        self._out_of_order: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.in_order) + len(self._out_of_order)

    @property
    def last(self) -> str:
        """The greatest key so far ("" before the first), for the fast path's comparison."""
        return self.in_order[-1] if self.in_order else ""

    def first_line(self, key: str, line_no: int) -> int:
        """The line ``key`` first appeared on; records it on ``line_no`` when it is new."""
        if not self.in_order or key > self.in_order[-1]:
            self.in_order.append(key)
            self.in_order_lines.append(line_no)
            return line_no
        seen = self._out_of_order.get(key)
        if seen is not None:
            return seen
        position = bisect_left(self.in_order, key)
        if position < len(self.in_order) and self.in_order[position] == key:
            return self.in_order_lines[position]
        # Smaller than the greatest key: every later in-order key is greater still, so the
        # in-order list never receives this key and the dict stays the one place to find it.
        self._out_of_order[key] = line_no
        return line_no
