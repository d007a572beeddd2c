"""Validation of FINRA API ``weeklySummary`` records (from JSON or CSV): a row or a :class:`Reject`.

A record is a mapping from API field names to values: JSON values (text, numbers, null) or CSV
text. Field names match case-insensitively; unknown fields are ignored. What a record must hold
depends on its summary type (``summaryTypeCode``, or the run's ``summary_type`` when the
records lack it, as in responses filtered on one code):

* ``*_W_SMBL_FIRM``: a symbol and a venue (MPID, participant name or firm CRD number);
* ``*_W_SMBL``: a symbol (the venue columns stay empty);
* ``*_W_FIRM``: a venue (the symbol columns stay empty).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from spine_core.errors import UnknownTier
from spine_core.rejects import Reject, RejectReason
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.api_values import compact, json_type, record_count, record_notional, record_text
from spine_domains.finra_otc.fields import Invalid, iso_date, shown
from spine_domains.finra_otc.natural_keys import NaturalKeys, natural_key
from spine_domains.finra_otc.row import Row
from spine_domains.finra_otc.summary_types import SummaryType
from spine_domains.finra_otc.tiers import Tier

__all__ = ["API_FIELDS", "REQUIRED_CSV_FIELDS", "RecordValidator", "canonical_name"]

#: The ``weeklySummary`` fields the pipeline reads or knows (FINRA's spelling).
API_FIELDS: tuple[str, ...] = (
    "issueSymbolIdentifier",
    "issueName",
    "marketParticipantName",
    "MPID",
    "totalWeeklyShareQuantity",
    "totalWeeklyTradeCount",
    "lastUpdateDate",
    "weekStartDate",
    "tierIdentifier",
    "tierDescription",
    "summaryTypeCode",
    "firmCRDNumber",
    "initialPublishedDate",
    "lastReportedDate",
    "totalNotionalSum",
    "productTypeCode",
)
#: A CSV header must name these to be weeklySummary records.
REQUIRED_CSV_FIELDS: tuple[str, ...] = ("totalWeeklyShareQuantity", "totalWeeklyTradeCount", "weekStartDate")

_BY_LOWER = {name.lower(): name for name in API_FIELDS}
_CODES = ", ".join(SummaryType)


def canonical_name(name: str) -> str:
    """FINRA's spelling of an API field name given in any case (other names unchanged)."""
    return _BY_LOWER.get(name.replace("\ufeff", "").strip().lower(), name)


