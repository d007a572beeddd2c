"""The FINRA OTC Transparency pipelines (ingest; backfill planning is in :mod:`.backfill`)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from itertools import islice
from typing import Any

from spine_core.errors import SourceUnreadable
from spine_core.framework.params import ParamSpec
from spine_core.framework.pipeline import HEAD_LINES, CaptureReader, Pipeline, PipelineInputs, PipelineOutput
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.backfill import BackfillRange
from spine_domains.finra_otc.domain import DOMAIN
from spine_domains.finra_otc.ingest import ingest_week
from spine_domains.finra_otc.summary_types import SummaryType
from spine_domains.finra_otc.tiers import Tier
from spine_domains.finra_otc.validation import ROW_COLUMNS
from spine_domains.finra_otc.week_resolution import RESOLUTION_KEYS, resolve_week_and_tier

__all__ = ["DOMAIN", "IngestWeek", "BackfillRange", "TIER_PARAM"]

TIER_PARAM = ParamSpec.custom(
    "tier",
    "tier (NMS_TIER_1, NMS_TIER_2 or OTC)",
    Tier.parse,
    help="NMS_TIER_1, NMS_TIER_2 or OTC (also 'NMS Tier 1', 'T1', 'OTCE', ...); "
    "default: the tier the file states (the fixture layout states none)",
)


class IngestWeek(Pipeline):
    """Capture one week of one tier from a FINRA weekly file, FINRA API records, or a test layout."""

    name = "finra.otc_transparency.ingest_week"
    domain = DOMAIN
    stage = "ingest"
    description = (
        "Ingest one week of one tier of FINRA OTC Transparency data: the weekly download file "
        "(pipe-delimited), FINRA API weeklySummary records (JSON array, JSON Lines or CSV), or the "
        "simple/fixture test layouts. Every line or record is accepted or rejected with a reason. "
        "The week and tier come from the command, else from the file (the API's weekStartDate, a "
        "week column); the download file has no week column, so its week is inferred from "
        "lastUpdateDate (FINRA's publication date) with the tier's publication delay and the "
        "exchange calendar, and the run's result says so."
    )
    needs_source = True
    partition_by = ("week_ending", "tier")
    row_columns = ROW_COLUMNS
    params = (
        ParamSpec.week_ending(
            help="the Friday that ends the traded week, e.g. 2025-11-14; default: read from the file "
            "(API weekStartDate, WeekEnding/Date column) or inferred from a download file's lastUpdateDate",
        ),
        TIER_PARAM,
        ParamSpec.custom(
            "summary_type",
            "summary type code (" + ", ".join(SummaryType) + ")",
            SummaryType.parse,
            help="the summaryTypeCode of API records that lack one (a response filtered on one code, "
            "e.g. ATS_W_SMBL); records that state theirs keep it",
        ),
    )

    def resolve_params(
        self, params: dict[str, Any], head: Sequence[str] | None, reader: CaptureReader | None
    ) -> dict[str, Any]:
        """Fill ``week_ending`` and ``tier`` from the source when the command left them out.

        Adds ``week_source`` ("command", "file" or "inferred"), ``tier_source`` ("command" or
        "file") and, for an inferred week, ``week_inference`` (JSON-ready).
        """
        return resolve_week_and_tier(params, head, reader)

    def run(self, params: Mapping[str, Any], inputs: PipelineInputs) -> Iterator[PipelineOutput]:
        if inputs.source is None:
            raise SourceUnreadable(f"pipeline {self.name} needs a source file", hint="pass --file PATH")
        resolved: Mapping[str, Any] = params
        if "week_source" not in params:
            # Called without resolve_params (a direct call): resolve the same way here.
            complete = params.get("week_ending") is not None and params.get("tier") is not None
            head = None if complete else list(islice(inputs.source.lines(), HEAD_LINES))
            resolved = self.resolve_params(dict(params), head, inputs.reader)
        summary_type = resolved.get("summary_type")
        return ingest_week(
            inputs.source.lines(),
            # Parsing again is a no-op for typed values and makes direct calls with text safe.
            week_ending=WeekEnding.parse(resolved["week_ending"]),
            tier=Tier.parse(resolved["tier"]),
            batch_lines=inputs.batch_lines,
            summary_type=SummaryType.parse(summary_type) if summary_type is not None else None,
            resolution={key: resolved[key] for key in RESOLUTION_KEYS if key in resolved},
        )
