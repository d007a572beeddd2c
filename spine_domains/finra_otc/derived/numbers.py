"""Exact decimal text for ratios, averages and percentages.

Shares and volumes are integers, so every derived number is a ratio of integers: it is
computed exactly with integer arithmetic and rounded once, half away from zero, into
fixed-point text (``"0.250000000000"``). The same inputs give the same characters on every
machine, which float formatting does not promise.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["SHARE_PLACES", "STAT_PLACES", "ratio", "ratios", "percent_change"]

#: Decimals of shares and HHI (a share of 1e-12 is one share in a trillion).
SHARE_PLACES = 12
#: Decimals of averages, sizes and percentages.
STAT_PLACES = 4

_SCALES = {places: 10**places for places in range(1, 19)}
_FRACTION_ONLY = {places: f"0.%0{places}d" for places in _SCALES}
_WHOLE_AND_FRACTION = {places: f"%d.%0{places}d" for places in _SCALES}


def ratio(numerator: int, denominator: int, places: int) -> str:
    """``numerator / denominator`` rounded half away from zero to ``places`` (1..18) decimals."""
    if denominator <= 0:
        raise ValueError(f"denominator must be positive, got {denominator}")
    if numerator < 0:
        text = ratio(-numerator, denominator, places)
        return text if text == _FRACTION_ONLY[places] % 0 else "-" + text
    scale = _SCALES[places]
    # floor(n / d * scale + 1/2) with integers only: one multiplication and one division.
    rounded = (numerator * 2 * scale + denominator) // (2 * denominator)
    if rounded < scale:
        return "0." + str(rounded).zfill(places)
    return _WHOLE_AND_FRACTION[places] % divmod(rounded, scale)


def ratios(numerators: Iterable[int], denominator: int, places: int) -> list[str]:
    """``ratio(n, denominator, places)`` for each non-negative ``n``, in one pass (the hot path of
    per-venue shares: one multiplication and one division per value)."""
    if denominator <= 0:
        raise ValueError(f"denominator must be positive, got {denominator}")
    scale = _SCALES[places]
    twice_scale = 2 * scale
    twice_denominator = 2 * denominator
    whole_and_fraction = _WHOLE_AND_FRACTION[places]
    # "0." + zero-filled digits is the cheapest exact formatting (int -> text dominates the cost).
    return [
        "0." + str(rounded).zfill(places) if rounded < scale else whole_and_fraction % divmod(rounded, scale)
        for rounded in [(n * twice_scale + denominator) // twice_denominator for n in numerators]
    ]


def percent_change(new: int, old: int, places: int = STAT_PLACES) -> str | None:
    """``(new - old) / old * 100`` as text; None when ``old`` is 0 (no base to compare with)."""
    if old == 0:
        return None
    if old < 0:
        return ratio((old - new) * 100, -old, places)
    return ratio((new - old) * 100, old, places)
