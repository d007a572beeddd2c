"""First occurrences of natural keys within one file, cheap for sorted files.

A row's natural key is (summary type, symbol, venue), the venue being the MPID, else the firm's
CRD number, else the participant name. FINRA sorts its files by symbol then MPID, so keys
nearly always arrive in increasing order. Those go to the end of a sorted list, which costs a
comparison and an append instead of an insert into an ever larger hash table (the dominant cost
at a million rows). A key out of order is looked up by binary search in that list and in a dict
that holds only out-of-order keys, so an unsorted file costs about twice as much per line, and
is just as correct.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left

__all__ = ["NaturalKeys", "natural_key", "symbol_of", "KEY_SEPARATOR", "ATS_VENUE_ROWS"]

#: Between the parts of a key (fast paths build keys inline with it).
KEY_SEPARATOR = "\x00"
#: The summary type whose keys are plain ``symbol NUL mpid`` (the download file's rows).
ATS_VENUE_ROWS = "ATS_W_SMBL_FIRM"


def natural_key(symbol: str, venue: str, summary_type: str = ATS_VENUE_ROWS) -> str:
    """One string per (summary type, symbol, venue).

    NUL never occurs in an accepted value (such lines are rejected) and sorts before every
    other character. ``ATS_W_SMBL_FIRM`` keys are ``symbol NUL venue``, which sort exactly as
    the (symbol, venue) pairs do; other types get ``symbol NUL NUL type NUL venue``: three NULs
    instead of one keep the two kinds apart, and the symbol first keeps a file sorted by
    symbol in increasing key order whatever the mix of types.
    """
    if summary_type == ATS_VENUE_ROWS:
        return symbol + KEY_SEPARATOR + venue
    return symbol + KEY_SEPARATOR + KEY_SEPARATOR + summary_type + KEY_SEPARATOR + venue


def symbol_of(key: str) -> str:
    """The symbol part of a key ("" for rows without a symbol)."""
    return key.partition(KEY_SEPARATOR)[0]


class NaturalKeys:
    """Remembers each key with the line it was first accepted on.

    It also counts the distinct symbols of its keys (keys are recorded for accepted rows only,
    so that is the run's symbol count) without a set of a million symbols: in-order keys sort
    by symbol first, so a new symbol there is one that differs from the previous key's.
    """

    def __init__(self) -> None:
        #: Keys accepted in increasing order, and their line numbers. Fast paths may append
        #: to both directly, provided the key is greater than ``in_order[-1]``, and then add 1
        #: to ``in_order_symbols`` when the key's symbol differs from ``in_order[-1]``'s.
        self.in_order: list[str] = []
        self.in_order_lines = array("q")
        self.in_order_symbols = 0
        self._out_of_order: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.in_order) + len(self._out_of_order)

    @property
    def last(self) -> str:
        """The greatest key so far ("" before the first), for the fast path's comparison."""
        return self.in_order[-1] if self.in_order else ""

    @property
    def last_symbol(self) -> str:
        """The symbol of the greatest key so far ("" before the first)."""
        return symbol_of(self.last)

    def symbol_count(self) -> int:
        """Distinct non-empty symbols among the keys."""
        count = self.in_order_symbols
        if self.in_order and not symbol_of(self.in_order[0]):
            count -= 1  # keys without a symbol (``*_W_FIRM``) sort first: their "" is no symbol
        in_order = self.in_order
        for symbol in {symbol_of(key) for key in self._out_of_order} - {""}:
            prefix = symbol + KEY_SEPARATOR
            at = bisect_left(in_order, prefix)
            if at == len(in_order) or not in_order[at].startswith(prefix):
                count += 1
        return count

    def first_line(self, key: str, line_no: int) -> int:
        """The line ``key`` first appeared on; records it on ``line_no`` when it is new."""
        if not self.in_order or key > self.in_order[-1]:
            if symbol_of(key) != self.last_symbol or not self.in_order:
                self.in_order_symbols += 1
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
