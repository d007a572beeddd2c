"""The FINRA OTC calculations and their versions.

Each derived calc pipeline names one calc here and implements every version listed; the
framework resolves a command's ``calc_version`` (the current one by default) before the run,
so a version that is not registered never reaches a pipeline. Versions are never removed: a
superseded one is deprecated with a note saying why, and stays servable on request.
"""

from __future__ import annotations

from spine_core.calcs import CalcRegistry

__all__ = [
    "CALCS",
    "SYMBOL_SUMMARY",
    "VENUE_SHARE",
    "SYMBOL_CONCENTRATION",
    "TIER_VOLUME_SHARE",
    "ATS_SHARE",
    "WEEK_OVER_WEEK",
    "ROLLING",
    "VOLUME_PER_TRADING_DAY",
    "VENUE_SHARE_V1_NOTE",
]

SYMBOL_SUMMARY = "symbol_summary"
VENUE_SHARE = "venue_share"
SYMBOL_CONCENTRATION = "symbol_concentration"
TIER_VOLUME_SHARE = "tier_volume_share"
ATS_SHARE = "ats_share"
WEEK_OVER_WEEK = "week_over_week"
ROLLING = "rolling"
VOLUME_PER_TRADING_DAY = "volume_per_trading_day"

VENUE_SHARE_V1_NOTE = "ties share a rank, so ranks are not consecutive"

CALCS = CalcRegistry()

CALCS.register(
    SYMBOL_SUMMARY,
    "v1",
    description="per symbol: venue-level shares and trades, venue count, average trade size, ATS / non-ATS split",
)
CALCS.register(VENUE_SHARE, "v1", description="share of the tier's venue-level volume per venue, dense rank")
CALCS.register(
    VENUE_SHARE, "v2", description="share of the tier's venue-level volume per venue, ranks 1..N (ties by venue id)"
)
CALCS.deprecate(VENUE_SHARE, "v1", VENUE_SHARE_V1_NOTE)
CALCS.register(
    SYMBOL_CONCENTRATION, "v1", description="per symbol: each venue's share and rank, and the HHI (sum of squares)"
)
CALCS.register(TIER_VOLUME_SHARE, "v1", description="per symbol: share of the tier's venue-level volume, ranks 1..N")
CALCS.register(
    ATS_SHARE,
    "v1",
    description="per symbol with both sides: ATS share of off-exchange volume, venue-level sums else symbol totals",
)
CALCS.register(WEEK_OVER_WEEK, "v1", description="per symbol: change of total shares against the prior week")
CALCS.register(
    ROLLING, "v1", description="per symbol over a window of weeks: avg, min, max, first, last, change and trend (±5%)"
)
CALCS.register(
    VOLUME_PER_TRADING_DAY,
    "v1",
    description="per symbol: total shares over the week's trading days (exchange calendar)",
)
