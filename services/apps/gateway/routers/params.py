"""Query parameters the data routes share, with their bounds and descriptions."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import Query
from pydantic import AwareDatetime

__all__ = ["TierQ", "WeekQ", "CaptureQ", "AsOfQ", "OffsetQ", "MAX_OFFSET"]

#: Far beyond any read model's size, well inside PostgreSQL's bigint.
MAX_OFFSET = 1_000_000_000

TierQ = Annotated[
    str,
    Query(
        description="NMS_TIER_1, NMS_TIER_2 or OTC (also 'NMS Tier 1', 'tier1', 'T1', 'OTCE')",
        examples=["NMS_TIER_1"],
        max_length=64,
    ),
]
WeekQ = Annotated[date, Query(description="the Friday that ends the week, YYYY-MM-DD", examples=["2025-11-14"])]
CaptureQ = Annotated[UUID | None, Query(description="a specific capture (default: the latest)")]
AsOfQ = Annotated[
    AwareDatetime | None,
    Query(description="the latest capture completed at or before this time (with its UTC offset)"),
]
OffsetQ = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
