"""Ranked shares of a tier's volume, and the checks every share calc reports.

Venue share (per venue) and tier share (per symbol) have one shape: volumes by key, ranked by
volume (ties by key), each with its exact share of the total; the shares sum to 1 within
:data:`SUM_TOLERANCE` when the tier has volume, and are all 0 when it has none.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from spine_core.quality import CheckStatus, QualityResult, Severity
from spine_domains.finra_otc.derived.numbers import SHARE_PLACES, ratio

__all__ = ["SUM_TOLERANCE", "ZERO_SHARE", "ranked_shares", "share_invariants", "zero_tier_volume", "listed"]

#: How far from 1 the shares of a tier may sum.
SUM_TOLERANCE = Decimal("0.0001")
#: The share of a key when the total is 0.
ZERO_SHARE = ratio(0, 1, SHARE_PLACES)


def ranked_shares(volumes: Mapping[str, int]) -> Iterator[tuple[int, str, int, str]]:
    """(position 1..N, key, volume, share of the total) by volume desc, then key."""
    total = sum(volumes.values())
    # (-volume, key): native tuple order is volume desc, then key.
    ordered = sorted([(-volume, key) for key, volume in volumes.items()])
    for position, (negative, key) in enumerate(ordered, start=1):
        yield position, key, -negative, ratio(-negative, total, SHARE_PLACES) if total else ZERO_SHARE


def share_invariants(
    check: str,
    shares: Iterable[str],
    tier_total: int,
    *,
    rank_problem: str | None,
    passed: str,
    details: Mapping[str, Any],
) -> QualityResult:
    """Shares sum to 1 within 1e-4 (when the tier has volume) and the ranks are as promised.

    ``passed`` is the message's start and end around what the sum check found, as
    ``"<count> venue shares {}; ranks 1..N"``; ``rank_problem`` is what is wrong with the ranks.
    """
    total = sum((Decimal(share) for share in shares), Decimal(0))
    problems: list[str] = []
    if tier_total and abs(total - 1) > SUM_TOLERANCE:
        problems.append(f"shares sum to {total}, not 1 within {SUM_TOLERANCE}")
    if rank_problem:
        problems.append(rank_problem)
    what = "sum to 1 within 1e-4" if tier_total else "are all 0 (no volume: the sum check does not apply)"
    return QualityResult(
        check=check,
        status=CheckStatus.FAIL if problems else CheckStatus.PASS,
        severity=Severity.ERROR if problems else Severity.INFO,
        message="; ".join(problems) or passed.format(what),
        value=float(total),
        threshold=float(SUM_TOLERANCE),
        details={"share_sum": str(total), **details},
    )


def zero_tier_volume(count: int, noun: str) -> QualityResult:
    """The warning of a tier whose ``count`` venues or symbols report no volume at all."""
    return QualityResult(
        check="zero_tier_volume",
        status=CheckStatus.WARN,
        severity=Severity.WARN,
        message=f"the tier's {count} {noun} report no volume: every share is 0",
        value=0.0,
    )


def listed(names: Sequence[str], most: int = 10) -> str:
    """The first ``most`` names, comma-separated, with `` ...`` when there are more."""
    return ", ".join(names[:most]) + (" ..." if len(names) > most else "")
