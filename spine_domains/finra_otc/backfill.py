"""The backfill planner: which file of a directory ingests each week of a range.

It reads no file: the framework lists ``source_dir`` (``needs_listing``) and the pipeline
matches names (:mod:`backfill_plan`). One row per week says the file, or that it is missing or
ambiguous; the summary's ``plan`` is what a workflow runs, week by week.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from spine_core.framework.params import ParamSpec
from spine_core.framework.pipeline import Pipeline, PipelineInputs, PipelineOutput, RowBatch, StageSummary
from spine_core.quality import CheckStatus, QualityResult, Severity
from spine_domains.finra_otc.backfill_plan import (
    MAX_WEEKS,
    PlannedWeek,
    PlanStatus,
    expand_weeks,
    parse_weeks,
    plan_backfill,
)
from spine_domains.finra_otc.domain import DOMAIN
from spine_domains.finra_otc.tiers import Tier

__all__ = ["BackfillRange"]

_SHOWN_WEEKS = 12


class BackfillRange(Pipeline):
    """Plan the ingestion of a range of weeks of one tier from the files of a directory."""

    name = "finra.otc_transparency.backfill_range"
    domain = DOMAIN
    stage = "backfill"
    description = (
        "Plan a backfill of FINRA OTC Transparency weeks for one tier: for each week, the file of "
        "source_dir whose name holds the week ending, else the week start, else the tier's first "
        "publication date (FINRA's download names). Weeks without a file, or with several, are "
        "listed and flagged; nothing is ingested by this step."
    )
    needs_listing = True
    partition_by = ("tier", "weeks", "source_dir")
    row_columns = ("week_ending", "file", "status")
    params = (
        ParamSpec.custom(
            "tier",
            "tier (NMS_TIER_1, NMS_TIER_2 or OTC)",
            Tier.parse,
            required=True,
            help="NMS_TIER_1, NMS_TIER_2 or OTC (also 'NMS Tier 1', 'T1', 'OTCE', ...)",
        ),
        ParamSpec.custom(
            "weeks",
            "weeks (Fridays or ranges FROM..TO, comma-separated)",
            parse_weeks,
            required=True,
            help=f"the weeks to backfill, e.g. 2025-11-28..2026-01-02,2026-01-16 (Fridays; at most {MAX_WEEKS})",
        ),
        ParamSpec.text("source_dir", required=True, help="the directory holding the weekly files"),
        ParamSpec.text("through", default="all", help="how far each week is processed (recorded in the plan)"),
    )

    def run(self, params: Mapping[str, Any], inputs: PipelineInputs) -> Iterator[PipelineOutput]:
        tier = Tier.parse(params["tier"])
        weeks = expand_weeks(parse_weeks(params["weeks"]))
        plan = plan_backfill(weeks, tier, inputs.listing)
        yield RowBatch(1, len(plan), [(str(p.week_ending), p.file_column, p.status.value) for p in plan])
        missing = [str(p.week_ending) for p in plan if p.status is PlanStatus.MISSING_FILE]
        ambiguous = [
            {"week_ending": str(p.week_ending), "files": list(p.files)}
            for p in plan
            if p.status is PlanStatus.AMBIGUOUS
        ]
        yield _files_check(plan, missing, ambiguous, len(inputs.listing), str(params["source_dir"]))
        planned = [p for p in plan if p.status is PlanStatus.PLANNED]
        yield StageSummary(
            {
                "tier": tier.value,
                "through": str(params.get("through") or "all"),
                "source_dir": str(params["source_dir"]),
                "weeks": len(plan),
                "first_week": str(plan[0].week_ending),
                "last_week": str(plan[-1].week_ending),
                "files_listed": len(inputs.listing),
                "plan": [{"week_ending": str(p.week_ending), "file": p.files[0]} for p in planned],
                "matched_by": {str(p.week_ending): p.matched_by for p in planned},
                "missing": missing,
                "ambiguous": ambiguous,
            }
        )


def _files_check(
    plan: list[PlannedWeek], missing: list[str], ambiguous: list[dict[str, Any]], listed: int, source_dir: str
) -> QualityResult:
    details = {"missing": missing, "ambiguous": ambiguous, "files_listed": listed}
    if not missing and not ambiguous:
        return QualityResult(
            "backfill_files", CheckStatus.PASS, f"every one of the {len(plan)} weeks has one file", details=details
        )
    parts = []
    if missing:
        parts.append(f"{len(missing)} weeks have no file ({_weeks(missing)})")
    if ambiguous:
        parts.append(f"{len(ambiguous)} weeks have several ({_weeks([a['week_ending'] for a in ambiguous])})")
    advice = (
        f"the listing of {source_dir} is empty: check the directory"
        if listed == 0
        else "add the missing files, or remove the extra ones (or rename them after their week ending)"
    )
    return QualityResult(
        "backfill_files",
        CheckStatus.WARN,
        f"{'; '.join(parts)}: {advice}",
        Severity.WARN,
        value=len(missing) + len(ambiguous),
        details=details,
    )


def _weeks(weeks: list[str]) -> str:
    shown = ", ".join(weeks[:_SHOWN_WEEKS])
    return shown + (f", ... {len(weeks) - _SHOWN_WEEKS} more" if len(weeks) > _SHOWN_WEEKS else "")
