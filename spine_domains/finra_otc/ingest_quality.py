"""Quality checks of an ingest run: facts about the accepted rows that a reader should know.

Each check yields one :class:`~spine_core.quality.QualityResult` (PASS or an anomaly), which
the framework records on the capture. They judge the run as a whole, so they are computed from
a :class:`IngestTally` kept while the batches go by.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import countOf, itemgetter
from typing import Any

from spine_core.quality import CheckStatus, QualityResult, Severity
from spine_core.rejects import Reject
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.publication import first_publication
from spine_domains.finra_otc.row import Row
from spine_domains.finra_otc.tiers import Tier

__all__ = ["IngestTally", "ingest_checks", "API_RECORD_CAP", "EXTREME_SHARES", "MAX_REJECT_RATE"]

#: FINRA's API returns at most this many records per response: a file of exactly as many
#: records was probably cut there (see the truncated ``dherz18_weekly_2025-06-02.csv``).
API_RECORD_CAP = 5_000
#: Weekly shares of one row at or above this are implausible (AAPL trades ~2.5e9 a week in all).
EXTREME_SHARES = 10**11
#: Share of rejected records above which a run is suspicious.
MAX_REJECT_RATE = 0.01
_EXAMPLES = 10
_SHARES = itemgetter(5)


@dataclass
class IngestTally:
    """Running totals over the batches of one ingest run."""

    accepted: int = 0
    rejected: int = 0
    total_shares: int = 0
    zero_volume: int = 0
    extreme: int = 0
    extreme_examples: list[dict[str, Any]] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)

    def add(self, rows: Sequence[Row], rejects: Sequence[Reject]) -> None:
        if rows:
            # C-level passes only: cheap beside validating the lines. Shares are never
            # negative, so a batch summing below the extreme threshold has no extreme row.
            self.accepted += len(rows)
            batch_shares = sum(map(_SHARES, rows))
            self.total_shares += batch_shares
            self.zero_volume += countOf(map(_SHARES, rows), 0)
            if batch_shares >= EXTREME_SHARES:
                self._note_extremes(rows)
        self.rejected += len(rejects)
        for reject in rejects:
            self.reasons[reject.reason.value] = self.reasons.get(reject.reason.value, 0) + 1

    def _note_extremes(self, rows: Sequence[Row]) -> None:
        for row in rows:
            if row[5] >= EXTREME_SHARES:
                self.extreme += 1
                if len(self.extreme_examples) < _EXAMPLES:
                    self.extreme_examples.append({"line_no": row[0], "symbol": row[1], "shares": row[5]})

    @property
    def records(self) -> int:
        return self.accepted + self.rejected


def ingest_checks(
    tally: IngestTally, week_ending: WeekEnding, tier: Tier, first_update: str | None
) -> list[QualityResult]:
    """The ingest checks, in a fixed order."""
    return [
        _rows_accepted(tally),
        _row_count_cap(tally),
        _zero_volume(tally),
        _extreme_values(tally),
        _reject_rate(tally),
        _publication_date(week_ending, tier, first_update),
    ]


def _warn(check: str, message: str, **kwargs: Any) -> QualityResult:
    return QualityResult(check, CheckStatus.WARN, message, Severity.WARN, **kwargs)


def _pass(check: str, message: str, **kwargs: Any) -> QualityResult:
    return QualityResult(check, CheckStatus.PASS, message, Severity.INFO, **kwargs)


def _rows_accepted(tally: IngestTally) -> QualityResult:
    if tally.accepted == 0:
        return QualityResult(
            "rows_accepted",
            CheckStatus.FAIL,
            f"no row was accepted (of {tally.records} records): check the rejects' reasons, "
            "and that the week and tier name this file",
            Severity.ERROR,
            value=0,
            details={"records": tally.records, "reject_reasons": dict(sorted(tally.reasons.items()))},
        )
    return _pass("rows_accepted", f"{tally.accepted} rows accepted", value=tally.accepted)


def _row_count_cap(tally: IngestTally) -> QualityResult:
    if tally.records == API_RECORD_CAP:
        return _warn(
            "row_count_cap",
            f"the source holds exactly {API_RECORD_CAP} records, FINRA's API limit per response: it is "
            "probably truncated; fetch the week again with pagination (offset) and ingest the whole",
            value=tally.records,
            threshold=API_RECORD_CAP,
        )
    return _pass("row_count_cap", f"{tally.records} records, not the API cap of {API_RECORD_CAP}", value=tally.records)


def _zero_volume(tally: IngestTally) -> QualityResult:
    if tally.zero_volume:
        return _warn(
            "zero_volume_rows",
            f"{tally.zero_volume} accepted rows report 0 shares (kept; FINRA lists venues with no "
            "volume, but a whole file of zeros is a broken export)",
            value=tally.zero_volume,
        )
    return _pass("zero_volume_rows", "no accepted row reports 0 shares", value=0)


def _extreme_values(tally: IngestTally) -> QualityResult:
    if tally.extreme:
        return _warn(
            "extreme_values",
            f"{tally.extreme} accepted rows report {EXTREME_SHARES:.0e} shares or more in a week, far "
            "beyond any real symbol: check them at the source before using this week",
            value=tally.extreme,
            threshold=EXTREME_SHARES,
            details={"examples": tally.extreme_examples},
        )
    return _pass("extreme_values", f"no row reports {EXTREME_SHARES:.0e} shares or more", value=0)


def _reject_rate(tally: IngestTally) -> QualityResult:
    rate = tally.rejected / tally.records if tally.records else 0.0
    details = {
        "rejected": tally.rejected,
        "records": tally.records,
        "reject_reasons": dict(sorted(tally.reasons.items())),
    }
    if rate > MAX_REJECT_RATE:
        return _warn(
            "reject_rate",
            f"{tally.rejected} of {tally.records} records rejected ({rate:.1%}, above {MAX_REJECT_RATE:.0%}): "
            "read the rejects' reasons before using this week",
            value=rate,
            threshold=MAX_REJECT_RATE,
            details=details,
        )
    return _pass(
        "reject_rate", f"{rate:.1%} of records rejected", value=rate, threshold=MAX_REJECT_RATE, details=details
    )


def _publication_date(week_ending: WeekEnding, tier: Tier, first_update: str | None) -> QualityResult:
    earliest_text = first_publication(week_ending, tier).isoformat()
    details = {"first_publication": earliest_text, "last_update_min": first_update}
    if first_update is not None and first_update < earliest_text:
        # FINRA publishes a week only after its delay; revisions and holidays only move the
        # date later. An earlier lastUpdateDate means the command named the wrong week.
        return _warn(
            "publication_date",
            f"lastUpdateDate {first_update} is before FINRA's first publication of week "
            f"{week_ending} for {tier.description} ({earliest_text}): check the week_ending "
            "(or leave it out: it is inferred from lastUpdateDate)",
            details=details,
        )
    if first_update is None:
        return _pass("publication_date", "the source has no lastUpdateDate to check", details=details)
    return _pass(
        "publication_date", f"lastUpdateDate {first_update} is not before the first publication", details=details
    )
