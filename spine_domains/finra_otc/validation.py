"""Validation of pipe-delimited data lines: each line becomes an accepted row or a :class:`Reject`.

Two paths give the same answer. :meth:`LineValidator.validate` is the definition: it checks
every field and explains the first problem. For the FINRA download layout (the one that comes
in millions of lines), :meth:`LineValidator.check_batch` runs a lean fast path first (split,
field count, digit checks, set look-ups, one key comparison) that accepts only lines the full
check would accept with the same row, and hands every other line to ``validate``. Keeping the
fast path a strict subset is what lets the two never disagree.

Summary types: every row of these layouts is per symbol and venue. A row with an MPID is an ATS
row (``ATS_W_SMBL_FIRM``); in the download layout a row with an empty MPID but a participant
name is a non-ATS firm (``OTC_W_SMBL_FIRM``), and so is FINRA's "De Minimis Firms" bucket (no
MPID either), which a later stage tells apart by its name.
"""

from __future__ import annotations

from datetime import date

from spine_core.errors import UnknownTier
from spine_core.rejects import Reject, RejectReason, split_outcomes
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.download_fast_path import line_by_line
from spine_domains.finra_otc.fields import Invalid, iso_date, parse_count, shown
from spine_domains.finra_otc.formats import DELIMITER, FINRA_DOWNLOAD, Field, Layout
from spine_domains.finra_otc.natural_keys import NaturalKeys, natural_key
from spine_domains.finra_otc.row import MAX_INT64, ROW_COLUMNS, Row
from spine_domains.finra_otc.summary_types import SummaryType
from spine_domains.finra_otc.tiers import Tier

__all__ = ["Row", "ROW_COLUMNS", "MAX_INT64", "LineValidator"]

_CACHE_LIMIT = 4096
_ATS = SummaryType.ATS_W_SMBL_FIRM.value
_NON_ATS = SummaryType.OTC_W_SMBL_FIRM.value


