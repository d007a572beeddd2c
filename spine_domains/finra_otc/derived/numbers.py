"""Exact decimal text for ratios, averages and percentages.

Shares and volumes are integers, so every derived number is a ratio of integers: it is
computed exactly and rounded once, half to even, into fixed-point text. The same inputs give
the same characters on every machine, which float formatting does not promise.
"""

from __future__ import annotations

__all__ = ["SHARE_PLACES", "STAT_PLACES", "ratio", "percent_change", "at_least_percent"]

#: Decimals of shares and HHI (a share of 1e-12 is one share in a trillion).
SHARE_PLACES = 12
#: Decimals of averages, sizes and percentages.
STAT_PLACES = 4

_SCALES = {places: 10**places for places in range(19)}


def ratio(numerator: int, denominator: int, places: int) -> str:
    """``numerator / denominator`` rounded half to even to ``places`` decimals, e.g. ``"0.2500"``."""
    if denominator <= 0:
        raise ValueError(f"denominator must be positive, got {denominator}")
    scale = _SCALES[places]
    quotient, remainder = divmod(abs(numerator) * scale, denominator)
    twice = 2 * remainder
    if twice > denominator or (twice == denominator and quotient & 1):
        quotient += 1
    whole, fraction = divmod(quotient, scale)
    sign = "-" if numerator < 0 and quotient else ""
    return f"{sign}{whole}.{fraction:0{places}d}" if places else f"{sign}{whole}"


def percent_change(new: int, old: int, places: int = STAT_PLACES) -> str | None:
    """``(new - old) / old * 100`` as text; None when ``old`` is 0 (no base to compare with)."""
    if old == 0:
        return None
    if old < 0:
        return ratio(-(new - old) * 100, -old, places)
    return ratio((new - old) * 100, old, places)


def at_least_percent(new: int, old: int, percent: int) -> bool:
    """Exactly whether ``(new - old) / old * 100 >= percent`` (``old`` > 0): no rounding at the edge."""
    return (new - old) * 100 >= percent * old
