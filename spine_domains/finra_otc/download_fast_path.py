"""The fast path for the FINRA download layout, the one that arrives in millions of lines.

It accepts a line only when the full check (:meth:`LineValidator.validate`) would accept it
and build the very same row; anything else goes to the full check. It relies on two sets the
full check fills with raw texts it accepted and stores verbatim (the tier and
``lastUpdateDate`` columns), and on :class:`NaturalKeys` for duplicates and the symbol count.
It accepts ATS rows (with an MPID) only; non-ATS firm rows take the full check.

Measured alternatives that were not faster: checking a whole batch with C-level built-ins
(one join and split, column slices, ``map``/``zip``) costs as much, because creating the
strings, ints and tuples dominates, not the per-line bytecode. Counting distinct symbols with
a set of them cost more per row than any check here (hashing a million fresh strings), so the
count is kept here: in sorted keys a new symbol is one that differs from the previous key's.
"""

from __future__ import annotations

from collections.abc import Callable

from spine_core.rejects import Reject
from spine_domains.finra_otc.natural_keys import ATS_VENUE_ROWS, KEY_SEPARATOR, NaturalKeys
from spine_domains.finra_otc.row import Row

__all__ = ["line_by_line", "FIELDS", "MAX_FAST_DIGITS"]

FIELDS = 8
#: Numbers of at most 18 digits fit in 64 bits: longer ones need the full range check.
MAX_FAST_DIGITS = 18
_NUL = "\x00"


def line_by_line(
    lines: list[str],
    first_line_no: int,
    tier_ok: set[str],
    date_ok: set[str],
    week_start: str,
    keys: NaturalKeys,
    validate: Callable[[int, str], Row | Reject],
) -> tuple[list[Row], list[Reject]]:
    """Rows and rejects of a batch, line by line; ``validate`` handles what the fast checks do not."""
    rows: list[Row] = []
    rejects: list[Reject] = []
    add_row = rows.append
    add_key, add_key_line = keys.in_order.append, keys.in_order_lines.append
    first_line = keys.first_line
    last_key = keys.last
    separator = KEY_SEPARATOR
    ats = ATS_VENUE_ROWS
    fields, nul, max_digits = FIELDS, _NUL, MAX_FAST_DIGITS
    last_symbol = keys.last_symbol
    new_symbols = 0
    # A file nearly always has one tier text and one date: comparing with a known-good one
    # costs less than hashing the fresh string for the set look-up.
    usual_tier = next(iter(tier_ok), None)
    usual_date = next(iter(date_ok), None)
    line_no = first_line_no - 1
    for line in lines:
        line_no += 1
        f = line.split("|")
        if len(f) == fields and line.isascii() and nul not in line:
            tier, symbol, name, participant, mpid, shares, trades, updated = f
            if (
                (tier == usual_tier or tier in tier_ok)
                and (updated == usual_date or updated in date_ok)
                and symbol
                and mpid
                and shares.isdigit()
                and trades.isdigit()
                and len(shares) <= max_digits
                and len(trades) <= max_digits
                and not symbol.isspace()
                and not mpid.isspace()
            ):
                key = f"{symbol}{separator}{mpid}"  # one allocation, where '+' makes two
                row = (
                    line_no,
                    symbol,
                    name or None,
                    mpid,
                    participant or None,
                    int(shares),
                    int(trades),
                    updated,
                    ats,
                    None,
                    None,
                    week_start,
                )
                if key > last_key:  # FINRA's files are sorted: nearly every line lands here
                    last_key = key
                    if symbol != last_symbol:
                        new_symbols += 1
                        last_symbol = symbol
                    add_key(key)
                    add_key_line(line_no)
                    add_row(row)
                    continue
                if first_line(key, line_no) == line_no:  # out of order, but new
                    add_row(row)
                    continue
        outcome = validate(line_no, line)
        last_key = keys.last  # the full check may have recorded a greater key
        last_symbol = keys.last_symbol
        if isinstance(outcome, Reject):
            rejects.append(outcome)
        else:
            add_row(outcome)
    keys.in_order_symbols += new_symbols
    return rows, rejects
