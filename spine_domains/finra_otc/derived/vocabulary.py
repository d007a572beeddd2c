"""The words of the normalized venue rows: granularities, venue kinds and summary type codes.

FINRA publishes three granularities in one dataset, told apart by ``summaryTypeCode``: per venue
and symbol (``*_W_SMBL_FIRM``), per symbol over all venues of a kind (``*_W_SMBL``) and per venue
over all symbols (``*_W_FIRM``). Each is a complete view of the same volume, so rows of two
granularities must never be added together.
"""

from __future__ import annotations

__all__ = [
    "VENUE",
    "SYMBOL",
    "FIRM",
    "ATS",
    "NON_ATS",
    "DE_MINIMIS",
    "ALL_ATS",
    "ALL_NON_ATS",
    "UNIDENTIFIED_ATS",
    "UNIDENTIFIED_NON_ATS",
    "ATS_VENUE_CODE",
    "NON_ATS_VENUE_CODE",
    "SUMMARY_TYPES",
    "NORMALIZED_COLUMNS",
]

# Granularities.
VENUE = "venue"
SYMBOL = "symbol"
FIRM = "firm"

# Venue kinds.
ATS = "ATS"
NON_ATS = "NON_ATS"
DE_MINIMIS = "DE_MINIMIS"

# Venue ids of symbol-level totals, and of venue rows that name no firm at all (kept apart
# per kind, so that a venue id always implies its kind).
ALL_ATS = "ALL_ATS"
ALL_NON_ATS = "ALL_NON_ATS"
UNIDENTIFIED_ATS = "UNIDENTIFIED_ATS"
UNIDENTIFIED_NON_ATS = "UNIDENTIFIED_NON_ATS"

ATS_VENUE_CODE = "ATS_W_SMBL_FIRM"
NON_ATS_VENUE_CODE = "OTC_W_SMBL_FIRM"

#: summaryTypeCode -> (granularity, ATS or NON_ATS).
SUMMARY_TYPES: dict[str, tuple[str, str]] = {
    ATS_VENUE_CODE: (VENUE, ATS),
    NON_ATS_VENUE_CODE: (VENUE, NON_ATS),
    "ATS_W_SMBL": (SYMBOL, ATS),
    "OTC_W_SMBL": (SYMBOL, NON_ATS),
    "ATS_W_FIRM": (FIRM, ATS),
    "OTC_W_FIRM": (FIRM, NON_ATS),
}

#: The rows of ``normalize_week``: one per venue-level or symbol-level ingest row.
NORMALIZED_COLUMNS: tuple[str, ...] = (
    "symbol",
    "issue_name",
    "venue_id",
    "venue_name",
    "venue_kind",
    "granularity",
    "summary_type_code",
    "total_shares",
    "total_trades",
    "source_line",
)
