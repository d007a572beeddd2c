"""FINRA OTC Transparency: weekly off-exchange volume per symbol and venue (pure domain code).

Importing :mod:`spine_domains.finra_otc.pipelines` registers the pipelines; the application
does that through :func:`spine_domains.load`.
"""

from spine_domains.finra_otc.formats import FINRA_DOWNLOAD, FIXTURE_VENUE, LAYOUTS, SIMPLE, Layout, detect_layout
from spine_domains.finra_otc.generator import generate_lines, generate_text
from spine_domains.finra_otc.ingest import ingest_week
from spine_domains.finra_otc.tiers import Tier
from spine_domains.finra_otc.validation import ROW_COLUMNS, LineValidator

__all__ = [
    "Tier",
    "Layout",
    "LAYOUTS",
    "FINRA_DOWNLOAD",
    "SIMPLE",
    "FIXTURE_VENUE",
    "detect_layout",
    "LineValidator",
    "ROW_COLUMNS",
    "ingest_week",
    "generate_lines",
    "generate_text",
]
