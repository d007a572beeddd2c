"""Ingest one week of one tier from the lines of a source file: batches, then a summary.

The reading order is fixed: comment (``#``) and blank lines, then the header that picks the
layout, then data lines. Data lines are cut into batches of ``batch_lines`` consecutive
physical lines, so the same input always gives the same batches (the run coordinator relies on
that to resume a capture). Every line is counted exactly once:
``lines_read == header_lines + comment_lines + rows_accepted + rows_rejected``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import timedelta
from itertools import islice
from operator import itemgetter
from typing import Any

from spine_core.errors import SourceUnreadable
from spine_core.framework.pipeline import PipelineOutput, RowBatch, StageSummary
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.formats import Layout, detect_layout, is_comment
from spine_domains.finra_otc.tiers import Tier
from spine_domains.finra_otc.validation import LineValidator

__all__ = ["ingest_week", "read_header"]

_SHARES = itemgetter(5)
_SYMBOL = itemgetter(1)


def read_header(lines: Iterator[str]) -> tuple[Layout, int, int]:
    """Consume lines up to and including the header.

    Returns ``(layout, header_line_no, comment_lines)``, where comment lines are the ``#`` and
    blank lines before the header. Raises :class:`SourceUnreadable` when there is no header or
    it matches no layout.
    """
    line_no = 0
    comments = 0
    for line in lines:
        line_no += 1
        if is_comment(line) or not line.replace("\ufeff", "").strip():
            comments += 1
            continue
        return detect_layout(line, line_no), line_no, comments
    what = "is empty" if line_no == 0 else f"has only comment or blank lines ({line_no})"
    raise SourceUnreadable(
        f"the source {what}: no header line",
        hint="expected a FINRA weekly download starting with the header "
        "tierDescription|issueSymbolIdentifier|issueName|marketParticipantName|MPID|"
        "totalWeeklyShareQuantity|totalWeeklyTradeCount|lastUpdateDate",
        details={"lines_read": line_no},
    )


def ingest_week(
    lines: Iterable[str],
    *,
    week_ending: WeekEnding,
    tier: Tier,
    batch_lines: int = 5_000,
) -> Iterator[PipelineOutput]:
    """Validate a source's lines for one (week, tier) partition.

    Yields :class:`RowBatch` objects (rows in ``ROW_COLUMNS`` order, and rejects) covering
    consecutive line ranges, then one :class:`StageSummary`. Raises only
    :class:`SourceUnreadable`, and only before the first batch.
    """
    source = iter(lines)
    layout, header_line, comment_lines = read_header(source)
    validator = LineValidator(layout, week_ending, tier)
    size = max(1, batch_lines)
    last_line = header_line
    accepted = rejected = total_shares = 0
    reasons: dict[str, int] = {}
    symbols: set[str] = set()
    while chunk := list(islice(source, size)):
        rows, rejects = validator.check_batch(chunk, last_line + 1)
        batch = RowBatch(last_line + 1, last_line + len(chunk), rows, rejects)
        last_line = batch.last_line
        accepted += len(rows)
        rejected += len(rejects)
        total_shares += sum(map(_SHARES, rows))
        symbols.update(map(_SYMBOL, rows))
        for reject in rejects:
            reasons[reject.reason.value] = reasons.get(reject.reason.value, 0) + 1
        yield batch
    dates = sorted(validator.update_dates)
    details: dict[str, Any] = {
        "format": layout.name,
        "lines_read": last_line,
        "header_lines": 1,
        "comment_lines": comment_lines,
        "rows_accepted": accepted,
        "rows_rejected": rejected,
        "reject_reasons": dict(sorted(reasons.items())),
        "week_ending": str(week_ending),
        "week_source": "command",
        "tier": tier.value,
        "source_last_update_min": dates[0] if dates else None,
        "source_last_update_max": dates[-1] if dates else None,
        "symbols": len(symbols),
        "total_shares": total_shares,
        "warnings": _warnings(week_ending, tier, dates[0] if dates else None, accepted),
    }
    yield StageSummary(details)


def _warnings(week_ending: WeekEnding, tier: Tier, first_update: str | None, accepted: int) -> list[str]:
    out: list[str] = []
    if accepted == 0:
        out.append("no row was accepted")
    earliest = week_ending.value + timedelta(days=tier.publication_lag_days)
    if first_update is not None and first_update < earliest.isoformat():
        # FINRA publishes a week only after its delay; revisions and holidays only move the
        # date later. An earlier lastUpdateDate means the command named the wrong week.
        out.append(
            f"lastUpdateDate {first_update} is before FINRA's first publication of week "
            f"{week_ending} for {tier.description} ({earliest.isoformat()}): check the week_ending"
        )
    return out