class RecordValidator:
    """Validates the records of one source against the run's week, tier and summary type.

    Stateful like :class:`~spine_domains.finra_otc.validation.LineValidator`: duplicates of a
    natural key (summary type, symbol, venue) name the record of the first occurrence.
    """

    def __init__(
        self, week_ending: WeekEnding, tier: Tier, summary_type: SummaryType | None = None, *, unit: str = "line"
    ) -> None:
        """``unit``: what a record's number counts, "line" (CSV, JSON Lines) or "record" (a JSON array)."""
        self.unit = unit
        self.week_ending = week_ending
        self.tier = tier
        self.summary_type = summary_type
        self.week_start = week_ending.week_start.isoformat()
        self.update_dates: set[str] = set()
        self.keys = NaturalKeys()
        self._rows: dict[str, int] = {}
        self._shares: dict[str, int] = {}
        self._tiers: dict[str, Tier | None] = {}

    def validate(self, line_no: int, record: object, raw: str | None = None) -> Row | Reject:
        """One record; the first problem found becomes the reject.

        ``raw`` is how a reject shows the record: the line as read, or by default the record
        as compact JSON (built only for rejects).
        """
        if not isinstance(record, Mapping):
            return Reject(
                line_no,
                RejectReason.INVALID_RECORD,
                f"the record is a JSON {json_type(record)}, not an object of weeklySummary fields",
                compact(record) if raw is None else raw,
            )
        try:
            row = self._accept(line_no, {canonical_name(str(k)): v for k, v in record.items()})
        except Invalid as problem:
            return Reject(line_no, problem.reason, problem.detail, compact(record) if raw is None else raw)
        self._rows[row[8]] = self._rows.get(row[8], 0) + 1
        self._shares[row[8]] = self._shares.get(row[8], 0) + row[5]
        if row[7] is not None:
            self.update_dates.add(row[7])
        return row

    def by_summary_type(self, rows: int, shares: int) -> dict[str, dict[str, int]]:
        """Accepted rows and shares by summary type (every record takes the full check)."""
        return {code: {"rows": n, "total_shares": self._shares[code]} for code, n in sorted(self._rows.items())}

    # ------------------------------------------------------------------ the definition
    def _accept(self, line_no: int, record: dict[str, object]) -> Row:
        code = self._summary_type(record)
        self._check_week(record)
        self._check_tier(record, "tierIdentifier")
        self._check_tier(record, "tierDescription")
        symbol = record_text(record, "issueSymbolIdentifier")
        issue_name = record_text(record, "issueName")
        mpid = record_text(record, "MPID")
        participant = record_text(record, "marketParticipantName")
        crd = record_text(record, "firmCRDNumber")
        if code.per_symbol:
            if symbol is None:
                raise Invalid(
                    RejectReason.MISSING_FIELD,
                    f"issueSymbolIdentifier is missing or empty (every {code} record names one)",
                )
        else:
            symbol = issue_name = None
        if code.per_firm:
            if mpid is None and participant is None and crd is None:
                raise Invalid(
                    RejectReason.MISSING_FIELD,
                    f"MPID, marketParticipantName and firmCRDNumber are all missing or empty "
                    f"(every {code} record names its venue or firm)",
                )
        else:
            mpid = participant = crd = None
        shares = record_count(record, "totalWeeklyShareQuantity")
        trades = record_count(record, "totalWeeklyTradeCount")
        notional = record_notional(record)
        update = self._optional_date(record, "lastUpdateDate")
        venue = mpid or crd or participant or ""
        first = self.keys.first_line(natural_key(symbol or "", venue, code.value), line_no)
        if first != line_no:
            what = f"issueSymbolIdentifier {shown(symbol)}" if symbol is not None else "no symbol"
            raise Invalid(
                RejectReason.DUPLICATE_KEY,
                f"the {code} record with {what} and venue {shown(venue)} already appeared on {self.unit} {first}",
            )
        return (
            line_no,
            symbol,
            issue_name,
            mpid,
            participant,
            shares,
            trades,
            update,
            code.value,
            crd,
            notional,
            self.week_start,
        )

    def _summary_type(self, record: dict[str, object]) -> SummaryType:
        text = record_text(record, "summaryTypeCode")
        if text is None:
            if self.summary_type is None:
                raise Invalid(
                    RejectReason.MISSING_FIELD,
                    "summaryTypeCode is missing: pass -p summary_type=CODE (the code the records were "
                    f"queried with; one of {_CODES})",
                )
            return self.summary_type
        code = SummaryType.lookup(text)
        if code is None:
            raise Invalid(RejectReason.UNKNOWN_SUMMARY_TYPE, f"summaryTypeCode {shown(text)} is not one of {_CODES}")
        return code

    def _check_week(self, record: dict[str, object]) -> None:
        text = record_text(record, "weekStartDate")
        if text is None:
            raise Invalid(RejectReason.MISSING_FIELD, "weekStartDate is missing or empty")
        day = iso_date(text.strip())
        if day is None:
            raise Invalid(
                RejectReason.INVALID_DATE, f"weekStartDate {shown(text)} is not a date of the form YYYY-MM-DD"
            )
        if day.isoformat() != self.week_start:
            raise Invalid(
                RejectReason.WEEK_MISMATCH,
                f"weekStartDate {shown(text)} is not the run's week start {self.week_start} "
                f"(week ending {self.week_ending})",
            )

    def _check_tier(self, record: dict[str, object], column: str) -> None:
        text = record_text(record, column)
        if text is None:
            return  # records of a response filtered on one tier may omit it; the run names the tier
        key = text.strip()
        if key not in self._tiers:
            try:
                self._tiers[key] = Tier.parse(key)
            except UnknownTier:
                self._tiers[key] = None
        parsed = self._tiers[key]
        if parsed is None:
            raise Invalid(RejectReason.UNKNOWN_TIER, f"{column} {shown(text)} is not a known tier")
        if parsed is not self.tier:
            raise Invalid(
                RejectReason.TIER_MISMATCH,
                f"{column} {shown(text)} is {parsed.value}, but this run ingests {self.tier}",
            )

    def _optional_date(self, record: dict[str, object], column: str) -> str | None:
        text = record_text(record, column)
        if text is None:
            return None
        day: date | None = iso_date(text.strip())
        if day is None:
            raise Invalid(RejectReason.INVALID_DATE, f"{column} {shown(text)} is not a date of the form YYYY-MM-DD")
        return day.isoformat()