class LineValidator:
    """Validates the data lines of one file against its layout and the run's week and tier.

    Stateful: it remembers the natural keys seen so far, so a later duplicate is rejected
    naming the line of the first occurrence. It also keeps what the run summary reports: the
    ``lastUpdateDate`` values of accepted rows, and (:meth:`by_summary_type`) rows and shares
    by summary type.
    """

    def __init__(self, layout: Layout, week_ending: WeekEnding, tier: Tier) -> None:
        self.layout = layout
        self.week_ending = week_ending
        self.tier = tier
        self.week_start = week_ending.week_start.isoformat()
        self.update_dates: set[str] = set()  # lastUpdateDate values of accepted rows
        self.keys = NaturalKeys()
        # Rows the full check accepted and their shares, by summary type.
        self._full_rows: dict[str, int] = {}
        self._full_shares: dict[str, int] = {}
        self._week_text = str(week_ending)
        self._tiers: dict[str, Tier | None] = {}
        self._dates: dict[str, date | None] = {}
        # Raw texts of the tier and lastUpdateDate columns that the full check accepted (and
        # that rows store verbatim): the download fast path takes them with a set look-up.
        self._tier_ok: set[str] = set()
        self._date_ok: set[str] = set()

    def check_batch(self, lines: list[str], first_line_no: int) -> tuple[list[Row], list[Reject]]:
        """Validate consecutive lines starting at physical line ``first_line_no``."""
        if self.layout is FINRA_DOWNLOAD:
            return line_by_line(
                lines,
                first_line_no,
                self._tier_ok,
                self._date_ok,
                self.week_start,
                self.keys,
                self.validate,
            )
        # The simple and fixture layouts are small test files: the full check is fast enough.
        return split_outcomes(self.validate(line_no, line) for line_no, line in enumerate(lines, first_line_no))

    def by_summary_type(self, rows: int, shares: int) -> dict[str, dict[str, int]]:
        """Accepted rows and shares by summary type, given the run's totals.

        The full check counts what it accepts; the fast path accepts ``ATS_W_SMBL_FIRM`` rows
        only, so whatever the full check did not count is theirs (no per-row cost).
        """
        out = {code: {"rows": n, "total_shares": self._full_shares[code]} for code, n in self._full_rows.items()}
        fast_rows = rows - sum(self._full_rows.values())
        if fast_rows:
            ats = out.setdefault(_ATS, {"rows": 0, "total_shares": 0})
            ats["rows"] += fast_rows
            ats["total_shares"] += shares - sum(self._full_shares.values())
        return dict(sorted(out.items()))

    # ------------------------------------------------------------------ the definition
    def validate(self, line_no: int, line: str) -> Row | Reject:
        """Fully validate one line; the first problem found becomes the reject."""
        try:
            row = self._accept(line_no, line)
        except Invalid as problem:
            return Reject(line_no, problem.reason, problem.detail, line)
        code = row[8]
        self._full_rows[code] = self._full_rows.get(code, 0) + 1
        self._full_shares[code] = self._full_shares.get(code, 0) + row[5]
        return row

    def _accept(self, line_no: int, line: str) -> Row:
        if "\ufffd" in line:
            raise Invalid(RejectReason.INVALID_ENCODING, "the line holds bytes that are not UTF-8 (shown as U+FFFD)")
        if "\x00" in line:
            raise Invalid(RejectReason.INVALID_ENCODING, "the line holds a NUL character")
        if not line.strip():
            raise Invalid(RejectReason.BLANK_LINE, "blank line")
        parts = line.split(DELIMITER)
        if len(parts) != len(self.layout.fields):
            raise Invalid(RejectReason.WRONG_FIELD_COUNT, self._count_detail(line, len(parts)))
        values: dict[Field, object] = {}
        for raw, field, column in zip(parts, self.layout.fields, self.layout.columns, strict=True):
            if field is Field.TIER:
                self._check_tier(column, raw)
            elif field is Field.WEEK:
                self._check_week(column, raw)
            elif field is Field.SYMBOL:
                if not raw.strip():
                    raise Invalid(RejectReason.MISSING_FIELD, f"{column} is empty")
                values[field] = raw
            elif field is Field.MPID:
                values[field] = self._mpid(column, raw, values)
            elif field is Field.ISSUE_NAME or field is Field.PARTICIPANT_NAME:
                values[field] = raw or None
            elif field is Field.SHARES or field is Field.TRADES:
                values[field] = parse_count(column, raw)
            elif field is Field.UPDATE_DATE:
                values[field] = self._date(column, raw).isoformat()
        symbol = str(values[Field.SYMBOL])
        mpid = _optional(values[Field.MPID])
        participant = _optional(values.get(Field.PARTICIPANT_NAME))
        # No MPID: a non-ATS firm, named by its participant name (FINRA's "De Minimis Firms"
        # bucket among them, kept as such for a later stage to classify).
        code = _NON_ATS if mpid is None else _ATS
        venue = mpid if mpid is not None else str(participant)
        first = self.keys.first_line(natural_key(symbol, venue, code), line_no)
        if first != line_no:
            raise Invalid(RejectReason.DUPLICATE_KEY, self._duplicate_detail(symbol, mpid, venue, code, first))
        update = values.get(Field.UPDATE_DATE)
        self._remember_for_fast_path(parts, update)
        shares, trades = values[Field.SHARES], values[Field.TRADES]
        assert isinstance(shares, int) and isinstance(trades, int)
        return (
            line_no,
            symbol,
            _optional(values.get(Field.ISSUE_NAME)),
            mpid,
            participant,
            shares,
            trades,
            _optional(update),
            code,
            None,
            None,
            self.week_start,
        )

    def _mpid(self, column: str, raw: str, values: dict[Field, object]) -> str | None:
        """The MPID, or None for a non-ATS firm row (no MPID, but a participant name)."""
        if raw.strip():
            return raw
        participant_at = self.layout.index(Field.PARTICIPANT_NAME)
        if participant_at is None:
            raise Invalid(RejectReason.MISSING_FIELD, f"{column} is empty")
        participant = values.get(Field.PARTICIPANT_NAME)
        if participant is None or not str(participant).strip():
            raise Invalid(
                RejectReason.MISSING_FIELD,
                f"{column} and {self.layout.columns[participant_at]} are both empty "
                "(an ATS row needs the MPID, a non-ATS firm row the participant name)",
            )
        return None

    def _remember_for_fast_path(self, parts: list[str], update: object) -> None:
        # Only raw texts equal to what the row stores may skip the checks next time, so the
        # fast path copies them verbatim and still builds the very row this path would.
        tier_at = self.layout.index(Field.TIER)
        if tier_at is not None:
            self._tier_ok.add(parts[tier_at])
        update_at = self.layout.index(Field.UPDATE_DATE)
        if update is not None and update_at is not None:
            self.update_dates.add(str(update))
            if parts[update_at] == update:
                self._date_ok.add(str(update))

    def _duplicate_detail(self, symbol: str, mpid: str | None, venue: str, code: str, first: int) -> str:
        symbol_column = self.layout.column(Field.SYMBOL)
        if mpid is None:
            venue_text = f"{self.layout.column(Field.PARTICIPANT_NAME)} {shown(venue)} (a non-ATS firm, {code})"
        else:
            venue_text = f"{self.layout.column(Field.MPID)} {shown(venue)}" + ("" if code == _ATS else f" ({code})")
        return f"{symbol_column} {shown(symbol)} with {venue_text} already appeared on line {first}"

    # ------------------------------------------------------------------ field checks
    def _check_tier(self, column: str, raw: str) -> None:
        text = raw.strip()
        if not text:
            raise Invalid(RejectReason.MISSING_FIELD, f"{column} is empty")
        if text not in self._tiers:
            try:
                parsed: Tier | None = Tier.parse(text)
            except UnknownTier:
                parsed = None
            if len(self._tiers) < _CACHE_LIMIT:
                self._tiers[text] = parsed
        else:
            parsed = self._tiers[text]
        if parsed is None:
            raise Invalid(RejectReason.UNKNOWN_TIER, f"{column} {shown(raw)} is not a known tier")
        if parsed is not self.tier:
            raise Invalid(
                RejectReason.TIER_MISMATCH,
                f"{column} {shown(raw)} is {parsed.value}, but this run ingests {self.tier.value}",
            )

    def _check_week(self, column: str, raw: str) -> None:
        day = self._date(column, raw)
        if day != self.week_ending.value:
            raise Invalid(
                RejectReason.WEEK_MISMATCH,
                f"{column} {shown(raw)} is not the run's week ending {self._week_text}",
            )

    def _date(self, column: str, raw: str) -> date:
        text = raw.strip()
        if not text:
            raise Invalid(RejectReason.MISSING_FIELD, f"{column} is empty")
        if text in self._dates:
            day = self._dates[text]
        else:
            day = iso_date(text)
            if len(self._dates) < _CACHE_LIMIT:
                self._dates[text] = day
        if day is None:
            raise Invalid(RejectReason.INVALID_DATE, f"{column} {shown(raw)} is not a date of the form YYYY-MM-DD")
        return day

    def _count_detail(self, line: str, found: int) -> str:
        expected = len(self.layout.fields)
        if found == 1 and line.count(",") + 1 >= expected:
            return f"expected {expected} '|'-separated fields, found 1: the line seems to use ',' as delimiter"
        if found < expected:
            return f"expected {expected} '|'-separated fields, found {found}: the line looks truncated"
        return f"expected {expected} '|'-separated fields, found {found}: is there a '|' inside a value?"


def _optional(value: object) -> str | None:
    return None if value is None else str(value)
