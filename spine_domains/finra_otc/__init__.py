"""FINRA OTC Transparency: weekly off-exchange volume per symbol and venue (pure domain code).

Its pipelines (ingest, backfill planning and the derived stages) and the weekly refresh workflow
are registered by :func:`spine_domains.finra_otc.registration.register`, which
:func:`spine_domains.build_registry` calls.
"""

from spine_domains.finra_otc.api_records import API_FIELDS, RecordValidator
from spine_domains.finra_otc.formats import FINRA_DOWNLOAD, FIXTURE_VENUE, LAYOUTS, SIMPLE, Layout, detect_layout
from spine_domains.finra_otc.generator import generate_lines, generate_text
from spine_domains.finra_otc.ingest import ingest_week
from spine_domains.finra_otc.publication import first_publication, infer_week_ending
from spine_domains.finra_otc.source_format import SourceFormat, detect_format
from spine_domains.finra_otc.summary_types import SummaryType
from spine_domains.finra_otc.tiers import Tier
from spine_domains.finra_otc.validation import ROW_COLUMNS, LineValidator
from spine_domains.finra_otc.week_resolution import resolve_week_and_tier

__all__ = [
    "Tier",
    "SummaryType",
    "Layout",
    "LAYOUTS",
    "FINRA_DOWNLOAD",
    "SIMPLE",
    "FIXTURE_VENUE",
    "API_FIELDS",
    "SourceFormat",
    "detect_layout",
    "detect_format",
    "LineValidator",
    "RecordValidator",
    "ROW_COLUMNS",
    "ingest_week",
    "resolve_week_and_tier",
    "first_publication",
    "infer_week_ending",
    "generate_lines",
    "generate_text",
]
